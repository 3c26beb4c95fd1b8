// concur::mp::Manager: objects in a server process, changed by many processes through
// proxies; registered types; locks; errors travel back; nothing left after shutdown.
#include <gtest/gtest.h>

#include <concur/mp/manager.hpp>
#include <concur/threads/queue.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <mutex>
#include <set>
#include <thread>

namespace {

namespace mp = concur::mp;
using mp::Handed;
using mp::Process;
using mp::StartMethod;
using mp::Target;
using nlohmann::json;

struct Tally {
  long long total = 0;
  int calls = 0;
};
CONCUR_MANAGED(Tally, (mp::Methods<Tally>{
                          {"add", [](Tally& t, const json& a) { t.total += a.at(0).get<long long>(); return json(++t.calls); }},
                          {"total", [](Tally& t, const json&) { return json(t.total); }},
                      }));

// Each child: its own key in the dict, its id in the list, `adds` adds on the tally, and
// `adds` increments of the shared value under the manager's lock.
void use_proxies(const json& args, Handed) {
  mp::DictProxy seen(args["dict"]);
  mp::ListProxy order(args["list"]);
  mp::BaseProxy tally(args["tally"]);
  mp::ValueProxy counter(args["value"]);
  mp::LockProxy lock(args["lock"]);
  const int id = args["id"];
  seen.set(fmt::format("child-{}", id), ::getpid());
  order.append(id);
  for (int i = 0; i < args["adds"].get<int>(); ++i) {
    tally.call("add", {id});
    std::lock_guard hold(lock);  // get then set: two calls, so they need the lock
    counter.set(counter.get().get<int>() + 1);
  }
}
CONCUR_ENTRY(use_proxies);

void put_three(const json& args, Handed) {
  mp::QueueProxy q(args["queue"]);
  for (int i = 1; i <= 3; ++i) q.put(i);
}
CONCUR_ENTRY(put_three);

void take_lock_and_exit(const json& args, Handed) {
  mp::LockProxy lock(args["lock"]);
  lock.acquire();
  ::_exit(0);  // without releasing it: the connection closes with the process
}
CONCUR_ENTRY(take_lock_and_exit);

class ManagerEveryStartMethod : public ::testing::TestWithParam<StartMethod> {};

TEST_P(ManagerEveryStartMethod, ChildrenChangeTheSameObjectsThroughProxies) {
  mp::Manager manager(GetParam());
  mp::DictProxy seen = manager.dict();
  mp::ListProxy order = manager.list();
  mp::BaseProxy tally = manager.create("Tally");
  mp::ValueProxy counter = manager.value(0);
  mp::LockProxy lock = manager.lock();
  std::vector<std::unique_ptr<Process>> children;
  for (int id = 1; id <= 3; ++id) {
    children.push_back(std::make_unique<Process>(
        Target{"use_proxies",
               {{"dict", seen.token()}, {"list", order.token()}, {"tally", tally.token()},
                {"value", counter.token()}, {"lock", lock.token()}, {"id", id}, {"adds", 40}}},
        "", GetParam()));
    children.back()->start();
  }
  for (auto& c : children) {
    ASSERT_TRUE(c->join(60.0));
    EXPECT_EQ(c->exitcode(), 0) << c->describe_exit();
  }
  EXPECT_EQ(seen.size(), 3u);
  for (int id = 1; id <= 3; ++id) EXPECT_TRUE(seen.contains(fmt::format("child-{}", id)));
  json ids = order.copy();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, json::array({1, 2, 3}));
  EXPECT_EQ(tally.call("total"), 40 * (1 + 2 + 3));
  EXPECT_EQ(counter.get(), 120);
}

TEST_P(ManagerEveryStartMethod, AQueueCarriesItemsAndALockIsFreedWhenItsHolderDies) {
  mp::Manager manager(GetParam());
  mp::QueueProxy q = manager.queue();
  Process producer(Target{"put_three", {{"queue", q.token()}}}, "", GetParam());
  producer.start();
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(q.get(30.0), i);
  EXPECT_THROW((void)q.get(0.02), concur::Empty);
  producer.join();

  mp::LockProxy lock = manager.lock();
  Process holder(Target{"take_lock_and_exit", {{"lock", lock.token()}}}, "", GetParam());
  holder.start();
  ASSERT_TRUE(holder.join(30.0));
  EXPECT_TRUE(lock.acquire(true, 10.0));  // the server saw the connection close
  lock.release();
}

