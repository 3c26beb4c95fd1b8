#include "concur/mp/manager.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <thread>

#include "concur/mp/auth.hpp"
#include "concur/mp/entry.hpp"
#include "concur/threads/queue.hpp"
#include "concur/core/timeout.hpp"
#include "concur/core/registry.hpp"

namespace concur::mp {
namespace {

using Clock = std::chrono::steady_clock;

// Without a deadline of its own, a client still gives up connecting and on a handshake
// after this long: a server that accepts and never answers must not hold it.
constexpr double kClientHandshakeSeconds = 10.0;

Registry<ManagedType>& managed_types() {
  static Registry<ManagedType> all;
  return all;
}

// An abstract Unix socket address: a name in no filesystem, gone with the socket.
sockaddr_un address_of(const std::string& name, socklen_t& length) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (name.size() + 1 > sizeof addr.sun_path) throw std::invalid_argument("manager address too long: " + name);
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] == 0: abstract
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return addr;
}

// Addresses: "tcp:HOST:PORT" for a manager served over TCP, anything else is the name
// of an abstract Unix socket.
bool is_tcp(const std::string& address) { return address.rfind("tcp:", 0) == 0; }

sockaddr_in tcp_address(const std::string& host, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw std::invalid_argument(fmt::format("'{}' is not an IPv4 address (e.g. 127.0.0.1)", host));
  return addr;
}

std::mutex& keys_mu() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, std::string>& keys() {
  static std::map<std::string, std::string> k;  // TCP address -> auth key; guarded by keys_mu()
  return k;
}

// connect() to a TCP address, giving up at the deadline: the socket connects in
// non-blocking mode and we wait for it to become writable, then look at how it went.
detail::Fd connect_tcp(const std::string& where, const sockaddr_in& addr, Clock::time_point deadline) {
  detail::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) detail::throw_errno("socket");
  const std::string what = fmt::format("connecting to the manager at {}", where);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) detail::throw_errno(what);
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) throw DeadlineError(fmt::format("timed out {}", what));
      pollfd p{fd.get(), POLLOUT, 0};
      const int n = detail::retry_eintr([&] { return ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000))); });
      if (n < 0) detail::throw_errno("poll");
      if (n > 0) break;
    }
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) detail::throw_errno("getsockopt");
    if (error != 0) {
      errno = error;
      detail::throw_errno(what);
    }
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) detail::throw_errno("fcntl");
  return fd;
}

// A connection to a manager's server, authenticated when it is a TCP one. Connecting
// and the handshake end by `deadline` (DeadlineError), or within 10 s without one.
Connection connect_to(const std::string& address, Connection::Deadline deadline) {
  detail::Fd fd;
  const Clock::time_point until = deadline.value_or(deadline_in(kClientHandshakeSeconds));
  if (is_tcp(address)) {
    const std::size_t colon = address.rfind(':');
    const sockaddr_in addr = tcp_address(address.substr(4, colon - 4), std::stoi(address.substr(colon + 1)));
    fd = connect_tcp(address.substr(4), addr, until);
  } else {
    socklen_t length = 0;
    const sockaddr_un addr = address_of(address, length);
    fd = detail::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) detail::throw_errno("socket");
    if (detail::retry_eintr([&] { return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), length); }) != 0)
      detail::throw_errno("connecting to the manager");
  }
  Connection conn(std::move(fd), true, true);
  if (is_tcp(address)) {
    std::string key;
    {
      std::lock_guard guard(keys_mu());
      auto it = keys().find(address);
      if (it == keys().end()) throw AuthenticationError("no auth key for the manager at " + address.substr(4));
      key = it->second;
    }
    conn.set_deadline(until);
    try {
      client_handshake(conn, key);  // we prove the key, then the server proves it
    } catch (const DeadlineError&) {
      throw DeadlineError("timed out in the handshake: the server accepted the connection but did not answer");
    }
    conn.set_deadline(std::nullopt);
  }
  return conn;
}

// ---- the server -----------------------------------------------------------------------

// The client a server thread talks to, as the objects' methods see it.
struct Peer {
  long long id;      // which client holds a lock
  Connection& conn;
  double reply_s;    // how long writing one reply may take

