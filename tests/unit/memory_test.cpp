// reuse_large_allocations(): a freed 64 MiB block is handed out again, so a second big
// message lands in pages that are already resident.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>

#include <concur/core/memory.hpp>

namespace {

TEST(Memory, AFreedLargeBlockIsReused) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator replaces glibc's and keeps freed blocks away on purpose";
#else
  ASSERT_TRUE(concur::reuse_large_allocations());
  constexpr std::size_t kBig = std::size_t{64} << 20;
  void* first = std::malloc(kBig);
  ASSERT_NE(first, nullptr);
  const auto address = reinterpret_cast<std::uintptr_t>(first);
  std::free(first);
  void* second = std::malloc(kBig);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(second), address) << "a fresh mapping, not the freed block";
  std::free(second);
#endif
}

}  // namespace
