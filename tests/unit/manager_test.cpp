// concur::mp::Manager: objects in a server process, changed by many processes through
// proxies; registered types; locks; errors travel back; nothing left after shutdown.
#include <gtest/gtest.h>

#include <concur/mp/manager.hpp>
#include <concur/queue.hpp>

#include <fmt/format.h>

#include <algorithm>

#include <unistd.h>

#include <mutex>
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

class EveryStartMethod : public ::testing::TestWithParam<StartMethod> {};

TEST_P(EveryStartMethod, ChildrenChangeTheSameObjectsThroughProxies) {
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

TEST_P(EveryStartMethod, AQueueCarriesItemsAndALockIsFreedWhenItsHolderDies) {
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

INSTANTIATE_TEST_SUITE_P(StartMethods, EveryStartMethod,
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

}  // namespace