  // True when the client has hung up or its connection broke (it can no longer read a
  // reply). A client that only shut down its sending side counts as gone too.
  bool gone() const {
    pollfd p{conn.fileno(), POLLRDHUP, 0};
    return detail::retry_eintr([&] { return ::poll(&p, 1, 0); }) != 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }
  // Writes a reply within reply_s; false when it could not be written.
  bool deliver(const nlohmann::json& reply) {
    try {
      conn.set_deadline(deadline_in(reply_s));
      conn.send(reply);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
};

// Thrown by a method that found its client gone: the conversation is over.
struct PeerGone {};

// How often a waiting call looks at its client's socket.
constexpr std::chrono::milliseconds kWatchEvery{50};

struct Object {
  std::mutex mu;
  std::condition_variable changed;
  std::string type;
  nlohmann::json data;             // dict, list, value, queue items
  std::shared_ptr<void> state;     // a registered type's state
  const ManagedType* managed = nullptr;
  long long owner = 0;             // a lock: the client holding it (0: free)
};

class Server {
 public:
  std::atomic<int> connections{0};  // open client connections (each has a thread)

  // The result of the request, or nullopt when the method wrote its reply itself.
  std::optional<nlohmann::json> handle(Peer& peer, const nlohmann::json& request) {
    const long long id = request.at("id");
    const std::string method = request.at("m");
    const nlohmann::json& args = request.at("a");
    if (id == 0) {
      if (method == "create") return create(args.at(0).get<std::string>(), args.at(1));
      if (method == "ping") return current_pid();
      std::lock_guard guard(mu_);
      if (method == "expose") return names_[args.at(0).get<std::string>()] = args.at(1), nullptr;
      if (method == "lookup") {
        auto it = names_.find(args.at(0).get<std::string>());
        if (it == names_.end()) throw std::invalid_argument(fmt::format("no object named '{}' in this manager", args.at(0).get<std::string>()));
        return it->second;
      }
      throw std::invalid_argument(fmt::format("no method '{}' on the manager", method));
    }
    std::shared_ptr<Object> obj;
    {
      std::lock_guard guard(mu_);
      auto it = objects_.find(id);
      if (it == objects_.end()) throw std::invalid_argument(fmt::format("no object {} in this manager", id));
      obj = it->second;
    }
    std::unique_lock lock(obj->mu);  // one call at a time per object
    return call(*obj, lock, peer, method, args);
  }

  // A client went away: the locks it held are free again.
  void forget(long long client) {
    std::vector<std::shared_ptr<Object>> all;
    {
      std::lock_guard guard(mu_);
      for (auto& [id, obj] : objects_) all.push_back(obj);
    }
    for (auto& obj : all) {
      std::lock_guard guard(obj->mu);
      if (obj->type == "lock" && obj->owner == client) {
        obj->owner = 0;
        obj->changed.notify_all();
      }
    }
  }

 private:
  nlohmann::json create(const std::string& type, const nlohmann::json& init) {
    auto obj = std::make_shared<Object>();
    obj->type = type;
    if (type == "dict") obj->data = init.is_null() ? nlohmann::json::object() : init;
    else if (type == "list") obj->data = init.is_null() ? nlohmann::json::array() : init;
    else if (type == "value") obj->data = init;
    else if (type == "queue") obj->data = nlohmann::json::array();
    else if (type == "event") obj->data = false;
    else if (type == "namespace") obj->data = nlohmann::json::object();
    else if (type == "barrier") {
      if (!init.is_number_integer() || init.get<long long>() < 1)
        throw std::invalid_argument("a Barrier needs a number of parties of at least 1");
      obj->data = {{"parties", init}, {"arrived", 0}, {"generation", 0}, {"broken", false}};
    } else if (type != "lock") {
      obj->managed = find_managed(type);
      if (obj->managed == nullptr)
        throw std::invalid_argument(fmt::format("no managed type named '{}' (register it with CONCUR_MANAGED)", type));
      obj->state = obj->managed->make(init);
    }
    std::lock_guard guard(mu_);
    const long long id = next_id_++;
    objects_[id] = std::move(obj);
    return id;
  }

  // Waits on o.changed until ready() or `timeout` (null: no limit) runs out, looking at
  // the client between short waits: PeerGone when it left. False on timeout.
  template <typename Ready>
  static bool wait_while_there(Object& o, std::unique_lock<std::mutex>& lock, Peer& peer, const nlohmann::json& timeout,
                               Ready ready) {
    const std::optional<Clock::time_point> until =
        timeout.is_null() ? std::nullopt : std::optional(deadline_in(timeout.get<double>()));
    while (!ready()) {
      if (peer.gone()) throw PeerGone{};
      const Clock::time_point next = Clock::now() + kWatchEvery;
      if (until && *until <= Clock::now()) return false;
      o.changed.wait_until(lock, until ? std::min(next, *until) : next);
    }
    return true;
  }

  static std::optional<nlohmann::json> call(Object& o, std::unique_lock<std::mutex>& lock, Peer& peer,
                                            const std::string& m, const nlohmann::json& a) {
    const long long client = peer.id;
    const std::string& t = o.type;
    if (o.managed != nullptr) {
      auto it = o.managed->methods.find(m);
      if (it == o.managed->methods.end()) throw std::invalid_argument(fmt::format("no method '{}' on a {}", m, t));
      return it->second(o.state.get(), a);
    }
    if (t == "dict") {
      if (m == "get") {
        auto it = o.data.find(a.at(0).get<std::string>());
        if (it == o.data.end()) throw std::out_of_range(fmt::format("KeyError: '{}'", a.at(0).get<std::string>()));
        return *it;
      }
      if (m == "set") return o.data[a.at(0).get<std::string>()] = a.at(1), nullptr;
      if (m == "contains") return o.data.contains(a.at(0).get<std::string>());
      if (m == "len") return o.data.size();
      if (m == "copy") return o.data;
    } else if (t == "list") {
      if (m == "append") return o.data.push_back(a.at(0)), nullptr;
      if (m == "get" || m == "set") {
        const std::size_t i = a.at(0);
        if (i >= o.data.size()) throw std::out_of_range(fmt::format("IndexError: {} of a list of {}", i, o.data.size()));
        if (m == "get") return o.data[i];
        return o.data[i] = a.at(1), nullptr;
      }
      if (m == "len") return o.data.size();
      if (m == "copy") return o.data;
    } else if (t == "value") {
      if (m == "get") return o.data;
      if (m == "set") return o.data = a.at(0), nullptr;
    } else if (t == "queue") {
      if (m == "put") {
        o.data.push_back(a.at(0));
        o.changed.notify_all();
        return nullptr;
      }
      if (m == "get") {
        if (!wait_while_there(o, lock, peer, a.at(0), [&] { return !o.data.empty(); }))
          return nlohmann::json{{"empty", true}};
        // The item leaves the queue only once its reply is written, under the queue's
        // lock: a reply that cannot go puts it back at the head, before anyone else
        // can take the next one.
        if (peer.gone()) throw PeerGone{};
        nlohmann::json item = std::move(o.data.front());
        o.data.erase(o.data.begin());
        if (!peer.deliver({{"r", {{"item", item}}}})) {
          o.data.insert(o.data.begin(), std::move(item));
          throw PeerGone{};
        }
        return std::nullopt;
      }
      if (m == "qsize") return o.data.size();
    } else if (t == "event") {
      if (m == "set" || m == "clear") {
        o.data = m == "set";
        o.changed.notify_all();
        return nullptr;
      }
      if (m == "is_set") return o.data;
      if (m == "wait") {
        wait_while_there(o, lock, peer, a.at(0), [&] { return o.data.get<bool>(); });
        return o.data;
      }
    } else if (t == "namespace") {
      if (m == "getattr") {
        auto it = o.data.find(a.at(0).get<std::string>());
        if (it == o.data.end())
          throw std::out_of_range(fmt::format("AttributeError: 'Namespace' object has no attribute '{}'", a.at(0).get<std::string>()));
        return *it;
      }
      if (m == "setattr") return o.data[a.at(0).get<std::string>()] = a.at(1), nullptr;
      if (m == "copy") return o.data;
    } else if (t == "barrier") {
      nlohmann::json& d = o.data;
      auto broken = [&] {
        d["broken"] = true;
        o.changed.notify_all();
        return std::runtime_error("BrokenBarrierError: the barrier is broken (a wait timed out, a party left, or "
                                  "it was aborted)");
      };
      if (m == "abort") {
        broken();
        return nullptr;
      }
      if (m == "parties") return d["parties"];
      if (m == "wait") {
        if (d["broken"].get<bool>()) throw broken();
        const long long index = d["arrived"].get<long long>(), round = d["generation"].get<long long>();
        d["arrived"] = index + 1;
        if (index + 1 == d["parties"].get<long long>()) {  // the last one: everyone goes
          d["arrived"] = 0;
          d["generation"] = round + 1;
          o.changed.notify_all();
          return index;
        }
        try {
          wait_while_there(o, lock, peer, a.at(0), [&] {
            return d["generation"].get<long long>() != round || d["broken"].get<bool>();
          });
        } catch (const PeerGone&) {  // a party that left will never arrive: nobody may wait for it
          broken();
          throw;
        }
        if (d["generation"].get<long long>() != round) return index;
        throw broken();  // timed out, or broken by another party
      }
    } else if (t == "lock") {
      if (m == "acquire") {
        if (o.owner == client) throw std::runtime_error("RuntimeError: this client already holds the lock");
        auto free = [&] { return o.owner == 0; };
        const bool blocking = a.at(0);
        bool got = free();
        if (!got && blocking) got = wait_while_there(o, lock, peer, a.at(1), free);
        if (got) o.owner = client;
        return got;
      }
      if (m == "release") {
        if (o.owner != client) throw std::runtime_error("RuntimeError: release of a lock this client does not hold");
        o.owner = 0;
        o.changed.notify_all();
        return nullptr;
      }
    }
    throw std::invalid_argument(fmt::format("no method '{}' on a {}", m, t));
  }

  std::mutex mu_;
  std::map<long long, std::shared_ptr<Object>> objects_;  // guarded by mu_
  long long next_id_ = 1;                                 // guarded by mu_
  std::map<std::string, nlohmann::json> names_;           // guarded by mu_: exposed objects
};

// The limits of a local manager (its clients are our own processes): none but a frame size.
ServerLimits local_limits() {
  ServerLimits limits;
  limits.idle_s = -1;  // never idle out
  limits.max_connections = 1 << 20;
  limits.max_frame = std::size_t{16} << 20;
  return limits;
}

void serve_client(Server& server, detail::Fd fd, long long client, const std::string& authkey, ServerLimits limits) {
  struct Leave {
    Server& s;
    ~Leave() { --s.connections; }
  } leave{server};
  Connection conn(std::move(fd), true, true);
  conn.set_max_frame(limits.max_frame);  // a bigger frame ends this connection, only it
  if (!authkey.empty()) {
    conn.set_deadline(deadline_in(limits.handshake_s));
    try {
      server_handshake(conn, authkey);  // the client proves the key first, then we do
    } catch (const std::exception&) {
      return;  // refused, silent or too slow: it learns nothing, and the connection closes
    }
  }
  const bool idles_out = limits.idle_s >= 0;
  Peer peer{client, conn, idles_out ? limits.idle_s : 3600.0};
  for (;;) {
    conn.set_deadline(std::nullopt);
    if (idles_out && !conn.poll(limits.idle_s)) break;  // idle too long: hang up
    // A request that has started must arrive whole in time, however slowly it drips.
    if (idles_out) conn.set_deadline(deadline_in(limits.idle_s));
    nlohmann::json request;
    try {
      request = conn.recv();
    } catch (const FrameError& e) {
      // Oversized or undecodable: say why (best effort), and hang up. Nothing was allocated.
      (void)peer.deliver({{"e", e.what()}, {"closing", true}});
      break;
    } catch (const std::exception&) {
      break;  // end of file, a broken connection, or too slow: this client is done
    }
    std::optional<nlohmann::json> reply;
    try {
      reply = server.handle(peer, request);
      if (reply) reply = nlohmann::json{{"r", std::move(*reply)}};
    } catch (const PeerGone&) {
      break;
    } catch (const std::exception& e) {
      reply = nlohmann::json{{"e", e.what()}};
    }
    if (reply && !peer.deliver(*reply)) break;
  }
  server.forget(client);
}

// Sleeps up to `ms`, or less when the manager closes the control connection; true then.
bool told_to_stop(int control, int ms) {
  pollfd p{control, POLLIN, 0};
  return detail::retry_eintr([&] { return ::poll(&p, 1, ms); }) > 0;
}

// The server process: listens until its parent closes the control connection.
void manager_server(const nlohmann::json& args, Handed handed) {
  Connection control = Connection::adopt(std::move(handed.at(0)));
  const std::string authkey = args.value("authkey", "");
  detail::Fd listener;
  int port = 0;
  if (args.contains("tcp")) {
    const sockaddr_in addr = tcp_address(args["tcp"]["host"], args["tcp"]["port"]);
    listener = detail::Fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) detail::throw_errno("socket");
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      detail::throw_errno(fmt::format("bind to {}:{}", args["tcp"]["host"].get<std::string>(), args["tcp"]["port"].get<int>()));
    sockaddr_in bound{};
    socklen_t size = sizeof bound;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &size);
    port = ntohs(bound.sin_port);  // the one the kernel picked, when asked for port 0
  } else {
    socklen_t length = 0;
    const sockaddr_un addr = address_of(args.at("address"), length);
    listener = detail::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) detail::throw_errno("socket");
    if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), length) != 0) detail::throw_errno("bind");
  }
  if (::listen(listener.get(), 128) != 0) detail::throw_errno("listen");
  control.send({{"ready", current_pid()}, {"port", port}});
  ServerLimits limits = local_limits();
  if (args.contains("limits")) {
    const nlohmann::json& l = args["limits"];
    limits = {l.at("handshake"), l.at("idle"), l.at("connections"), l.at("frame")};
  }
  // Never destroyed: client threads may still be running when this process exits.
  auto* server = new Server;
  // Kept open to be given up when descriptors run out (see below).
  detail::Fd reserve(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  long long clients = 0;
  for (;;) {
    pollfd polls[2] = {{listener.get(), POLLIN, 0}, {control.fileno(), POLLIN, 0}};
    if (detail::retry_eintr([&] { return ::poll(polls, 2, -1); }) < 0) detail::throw_errno("poll");
    if (polls[1].revents != 0) return;  // the manager closed its end (or sent anything): stop
    if (polls[0].revents == 0) continue;
    detail::Fd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: the waiting connection keeps the listener readable, so
        // poll() would return at once forever (a spinning loop). Give up the reserve
        // descriptor to accept it and hang up on it, then pause so that connections
        // ending meanwhile give theirs back.
        reserve.reset();
        detail::Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)).reset();
        if (told_to_stop(control.fileno(), 100)) return;
        reserve = detail::Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
      } else if (errno == ENOBUFS || errno == ENOMEM) {
        if (told_to_stop(control.fileno(), 100)) return;
      }
      continue;  // anything else (the client gave up already...) concerns that client only
    }
    if (server->connections.load() >= limits.max_connections) {
      // Full: say so and hang up at once rather than keep it waiting. The result of the
      // write changes nothing: if the greeting does not go out, the hang-up alone tells
      // the client (its handshake fails on end of file).
      const std::string busy = frame_header(static_cast<std::uint32_t>(kBusyGreeting.size())) + std::string(kBusyGreeting);
      (void)::send(fd.get(), busy.data(), busy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      continue;
    }
    ++server->connections;
    try {
      std::thread(serve_client, std::ref(*server), std::move(fd), ++clients, authkey, limits).detach();
    } catch (const std::system_error&) {
      --server->connections;  // out of threads: this client is hung up on (fd closed)
      if (told_to_stop(control.fileno(), 100)) return;
    }
  }
}
const EntryRegistration manager_server_registration("concur_manager_server", manager_server);

}  // namespace

