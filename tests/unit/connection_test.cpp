// concur::mp::Pipe and Connection: messages arrive whole and in order, in both kinds of
// pipe and across fork(); bad frames and end of file are errors a reader can catch.
#include <gtest/gtest.h>

#include <concur/mp/connection.hpp>
#include <concur/threads/thread.hpp>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <set>
#include <string>
#include <system_error>
#include <vector>

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

// ---- the wire: nlohmann's CBOR, byte for byte, and the reading ahead --------------------

// Values at every boundary of the encoding: each integer width, both float widths, the
// lengths where a string's or a container's head grows, and what nlohmann writes its own
// way (NaN, infinities, binary with a subtype).
std::vector<json> boundary_values() {
  std::vector<json> values = {nullptr, true, false, 0, 23, 24, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
                              std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::uint64_t>::max(),
                              -1, -24, -25, -256, -257, -65537, std::numeric_limits<std::int64_t>::min(),
                              0.5, -2.25, 0.1, 1e300, 3.4028234663852886e38, 1e-45,
                              std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(), "", "héllo, wörld", json::array(), json::object(),
                              json::binary({1, 2, 3}), json::binary({4, 5}, 7)};
  for (const std::size_t n : {23u, 24u, 255u, 256u, 65535u, 70000u}) {
    values.emplace_back(std::string(n, 'x'));
    values.emplace_back(json(std::vector<int>(n, 1)));
    json object = json::object();
    for (std::size_t i = 0; i < n; ++i) object["k" + std::to_string(i)] = i;
    values.push_back(std::move(object));
  }
  values.push_back({{"i", 42}, {"nested", {{"a", {1, 2.5, "three", nullptr, {{"deep", true}}}}}}, {"", -7}});
  return values;
}

// The payload of the next frame on fd, read raw.
std::string raw_frame(int fd) {
  unsigned char header[4];
  EXPECT_EQ(concur::detail::read_exact(fd, header, 4), 4u);
  std::string payload((std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                          (std::size_t{header[2]} << 8) | header[3],
                      '\0');
  EXPECT_EQ(concur::detail::read_exact(fd, payload.data(), payload.size()), payload.size());
  return payload;
}

bool same(const json& a, const json& b) {  // NaN is not equal to itself: compare its encoding
  return json::to_cbor(a) == json::to_cbor(b);
}

TEST(Wire, SendWritesTheBytesNlohmannWould) {
  auto [reader, writer] = Pipe();
  for (const json& value : boundary_values()) {
    concur::Thread send([&] { writer.send(value); });  // 70000 elements outgrow the socket buffer
    send.start();
    const std::vector<std::uint8_t> expected = json::to_cbor(value);
    EXPECT_EQ(raw_frame(reader.fileno()), std::string(expected.begin(), expected.end())) << value.dump().substr(0, 80);
    send.join();
  }
}

// A message written as an object literal goes through send()'s list of fields, encoded
// without making the object: the bytes must be those of the object nlohmann makes from
// the same literal (keys in order, the first of two equal keys kept, values of any kind).
#define EXPECT_LITERAL_SENT_AS_NLOHMANN(...)                                                    \
  do {                                                                                         \
    const std::vector<std::uint8_t> expected = json::to_cbor(json(__VA_ARGS__));               \
    writer.send(__VA_ARGS__);                                                                  \
    EXPECT_EQ(raw_frame(reader.fileno()), std::string(expected.begin(), expected.end())) << #__VA_ARGS__; \
  } while (false)

TEST(Wire, ALiteralMessageIsSentAsTheObjectItMakes) {
  auto [reader, writer] = Pipe();
  const std::string key = "from a string";
  const json nested = {{"deep", {1, 2.5, nullptr}}};
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{"i", 42}});
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{"zeta", 1}, {"alpha", -2}, {"mid", "text"}});
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{"twice", 1}, {"other", true}, {"twice", 2}});
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{key, nested}, {"", 0.5}, {"list", {1, "two", false}}});
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{"B", 1}, {"a", 2}, {"\xc3\xa9", 3}, {"ab", 4}, {"a", 5}});
  // More fields than fit the encoder's small list.
  EXPECT_LITERAL_SENT_AS_NLOHMANN({{"q", 1}, {"p", 2}, {"o", 3}, {"n", 4}, {"m", 5}, {"l", 6}, {"k", 7}, {"j", 8},
                                   {"i", 9}, {"h", 10}, {"g", 11}, {"f", 12}, {"e", 13}, {"d", 14}, {"c", 15},
                                   {"b", 16}, {"a", 17}, {"p", 18}});
  // Not object literals: these still go through the json overload, as before.
  EXPECT_LITERAL_SENT_AS_NLOHMANN({1, 2, 3});
  EXPECT_LITERAL_SENT_AS_NLOHMANN({"a", 1});
  // An empty list sends null, as send({}) did before the list overload existed.
  writer.send({});
  EXPECT_EQ(raw_frame(reader.fileno()), std::string("\xf6", 1));
  // And what arrives is the object.
  writer.send({{"b", 2}, {"a", 1}});
  EXPECT_EQ(reader.recv(), json({{"a", 1}, {"b", 2}}));
}

