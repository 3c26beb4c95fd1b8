// 11.10 remote-manager: a manager served over TCP, used from other programs with a key.
//
// Three programs, one per terminal (or all three at once with no command):
//   concur remote-manager serve            (11.10.1) serves a queue named "queue"
//   concur remote-manager put VALUE        (11.10.2) puts VALUE in it
//   concur remote-manager get              (11.10.3) takes the next value out
// Every connection first proves it knows the key (CONCUR_AUTHKEY, or --authkey-file):
// the client answers the server's random challenge, then checks the server's answer
// before asking anything. The key never travels; the server bounds every client.

#include <concur/concur.hpp>

namespace concur::demos {

// All three at once, on loopback: the server, a putting and a getting process, and a
// client with the wrong key.
static void put_entry(const nlohmann::json& a, mp::Handed) {
  mp::RemoteManager remote("127.0.0.1", a["port"], a["key"]);
  // Said before the put: the getter, another process, may have the value and say "got"
  // before a line written after put() returned.
  say("puts '{}'", a["value"].get<std::string>());
  remote.get<mp::QueueProxy>("queue").put(a["value"]);
}
CONCUR_ENTRY(put_entry);

static void get_entry(const nlohmann::json& a, mp::Handed handed) {
  mp::Connection to_parent = mp::Connection::adopt(std::move(handed.at(0)));
  mp::RemoteManager remote("127.0.0.1", a["port"], a["key"]);
  const nlohmann::json got = remote.get<mp::QueueProxy>("queue").get(30.0);
  say("got '{}'", got.get<std::string>());
  to_parent.send(got);
}
CONCUR_ENTRY(get_entry);

static void all_at_once(Run& run) {
  const char* given = std::getenv("CONCUR_AUTHKEY");
  std::string key = given != nullptr ? given : "";
  if (key.empty()) {
    key = mp::random_authkey();
    say("no CONCUR_AUTHKEY: using a random key for this run");
  }
  mp::Manager manager("127.0.0.1", 0, key);
  manager.expose("queue", manager.queue());
  say("serving on 127.0.0.1:{}", manager.port());
  const std::string value = "hello over TCP";
  auto [from_getter, to_parent] = mp::Pipe(false);
  mp::Process putter(mp::Target{"put_entry", {{"port", manager.port()}, {"key", key}, {"value", value}}}, "Put",
                     mp::StartMethod::spawn);
  mp::Process getter(mp::Target{"get_entry", {{"port", manager.port()}, {"key", key}}, {to_parent.fileno()}}, "Get",
                     mp::StartMethod::spawn);
  getter.start();
  putter.start();
  to_parent.close();
  const nlohmann::json got = from_getter.recv();
  putter.join();
  getter.join();
  bool refused = false;
  try {
    mp::RemoteManager intruder("127.0.0.1", manager.port(), key + "?");
  } catch (const mp::AuthenticationError& e) {
    refused = true;
    say("a client with the wrong key: {}", e.what());
  }
  run.result({{"put", value}, {"got", got}, {"wrong_key_refused", refused}});
  run.check("the value one client put, another got", got == value, got.dump());
  run.check("a wrong key was refused", refused);
  run.explain("Two separate programs shared one queue through the server, each after proving the key.");
}

// The three commands: what the server exposes, and what each client does with it. The
// harness reads the options, loads the key and turns failures into one line and exit 1.
Example remote_manager() {
  return {
      .variants = {{"remote", all_at_once}},
      .commands = {serve_command("serve", "11.10.1", "serve a queue over TCP", "a queue named 'queue'",
                                 [](mp::Manager& manager) { manager.expose("queue", manager.queue()); }),
                   client_command("put", "11.10.2", "put VALUE in the served queue", "VALUE",
                                  [](mp::RemoteManager& remote, const ClientCall& call) {
                                    remote.get<mp::QueueProxy>("queue").put(call.argument);
                                    say("put '{}'", call.argument);
                                  }),
                   client_command("get", "11.10.3", "get the next value from the served queue", "",
                                  [](mp::RemoteManager& remote, const ClientCall& call) {
                                    const nlohmann::json got = remote.get<mp::QueueProxy>("queue").get(call.timeout_s);
                                    say("got '{}'", got.get<std::string>());
                                  })},
  };
}

}  // namespace concur::demos
