// concur::render_timeline: a row per thread, glyphs that differ, a legend, an axis; many
// threads summarised.
#include <gtest/gtest.h>

#include <concur/threads/semaphore.hpp>
#include <concur/threads/thread.hpp>
#include <concur/core/timeline.hpp>
#include <concur/harness/timeline_view.hpp>

#include <atomic>
#include <deque>
#include <latch>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using concur::Recorder;
using concur::SpanKind;
using concur::TimelineEvent;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Workers (two or more) share a semaphore of two permits, recorded as a run. The first two
// in wait for each other before leaving, so the room is full at least once however slowly
// threads start (under ThreadSanitizer a start once took longer than a worker's stay, and
// no two ever met).
concur::Timeline semaphore_run(int workers) {
  concur::Semaphore room(2, "room");
  std::latch first_two(2);
  std::atomic<int> arrivals{0};
  Recorder::begin_run();
  {
    std::deque<concur::Thread> threads;
    for (int i = 1; i <= workers; ++i)
      threads.emplace_back(
          [&] {
            room.acquire();
            if (arrivals.fetch_add(1) < 2) first_two.arrive_and_wait();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            room.release();
          },
          "Worker-" + std::to_string(i));
    for (auto& t : threads) t.start();
    for (auto& t : threads) t.join();
  }
  return Recorder::end_run();
}