TEST(Wire, ALiteralMessageOnAMessagePackConnectionIsTheObjectItMakes) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Connection writer(concur::detail::Fd{sv[0]}, true, true, concur::mp::Codec::msgpack);
  Connection reader(concur::detail::Fd{sv[1]}, true, true, concur::mp::Codec::msgpack);
  writer.send({{"z", 1}, {"a", {1, 2}}, {"z", 3}});
  EXPECT_EQ(reader.recv(), json({{"a", {1, 2}}, {"z", 1}}));
}

TEST(Wire, RecvReadsWhatNlohmannWrites) {
  auto [reader, writer] = Pipe();
  for (const json& value : boundary_values()) {
    if (value.is_binary() && value.get_binary().has_subtype()) continue;  // a tag: nlohmann refuses its own
    const std::vector<std::uint8_t> bytes = json::to_cbor(value);
    concur::Thread send([&] { writer.send_bytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()}); });
    send.start();
    const json got = reader.recv();
    send.join();
    EXPECT_TRUE(same(got, value)) << got.dump().substr(0, 80) << " vs " << value.dump().substr(0, 80);
    EXPECT_EQ(got.type(), json::from_cbor(bytes).type()) << value.dump().substr(0, 80);  // 5 comes back unsigned, as from nlohmann
  }
}

TEST(Wire, EncodingsOnlyNlohmannReadsStillArrive) {
  auto [reader, writer] = Pipe(false);
  writer.send_bytes(std::string("\xf9\x3c\x00", 3));                // a half float: 1.0
  writer.send_bytes(std::string("\x9f\x01\x02\xff", 4));            // an array of unstated length
  writer.send_bytes(std::string("\xbf\x61\x61\x01\xff", 5));        // a map of unstated length
  EXPECT_EQ(reader.recv(), 1.0);
  EXPECT_EQ(reader.recv(), json({1, 2}));
  EXPECT_EQ(reader.recv(), json({{"a", 1}}));
  writer.send_bytes(std::string("\x62\x61", 2));  // a 2-byte string with one byte: nlohmann's error
  try {
    (void)reader.recv();
    FAIL();
  } catch (const FrameError& e) {
    EXPECT_EQ(e.kind(), FrameError::Kind::corrupt);
    EXPECT_NE(std::string(e.what()).find("unexpected end of input"), std::string::npos) << e.what();
  }
  writer.send_bytes(std::string("\x01\x02", 2));  // a value and a stray byte after it
  EXPECT_THROW((void)reader.recv(), FrameError);
}

TEST(Wire, FramesReadAheadWaitInTheBufferAndPollSeesThem) {
  auto [reader, writer] = Pipe(false);
  std::string burst;  // three frames in one write: one read() takes them all
  for (int i = 1; i <= 3; ++i) {
    const std::vector<std::uint8_t> bytes = json::to_cbor(i);
    burst += concur::mp::frame_header(static_cast<std::uint32_t>(bytes.size())) + std::string(bytes.begin(), bytes.end());
  }
  raw(writer, burst);
  EXPECT_FALSE(reader.buffered());
  EXPECT_EQ(reader.recv(), 1);
  EXPECT_TRUE(reader.buffered());
  EXPECT_FALSE(concur::detail::wait_readable(reader.fileno(), 0)) << "the kernel holds nothing more";
  EXPECT_TRUE(reader.poll());  // yet a message waits
  EXPECT_EQ(reader.recv(), 2);
  EXPECT_EQ(reader.recv(), 3);
  EXPECT_FALSE(reader.buffered());
  EXPECT_FALSE(reader.poll());

  // A frame longer than the buffer, after a small one read ahead with its first bytes.
  std::string big(300'000, 'b');
  concur::Thread send([&] {
    writer.send("small");
    writer.send_bytes(big);
    writer.send("after");
  });
  send.start();
  EXPECT_EQ(reader.recv(), "small");
  EXPECT_EQ(reader.recv_bytes(), big);
  EXPECT_EQ(reader.recv(), "after");
  send.join();
}

TEST(Wire, WithoutReadaheadARecvLeavesTheNextBytesInTheKernel) {
  auto [a, b] = Pipe();
  b.set_readahead(false);
  a.send("order");
  raw(a, "fd");  // what an SCM_RIGHTS message would carry, read by other means
  EXPECT_EQ(b.recv(), "order");
  EXPECT_FALSE(b.buffered());
  char rest[2];
  ASSERT_EQ(concur::detail::read_exact(b.fileno(), rest, 2), 2u);
  EXPECT_EQ(std::string(rest, 2), "fd");
}
