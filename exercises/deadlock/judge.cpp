// How a run of the deadlock exercise is judged: every transfer made, every balance exact.
#include <fmt/format.h>

#include <numeric>
#include <vector>

#include "exercises.hpp"

namespace concur::exercises {

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
      .judge = [=](const nlohmann::json& result) -> std::optional<std::string> {
        const long long made = integer_result(result, "transfers");
        const std::vector<long long> balances = integer_list_result(result, "balances");
        if (made != kAccounts * kTransfers)
          return fmt::format("only {} of the {} transfers were made", made, kAccounts * kTransfers);
        if (balances.size() != static_cast<std::size_t>(kAccounts))
          return fmt::format("the run reported {} balances for {} accounts", balances.size(), kAccounts);
        const long long total = std::accumulate(balances.begin(), balances.end(), 0LL);
        if (total != kAccounts * kBalance)
          return fmt::format("the accounts hold {} in all, not the {} they started with", total, kAccounts * kBalance);
        for (long long i = 0; i < kAccounts; ++i) {
          // Paid i+1 per transfer, received i per transfer (account 0: kAccounts, from the last clerk).
          const long long expected = kBalance - (i + 1) * kTransfers + (i == 0 ? kAccounts : i) * kTransfers;
          if (balances[static_cast<std::size_t>(i)] != expected)
            return fmt::format("account {} ends at {}, not {}", static_cast<char>('A' + i),
                               balances[static_cast<std::size_t>(i)], expected);
        }
        return std::nullopt;
      },
  };
}

}  // namespace concur::exercises