void register_managed(std::string name, ManagedType type) { managed_types().add(std::move(name), std::move(type)); }

const ManagedType* find_managed(std::string_view name) { return managed_types().find(name); }

// ---- proxies ----------------------------------------------------------------------

struct BaseProxy::Link {
  std::mutex mu;
  pid_t pid = 0;                    // the process the connection belongs to
  std::optional<Connection> conn;   // guarded by mu
  Connection::Deadline deadline;    // guarded by mu
};

BaseProxy::BaseProxy(const nlohmann::json& token) : token_(token), link_(std::make_shared<Link>()) {
  if (!token.is_object() || !token.contains("address") || !token.contains("id") || !token.contains("type"))
    throw std::invalid_argument("not a proxy token: " + token.dump());
}

const std::string& BaseProxy::type() const { return token_["type"].get_ref<const std::string&>(); }

void BaseProxy::set_deadline(Connection::Deadline when) const {
  std::lock_guard guard(link_->mu);
  link_->deadline = when;
}

Connection::Deadline BaseProxy::deadline() const {
  std::lock_guard guard(link_->mu);
  return link_->deadline;
}

nlohmann::json BaseProxy::call(std::string_view method, nlohmann::json args) const {
  std::lock_guard guard(link_->mu);
  // A forked child has the parent's socket: not ours to use. And between two calls the
  // server never speaks: a readable connection is one it closed (idle too long).
  if (link_->conn && (link_->pid != ::getpid() || link_->conn->poll(0.0))) link_->conn.reset();
  if (!link_->conn) {
    link_->conn.emplace(connect_to(token_["address"], link_->deadline));
    link_->pid = ::getpid();
  }
  nlohmann::json reply;
  try {
    link_->conn->set_deadline(link_->deadline);
    link_->conn->send({{"id", token_["id"]}, {"m", method}, {"a", std::move(args)}});
    reply = link_->conn->recv();
  } catch (const DeadlineError&) {
    link_->conn.reset();  // a late reply would answer the next call: start afresh
    throw DeadlineError(fmt::format("timed out waiting for the reply to '{}'", method));
  } catch (const std::exception&) {
    link_->conn.reset();
    throw;
  }
  if (reply.contains("closing")) link_->conn.reset();  // the server hangs up after this error
  if (reply.contains("e")) throw RemoteError(reply["e"].get<std::string>());
  return std::move(reply["r"]);
}

