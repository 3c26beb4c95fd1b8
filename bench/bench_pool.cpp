// bench_pool: what a call through mp::Pool and mp::Manager costs, next to the floor of a
// bare request/reply between two processes measured in the same run.
//
// - Pool/apply_async_round_trip: apply_async(...).get() of a task that returns its
//   argument, one call at a time, on a Pool(1).
// - Pool/map_small_items: map() over 1,000,000 small ints with the default chunking, on
//   a Pool(2): items/s.
// - Manager/dict_get, Manager/dict_set: one proxy call each.
// - Floor/socket_round_trip: a forked child echoes one byte over a socketpair; what any
//   request/reply between two processes costs at least (two wake-ups).
//
// The Manager lines and their floor run at three placements, as bench_pipe's: 0 lets the
// scheduler place this process and the server (or the echo child), 1 pins both to one
// core, 2 to two different cores (every thread of the server: it serves each client on a
// thread of its own). The Pool lines run at the scheduler's placement.
// - Floor/map_in_process: the same 1,000,000 items through the task in this process
//   (no pool): what the work itself costs.
#include <benchmark/benchmark.h>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <concur/mp/manager.hpp>
#include <concur/mp/pool.hpp>

#include "bench_os.hpp"

namespace {

namespace mp = concur::mp;

nlohmann::json echo(const nlohmann::json& x) { return x; }
CONCUR_TASK(echo);

nlohmann::json twice(const nlohmann::json& x) { return 2 * x.get<long long>(); }
CONCUR_TASK(twice);

void Pool_apply_async_round_trip(benchmark::State& state) {
  mp::Pool pool(1);
  long long i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(pool.apply_async("echo", ++i).get());
  pool.close();
  pool.join();
}
BENCHMARK(Pool_apply_async_round_trip)->Name("Pool/apply_async_round_trip")->UseRealTime();

const std::vector<nlohmann::json>& million() {
  static const std::vector<nlohmann::json> items = [] {
    std::vector<nlohmann::json> v;
    v.reserve(1'000'000);
    for (long long i = 0; i < 1'000'000; ++i) v.emplace_back(i);
    return v;
  }();
  return items;
}

void Pool_map_small_items(benchmark::State& state) {
  mp::Pool pool(2);
  // One untimed map first: the first one also pays for the workers' memory growing to
  // hold a chunk of a million items (page faults, each about 15 us on a VM), which would
  // be a third of a 0.2 s measurement and is paid once per pool.
  benchmark::DoNotOptimize(pool.map("twice", million()));
  for (auto _ : state) benchmark::DoNotOptimize(pool.map("twice", million()));
  state.SetItemsProcessed(state.iterations() * 1'000'000);
  pool.close();
  pool.join();
}
BENCHMARK(Pool_map_small_items)->Name("Pool/map_small_items")->UseRealTime()->Unit(benchmark::kMillisecond);

void Floor_map_in_process(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<nlohmann::json> out;
    out.reserve(million().size());
    for (const nlohmann::json& x : million()) out.push_back(twice(x));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * 1'000'000);
}
BENCHMARK(Floor_map_in_process)->Name("Floor/map_in_process")->UseRealTime()->Unit(benchmark::kMillisecond);

void Manager_dict_get(benchmark::State& state) {
  mp::Manager manager;
  mp::DictProxy d = manager.dict({{"key", 42}});
  benchmark::DoNotOptimize(d.get("key"));  // the proxy's connection, and the server's thread for it
  bench::Pinning pinning(bench::placement_of(state), *manager.pid());
  if (!pinning.ok()) state.SkipWithError("could not pin the processes");
  for (auto _ : state) benchmark::DoNotOptimize(d.get("key"));
}
BENCHMARK(Manager_dict_get)
    ->Name("Manager/dict_get")->ArgName("placement")->DenseRange(bench::kScheduler, bench::kOtherCores)
    ->UseRealTime();

void Manager_dict_set(benchmark::State& state) {
  mp::Manager manager;
  mp::DictProxy d = manager.dict();
  long long i = 0;
  d.set("key", ++i);  // the proxy's connection, and the server's thread for it
  bench::Pinning pinning(bench::placement_of(state), *manager.pid());
  if (!pinning.ok()) state.SkipWithError("could not pin the processes");
  for (auto _ : state) d.set("key", ++i);
}
BENCHMARK(Manager_dict_set)
    ->Name("Manager/dict_set")->ArgName("placement")->DenseRange(bench::kScheduler, bench::kOtherCores)
    ->UseRealTime();

void Floor_socket_round_trip(benchmark::State& state) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    state.SkipWithError("socketpair failed");
    return;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(sv[0]);
    char c;
    while (::read(sv[1], &c, 1) == 1)
      if (::write(sv[1], &c, 1) != 1) break;
    ::_exit(0);
  }
  ::close(sv[1]);
  {
    bench::Pinning pinning(bench::placement_of(state), child);
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    char c = 'x';
    for (auto _ : state) {
      if (::write(sv[0], &c, 1) != 1 || ::read(sv[0], &c, 1) != 1) {
        state.SkipWithError("echo failed");
        break;
      }
    }
  }
  ::close(sv[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
}
BENCHMARK(Floor_socket_round_trip)
    ->Name("Floor/socket_round_trip")->ArgName("placement")->DenseRange(bench::kScheduler, bench::kOtherCores)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return bench::run_benchmarks(argc, argv); }
