// concur/core/memory.hpp - how a concur process asks the allocator to treat big blocks.
#pragma once

namespace concur {

// Serves blocks up to 512 MiB from the heap and keeps up to 512 MiB of freed heap for
// reuse, instead of mapping every block over 32 MiB afresh and unmapping it when freed
// (glibc's defaults). A process that receives one 64 MiB message after another
// (recv_bytes()) then reuses the same resident pages, where each fresh mapping cost
// 16,000 page faults and the kernel's zeroing: about half the time of the transfer
// itself. The price is memory kept after a big block is freed. concur's binary calls it
// first thing in main(), as it ignores SIGPIPE; so do the benchmark programs. Returns
// false if the allocator refused.
bool reuse_large_allocations() noexcept;

}  // namespace concur
