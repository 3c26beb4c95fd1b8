// bench_pipe - what concur::mp::Pipe() costs between two processes, next to the same
// job done with bare pipe2()/socketpair(), fork(), write() and read() in the same run.
//
// Three jobs, each against its floor:
// - one_way: a child sends small JSON messages ({"i": n}, an 8-to-12-byte frame) through
//   a one-way Pipe(false) while the parent recv()s them. One iteration is a batch of
//   kBatch messages. Floor: the child write()s a 12-byte record per message into a
//   pipe2() pipe and the parent read()s each one.
// - round_trip: the parent sends {"i": n} over a duplex Pipe() (a socketpair), the child
//   recv()s it and sends it back, the parent recv()s the echo. One iteration is one round
//   trip. Floor: a 1-byte ping-pong over two pipe2() pipes (and, to tell the socket's
//   share from the library's, over one socketpair).
// - 64MiB: one 64 MiB payload with send_bytes()/recv_bytes() on Pipe(false). Floor: the
//   same 64 MiB written and read with write()/read() on a pipe2() pipe, into a buffer
//   allocated once (recv_bytes() allocates a fresh string per message).
//
// Every child is started once per benchmark, before the timed loop, and ended after it:
// process start is bench_start's business. The child of a batch benchmark waits for a
// "go" byte on a plain pipe before each batch and ends when that pipe reaches end of
// file. All descriptors are closed and every child is reaped when a benchmark returns.
//
// As in bench_event, where the two processes run decides the figures more than the code
// does (a cross-core wake-up costs 30 to 115 us on this machine, a context switch on one
// core about 1.5 us; a 64 MiB payload through a 64 KiB pipe is a thousand handoffs).
// So every job runs three ways: placement:0 lets the scheduler choose, 1 pins both
// processes to one core, 2 to two different cores.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include <concur/mp/connection.hpp>
#include <concur/mp/entry.hpp>
#include <concur/mp/process.hpp>

#include "bench_os.hpp"

namespace {

namespace mp = concur::mp;
using namespace bench;  // write_all, read_all, FdPair, Record, reap, finish, Pinning, ... (bench_os.hpp)

constexpr int kBatch = 10'000;                               // messages per one_way iteration
constexpr benchmark::IterationCount kRoundTrips = 2000;      // per round_trip repetition
constexpr std::size_t kBig = std::size_t{64} << 20;          // the 64 MiB payload
constexpr benchmark::IterationCount kBigMessages = 8;        // per 64MiB repetition

// ---- one_way: small messages, one direction ---------------------------------------------

void BM_PipeOneWay(benchmark::State& state) {
  auto [reader, writer] = mp::Pipe(false);
  FdPair go = FdPair::pipe();
  mp::Process child([&] {
    go.close(1);  // or the "go" pipe never reaches end of file
    reader.close();
    char b;
    int i = 0;
    while (read_all(go[0], &b, 1))
      for (int k = 0; k < kBatch; ++k) writer.send({{"i", i++}});
  }, "sender");
  child.start();
  writer.close();
  go.close(0);
  {
    Pinning pinning(placement_of(state), *child.pid());
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    for (auto _ : state) {
      if (!write_all(go[1], "g", 1)) {
        state.SkipWithError("the child has gone");
        break;
      }
      long sum = 0;
      try {
        for (int k = 0; k < kBatch; ++k) sum += reader.recv()["i"].get<long>();
      } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        break;
      }
      benchmark::DoNotOptimize(sum);
    }
  }
  go.close(1);  // end of file: the child's loop ends
  finish(state, child);
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_PipeOneWay)
    ->Name("Pipe/one_way")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RawPipeOneWay(benchmark::State& state) { raw_records_one_way(state, kBatch); }
BENCHMARK(BM_RawPipeOneWay)
    ->Name("Floor/pipe2_write_read_12B")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- round_trip: send, echo, receive --------------------------------------------------