nlohmann::json QueueProxy::get(std::optional<double> timeout_s) const {
  if (const Connection::Deadline deadline = this->deadline()) {
    // Ask the server to give up a little before our deadline, so an empty queue comes
    // back as Empty rather than as a timeout.
    const double left = std::chrono::duration<double>(*deadline - Clock::now()).count();
    const double server_wait = std::max(0.0, left - std::min(0.5, left / 4));
    timeout_s = timeout_s ? std::min(*timeout_s, server_wait) : server_wait;
  }
  nlohmann::json r = call("get", {timeout_s ? nlohmann::json(timeout_seconds(*timeout_s)) : nlohmann::json()});
  if (r.contains("empty")) throw Empty();
  return std::move(r["item"]);
}

bool LockProxy::acquire(bool blocking, std::optional<double> timeout_s) const {
  return call("acquire", {blocking, timeout_s ? nlohmann::json(timeout_seconds(*timeout_s)) : nlohmann::json()}).get<bool>();
}

// ---- the manager ------------------------------------------------------------------

Manager::Manager(StartMethod method) {
  static std::atomic<int> count{0};
  address_ = fmt::format("concur-manager-{}-{}", ::getpid(), ++count);
  start({{"address", address_}}, method);
}

Manager::Manager(const std::string& host, int port, const std::string& authkey, ServerLimits limits,
                 StartMethod method) {
  if (authkey.empty()) throw std::invalid_argument("a manager served over TCP needs an auth key");
  tcp_address(host, port);  // refuses a bad host before anything starts
  limits.handshake_s = std::min(limits.handshake_s, limits.idle_s);  // a handshake is never allowed more
  if (limits.handshake_s <= 0 || limits.idle_s <= 0 || limits.max_connections < 1 || limits.max_frame < 64)
    throw std::invalid_argument("server limits must be positive (and frames at least 64 bytes)");
  const nlohmann::json l = {{"handshake", limits.handshake_s},
                            {"idle", limits.idle_s},
                            {"connections", limits.max_connections},
                            {"frame", limits.max_frame}};
  start({{"tcp", {{"host", host}, {"port", port}}}, {"authkey", authkey}, {"limits", l}}, method);
  address_ = fmt::format("tcp:{}:{}", host, port_);
  std::lock_guard guard(keys_mu());
  keys()[address_] = authkey;
}