INSTANTIATE_TEST_SUITE_P(StartMethods, ManagerEveryStartMethod,
                         ::testing::Values(StartMethod::fork, StartMethod::spawn, StartMethod::forkserver),
                         [](const auto& info) { return std::string(mp::to_string(info.param)); });

TEST(Manager, ErrorsComeBackAsRemoteErrors) {
  mp::Manager manager;
  mp::DictProxy d = manager.dict({{"a", 1}});
  EXPECT_EQ(d.get("a"), 1);
  try {
    (void)d.get("missing");
    FAIL() << "expected RemoteError";
  } catch (const mp::RemoteError& e) {
    EXPECT_STREQ(e.what(), "KeyError: 'missing'");
  }
  EXPECT_THROW((void)d.call("no_such_method"), mp::RemoteError);
  mp::ListProxy l = manager.list({1, 2});
  EXPECT_THROW((void)l.get(5), mp::RemoteError);
  mp::LockProxy lock = manager.lock();
  EXPECT_THROW(lock.release(), mp::RemoteError);
  EXPECT_TRUE(lock.acquire(false));
  EXPECT_THROW((void)lock.acquire(), mp::RemoteError);  // not re-entrant
  EXPECT_THROW((void)manager.create("NoSuchType"), std::invalid_argument);
  EXPECT_THROW(mp::BaseProxy(json{{"id", 1}}), std::invalid_argument);
}

TEST(Manager, AForkedChildUsesItsOwnConnection) {
  mp::Manager manager;
  mp::ListProxy l = manager.list();
  l.append("parent");  // the parent's connection exists before the fork
  Process child([&] { l.append("child"); });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  l.append("parent again");
  EXPECT_EQ(l.copy(), json::array({"parent", "child", "parent again"}));
}

TEST(Manager, ShutdownStopsTheServerAndProxiesFailCleanly) {
  const int before = mp::live_children();
  mp::ValueProxy v = [] {
    mp::Manager manager;
    mp::ValueProxy v = manager.value(5);
    EXPECT_EQ(v.get(), 5);
    manager.shutdown();
    manager.shutdown();  // twice is fine
    EXPECT_THROW((void)manager.dict(), std::logic_error);
    return v;
  }();
  EXPECT_ANY_THROW((void)v.get());
  EXPECT_EQ(mp::live_children(), before);
}

// ---- over TCP, with an auth key -------------------------------------------------------

// A raw TCP connection to the manager, speaking frames but no handshake of its own.
mp::Connection raw_connection(int port) {
  concur::detail::Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return mp::Connection(std::move(fd), true, true);
}

void remote_put(const json& args, Handed) {
  mp::RemoteManager remote("127.0.0.1", args["port"], "sesame");
  mp::QueueProxy q(remote.get("jobs").token());
  q.put("from a child");
}
CONCUR_ENTRY(remote_put);

TEST(RemoteManager, TheRightKeyReachesTheExposedObjects) {
  mp::Manager server("127.0.0.1", 0, "sesame");
  ASSERT_GT(server.port(), 0);
  mp::QueueProxy jobs = server.queue();
  server.expose("jobs", jobs);
  mp::RemoteManager client("127.0.0.1", server.port(), "sesame");
  mp::QueueProxy theirs(client.get("jobs").token());
  theirs.put(7);
  EXPECT_EQ(jobs.get(10.0), 7);
  Process child(Target{"remote_put", {{"port", server.port()}}}, "", StartMethod::spawn);
  child.start();
  EXPECT_EQ(jobs.get(30.0), "from a child");
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_THROW((void)client.get("no such name"), mp::RemoteError);
}

TEST(RemoteManager, AWrongKeyIsRefusedAndLearnsNothing) {
  mp::Manager server("127.0.0.1", 0, "sesame");
  server.expose("secret", server.value("the treasure"));
  try {
    mp::RemoteManager intruder("127.0.0.1", server.port(), "open barley");
    FAIL() << "expected AuthenticationError";
  } catch (const mp::AuthenticationError& e) {
    EXPECT_NE(std::string(e.what()).find("refused our key"), std::string::npos) << e.what();
  }
  // A client that skips the handshake and just asks gets no answer but the challenge.
  mp::Connection rude = raw_connection(server.port());
  rude.send({{"id", 0}, {"m", "lookup"}, {"a", {"secret"}}});
  const std::string first = rude.recv_bytes();
  EXPECT_EQ(first.rfind("#CHALLENGE#", 0), 0u);
  // The server still serves those with the key.
  mp::RemoteManager friendly("127.0.0.1", server.port(), "sesame");
  EXPECT_EQ(mp::ValueProxy(friendly.get("secret").token()).get(), "the treasure");
  EXPECT_THROW(mp::Manager("127.0.0.1", 0, ""), std::invalid_argument);
  EXPECT_THROW(mp::Manager("localhost", 0, "k"), std::invalid_argument);
}

