// 10.12 pipe: messages between two processes, over a duplex and a one-way Pipe.
//
// A pipe is a buffer in the kernel: one process writes bytes in, the other reads them
// out, in order. concur's Connection cuts that byte stream into messages (a length,
// then the value), as Python's does. Duplex: the parent asks, the child answers on the
// same Pipe. One-way: the child only sends, and the parent reads until end of file.

#include <concur/concur.hpp>

#include <cctype>

namespace concur::demos {

// The child of the duplex variant: answers each message in capitals until a null.
static void shout_back(const nlohmann::json&, mp::Handed handed) {
  mp::Connection conn = mp::Connection::adopt(std::move(handed.at(0)));
  for (nlohmann::json msg = conn.recv(); !msg.is_null(); msg = conn.recv()) {
    std::string text = msg["text"];
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    conn.send({{"seq", msg["seq"]}, {"text", text}}, says("got '{}', answers '{}'", msg["text"].get<std::string>(), text));
  }
  say("got the null message and stops");
}
CONCUR_ENTRY(shout_back);

// The child of the one-way variant: sends its messages, then ends (closing its end).
static void send_all(const nlohmann::json& args, mp::Handed handed) {
  mp::Connection out = mp::Connection::adopt(std::move(handed.at(0)));
  // send() writes each line just before the message goes into the pipe: the parent's
  // "got" line for it can only come later.
  for (int i = 0; i < args["messages"].get<int>(); ++i)
    out.send({{"seq", i}, {"text", fmt::format("message {}", i)}}, says("sent 'message {}'", i));
  say("sent {} messages; my end closes as I return", args["messages"].get<int>());
}
CONCUR_ENTRY(send_all);

// What both variants report: how many came back, in order and intact.
static void report(Run& run, int sent, const std::vector<nlohmann::json>& got, bool capitals) {
  long long bytes = 0;
  bool in_order = true;
  for (int i = 0; i < static_cast<int>(got.size()); ++i) {
    const std::string want = capitals ? fmt::format("MESSAGE {}", i) : fmt::format("message {}", i);
    in_order = in_order && got[i]["seq"] == i && got[i]["text"] == want;
    bytes += static_cast<long long>(nlohmann::json::to_cbor(got[i]).size());
  }
  run.result({{"sent", sent}, {"received", got.size()}, {"in_order", in_order}, {"bytes", bytes}});
  run.check("every message arrived", static_cast<int>(got.size()) == sent, "{} of {}", got.size(), sent);
  run.check("in order and intact", in_order);
}

static void duplex(Run& run) {
  const int messages = run.integer<int>("messages");
  auto [parent_end, child_end] = mp::Pipe();  // both ends can send and receive
  mp::Process child(mp::Target{"shout_back", {}, {child_end.fileno()}}, "Child", mp::start_method_of(run));
  child.start();
  child_end.close();  // ours to close: the child has its own copy
  std::vector<nlohmann::json> replies;
  for (int i = 0; i < messages; ++i) {
    const std::string text = fmt::format("message {}", i);
    parent_end.send({{"seq", i}, {"text", text}}, says("sent '{}'", text));  // said before it leaves
    replies.push_back(parent_end.recv());  // the answer comes back on the same Pipe
    say("got back '{}'", replies.back()["text"].get<std::string>());
  }
  parent_end.send(nullptr, says("got {} answers; sending null to stop the child", replies.size()));
  child.join();
  report(run, messages, replies, true);
  run.explain("One Pipe carried questions one way and answers the other: a duplex Pipe is a socket pair.");
}

static void one_way(Run& run) {
  const int messages = run.integer<int>("messages");
  auto [receiver, sender] = mp::Pipe(/*duplex=*/false);  // first end reads, second writes
  mp::Process child(mp::Target{"send_all", {{"messages", messages}}, {sender.fileno()}}, "Child",
                    mp::start_method_of(run));
  child.start();
  sender.close();  // else our own copy would keep the pipe open: no end of file, ever
  std::vector<nlohmann::json> got;
  try {
    for (;;) {
      got.push_back(receiver.recv());
      say("got '{}'", got.back()["text"].get<std::string>());
    }
  } catch (const mp::EOFError&) {
    say("end of file after {} messages: every writer has closed its end", got.size());
  }
  child.join();
  report(run, messages, got, false);
  run.explain("The reader knew the stream was over only because the last writer closed its end.");
}

Example pipe() {
  return {
      .params = {Param::integer("messages", "messages to send", 10, 1, 1'000'000), mp::start_method_param()},
      .variants = {{"duplex", duplex}, {"one-way", one_way}},
  };
}

}  // namespace concur::demos
