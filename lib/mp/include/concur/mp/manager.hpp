// concur/mp/manager.hpp - Manager: objects that live in a server process, used through proxies.
//
// Plays the role of multiprocessing.Manager() and BaseManager. The manager starts a
// server process that holds the shared objects; every other process holds proxies. A
// proxy call is a request and a reply over a Unix socket (frames as in connection.hpp):
// the object never leaves the server, so any number of processes see one object.
//
//     concur::mp::Manager manager;                    // starts the server
//     concur::mp::DictProxy scores = manager.dict();
//     scores.set("alice", 3);                         // a round trip to the server
//     Target{"worker", {{"scores", scores.token()}}}  // a proxy travels as its token...
//     concur::mp::DictProxy mine(args["scores"]);     // ...and is rebuilt in the child
//
// Slower than shared memory (each call is two messages and two wake-ups), but it holds
// anything JSON can say, and a registered type of your own: its methods run in the server,
// its state stays there (the custom manager of 11.9, BaseManager.register):
//
//     struct Counter { long long n = 0; };
//     CONCUR_MANAGED(Counter, (concur::mp::Methods<Counter>{
//         {"add", [](Counter& c, const nlohmann::json& a) { c.n += a.at(0).get<long long>(); return nlohmann::json(); }},
//         {"value", [](Counter& c, const nlohmann::json&) { return nlohmann::json(c.n); }}}));
//     concur::mp::BaseProxy counter = manager.create("Counter");
//     counter.call("add", {5});
//
// Each object's calls are serialised in the server (one at a time per object), so a
// single call is atomic; two calls are not (get, then set, can still lose an update: hold
// a manager lock around them). The server listens on an abstract Unix socket (no file to
// clean up) and is stopped and reaped by shutdown() or the destructor.
//
// Served over TCP (Manager(host, port, key), RemoteManager), it is a network server and
// treats its clients as strangers, within the ServerLimits below: a connection must
// finish the handshake (auth.hpp) in time, is closed when idle too long, and is refused
// beyond the connection limit; a frame larger than the limit closes it with an error and
// is never allocated. A queue get() hands an item only to a client still there: while it
// waits, the server watches the client's socket, and an item whose reply cannot be
// written goes back at the head of the queue, so the order is kept. (A client killed in
// the instant between that check and the write can still lose its item: only an
// acknowledgement round trip would close that window.)
//
// Memory ordering: the object lives in the server only. A call that returned has taken
// effect there, so every call made after it, from any process, sees it; calls from one
// thread take effect in the order they were made. Values returned are copies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "concur/mp/auth.hpp"
#include "concur/mp/connection.hpp"
#include "concur/mp/process.hpp"

namespace concur::mp {

// The server answered a call with an error ("KeyError: 'bob'", "no method 'x' ...").
class RemoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a manager served over TCP allows each client. The defaults suit a classroom
// server; `concur remote-manager serve --idle-timeout S --max-connections N` sets two.
struct ServerLimits {
  double handshake_s = 5.0;      // from accept to the end of the handshake (at most idle_s)
  double idle_s = 60.0;          // between two requests, and to read or write one frame
  int max_connections = 64;      // more are sent "#BUSY#" and closed at once
  std::size_t max_frame = std::size_t{1} << 20;  // 1 MiB: a request announcing more is refused
};

// ---- registered types, for custom managers ------------------------------------------

// A managed type as the server sees it: state it can make, and methods by name.
struct ManagedType {
  std::function<std::shared_ptr<void>(const nlohmann::json& args)> make;
  std::map<std::string, std::function<nlohmann::json(void* state, const nlohmann::json& args)>, std::less<>> methods;
};
void register_managed(std::string name, ManagedType type);
const ManagedType* find_managed(std::string_view name);

template <typename T>
using Methods = std::map<std::string, std::function<nlohmann::json(T&, const nlohmann::json& args)>>;

// Registers T under `name` with these methods. Objects are made by `make` from the
// create() arguments, or by T's default constructor when no `make` is given.
template <typename T>
struct ManagedRegistration {
  ManagedRegistration(const char* name, Methods<T> methods, std::function<T(const nlohmann::json&)> make = {}) {
    ManagedType type;
    type.make = [make](const nlohmann::json& args) -> std::shared_ptr<void> {
      return make ? std::make_shared<T>(make(args)) : std::make_shared<T>();
    };
    for (auto& [method, fn] : methods)
      type.methods[method] = [fn](void* state, const nlohmann::json& args) { return fn(*static_cast<T*>(state), args); };
    register_managed(name, std::move(type));
  }
};

#define CONCUR_MANAGED(T, methods) \
  static const ::concur::mp::ManagedRegistration<T> concur_managed_registration_##T(#T, methods)

// ---- proxies ----------------------------------------------------------------------

// A handle on one object in a manager's server. Copyable; a copy in another process (a
// forked child, or one rebuilt from token()) opens its own connection on first use.
class BaseProxy {
 public:
  // Rebuilds a proxy from the token another process sent (Python unpickling a proxy).
  explicit BaseProxy(const nlohmann::json& token);
  // What to send to another process: the server's address, the object's id and type.
  nlohmann::json token() const { return token_; }
  const std::string& type() const;