// The client's proof: its nonce, then HMAC(key, "concur client" Ns Nc).
std::string client_proof(const std::string& key, const std::string& challenge, const std::string& nc) {
  return nc + mp::hmac_sha256(key, "concur client" + challenge.substr(11) + nc);
}

TEST(RemoteManager, ARecordedAnswerDoesNotOpenTheNextConnection) {
  mp::Manager server("127.0.0.1", 0, "sesame");
  mp::Connection first = raw_connection(server.port());
  const std::string challenge = first.recv_bytes();
  const std::string answer = client_proof("sesame", challenge, std::string(32, 'n'));
  first.send_bytes(answer);
  EXPECT_EQ(first.recv_bytes().rfind("#WELCOME#", 0), 0u);
  mp::Connection replay = raw_connection(server.port());
  const std::string other = replay.recv_bytes();
  EXPECT_NE(other, challenge);  // a fresh challenge
  replay.send_bytes(answer);     // yesterday's answer
  EXPECT_EQ(replay.recv_bytes(), "#FAILURE#");
  EXPECT_THROW((void)replay.recv_bytes(), mp::EOFError);  // and the server hangs up
}

// An impostor on the port (no key) that hands the client a real server's challenge and
// sends back, as its own proof, what the real server would accept: the client checks
// the server's proof before anything else, and a proof made for one direction or one
// pair of nonces is worth nothing for another.
TEST(RemoteManager, AnImpostorServerCannotBorrowTheClientsAnswer) {
  mp::Manager server("127.0.0.1", 0, "sesame");
  auto [client_end, impostor_end] = mp::Pipe();
  std::thread impostor([&, &impostor_end = impostor_end] {
    mp::Connection real = raw_connection(server.port());
    const std::string challenge = real.recv_bytes();
    impostor_end.send_bytes(challenge);             // relays the real server's challenge
    const std::string answer = impostor_end.recv_bytes();
    real.send_bytes(answer);                        // the client's answer opens the real server...
    const std::string welcome = real.recv_bytes();  // ...whose proof names the client's nonce
    EXPECT_EQ(welcome.rfind("#WELCOME#", 0), 0u);
    // Reflect the client's own HMAC back instead of the server's: refused.
    impostor_end.send_bytes("#WELCOME#" + answer.substr(32));
  });
  EXPECT_THROW(mp::client_handshake(client_end, "sesame"), mp::AuthenticationError);
  impostor.join();
  // A welcome without a proof, or with one for the wrong direction: refused too.
  for (const std::string& fake : {std::string("#WELCOME#"), std::string("#WELCOME#") + std::string(32, 'x')}) {
    auto [c, s] = mp::Pipe();
    std::thread t([&, &s = s] {
      s.send_bytes("#CHALLENGE#" + std::string(32, 'c'));
      (void)s.recv_bytes();
      s.send_bytes(fake);
    });
    EXPECT_THROW(mp::client_handshake(c, "sesame"), mp::AuthenticationError);
    t.join();
  }
}

// The server's limits: a frame larger than allowed is refused with an error and the
// connection closed; an idle connection is closed; past the connection limit, "#BUSY#".
TEST(RemoteManager, TheServerBoundsItsClients) {
  mp::ServerLimits limits;
  limits.handshake_s = 0.5;
  limits.idle_s = 0.5;
  limits.max_connections = 4;  // the manager's, the client's, the proxy's (and one closing)
  limits.max_frame = 1024;
  mp::Manager server("127.0.0.1", 0, "sesame", limits);
  server.expose("v", server.value(0));
  mp::RemoteManager client("127.0.0.1", server.port(), "sesame", 10.0);
  auto v = client.get<mp::ValueProxy>("v");
  EXPECT_THROW(v.set(std::string(4096, 'x')), std::exception);  // oversized: refused
  v.set(1);                                                       // a new connection serves
  std::this_thread::sleep_for(std::chrono::milliseconds(800));    // idles out...
  EXPECT_EQ(v.get(), 1);                                          // ...and reconnects
  mp::Connection a = raw_connection(server.port());
  mp::Connection b = raw_connection(server.port());
  mp::Connection c = raw_connection(server.port());
  mp::Connection d = raw_connection(server.port());
  mp::Connection e = raw_connection(server.port());
  int busy = 0;
  for (auto* conn : {&a, &b, &c, &d, &e}) busy += conn->recv_bytes() == mp::kBusyGreeting;
  EXPECT_GE(busy, 1);
}