void Manager::start(const nlohmann::json& args, StartMethod method) {
  auto [ours, theirs] = Pipe();
  server_ = std::make_unique<Process>(Target{"concur_manager_server", args, {theirs.fileno()}}, "Manager", method);
  server_->start();
  theirs.close();
  control_.emplace(std::move(ours));
  try {
    if (!control_->poll(30.0)) throw std::runtime_error("no answer in 30 s");
    port_ = control_->recv().value("port", 0);  // "ready": it listens
  } catch (const std::exception& e) {
    shutdown();
    throw std::runtime_error(fmt::format("the manager's server did not start ({}); it {}", e.what(),
                                         server_->describe_exit()));
  }
}

BaseProxy& Manager::admin() {
  if (!admin_) {
    if (!server_ || !control_ || control_->closed()) throw std::logic_error("the manager has been shut down");
    admin_ = std::make_unique<BaseProxy>(nlohmann::json{{"address", address_}, {"id", 0}, {"type", "manager"}});
  }
  return *admin_;
}

void Manager::expose(const std::string& name, const BaseProxy& proxy) {
  admin().call("expose", {name, {{"id", proxy.token()["id"]}, {"type", proxy.type()}}});
}

RemoteManager::RemoteManager(const std::string& host, int port, const std::string& authkey,
                             std::optional<double> timeout_s)
    : address_(fmt::format("tcp:{}:{}", host, port)) {
  tcp_address(host, port);
  if (timeout_s) deadline_ = deadline_in(*timeout_s);
  {
    std::lock_guard guard(keys_mu());
    keys()[address_] = authkey;
  }
  admin_ = std::make_unique<BaseProxy>(nlohmann::json{{"address", address_}, {"id", 0}, {"type", "manager"}});
  admin_->set_deadline(deadline_);
  (void)admin_->call("ping");  // connects and authenticates now: a wrong key fails here
}

