// Exercise: deadlock (s.4). Make every transfer go through.
//
// Accounts A, B, C, ... stand in a ring, each with its own lock. Clerk-1 pays from A into
// B, Clerk-2 from B into C, and so on, the last clerk from the last account back into A:
// many transfers each, all clerks at once. A transfer locks the account it pays from,
// does its paperwork, then locks the account it pays into. As written, a run often ends in a DeadlockError (where
// Python's locks would simply hang), and the clerk that got it never makes the rest of
// its transfers. Change the program so that every transfer is made and every balance
// ends right, in every run, with the clerks still working at the same time.
//
//   concur check deadlock     builds this file and runs it 20 times with jitter
//   concur hint deadlock      one hint at a time
//
// Keep the options and the run.result(...) lines: the check reads "transfers" and "balances".

#include <concur/concur.hpp>

#include <chrono>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

namespace concur::demos {

struct Account {
  Account(std::size_t place, long long opening)
      : number(place), lock(fmt::format("account {}", static_cast<char>('A' + place))), balance(opening) {}
  const std::size_t number;  // its place in the ring: A is 0, B is 1, ...
  Mutex lock;
  long long balance;  // guarded by lock
};

// Moves `amount` from one account to the other, holding both locks.
static void transfer(Account& from, Account& to, long long amount, std::chrono::nanoseconds paperwork) {
  std::lock_guard take(from.lock);
  sleep_for(paperwork);  // fills in the slip, holding one lock
  std::lock_guard give(to.lock);
  from.balance -= amount;
  to.balance += amount;
}

static void ring_of_transfers(Run& run) {
  const auto n = static_cast<std::size_t>(run.integer("accounts"));
  const long long transfers = run.integer("transfers");
  const auto paperwork = run.duration("paperwork");
  std::deque<Account> accounts;  // a deque, since a Mutex cannot move
  for (std::size_t i = 0; i < n; ++i) accounts.emplace_back(i, run.integer("balance"));
  std::vector<long long> made(n);  // slot i: Clerk-(i+1) only

  auto clerk = [&](std::size_t i) {  // pays i+1 each time from account i into the next
    for (long long k = 0; k < transfers; ++k) {
      transfer(accounts[i], accounts[(i + 1) % n], static_cast<long long>(i) + 1, paperwork);
      ++made[i];
    }
    say("made all {} transfers", transfers);
  };
  std::deque<Thread> clerks;
  for (std::size_t i = 0; i < n; ++i) clerks.emplace_back([&clerk, i] { clerk(i); }, fmt::format("Clerk-{}", i + 1));
  for (Thread& c : clerks) c.start();
  for (Thread& c : clerks) c.join();

  std::vector<long long> balances;  // the clerks are gone: no lock needed to read
  for (const Account& a : accounts) balances.push_back(a.balance);
  run.result("transfers", std::accumulate(made.begin(), made.end(), 0LL));
  run.result("balances", balances);
  for (Thread& c : clerks)  // a clerk's DeadlockError ends the run with its message
    if (c.exception()) std::rethrow_exception(c.exception());
}

Example deadlock() {
  return {
      .id = "s.4",
      .name = "deadlock",
      .title = "Deadlock (exercise)",
      .lecture = 0,
      .summary = "Make a ring of transfers between locked accounts finish.",
      .params = {Param::integer("accounts", "accounts in the ring, one clerk each", 3, 2, 26),
                 Param::integer("transfers", "transfers each clerk makes", 1000, 1, 1'000'000),
                 Param::integer("balance", "money in each account at the start", 10'000, 0, 1'000'000'000),
                 Param::seconds("paperwork", "seconds a transfer takes between its two locks", 0.0001, 0.0, 1.0)},
      .variants = {{"exercise", ring_of_transfers}},
      // How `concur step` and `explore` (and the check's exploration) run it: small.
      .controlled = ControlledRuns{.small = {{"transfers", 1}, {"balance", 10}},
                                   .outcome = "{transfers} transfers, balances {balances}"},
  };
}

}  // namespace concur::demos