TEST(RemoteManager, GarbageAndHalfFramesCloseOnlyTheirOwnConnection) {
  mp::Manager server("127.0.0.1", 0, "sesame");
  mp::ValueProxy counter = server.value(0);
  server.expose("counter", counter);
  std::srand(42);
  for (int i = 0; i < 40; ++i) {
    mp::Connection bad = raw_connection(server.port());
    std::string junk(static_cast<std::size_t>(std::rand() % 64), '\0');
    for (char& c : junk) c = static_cast<char>(std::rand());
    switch (i % 4) {
      case 0: ::write(bad.fileno(), junk.data(), junk.size()); break;                  // raw garbage
      case 1: ::write(bad.fileno(), "\xff\xff\xff\xff", 4); break;                     // a 4 GiB frame
      case 2: ::write(bad.fileno(), "\x00\x00\x00\x40" "abc", 7); break;               // half a frame
      case 3: bad.send_bytes(junk); break;                                             // a wrong answer
    }
    bad.close();
  }
  mp::RemoteManager client("127.0.0.1", server.port(), "sesame");
  mp::ValueProxy theirs(client.get("counter").token());
  theirs.set(41);
  EXPECT_EQ(counter.get(), 41);
}

TEST(RemoteManager, TheKeyComesFromTheEnvironmentOrAFile) {
  ::unsetenv("CONCUR_AUTHKEY");
  EXPECT_THROW((void)mp::load_authkey(), std::runtime_error);
  ::setenv("CONCUR_AUTHKEY", "from-env", 1);
  EXPECT_EQ(mp::load_authkey(), "from-env");
  const std::string path = "/tmp/concur_manager_test_key";
  { std::ofstream(path) << "from-file\n"; }
  EXPECT_EQ(mp::load_authkey(path), "from-file");
  std::remove(path.c_str());
  EXPECT_THROW((void)mp::load_authkey(path), std::runtime_error);
  ::unsetenv("CONCUR_AUTHKEY");
}

}  // namespace

namespace {

void meet_and_note(const json& args, Handed) {
  mp::EventProxy go(args["go"]);
  mp::BarrierProxy all_here(args["barrier"]);
  mp::NamespaceProxy ns(args["ns"]);
  go.wait();
  const long long index = all_here.wait(30.0);
  ns.set(fmt::format("index_{}", args["id"].get<int>()), index);
}
CONCUR_ENTRY(meet_and_note);

TEST_P(ManagerEveryStartMethod, EventBarrierAndNamespaceProxies) {
  mp::Manager manager(GetParam());
  mp::EventProxy go = manager.event();
  mp::BarrierProxy all_here = manager.barrier(3);
  mp::NamespaceProxy ns = manager.namespace_();
  EXPECT_EQ(all_here.parties(), 3);
  EXPECT_FALSE(go.is_set());
  EXPECT_FALSE(go.wait(0.01));
  std::vector<std::unique_ptr<Process>> children;
  for (int id = 1; id <= 3; ++id) {
    children.push_back(std::make_unique<Process>(
        Target{"meet_and_note", {{"go", go.token()}, {"barrier", all_here.token()}, {"ns", ns.token()}, {"id", id}}}, "",
        GetParam()));
    children.back()->start();
  }
  go.set();
  for (auto& c : children) {
    ASSERT_TRUE(c->join(60.0));
    EXPECT_EQ(c->exitcode(), 0) << c->describe_exit();
  }
  std::set<long long> indexes;
  const json noted = ns.copy();
  for (const json& index : noted) indexes.insert(index.get<long long>());
  EXPECT_EQ(indexes, (std::set<long long>{0, 1, 2}));
  EXPECT_THROW(ns.get("missing"), mp::RemoteError);
  go.clear();
  EXPECT_FALSE(go.is_set());

  mp::BarrierProxy alone = manager.barrier(2);
  EXPECT_THROW(alone.wait(0.02), mp::RemoteError);  // timed out: broken
  EXPECT_THROW(alone.wait(), mp::RemoteError);      // and stays broken
  EXPECT_THROW(manager.barrier(0), mp::RemoteError);
}

}  // namespace