TEST(TimelineView, SemaphoreRunHasARowPerWorkerALegendAndAnAxis) {
  const concur::Timeline tl = semaphore_run(4);
  const std::string text = concur::render_timeline(tl, {.width = 80, .color = false});
  const auto lines = lines_of(text);
  for (int i = 1; i <= 4; ++i) {
    const std::string name = "Worker-" + std::to_string(i);
    const auto row = std::find_if(lines.begin(), lines.end(),
                                  [&](const std::string& l) { return l.find(name) == 2; });
    ASSERT_NE(row, lines.end()) << text;
    EXPECT_NE(row->find("█"), std::string::npos) << "every worker held the room at some point: " << *row;
  }
  EXPECT_NE(text.find("█ holding room"), std::string::npos) << text;
  EXPECT_NE(text.find("room in use"), std::string::npos) << text;
  EXPECT_NE(text.find("├"), std::string::npos);
  EXPECT_NE(text.find(" ms"), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no colour asked, none given";
}

TEST(TimelineView, RowsFitTheWidth) {
  const concur::Timeline tl = semaphore_run(3);
  for (std::size_t width : {60u, 80u, 132u}) {
    const std::string text = concur::render_timeline(tl, {.width = width, .color = false});
    for (const std::string& line : lines_of(text)) {
      if (line.find("Worker-") != 2) continue;
      // Count characters, not bytes: the glyphs are multi-byte UTF-8.
      std::size_t chars = 0;
      for (unsigned char c : line) chars += (c & 0xC0) != 0x80;
      EXPECT_LE(chars, width) << line;
    }
  }
}

TEST(TimelineView, ColourIsAddedOnlyWhenAsked) {
  const concur::Timeline tl = semaphore_run(2);
  EXPECT_NE(concur::render_timeline(tl, {.width = 80, .color = true}).find("\x1b["), std::string::npos);
}

TEST(TimelineView, ManyThreadsAreSummarisedNotDrawnOneByOne) {
  const concur::Timeline tl = semaphore_run(20);
  const std::string text = concur::render_timeline(tl, {.width = 80, .color = false, .max_rows = 8});
  EXPECT_NE(text.find("20 threads"), std::string::npos) << text;
  EXPECT_EQ(text.find("Worker-17"), std::string::npos) << text;
  EXPECT_NE(text.find("holding"), std::string::npos);
  EXPECT_LT(lines_of(text).size(), 12u);
}

TEST(TimelineView, ACoroutineRowNamesItsThread) {
  concur::Timeline tl;
  tl.labels = {"running on MainThread", "asleep"};
  concur::Track t;
  t.name = "Task-1";
  t.coroutine = true;
  t.thread = "MainThread";
  t.events = {{concur::TimelineEvent::Type::span, concur::SpanKind::running, 0, 0, 10, 0},
              {concur::TimelineEvent::Type::span, concur::SpanKind::waiting, 1, 10, 1000, 0}};
  tl.tracks.push_back(t);
  const std::string drawn = concur::render_timeline(tl, {.width = 60});
  EXPECT_NE(drawn.find("Task-1@MainThread"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("asleep"), std::string::npos) << drawn;  // the legend names the wait
}

TEST(TimelineView, NothingRecordedDrawsNothing) {
  EXPECT_EQ(concur::render_timeline(concur::Timeline{}, {}), "");
}

TEST(TimelineView, WaitingAndHoldingHaveDifferentGlyphs) {
  concur::Timeline tl;
  tl.labels = {"running", "waiting for lock", "holding lock"};
  concur::Track t;
  t.name = "Thread-1";
  t.events.push_back({concur::TimelineEvent::Type::span, SpanKind::running, 0, 0, 3'000'000, 0});
  t.events.push_back({concur::TimelineEvent::Type::span, SpanKind::waiting, 1, 0, 1'000'000, 0});
  t.events.push_back({concur::TimelineEvent::Type::span, SpanKind::holding, 2, 1'000'000, 2'000'000, 0});
  tl.tracks.push_back(t);
  const std::string text = concur::render_timeline(tl, {.width = 60, .color = false});
  const std::string row = lines_of(text).front();
  const auto wait = row.find("░"), hold = row.find("█"), run = row.rfind("─");
  ASSERT_NE(wait, std::string::npos) << text;
  ASSERT_NE(hold, std::string::npos) << text;
  ASSERT_NE(run, std::string::npos) << text;
  EXPECT_LT(wait, hold);  // waited, then held, then ran on
  EXPECT_LT(hold, run);
  EXPECT_NE(text.find("░ waiting for lock"), std::string::npos) << text;
}

}  // namespace

TEST(TimelineView, CounterRowsWithTheirMaxFitTheWidth) {
  const concur::Timeline tl = semaphore_run(5);
  for (std::size_t width : {60u, 80u, 120u, 200u}) {
    const std::string text = concur::render_timeline(tl, {.width = width, .color = false});
    bool counter = false;
    for (const std::string& line : lines_of(text)) {
      EXPECT_LE(concur::display_width(line), width) << width << ":\n" << text;
      counter = counter || line.find(" max 2") != std::string::npos;
    }
    EXPECT_TRUE(counter) << text;
  }
}

TEST(TimelineView, AxisLabelsNeverUseENotationAndTheEndLabelShows) {
  concur::Timeline tl;
  tl.labels = {"running"};
  concur::Track t;
  t.name = "Thread-1";
  t.events.push_back({TimelineEvent::Type::span, concur::SpanKind::running, 0, 0, 1'320'000, 0});  // 1.32 ms
  tl.tracks.push_back(t);
  for (std::size_t width : {40u, 80u}) {
    const std::string text = concur::render_timeline(tl, {.width = width, .color = false});
    EXPECT_EQ(text.find("e+"), std::string::npos) << text;
    EXPECT_NE(text.find("1.32 ms"), std::string::npos) << "the end of the axis: " << text;
  }
}

TEST(TimelineView, APermitNeverReleasedIsDrawnToTheEndAndSaidSo) {
  concur::Semaphore sem(2, "room");
  concur::Semaphore signal(0, "signal");
  Recorder::begin_run();
  {
    concur::Thread leaker([&] { sem.acquire(); }, "Leaker");  // takes a permit and ends
    concur::Thread waiter([&] { signal.acquire(); }, "Waiter");  // released by another: not held
    leaker.start();
    waiter.start();
    leaker.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    signal.release();
    waiter.join();
  }
  const concur::Timeline tl = Recorder::end_run();
  int unreleased = 0;
  for (const concur::Track& t : tl.tracks)
    for (const TimelineEvent& e : t.events)
      if (e.unreleased) {
        ++unreleased;
        EXPECT_EQ(t.name, "Leaker");
        EXPECT_EQ(tl.label(e), "holding room");
      }
  EXPECT_EQ(unreleased, 1);
  const std::string text = concur::render_timeline(tl, {.width = 80, .color = false});
  EXPECT_NE(text.find("Leaker never released room"), std::string::npos) << text;
  EXPECT_EQ(text.find("Waiter never released"), std::string::npos) << text;
}
