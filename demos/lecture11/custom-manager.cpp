// 11.9 custom-manager: a type of your own, living in the manager's server.
//
// Registering a type with the manager (Python's BaseManager.register) lets the server make
// objects of it. A proxy's call names a method; the method runs in the server, on the
// one object there, and only its result travels back. Here an Account keeps a balance
// and a ledger; workers deposit and withdraw through proxies, and each call also says
// which process ran it: always the server, never the worker.

#include <concur/concur.hpp>

namespace concur::demos {

// The state lives in the server; only what the methods return leaves it.
struct Account {
  long long balance = 0;
  long long operations = 0;
};

CONCUR_MANAGED(Account, (mp::Methods<Account>{
    {"deposit", [](Account& a, const nlohmann::json& args) {
       a.balance += args.at(0).get<long long>();
       ++a.operations;
       return nlohmann::json{{"balance", a.balance}, {"ran_in", mp::current_pid()}};
     }},
    {"withdraw", [](Account& a, const nlohmann::json& args) {
       const long long amount = args.at(0);
       if (amount > a.balance) throw std::runtime_error(fmt::format("insufficient funds for {}", amount));
       a.balance -= amount;
       ++a.operations;
       return nlohmann::json{{"balance", a.balance}, {"ran_in", mp::current_pid()}};
     }},
    {"balance", [](Account& a, const nlohmann::json&) { return nlohmann::json(a.balance); }},
    {"operations", [](Account& a, const nlohmann::json&) { return nlohmann::json(a.operations); }},
}));

// What each worker runs: `rounds` deposits of 10 and withdrawals of 3.
static void bank(const nlohmann::json& args, mp::Handed) {
  mp::BaseProxy account(args["account"]);
  nlohmann::json last;
  for (int i = 0; i < args["rounds"].get<int>(); ++i) {
    account.call("deposit", {10});
    last = account.call("withdraw", {3});
  }
  say("done; my pid is {}, the last call ran in pid {}", mp::current_pid(), last["ran_in"].get<int>());
}
CONCUR_ENTRY(bank);

static void use_custom_type(Run& run) {
  const int workers = run.integer<int>("workers");
  const int rounds = run.integer<int>("rounds");
  mp::Manager manager(mp::start_method_of(run));
  mp::BaseProxy account = manager.create("Account");
  say("an Account lives in the manager's server, pid {}", *manager.pid());

  std::deque<mp::Process> children;
  for (int n = 1; n <= workers; ++n)
    children.emplace_back(mp::Target{"bank", {{"account", account.token()}, {"rounds", rounds}}},
                          fmt::format("Worker-{}", n), mp::start_method_of(run));
  for (mp::Process& c : children) c.start();
  for (mp::Process& c : children) c.join();

  std::string refused;
  try {
    account.call("withdraw", {1'000'000'000});
  } catch (const mp::RemoteError& e) {
    refused = e.what();
    say("a withdrawal too big came back as an error: {}", refused);
  }
  const long long balance = account.call("balance").get<long long>();
  const long long operations = account.call("operations").get<long long>();
  const long long expected = 7LL * workers * rounds;
  say("balance {} after {} operations", balance, operations);
  run.result({{"balance", balance}, {"expected_balance", expected}, {"operations", operations},
              {"server_pid", *manager.pid()}});
  run.check("every deposit and withdrawal counted", balance == expected && operations == 2LL * workers * rounds,
            "balance {}, expected {}", balance, expected);
  run.check("the method's error came back to the caller", refused.find("insufficient funds") != std::string::npos,
            refused);
  manager.shutdown();
  run.explain("The methods ran in the server, one call at a time on the one Account, so no update was lost and "
              "no worker ever held the balance itself.");
}

Example custom_manager() {
  return {
      .params = {Param::integer("workers", "worker processes", 3, 1, 32),
                 Param::integer("rounds", "deposit + withdraw rounds per worker", 20, 1, 100'000),
                 mp::start_method_param()},
      .variants = {{"custom", use_custom_type}},
  };
}

}  // namespace concur::demos
