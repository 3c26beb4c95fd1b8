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

static std::string key_from(const nlohmann::json& p) {
  try {
    return mp::load_authkey(p["authkey-file"].get<std::string>() == "-" ? "" : p["authkey-file"].get<std::string>());
  } catch (const std::runtime_error& e) {
    throw BadUsage(e.what());
  }
}

static int serve(const nlohmann::json& p, const std::string&) {
  const std::string key = key_from(p);
  std::unique_ptr<mp::Manager> made;
  const mp::ServerLimits limits{.idle_s = p["idle-timeout"], .max_connections = p["max-connections"]};
  try {
    made = std::make_unique<mp::Manager>(p["host"], static_cast<int>(p["port"].get<long long>()), key, limits);
  } catch (const std::invalid_argument& e) {
    throw BadUsage(e.what());
  }
  mp::Manager& manager = *made;
  manager.expose("queue", manager.queue());
  say("serving a queue named 'queue' on {}:{} (server pid {}); Ctrl-C stops it", p["host"].get<std::string>(),
      manager.port(), *manager.pid());
  manager.join();  // until Ctrl-C (the interrupt handler stops the server, exit 130) ...
  say("the server process ended on its own: {}", manager.describe_exit());  // ... or a crash
  return 1;
}

// put and get: one client each, within --timeout. Refused, no server, no answer: exit 1.
static int client(const nlohmann::json& p, const std::function<void(mp::QueueProxy&)>& use) {
  const std::string key = key_from(p);
  try {
    mp::RemoteManager remote(p["host"], static_cast<int>(p["port"].get<long long>()), key, p["timeout"].get<double>());
    auto queue = remote.get<mp::QueueProxy>("queue");
    use(queue);
    return 0;
  } catch (const std::invalid_argument& e) {
    throw BadUsage(e.what());  // a host that is no address: nothing was sent
  } catch (const mp::AuthenticationError& e) {
    say("refused: {}", e.what());
  } catch (const Empty&) {
    say("nothing arrived within {} s", p["timeout"].get<double>());
  } catch (const std::exception& e) {
    say("could not use the manager at {}:{}: {}", p["host"].get<std::string>(), p["port"].get<long long>(), e.what());
  }
  return 1;
}

static int put(const nlohmann::json& p, const std::string& value) {
  return client(p, [&](mp::QueueProxy& q) {
    q.put(value);
    say("put '{}'", value);
  });
}

static int get(const nlohmann::json& p, const std::string&) {
  return client(p, [&](mp::QueueProxy& q) { say("got '{}'", q.get(p["timeout"].get<double>()).get<std::string>()); });
}

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
  std::string key = std::getenv("CONCUR_AUTHKEY") != nullptr ? std::getenv("CONCUR_AUTHKEY") : "";
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
  run.result("put", value);
  run.result("got", got);
  run.result("wrong_key_refused", refused);
  run.check("the value one client put, another got", got == value, got.dump());
  run.check("a wrong key was refused", refused);
  run.explain("Two separate programs shared one queue through the server, each after proving the key.");
}

static std::vector<Param> client_params() {
  return {Param::text("host", "the server's address", "127.0.0.1"),
          Param::integer("port", "the server's port", 50000, 1, 65535),
          Param::text("authkey-file", "read the key from this file (else CONCUR_AUTHKEY)", "-"),
          Param::seconds("timeout", "give up after this long (the whole call; get waits for a value)", 10.0, 0.0, 3600.0)};
}

Example remote_manager() {
  std::vector<Param> serve_params = client_params();
  serve_params[1] = Param::integer("port", "the port to listen on", 50000, 0, 65535);
  serve_params[3] = Param::seconds("idle-timeout", "hang up on a client silent this long", 60.0, 0.05, 3600.0);
  serve_params.push_back(Param::integer("max-connections", "turn away clients beyond this many", 64, 1, 1000));
  return {
      .variants = {{"remote", all_at_once}},
      .commands = {{"serve", "11.10.1", "serve a queue over TCP", serve_params, "", serve},
                   {"put", "11.10.2", "put VALUE in the served queue", client_params(), "VALUE", put},
                   {"get", "11.10.3", "get the next value from the served queue", client_params(), "", get}},
  };
}

}  // namespace concur::demos
