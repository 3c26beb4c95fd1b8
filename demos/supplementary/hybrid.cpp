// s.12 hybrid: threads download while a process computes, both at the same time.
//
// Each kind of work gets the tool that suits it: downloads are waiting, so threads do
// them (cheap, and a waiting thread uses no CPU); the factorial is pure computation, so
// it gets a process of its own (in Python, the only way around the GIL). Run one after
// the other, the batch takes the sum of the two; started together, about the longer of
// the two. Watch the `together` run: the process's lines interleave with the downloads.

#include <concur/concur.hpp>

#include <cmath>

namespace concur::demos {

// The CPU-bound job: n! exactly, in base-10^9 limbs, then its number of digits.
static long long factorial_digits(long long n) {
  std::vector<std::uint64_t> limbs{1};  // least significant first
  for (long long i = 2; i <= n; ++i) {
    std::uint64_t carry = 0;
    for (std::uint64_t& limb : limbs) {
      const std::uint64_t x = limb * static_cast<std::uint64_t>(i) + carry;
      limb = x % 1'000'000'000;
      carry = x / 1'000'000'000;
    }
    for (; carry > 0; carry /= 1'000'000'000) limbs.push_back(carry % 1'000'000'000);
  }
  return 9 * static_cast<long long>(limbs.size() - 1) + static_cast<long long>(std::to_string(limbs.back()).size());
}

static void compute_factorial(const nlohmann::json& args, mp::Handed handed) {
  mp::Connection answer = mp::Connection::adopt(std::move(handed.at(0)));
  const long long n = args["n"];
  say("computing {}!", n);
  const auto began = Clock::now();
  const long long digits = factorial_digits(n);
  say("done: {}! has {} digits", n, digits);
  answer.send({{"digits", digits}, {"seconds", to_seconds(Clock::now() - began)}});
}
CONCUR_ENTRY(compute_factorial);

// Both jobs. `together`: start the process first, then download while it computes.
static void run_jobs(Run& run, bool together) {
  const long long n = run.integer("factorial");
  LocalWebServer site({.latency = run.duration("latency"), .body_bytes = 50'000,
                       .threads = run.integer<int>("downloads") + 2});
  auto [answer_in, answer_out] = mp::Pipe(false);
  mp::Process cruncher(mp::Target{"compute_factorial", {{"n", n}}, {answer_out.fileno()}}, "Cruncher",
                       mp::start_method_of(run));
  const auto began = Clock::now();
  if (together) cruncher.start();  // computing from now on, on a core of its own

  std::deque<Thread> downloaders;  // one thread per file
  std::atomic<long long> fetched{0}, bytes{0};
  for (const std::string& url : site.page_urls(run.integer<int>("downloads")))
    downloaders.emplace_back([&, url] {
      say("starting download of {}", url);
      const Response file = http_get(url);
      say("download complete: {} bytes", file.bytes);
      fetched += file.ok();
      bytes += static_cast<long long>(file.bytes);
    });
  for (Thread& t : downloaders) t.start();
  for (Thread& t : downloaders) t.join();
  const double io_s = to_seconds(Clock::now() - began);

  if (!together) cruncher.start();  // only now
  answer_out.close();
  const nlohmann::json answer = answer_in.recv();
  cruncher.join();
  const double total_s = to_seconds(Clock::now() - began);
  const long long digits = answer["digits"];
  const double cpu_s = answer["seconds"];

  const long long expected_digits = static_cast<long long>(std::floor(std::lgamma(n + 1.0) / std::log(10.0))) + 1;
  run.result({{"downloads", fetched.load()}, {"bytes", bytes.load()}, {"digits", digits}, {"io_s", io_s},
              {"cpu_s", cpu_s}, {"total_s", total_s}});
  run.check("every download finished", fetched == run.integer("downloads"), "{} files", fetched.load());
  run.check("the process computed n! right", digits == expected_digits && cruncher.exitcode() == 0,
            "{} digits (log-gamma says {}), {}", digits, expected_digits, cruncher.describe_exit());
  if (together)
    run.likely("total is about the longer job, not the sum", total_s < 0.85 * (io_s + cpu_s) || io_s < 0.1 * cpu_s,
               "{:.2f} s; downloads {:.2f} s, computing {:.2f} s", total_s, io_s, cpu_s);
  run.explain(together ? "The downloads waited on the network while the process computed on a core of its own: the "
                         "two overlapped, so the total is close to the longer of them."
                       : "One after the other: first every download, then the factorial. The total is their sum.");
}

Example hybrid() {
  return {
      .params = {Param::integer("downloads", "files the threads download, one thread each", 4, 1, 64),
                 Param::seconds("latency", "how long the local server takes to answer", 0.5, 0, 10),
                 Param::integer("factorial", "the process computes this number's factorial", 30'000, 1, 1'000'000),
                 mp::start_method_param()},
      .variants = {{"one-after-another", [](Run& r) { run_jobs(r, false); }},
                   {"together", [](Run& r) { run_jobs(r, true); }}},
      .baseline = "one-after-another",
  };
}

}  // namespace concur::demos
