// concur::mp::Pipe and Connection: messages arrive whole and in order, in both kinds of
// pipe and across fork(); bad frames and end of file are errors a reader can catch.
#include <gtest/gtest.h>

#include <concur/mp/connection.hpp>
#include <concur/threads/thread.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <set>
#include <string>
#include <system_error>

namespace {

using concur::mp::Connection;
using concur::mp::EOFError;
using concur::mp::FrameError;
using concur::mp::Pipe;
using nlohmann::json;

TEST(Connection, DuplexCarriesValuesBothWays) {
  auto [a, b] = Pipe();
  const json msg = {{"id", 7}, {"items", {1, 2, 3}}, {"name", "ok"}, {"ratio", 0.5}, {"none", nullptr}};
  a.send(msg);
  EXPECT_EQ(b.recv(), msg);
  b.send("reply");
  EXPECT_EQ(a.recv(), "reply");
  EXPECT_TRUE(a.readable() && a.writable() && b.readable() && b.writable());
}

TEST(Connection, OneWayPipeReceivesOnTheFirstEndAndSendsOnTheSecond) {
  auto [reader, writer] = Pipe(false);
  EXPECT_TRUE(reader.readable());
  EXPECT_FALSE(reader.writable());
  EXPECT_FALSE(writer.readable());
  EXPECT_TRUE(writer.writable());
  for (int i = 0; i < 100; ++i) writer.send(i);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(reader.recv(), i);  // in order
  EXPECT_THROW(reader.send(1), std::logic_error);
  EXPECT_THROW((void)writer.recv(), std::logic_error);
}

TEST(Connection, BytesAndMessagePackRoundTrip) {
  auto [a, b] = Pipe();
  std::string blob(100'000, '\0');
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 31);
  concur::Thread writer([&] { a.send_bytes(blob); });  // larger than the socket buffer
  writer.start();
  EXPECT_EQ(b.recv_bytes(), blob);
  writer.join();
  a.send_bytes("");
  EXPECT_EQ(b.recv_bytes(), "");

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  Connection in{concur::detail::Fd{fds[0]}, true, false, concur::mp::Codec::msgpack};
  Connection out{concur::detail::Fd{fds[1]}, false, true, concur::mp::Codec::msgpack};
  out.send({{"k", {true, false}}});
  EXPECT_EQ(in.recv(), (json{{"k", {true, false}}}));
}

TEST(Connection, PollSaysWhetherAMessageWaits) {
  auto [a, b] = Pipe();
  EXPECT_FALSE(b.poll());
  EXPECT_FALSE(b.poll(0.02));
  a.send(1);
  EXPECT_TRUE(b.poll(std::nullopt));
  EXPECT_EQ(b.recv(), 1);
}

TEST(Connection, TheOtherEndClosingIsEOFError) {
  auto [a, b] = Pipe();
  a.send("last");
  a.close();
  EXPECT_TRUE(a.closed());
  EXPECT_EQ(b.recv(), "last");  // what was sent before the close still arrives
  EXPECT_TRUE(b.poll());        // end of file counts as readable
  EXPECT_THROW((void)b.recv(), EOFError);
  EXPECT_THROW(a.send(1), std::logic_error);
  EXPECT_THROW(a.close(), std::logic_error);
}

TEST(Connection, SendingToAClosedReaderIsAnErrorNotASignal) {
  auto [reader, writer] = Pipe(false);
  reader.close();
  try {
    writer.send("anyone?");
    FAIL() << "send to a pipe with no reader must fail";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EPIPE);
  }
  auto [a, b] = Pipe();
  b.close();
  EXPECT_THROW(a.send("anyone?"), std::system_error);
}

// Raw bytes written straight to the descriptor, as a broken or hostile peer would.
void raw(Connection& c, std::string_view bytes) { concur::detail::write_all(c.fileno(), bytes.data(), bytes.size()); }

TEST(Connection, ATruncatedFrameIsReported) {
  {
    auto [a, b] = Pipe();
    raw(a, concur::mp::frame_header(10) + "abc");  // promises 10 bytes, sends 3
    a.close();
    try {
      (void)b.recv_bytes();
      FAIL();
    } catch (const FrameError& e) {
      EXPECT_EQ(e.kind(), FrameError::Kind::truncated);
      EXPECT_NE(std::string(e.what()).find("3 of 10"), std::string::npos) << e.what();
    }
  }
  {
    auto [a, b] = Pipe();
    raw(a, std::string("\0\0", 2));  // half a header
    a.close();
    try {
      (void)b.recv();
      FAIL();
    } catch (const FrameError& e) {
      EXPECT_EQ(e.kind(), FrameError::Kind::truncated);
    }
  }
}

TEST(Connection, AnOversizedFrameIsRefusedBeforeItIsRead) {
  auto [a, b] = Pipe();
  b.set_max_frame(1024);
  raw(a, concur::mp::frame_header(1u << 30));  // 1 GiB announced
  try {
    (void)b.recv_bytes();
    FAIL();
  } catch (const FrameError& e) {
    EXPECT_EQ(e.kind(), FrameError::Kind::oversized);
    EXPECT_NE(std::string(e.what()).find("1024"), std::string::npos) << e.what();
  }
}

TEST(Connection, GarbageThatIsNotCborIsCorrupt) {
  auto [a, b] = Pipe();
  a.send_bytes(std::string("\xff\xfe\x01", 3));
  try {
    (void)b.recv();
    FAIL();
  } catch (const FrameError& e) {
    EXPECT_EQ(e.kind(), FrameError::Kind::corrupt);
  }
  a.send("still fine");  // the stream is still in step: the next frame reads
  EXPECT_EQ(b.recv(), "still fine");
}

TEST(Connection, ThreadsSharingAnEndNeverTearAFrame) {
  constexpr int kThreads = 4, kEach = 300;
  auto [a, b] = Pipe();
  std::deque<concur::Thread> senders;
  for (int t = 0; t < kThreads; ++t)
    senders.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) a.send({{"t", t}, {"i", i}, {"pad", std::string(100 + i % 50, 'x')}});
    });
  for (auto& s : senders) s.start();
  std::set<std::pair<int, int>> seen;
  std::vector<int> next(kThreads, 0);
  for (int n = 0; n < kThreads * kEach; ++n) {
    const json m = b.recv();
    const int t = m["t"], i = m["i"];
    EXPECT_EQ(i, next[static_cast<std::size_t>(t)]++) << "each sender's messages stay in order";
    seen.emplace(t, i);
  }
  for (auto& s : senders) s.join();
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(Connection, WorksAcrossFork) {
  auto [parent_end, child_end] = Pipe();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child: answer each number with its square, then stop at the sentinel.
    parent_end.close();
    for (;;) {
      const json m = child_end.recv();
      if (m.is_null()) break;
      child_end.send(m.get<int>() * m.get<int>());
    }
    ::_exit(0);
  }
  child_end.close();
  for (int i = 1; i <= 20; ++i) {
    parent_end.send(i);
    EXPECT_EQ(parent_end.recv(), i * i);
  }
  parent_end.send(nullptr);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_THROW((void)parent_end.recv(), EOFError);  // the child's end closed when it exited
}

}  // namespace