  // Calls a method on the object in the server and returns its result. Throws
  // RemoteError with the server's message, std::system_error if the server is gone,
  // DeadlineError when the deadline passes first. Blocks until the reply came (or the
  // deadline); connecting and the handshake are bounded by the deadline, or by 10 s
  // when there is none.
  nlohmann::json call(std::string_view method, nlohmann::json args = nlohmann::json::array()) const;

  // Every later call, by this proxy and its copies, must be over by `when` (nullopt: no
  // limit but the connection's 10 s). A timed-out call leaves the connection closed; the
  // next call opens a new one.
  void set_deadline(Connection::Deadline when) const;
  Connection::Deadline deadline() const;

 private:
  struct Link;  // the connection, per process
  nlohmann::json token_;
  std::shared_ptr<Link> link_;
};

class DictProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  // RemoteError ("KeyError: 'k'") for a missing key.
  nlohmann::json get(const std::string& key) const { return call("get", {key}); }
  void set(const std::string& key, const nlohmann::json& value) const { call("set", {key, value}); }
  bool contains(const std::string& key) const { return call("contains", {key}).get<bool>(); }
  std::size_t size() const { return call("len").get<std::size_t>(); }
  // The whole dict, copied out of the server.
  nlohmann::json copy() const { return call("copy"); }
};

class ListProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  void append(const nlohmann::json& value) const { call("append", {value}); }
  nlohmann::json get(std::size_t i) const { return call("get", {i}); }
  void set(std::size_t i, const nlohmann::json& value) const { call("set", {i, value}); }
  std::size_t size() const { return call("len").get<std::size_t>(); }
  nlohmann::json copy() const { return call("copy"); }
};

// Python's Manager().Value(...): one value, read and written whole.
class ValueProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  nlohmann::json get() const { return call("get"); }
  void set(const nlohmann::json& value) const { call("set", {value}); }
};

class QueueProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  void put(const nlohmann::json& item) const { call("put", {item}); }
  // Waits at most timeout_s (nullopt: forever), and never past the proxy's deadline;
  // concur::Empty when nothing came. The server takes an item for this call only when
  // it can still deliver it.
  nlohmann::json get(std::optional<double> timeout_s = std::nullopt) const;
  std::size_t qsize() const { return call("qsize").get<std::size_t>(); }
};

// A lock held by a connection: release it from the process that took it. A client that
// disconnects holding it releases it.
class LockProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  bool acquire(bool blocking = true, std::optional<double> timeout_s = std::nullopt) const;
  void release() const { call("release"); }
  void lock() const { acquire(); }
  void unlock() const { release(); }
};

// Python's Manager().Event(): set/clear/is_set, and wait (at most timeout_s) for the flag.
class EventProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  void set() const { call("set"); }
  void clear() const { call("clear"); }
  bool is_set() const { return call("is_set").get<bool>(); }
  bool wait(std::optional<double> timeout_s = std::nullopt) const;
};

