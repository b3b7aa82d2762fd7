// runtime/src/fiber/stack.hpp — goroutine stacks: mmap'd, lazily committed, guarded.
//
// Invariants:
//  - A guarded stack is its own mapping: one PROT_NONE guard page, then [lo, hi) read/write,
//    MAP_NORESERVE, so only touched pages cost memory.
//  - The kernel caps mappings per process (vm.max_map_count, 65530 on Debian) and a guarded
//    stack costs two. Up to a budget of half that limit (less a reserve for the rest of the
//    program) stacks are guarded; past it they are carved from unguarded slabs whose lowest
//    word is a canary that must stay zero (fresh pages are zero, so making a stack costs no
//    extra page); the scheduler checks it when the goroutine exits, so an overflow is still
//    reported, though after the fact. A one-time warning says so.
//  - The SIGSEGV handler (installed once, on an alternate signal stack per scheduler thread)
//    turns a fault in or just below the running goroutine's guard page into Go's
//    "fatal error: stack overflow" naming the goroutine; any other fault goes to the handler
//    that was installed before ours.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/detail/g.hpp"

namespace weft::detail {

inline constexpr std::uint64_t stack_canary = 0;  // an untouched bottom word

/// stack_alloc: a new stack of `size` usable bytes (a multiple of the page size).
stack stack_alloc(std::size_t size) noexcept;
/// stack_free: unmap a guarded stack; slab stacks are only released to the kernel (madvise).
void stack_free(stack& s) noexcept;
/// stack_release: give the stack's physical pages back to the kernel, keep the mapping.
void stack_release(stack& s) noexcept;
/// stack_intact: false when an unguarded stack's canary was overwritten.
inline bool stack_intact(const stack& s) noexcept {
  return s.guarded || *reinterpret_cast<const std::uint64_t*>(s.lo) == stack_canary;
}
std::size_t page_size() noexcept;

/// overflow_handler_install: install the SIGSEGV/SIGBUS handler once per process.
void overflow_handler_install() noexcept;
/// altstack_init/fini: per scheduler thread.
void altstack_init() noexcept;
void altstack_fini() noexcept;

/// report_stack_overflow: print Go's stack overflow report for gp and exit 2.
[[noreturn]] void report_stack_overflow(g* gp, const void* sp) noexcept;

}  // namespace weft::detail
