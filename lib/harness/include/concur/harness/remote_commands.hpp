// concur/harness/remote_commands.hpp - the plumbing of an example's manager commands
// (11.10 remote-manager: `concur remote-manager serve`, `put VALUE`, `get`), so that the
// demo holds only what the server exposes and what a client does with it.
//
// serve_command() declares --host, --port (0: any free port), --authkey-file,
// --idle-timeout and --max-connections; starts an mp::Manager with the key (CONCUR_AUTHKEY,
// or the file), lets the demo expose its objects, says where it serves, and waits until
// Ctrl-C (exit 130) or the server's end (exit 1). client_command() declares --host,
// --port, --authkey-file and --timeout; connects with the key and hands the demo the
// connected mp::RemoteManager. Bad input (an unreadable key, a host that is no address) is
// BadUsage, exit 2, before anything is sent; a refused key, no server, no answer within
// --timeout are said in one line, exit 1.
#pragma once

#include <functional>
#include <string>

#include "concur/harness/example.hpp"
#include "concur/mp/manager.hpp"

namespace concur {

// What a client command got from the command line.
struct ClientCall {
  std::string argument;  // its positional argument ("VALUE"), "" when it takes none
  double timeout_s = 0;  // --timeout
};

// `what` says what is served, for the line "serving WHAT on HOST:PORT (server pid N)".
Command serve_command(std::string name, std::string id, std::string help, std::string what,
                      std::function<void(mp::Manager&)> expose);

// `argument` names the one positional argument ("VALUE"), or "" for none.
Command client_command(std::string name, std::string id, std::string help, std::string argument,
                       std::function<void(mp::RemoteManager&, const ClientCall&)> use);

}  // namespace concur
