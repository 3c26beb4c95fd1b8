// demos/lecture11/work.hpp - the work the Lecture 11 pool examples hand out, written once:
// a nap then a square (11.11 pool, 11.13 executors), the notes' multiply (starmap), and
// counting the primes in a chunk of numbers (11.12 primes). The demos show who does the
// work and how it is handed out; each registers the tasks it sends to other processes
// (CONCUR_TASK: a name a worker started with spawn can look up).
#pragma once

#include <concur/concur.hpp>

namespace concur::demos {

// Naps job["ns"] nanoseconds, then returns job["n"] squared; a negative n throws.
inline nlohmann::json nap_then_square(const nlohmann::json& job) {
  std::this_thread::sleep_for(std::chrono::nanoseconds(job["ns"].get<long long>()));
  const long long n = job["n"];
  if (n < 0) throw std::domain_error(fmt::format("{} is negative", n));
  return n * n;
}

// The jobs for the squares of 1..count, each napping `nap` first.
inline std::vector<nlohmann::json> square_jobs(long long count, std::chrono::nanoseconds nap) {
  std::vector<nlohmann::json> jobs;
  for (long long n = 1; n <= count; ++n) jobs.push_back({{"n", n}, {"ns", nap.count()}});
  return jobs;
}

// The notes' multiply, for starmap: [a, b] in, a * b out.
inline nlohmann::json multiply(const nlohmann::json& pair) { return pair[0].get<long long>() * pair[1].get<long long>(); }

// How many primes in [from, to), by trial division: pure computation, no waiting.
struct Chunk {
  long long from, to;
};
inline long long count_primes(Chunk c) {
  long long found = 0;
  for (long long n = std::max(c.from, 2LL); n < c.to; ++n) {
    bool prime = n == 2 || n % 2 != 0;
    for (long long d = 3; prime && d * d <= n; d += 2) prime = n % d != 0;
    found += prime;
  }
  return found;
}

// The same as a pool task: [from, to] in, its count and who counted it out.
inline nlohmann::json count_primes_task(const nlohmann::json& chunk) {
  return {{"primes", count_primes({chunk[0], chunk[1]})}, {"pid", mp::current_pid()}};
}

}  // namespace concur::demos
