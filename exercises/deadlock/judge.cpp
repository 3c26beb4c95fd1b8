// How a run of the deadlock exercise is judged: every transfer made, every balance exact.
#include <fmt/format.h>

#include <numeric>
#include <vector>

#include "exercises.hpp"

namespace concur::exercises {
namespace {

// Every transfer made and every balance exact: Clerk-(i+1) moves i+1 from account i to
// account i+1, the last one back to account 0, `transfers` times.
Judge ring_judge(long long accounts, long long transfers, long long balance) {
  return [=](const nlohmann::json& result) -> std::optional<std::string> {
    const long long made = integer_result(result, "transfers");
    const std::vector<long long> balances = integer_list_result(result, "balances");
    if (made != accounts * transfers)
      return fmt::format("only {} of the {} transfers were made", made, accounts * transfers);
    if (balances.size() != static_cast<std::size_t>(accounts))
      return fmt::format("the run reported {} balances for {} accounts", balances.size(), accounts);
    const long long total = std::accumulate(balances.begin(), balances.end(), 0LL);
    if (total != accounts * balance)
      return fmt::format("the accounts hold {} in all, not the {} they started with", total, accounts * balance);
    for (long long i = 0; i < accounts; ++i) {
      // Paid i+1 per transfer, received i per transfer (account 0: `accounts`, from the last clerk).
      const long long expected = balance - (i + 1) * transfers + (i == 0 ? accounts : i) * transfers;
      if (balances[static_cast<std::size_t>(i)] != expected)
        return fmt::format("account {} ends at {}, not {}", static_cast<char>('A' + i), balances[static_cast<std::size_t>(i)],
                           expected);
    }
    return std::nullopt;
  };
}

}  // namespace

Exercise deadlock_exercise() {
  // Clerk-(i+1) moves i+1 from account i to account i+1, the last one back to account 0.
  // Each transfer sleeps 50 µs between its two locks, so a clerk is often off its core
  // while it holds one: the ring closes within a few transfers even when the clerks share
  // one busy core. Without the pause the three clerks rarely overlapped on a loaded
  // machine and the starting point passed about one run in three (stress-ng --cpu 4).
  constexpr long long kAccounts = 3, kTransfers = 100, kBalance = 10'000;
  return {
      .name = "deadlock",
      .goal = fmt::format("Make the ring of transfers finish: {} clerks each make {} transfers between {} locked "
                          "accounts, with no DeadlockError, and every balance ends exact, in every run.",
                          kAccounts, kTransfers, kAccounts),
      .options = {"--accounts", fmt::format("{}", kAccounts), "--transfers", fmt::format("{}", kTransfers),
                  "--balance", fmt::format("{}", kBalance), "--paperwork", "0.00005"},
      .time_limit_s = 10,
      .judge = ring_judge(kAccounts, kTransfers, kBalance),
      .explore = {"--accounts", "3", "--transfers", "1", "--balance", "10"},
      .explore_judge = ring_judge(3, 1, 10),
  };
}

}  // namespace concur::exercises