nlohmann::json RemoteManager::lookup(const std::string& name) const {
  const nlohmann::json found = admin_->call("lookup", {name});
  return {{"address", address_}, {"id", found["id"]}, {"type", found["type"]}};
}

Manager::~Manager() { shutdown(); }

nlohmann::json Manager::make(std::string_view type, const nlohmann::json& args) {
  const long long id = admin().call("create", {type, args}).get<long long>();
  return {{"address", address_}, {"id", id}, {"type", type}};
}

DictProxy Manager::dict(const nlohmann::json& initial) { return DictProxy(make("dict", initial)); }
ListProxy Manager::list(const nlohmann::json& initial) { return ListProxy(make("list", initial)); }
ValueProxy Manager::value(const nlohmann::json& initial) { return ValueProxy(make("value", initial)); }
QueueProxy Manager::queue() { return QueueProxy(make("queue", nullptr)); }
LockProxy Manager::lock() { return LockProxy(make("lock", nullptr)); }
EventProxy Manager::event() { return EventProxy(make("event", nullptr)); }
BarrierProxy Manager::barrier(long long parties) { return BarrierProxy(make("barrier", parties)); }
NamespaceProxy Manager::namespace_() { return NamespaceProxy(make("namespace", nullptr)); }

bool EventProxy::wait(std::optional<double> timeout_s) const {
  return call("wait", {timeout_s ? nlohmann::json(timeout_seconds(*timeout_s)) : nlohmann::json()}).get<bool>();
}

long long BarrierProxy::wait(std::optional<double> timeout_s) const {
  return call("wait", {timeout_s ? nlohmann::json(timeout_seconds(*timeout_s)) : nlohmann::json()}).get<long long>();
}

BaseProxy Manager::create(std::string_view type, const nlohmann::json& args) {
  if (find_managed(type) == nullptr)
    throw std::invalid_argument(fmt::format("no managed type named '{}' (register it with CONCUR_MANAGED)", type));
  return BaseProxy(make(type, args));
}

void Manager::shutdown() {
  admin_.reset();
  if (control_ && !control_->closed()) control_->close();  // the server's signal to stop
  if (server_ && server_->pid()) {
    if (!server_->join(5.0)) {
      server_->terminate();
      server_->join();
    }
  }
}

}  // namespace concur::mp
