#include "concur/harness/remote_commands.hpp"

#include <memory>
#include <stdexcept>

#include "concur/core/console.hpp"
#include "concur/mp/auth.hpp"
#include "concur/threads/queue.hpp"

namespace concur {
namespace {

std::vector<Param> endpoint_params(Param port, Param last) {
  return {Param::text("host", "the server's address", "127.0.0.1"), std::move(port),
          Param::text("authkey-file", "read the key from this file (else CONCUR_AUTHKEY)", "-"), std::move(last)};
}

// The key, from --authkey-file or CONCUR_AUTHKEY; BadUsage when there is none to read.
std::string key_from(const nlohmann::json& p) {
  const std::string file = p["authkey-file"].get<std::string>();
  try {
    return mp::load_authkey(file == "-" ? "" : file);
  } catch (const std::runtime_error& e) {
    throw BadUsage(e.what());
  }
}

int port_of(const nlohmann::json& p) { return static_cast<int>(p["port"].get<long long>()); }

}  // namespace

Command serve_command(std::string name, std::string id, std::string help, std::string what,
                      std::function<void(mp::Manager&)> expose) {
  std::vector<Param> params =
      endpoint_params(Param::integer("port", "the port to listen on", 50000, 0, 65535),
                      Param::seconds("idle-timeout", "hang up on a client silent this long", 60.0, 0.05, 3600.0));
  params.push_back(Param::integer("max-connections", "turn away clients beyond this many", 64, 1, 1000));
  auto run = [what = std::move(what), expose = std::move(expose)](const nlohmann::json& p, const std::string&) {
    const std::string key = key_from(p);
    const mp::ServerLimits limits{.idle_s = p["idle-timeout"], .max_connections = p["max-connections"]};
    std::unique_ptr<mp::Manager> manager;
    try {
      manager = std::make_unique<mp::Manager>(p["host"], port_of(p), key, limits);
    } catch (const std::invalid_argument& e) {
      throw BadUsage(e.what());
    }
    expose(*manager);
    say("serving {} on {}:{} (server pid {}); Ctrl-C stops it", what, p["host"].get<std::string>(), manager->port(),
        *manager->pid());
    manager->join();  // until Ctrl-C (the interrupt handler stops the server, exit 130) ...
    say("the server process ended on its own: {}", manager->describe_exit());  // ... or a crash
    return 1;
  };
  return {std::move(name), std::move(id), std::move(help), std::move(params), "", std::move(run)};
}

Command client_command(std::string name, std::string id, std::string help, std::string argument,
                       std::function<void(mp::RemoteManager&, const ClientCall&)> use) {
  std::vector<Param> params = endpoint_params(
      Param::integer("port", "the server's port", 50000, 1, 65535),
      Param::seconds("timeout", "give up after this long (the whole call; get waits for a value)", 10.0, 0.0, 3600.0));
  auto run = [use = std::move(use)](const nlohmann::json& p, const std::string& arg) {
    const std::string key = key_from(p);
    const ClientCall call{arg, p["timeout"].get<double>()};
    try {
      mp::RemoteManager remote(p["host"], port_of(p), key, call.timeout_s);
      use(remote, call);
      return 0;
    } catch (const std::invalid_argument& e) {
      throw BadUsage(e.what());  // a host that is no address: nothing was sent
    } catch (const mp::AuthenticationError& e) {
      say("refused: {}", e.what());
    } catch (const Empty&) {
      say("nothing arrived within {} s", call.timeout_s);
    } catch (const std::exception& e) {
      say("could not use the manager at {}:{}: {}", p["host"].get<std::string>(), port_of(p), e.what());
    }
    return 1;
  };
  return {std::move(name), std::move(id), std::move(help), std::move(params), std::move(argument), std::move(run)};
}

}  // namespace concur