void BM_PipeRoundTrip(benchmark::State& state) {
  auto [parent_end, child_end] = mp::Pipe(true);
  mp::Process child([&] {
    parent_end.close();  // or our end never sees end of file
    try {
      for (;;) child_end.send(child_end.recv());
    } catch (const mp::EOFError&) {
      // the parent is done
    }
  }, "echo");
  child.start();
  child_end.close();
  {
    Pinning pinning(placement_of(state), *child.pid());
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    long i = 0;
    for (auto _ : state) {
      try {
        parent_end.send({{"i", i}});
        if (parent_end.recv()["i"].get<long>() != i++) {
          state.SkipWithError("an echo came back wrong");
          break;
        }
      } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        break;
      }
    }
  }
  parent_end.close();
  finish(state, child);
}
BENCHMARK(BM_PipeRoundTrip)
    ->Name("Pipe/round_trip")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kRoundTrips)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The floor: one byte there and back. `sockets`: over one socketpair (what a duplex
// Pipe() is) instead of two pipes.
void raw_ping_pong(benchmark::State& state, bool sockets) {
  FdPair there = sockets ? FdPair::sockets() : FdPair::pipe();
  FdPair back = sockets ? FdPair() : FdPair::pipe();
  // The parent writes ping_w and reads pong_r; the child reads ping_r and writes pong_w.
  const int ping_w = sockets ? there[0] : there[1];
  const int pong_r = sockets ? there[0] : back[0];
  const int ping_r = sockets ? there[1] : there[0];
  const int pong_w = sockets ? there[1] : back[1];
  const pid_t pid = fork_child([&] {
    if (sockets) {
      there.close(0);
    } else {
      there.close(1);
      back.close(0);
    }
    char b;
    while (read_all(ping_r, &b, 1))
      if (!write_all(pong_w, &b, 1)) return;
  });
  if (sockets) {
    there.close(1);
  } else {
    there.close(0);
    back.close(1);
  }
  {
    Pinning pinning(placement_of(state), pid);
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    char b = 'p';
    for (auto _ : state) {
      if (!write_all(ping_w, &b, 1) || !read_all(pong_r, &b, 1)) {
        state.SkipWithError("the child has gone");
        break;
      }
    }
  }
  there.close(0), there.close(1), back.close(0), back.close(1);  // end of file for the child
  finish_bare(state, pid);
}

void BM_RawPipePingPong(benchmark::State& state) { raw_ping_pong(state, false); }
BENCHMARK(BM_RawPipePingPong)
    ->Name("Floor/pipe2_ping_pong_1B")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kRoundTrips)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_RawSocketPingPong(benchmark::State& state) { raw_ping_pong(state, true); }
BENCHMARK(BM_RawSocketPingPong)
    ->Name("Floor/socketpair_ping_pong_1B")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kRoundTrips)->UseRealTime()->Unit(benchmark::kMicrosecond);

// ---- 64MiB: one big payload -----------------------------------------------------------

// The payload, touched once before any child is forked, so neither side page-faults on it.
const std::string& big_payload() {
  static const std::string payload(kBig, 'x');
  return payload;
}

void BM_PipeBig(benchmark::State& state) {
  const std::string& payload = big_payload();
  auto [reader, writer] = mp::Pipe(false);
  FdPair go = FdPair::pipe();
  mp::Process child([&] {
    go.close(1);
    reader.close();
    char b;
    while (read_all(go[0], &b, 1)) writer.send_bytes(payload);
  }, "sender");
  child.start();
  writer.close();
  go.close(0);
  {
    Pinning pinning(placement_of(state), *child.pid());
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    for (auto _ : state) {
      if (!write_all(go[1], "g", 1)) {
        state.SkipWithError("the child has gone");
        break;
      }
      try {
        const std::string got = reader.recv_bytes();
        if (got.size() != kBig) {
          state.SkipWithError("short payload");
          break;
        }
        benchmark::DoNotOptimize(got.data());
      } catch (const std::exception& e) {
        state.SkipWithError(e.what());
        break;
      }
    }
  }
  go.close(1);
  finish(state, child);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBig));
}
BENCHMARK(BM_PipeBig)
    ->Name("Pipe/64MiB_send_bytes")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kBigMessages)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RawPipeBig(benchmark::State& state) {
  const std::string& payload = big_payload();
  std::vector<char> buffer(kBig, '\0');  // touched: the floor reads into resident memory
  FdPair data = FdPair::pipe();
  FdPair go = FdPair::pipe();
  const pid_t pid = fork_child([&] {
    data.close(0);
    go.close(1);
    char b;
    while (read_all(go[0], &b, 1))
      if (!write_all(data[1], payload.data(), payload.size())) return;
  });
  data.close(1);
  go.close(0);
  {
    Pinning pinning(placement_of(state), pid);
    if (!pinning.ok()) state.SkipWithError("could not pin the processes");
    for (auto _ : state) {
      if (!write_all(go[1], "g", 1) || !read_all(data[0], buffer.data(), buffer.size())) {
        state.SkipWithError("the child has gone");
        break;
      }
      benchmark::DoNotOptimize(buffer.data());
    }
  }
  go.close(1);
  finish_bare(state, pid);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBig));
}
BENCHMARK(BM_RawPipeBig)
    ->Name("Floor/pipe2_write_read_64MiB")->ArgName("placement")->DenseRange(kScheduler, kOtherCores)
    ->Iterations(kBigMessages)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

// Its own main, as every program whose children may be spawned: run_if_spawned() first
// (here every child is forked, so it just returns), then Google Benchmark's usual main.
int main(int argc, char** argv) { return bench::run_benchmarks(argc, argv); }
