// s.16 coroutines-vs-threads: what one more unit of concurrency costs, measured.
//
// Start --units units that each wait --wait seconds, as threads, then as coroutines, and
// measure per unit, while all are alive, the memory gained (the resident set, or the heap
// if it grew more, plus the kernel's thread stacks: memory_use()) and the start time. A thread has
// a kernel task, a kernel stack and a stack of its own (8 MiB of address space, the pages
// it touches resident); a coroutine is a heap frame holding its locals (here, a timer),
// and starting one is a function call on the loop, not a system call.

#include <concur/coro.hpp>

#include <latch>

namespace concur::demos {

struct Cost {
  double start_us = 0;  // per unit: from the first start to the last one running
  MemoryUse grew;       // while all of them were alive
};

static void as_threads(Cost& cost, int units, std::chrono::nanoseconds wait) {
  const MemoryUse before = memory_use();
  std::latch running(units);
  Event go("all started");
  std::deque<Thread> threads;
  struct Release { Event& go; ~Release() { go.set(); } } release{go};  // always let go before the joins
  const std::int64_t began = RunClock::elapsed_ns();
  for (int i = 0; i < units; ++i)
    threads.emplace_back([&] { running.count_down(); go.wait(); std::this_thread::sleep_for(wait); }).start();
  running.wait();  // every thread is running
  cost.start_us = (RunClock::elapsed_ns() - began) / 1e3 / units;
  const MemoryUse alive = memory_use();
  say("{} threads are alive", units);
  go.set();
  for (Thread& t : threads) t.join();
  cost.grew = alive - before;
}

static void as_coroutines(Cost& cost, int units, std::chrono::nanoseconds wait) {
  const MemoryUse before = memory_use();
  int running = 0;
  MemoryUse alive;
  const std::int64_t began = RunClock::elapsed_ns();
  coro::run([&]() -> coro::Task<void> {
    auto unit = [&]() -> coro::Task<void> {
      if (++running == units) {  // the last one to start: every unit is alive now
        cost.start_us = (RunClock::elapsed_ns() - began) / 1e3 / units;
        alive = memory_use();
        say("{} coroutines are alive", units);
      }
      asio::steady_timer timer(co_await asio::this_coro::executor, wait);  // the unit's one local
      co_await timer.async_wait(asio::use_awaitable);
    };
    std::vector<coro::Task<void>> all;
    for (int i = 0; i < units; ++i) all.push_back(unit());
    co_await coro::gather(std::move(all));
  }());
  cost.grew = alive - before;
}

static void measure(Run& run) {
  const int units = run.integer<int>("units");
  Cost cost;
  const RecordingPaused quiet;  // the units' cost, not the timeline's record of them
  if (run.variant() == "threads") as_threads(cost, units, run.duration("wait"));
  else as_coroutines(cost, units, run.duration("wait"));
  const double rss = 1.0 * cost.grew.resident_bytes / units, kernel = 1.0 * cost.grew.kernel_stack_bytes / units;
  const double memory = std::max(rss, 1.0 * cost.grew.heap_bytes / units) + kernel, thread_us = run.baseline() ? run.baseline()->result.value("start_us_per_unit", 0.0) : 0;
  run.result({{"units", units}, {"start_us_per_unit", cost.start_us}, {"memory_bytes_per_unit", memory},
              {"rss_bytes_per_unit", rss}, {"heap_bytes_per_unit", 1.0 * cost.grew.heap_bytes / units},
              {"kernel_stack_bytes_per_unit", kernel},
              {"virtual_bytes_per_unit", 1.0 * cost.grew.virtual_bytes / units}});
  say("per {}: {:.2f} µs to start, {:.0f} bytes of memory ({:.0f} of them kernel stack)", run.variant(), cost.start_us,
      memory, kernel);
  const BaselineFigures* threads = run.baseline();
  if (threads == nullptr) return run.explain("Each thread cost {:.1f} µs to start and {:.1f} KiB of memory while it "
                                             "waited.", cost.start_us, memory / 1024);
  const double thread_bytes = threads->result.value("memory_bytes_per_unit", 0.0);
  const double memory_x = thread_bytes / std::max(memory, 1.0);
  const double start_x = thread_us / std::max(cost.start_us, 1e-3);
  run.result({{"memory_ratio", memory_x}, {"start_ratio", start_x}});
  run.likely("a coroutine costs at least 10x less memory than a thread", memory_x >= 10, "{:.0f}x less", memory_x);
  run.likely("a coroutine starts at least 10x faster than a thread", start_x >= 10, "{:.0f}x faster", start_x);
  run.explain("A coroutine cost {:.0f}x less memory ({:.0f} bytes against {:.1f} KiB) and started {:.0f}x faster "
              "({:.2f} µs against {:.1f} µs) than a thread. That is why one loop can keep tens of thousands of waits "
              "in flight where threads would run out of memory first.", memory_x, memory, thread_bytes / 1024,
              start_x, cost.start_us, thread_us);
}

Example coroutines_vs_threads() {
  return {
      .params = {Param::integer("units", "threads, then coroutines, to start", 10'000, 1, 100'000),
                 Param::seconds("wait", "how long each unit waits once all are alive", 0.1, 0.0, 10.0)},
      .variants = {{"threads", measure}, {"coroutines", measure}},
      .baseline = "threads",
  };
}

}  // namespace concur::demos