// Python's Manager().Barrier(parties): wait() returns the arrival index (0 first). A
// timeout, abort(), or a waiting party whose process went away breaks it: every wait then
// throws RemoteError ("BrokenBarrierError: ...").
class BarrierProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  long long wait(std::optional<double> timeout_s = std::nullopt) const;
  void abort() const { call("abort"); }
  long long parties() const { return call("parties").get<long long>(); }
};

// Python's Manager().Namespace(): attributes by name (ns.x = 1 is set("x", 1)).
// RemoteError ("AttributeError: ...") for one never set.
class NamespaceProxy : public BaseProxy {
 public:
  using BaseProxy::BaseProxy;
  nlohmann::json get(const std::string& name) const { return call("getattr", {name}); }
  void set(const std::string& name, const nlohmann::json& value) const { call("setattr", {name, value}); }
  nlohmann::json copy() const { return call("copy"); }
};

// ---- the manager ------------------------------------------------------------------

class Manager {
 public:
  // Starts the server process (by `method`) and waits until it listens.
  explicit Manager(StartMethod method = StartMethod::fork);
  // A manager served over TCP on host:port (port 0: one the kernel picks; see port()).
  // Every connection must prove it has `authkey` (auth.hpp), and the server proves it
  // back. Listen on 127.0.0.1 unless other machines must reach it.
  Manager(const std::string& host, int port, const std::string& authkey, ServerLimits limits = {},
          StartMethod method = StartMethod::fork);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  DictProxy dict(const nlohmann::json& initial = nlohmann::json::object());
  ListProxy list(const nlohmann::json& initial = nlohmann::json::array());
  ValueProxy value(const nlohmann::json& initial = nullptr);
  QueueProxy queue();
  LockProxy lock();
  EventProxy event();
  BarrierProxy barrier(long long parties);
  NamespaceProxy namespace_();  // Namespace() (namespace is a C++ keyword)
  // An object of a type registered with CONCUR_MANAGED, made in the server from `args`.
  BaseProxy create(std::string_view type, const nlohmann::json& args = nullptr);

  // Gives an object a name that RemoteManager::get() finds it by.
  void expose(const std::string& name, const BaseProxy& proxy);

  // Stops the server (its objects go with it) and reaps it. Safe to call twice.
  void shutdown();
  // Waits until the server process ends by itself (killed, or crashed), at most timeout_s;
  // true once it has. For a program whose only job is to serve.
  bool join(std::optional<double> timeout_s = std::nullopt) { return server_->join(timeout_s); }
  // "killed by SIGKILL", "running", ...
  std::string describe_exit() { return server_->describe_exit(); }
  std::optional<pid_t> pid() const { return server_->pid(); }
  const std::string& address() const { return address_; }
  // The TCP port it listens on (0 for a local manager).
  int port() const noexcept { return port_; }

 private:
  void start(const nlohmann::json& args, StartMethod method);
  BaseProxy& admin();
  nlohmann::json make(std::string_view type, const nlohmann::json& args);
  std::string address_;
  int port_ = 0;
  std::optional<Connection> control_;  // the server stops when this closes
  std::unique_ptr<Process> server_;
  std::unique_ptr<BaseProxy> admin_;  // object 0: the server itself, which makes objects
};

// A client of a manager served over TCP by another program (Python's BaseManager with
// an address and connect()): proves the key, then finds objects by the names the
// server exposed. Throws AuthenticationError when the server refuses the key or cannot
// prove it has it, DeadlineError when the server does not answer in time.
class RemoteManager {
 public:
  // timeout_s bounds everything done through this manager and the proxies it gives,
  // from now: connecting, the handshakes, every call (nullopt: no overall limit, but
  // connecting and a handshake still give up after 10 s).
  RemoteManager(const std::string& host, int port, const std::string& authkey,
                std::optional<double> timeout_s = std::nullopt);
  // The object the server exposed under `name`, as a proxy of type P (a QueueProxy...)
  // under the same deadline; RemoteError when there is none.
  template <typename P = BaseProxy>
  P get(const std::string& name) const {
    P proxy(lookup(name));
    proxy.set_deadline(deadline_);
    return proxy;
  }

 private:
  nlohmann::json lookup(const std::string& name) const;
  std::string address_;
  Connection::Deadline deadline_;
  std::unique_ptr<BaseProxy> admin_;
};

}  // namespace concur::mp
