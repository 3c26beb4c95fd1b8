#include "concur/core/console.hpp"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <new>

#include "concur/core/clock.hpp"
#include "concur/core/text.hpp"

namespace concur {
namespace {
std::atomic<int> g_write_error{0};  // the first failed write's errno, EPIPE aside
}  // namespace
namespace {

// Guards the console's writes. A plain global (not a member) so the fork handler can
// re-create it without touching the Console object.
alignas(std::mutex) unsigned char g_lock_storage[sizeof(std::mutex)];
std::mutex* g_lock = nullptr;

void make_lock() { g_lock = new (g_lock_storage) std::mutex(); }

// fork() copies only the calling thread: if another thread held the lock at that
// moment it would stay locked in the child forever. The child starts with a fresh one.
void after_fork_in_child() { make_lock(); }

constexpr std::string_view escape(Style style) {
  switch (style) {
    case Style::plain: return "";
    case Style::dim: return "\x1b[2m";
    case Style::bold: return "\x1b[1m";
    case Style::red: return "\x1b[31m";
    case Style::green: return "\x1b[32m";
    case Style::yellow: return "\x1b[33m";
    case Style::blue: return "\x1b[34m";
    case Style::magenta: return "\x1b[35m";
    case Style::cyan: return "\x1b[36m";
  }
  return "";
}

// The actor column: at least this wide, wider for the longest name seen (up to the cap;
// a longer name pushes its own line's text right and no other line's).
constexpr std::size_t kActorWidth = 11, kActorWidthCap = 24;
std::atomic<std::size_t> g_actor_width{kActorWidth};

void widen_for(std::string_view actor) {
  const std::size_t w = std::min(display_width(actor), kActorWidthCap);
  std::size_t seen = g_actor_width.load(std::memory_order_relaxed);
  while (w > seen && !g_actor_width.compare_exchange_weak(seen, w, std::memory_order_relaxed)) {
  }
}

}  // namespace

Console::Console() {
  make_lock();
  ::pthread_atfork(nullptr, nullptr, after_fork_in_child);
}

Console& Console::get() {
  static Console console;
  return console;
}

void Console::configure(int fd, bool color, bool narrate) {
  fd_ = fd;
  color_ = color;
  narrate_ = narrate;
  width_ = terminal_width(fd);
  // Narration is a log as well: piped into grep or a file, a line stays one line unless
  // the user asked for a width (COLUMNS).
  wrap_events_ = ::isatty(fd) == 1 || std::getenv("COLUMNS") != nullptr;
}

void Console::note_actor(std::string_view actor) { widen_for(actor); }

bool Console::color_wanted(int fd, bool no_color_flag) {
  if (no_color_flag) return false;
  if (std::getenv("NO_COLOR") != nullptr) return false;
  return ::isatty(fd) == 1;
}

std::string Console::paint(std::string_view text, Style style) const {
  if (!color_ || style == Style::plain) return std::string(text);
  return fmt::format("{}{}\x1b[0m", escape(style), text);
}

Style Console::actor_style(std::string_view actor) const {
  static constexpr std::array kPalette{Style::cyan, Style::yellow, Style::magenta,
                                       Style::green, Style::blue, Style::red};
  if (actor == "MainThread") return Style::bold;
  std::size_t h = 0;
  for (char c : actor) h = h * 31 + static_cast<unsigned char>(c);
  return kPalette[h % kPalette.size()];
}

void Console::event(std::string_view actor, std::string_view text) {
  if (!narrate_) return;
  widen_for(actor);
  std::lock_guard guard(*g_lock);
  // The timestamp is read under the lock, so lines appear in time order.
  const double ms = static_cast<double>(RunClock::elapsed_ns()) / 1e6;
  const std::size_t column = g_actor_width.load(std::memory_order_relaxed);
  std::string actor_col(actor);
  const std::size_t actor_w = display_width(actor);
  if (actor_w < column) actor_col.append(column - actor_w, ' ');
  // "  +12.345 ms  Worker-2    " then the text, wrapped under itself.
  const std::size_t prefix = 2 + 12 + 2 + std::max(actor_w, column) + 1;
  const std::size_t hang = prefix + 20 <= width_ ? prefix : 4;
  const std::string body =
      wrap_events_ ? wrap(text, {.width = width_, .first = prefix, .rest = hang, .indent_first = false}) : std::string(text);
  std::string out = fmt::format("  {}  {} {}\n", paint(fmt::format("{:+9.3f} ms", ms), Style::dim),
                                paint(actor_col, actor_style(actor)), body);
  write_all(out);
}

void Console::line(std::string_view text) {
  std::string out(text);
  out.push_back('\n');
  std::lock_guard guard(*g_lock);
  write_all(out);
}

int Console::write_error() noexcept { return g_write_error.load(); }

void Console::write_all(std::string_view bytes) {
  // The one place console output meets the OS: retry on EINTR and on short writes.
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int none = 0;
      if (errno != EPIPE) g_write_error.compare_exchange_strong(none, errno);
      return;  // a closed pipe (e.g. `| head`) must not kill the demo
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace concur
