// concur/mp/shared_memory.hpp - bytes that several processes see at once.
//
// Every process has its own memory: a child made by fork() gets a copy, and writes on
// either side stay on that side (the isolation example shows it). A SharedMemory block is
// the exception: it is mapped MAP_SHARED, so a store by one process is a store in all of
// them. Value, Array, the process-shared locks and the process Queue all live in blocks.
//
// A block is a memfd: anonymous memory with a descriptor. It has no name in /dev/shm or
// anywhere else, so there is nothing to unlink and nothing to leak: the memory goes away
// with the last descriptor and the last mapping. How a child reaches it:
// - fork: the child inherits the mapping itself, at the same address;
// - spawn and forkserver: the parent lists fileno() in Target::fds, the child receives the
//   descriptor and maps it again with adopt() (at another address: store offsets in a
//   block, never pointers).
//
// Memory ordering: none of its own. Writes by one process become visible to another only
// through a synchronisation between them: a process Lock, Semaphore, Event or Queue,
// join(), or std::atomic objects placed in the block. Plain writes and reads of the same
// bytes from two processes at once are a data race, undefined as between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "concur/core/fd.hpp"

namespace concur::mp {

class SharedMemory {
 public:
  // A new zero-filled block of `size` bytes (rounded up to whole pages by the kernel).
  // `name` only labels it in /proc/PID/maps. Throws std::system_error if the OS refuses.
  explicit SharedMemory(std::size_t size, std::string_view name = "concur");
  // Maps a block another process handed to this one. Throws std::system_error when fd is
  // not a memory file.
  static SharedMemory adopt(detail::Fd fd);

  ~SharedMemory();
  SharedMemory(SharedMemory&& other) noexcept;
  SharedMemory& operator=(SharedMemory&& other) noexcept;
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;

  void* data() const noexcept { return addr_; }
  std::size_t size() const noexcept { return size_; }
  // The descriptor to list in Target::fds.
  int fileno() const noexcept { return fd_.get(); }

 private:
  SharedMemory(detail::Fd fd, void* addr, std::size_t size) noexcept;
  detail::Fd fd_;
  void* addr_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace concur::mp

namespace concur::detail {

// The first bytes of every block a shared object lives in: what it holds, so adopt()
// can refuse a descriptor that holds something else.
struct BlockHeader {
  static constexpr std::uint32_t kMagic = 0x636f6e63;  // "conc"
  std::uint32_t magic = 0;
  std::uint32_t reserved = 0;
  char kind[48] = {};  // "Lock", "Value<8 bytes>", ...
  char name[48] = {};  // the object's name, for narration and the timeline
};

// A shared object's block: the header, then a T built in place. The T is never
// destroyed (the types placed here are trivially destructible), only unmapped.
// `extra` bytes after the T are for objects with a variable part (Array, Queue).
template <typename T>
struct Placed {
  std::shared_ptr<mp::SharedMemory> block;
  T* cell = nullptr;
  std::string name;
  unsigned char* extra() const { return reinterpret_cast<unsigned char*>(cell + 1); }
};

// Where the cell starts in its block: past the header, on a cache line of its own.
inline constexpr std::size_t kCellOffset = 128;

struct PlacedRaw {
  std::shared_ptr<mp::SharedMemory> block;
  void* cell = nullptr;
  std::string name;
};
PlacedRaw create_block(std::size_t cell_size, std::size_t extra, std::string_view kind, std::string_view name);
// Refuses a block holding anything but `kind` (or `also`, a kind that is a `kind` too).
PlacedRaw adopt_block(Fd fd, std::size_t cell_size, std::string_view kind, std::string_view also = {});

template <typename T, typename... Args>
Placed<T> create_placed(std::string_view kind, std::string_view name, std::size_t extra, Args&&... args) {
  static_assert(std::is_trivially_destructible_v<T>);
  static_assert(alignof(T) <= kCellOffset);
  PlacedRaw raw = create_block(sizeof(T), extra, kind, name);
  T* cell = new (raw.cell) T(std::forward<Args>(args)...);
  return {std::move(raw.block), cell, std::move(raw.name)};
}

template <typename T>
Placed<T> adopt_placed(Fd fd, std::string_view kind, std::string_view also = {}) {
  PlacedRaw raw = adopt_block(std::move(fd), sizeof(T), kind, also);
  return {std::move(raw.block), static_cast<T*>(raw.cell), std::move(raw.name)};
}

}  // namespace concur::detail
