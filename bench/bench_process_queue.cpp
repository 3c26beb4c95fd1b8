// bench_process_queue - how many items per second concur::mp::Queue hands from one
// producer process to one consumer process, next to the same item count written and
// read through a bare pipe2() pipe in the same run.
//
// One iteration is a batch: the producer, a forked child started once before the timed
// loop, puts kBatch items ({"i": n}, 8 to 12 bytes with the queue's length word) when it
// reads a "go" byte from a plain pipe; the parent get()s them all. The child ends when
// the "go" pipe reaches end of file, after the loop, and is reaped there. The queue's
// ring (1 MiB by default) holds a whole batch, so the producer may run ahead of the
// consumer, as with Python's unbounded multiprocessing.Queue().
//
// Floor: the child write()s one 12-byte record per item into a pipe, the parent read()s
// each one (as bench_pipe's one_way floor).
//
// placement:0 lets the scheduler place the two processes, 1 pins both to one core, 2 to
// two different cores (see bench_pipe and bench_event).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <exception>

#include <nlohmann/json.hpp>

#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>
#include <concur/mp/queue.hpp>

#include "bench_os.hpp"

namespace {

namespace mp = concur::mp;
using namespace bench;  // write_all, read_all, FdPair, Record, reap, finish, Pinning, ... (bench_os.hpp)

constexpr int kBatch = 10'000;  // items per iteration

// ---- the queue ------------------------------------------------------------------------

void BM_QueueOneToOne(benchmark::State& state) {
  mp::Queue queue;
  FdPair go = FdPair::pipe();
  mp::Process producer([&] {
    go.close(1);  // or the "go" pipe never reaches end of file
    char b;
    int i = 0;
    while (read_all(go[0], &b, 1))
      for (int k = 0; k < kBatch; ++k) queue.put({{"i", i++}});
  }, "producer");
  producer.start();
  go.close(0);
  {
    Pinning pinning(placement_of(state), *producer.pid());
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    for (auto _ : state) {
      if (!write_all(go[1], "g", 1)) {
        state.SkipWithError("the producer has gone");
        break;
      }
      long sum = 0;
      try {
        // A generous timeout: a dead producer is an error here, not a hang.
        for (int k = 0; k < kBatch; ++k) sum += queue.get(true, 10.0)["i"].get<long>();
      } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        break;
      }
      benchmark::DoNotOptimize(sum);
    }
  }
  go.close(1);  // end of file: the producer's loop ends
  finish(state, producer, "producer");
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_QueueOneToOne)
    ->Name("mp::Queue/1x1")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- the floor ------------------------------------------------------------------------

void BM_RawPipeOneToOne(benchmark::State& state) { raw_records_one_way(state, kBatch); }
BENCHMARK(BM_RawPipeOneToOne)
    ->Name("Floor/pipe2_write_read_12B")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// Its own main, as every program whose children may be spawned: run_if_spawned() first
// (here the producer is forked, so it just returns), then Google Benchmark's usual main.
int main(int argc, char** argv) { return bench::run_benchmarks(argc, argv); }
