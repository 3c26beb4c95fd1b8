#include "concur/mp/shared_memory.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace concur::mp {

namespace {

void* map_shared(int fd, std::size_t size) {
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) detail::throw_errno("mmap");
  return addr;
}

}  // namespace

SharedMemory::SharedMemory(std::size_t size, std::string_view name) {
  if (size == 0) throw std::invalid_argument("SharedMemory: size must be at least 1 byte");
  const std::string label(name);
  detail::Fd fd(::memfd_create(label.c_str(), MFD_CLOEXEC));
  if (!fd) detail::throw_errno("memfd_create");
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) detail::throw_errno("ftruncate");
  addr_ = map_shared(fd.get(), size);
  fd_ = std::move(fd);
  size_ = size;
}

SharedMemory::SharedMemory(detail::Fd fd, void* addr, std::size_t size) noexcept
    : fd_(std::move(fd)), addr_(addr), size_(size) {}

SharedMemory SharedMemory::adopt(detail::Fd fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) detail::throw_errno("fstat");
  if (!S_ISREG(st.st_mode) || st.st_size <= 0)
    throw std::system_error(EINVAL, std::generic_category(), "SharedMemory::adopt: not a shared memory block");
  const auto size = static_cast<std::size_t>(st.st_size);
  void* addr = map_shared(fd.get(), size);
  return SharedMemory(std::move(fd), addr, size);
}

SharedMemory::~SharedMemory() {
  if (addr_ != nullptr) ::munmap(addr_, size_);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : fd_(std::move(other.fd_)), addr_(std::exchange(other.addr_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
  if (this != &other) {
    if (addr_ != nullptr) ::munmap(addr_, size_);
    fd_ = std::move(other.fd_);
    addr_ = std::exchange(other.addr_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

}  // namespace concur::mp

namespace concur::detail {

static_assert(sizeof(BlockHeader) <= kCellOffset);

PlacedRaw create_block(std::size_t cell_size, std::size_t extra, std::string_view kind, std::string_view name) {
  auto block = std::make_shared<mp::SharedMemory>(kCellOffset + cell_size + extra, name);
  auto* header = new (block->data()) BlockHeader;
  header->magic = BlockHeader::kMagic;
  const std::size_t kind_len = std::min(kind.size(), sizeof header->kind - 1);
  std::memcpy(header->kind, kind.data(), kind_len);
  const std::size_t name_len = std::min(name.size(), sizeof header->name - 1);
  std::memcpy(header->name, name.data(), name_len);
  void* cell = static_cast<unsigned char*>(block->data()) + kCellOffset;
  return {std::move(block), cell, std::string(name.substr(0, name_len))};
}

PlacedRaw adopt_block(Fd fd, std::size_t cell_size, std::string_view kind, std::string_view also) {
  auto block = std::make_shared<mp::SharedMemory>(mp::SharedMemory::adopt(std::move(fd)));
  const auto* header = static_cast<const BlockHeader*>(block->data());
  const std::string held(header->kind, ::strnlen(header->kind, sizeof header->kind));
  if (block->size() < sizeof(BlockHeader) || header->magic != BlockHeader::kMagic)
    throw std::invalid_argument(fmt::format("adopt: the descriptor holds no shared object (expected a {})", kind));
  if (held != kind && (also.empty() || held != also))
    throw std::invalid_argument(fmt::format("adopt: the descriptor holds a {}, not a {}", held, kind));
  if (block->size() < kCellOffset + cell_size)
    throw std::invalid_argument(fmt::format("adopt: the {} is cut short", kind));
  void* cell = static_cast<unsigned char*>(block->data()) + kCellOffset;
  return {std::move(block), cell, std::string(header->name, ::strnlen(header->name, sizeof header->name))};
}

}  // namespace concur::detail
