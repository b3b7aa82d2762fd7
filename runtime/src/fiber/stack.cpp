// runtime/src/fiber/stack.cpp — see stack.hpp for the invariants.
#include "fiber/stack.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/rt_lock.hpp"
#include "weft/detail/core.hpp"

namespace weft::detail {

namespace {

std::size_t g_page = 0;
std::atomic<long> guarded_live{0};
long guard_budget = -1;
std::once_flag budget_once;
std::atomic<bool> warned{false};

// Unguarded slabs: stacks are carved here once the guard budget is spent. Protected by slab_mu.
rt_mutex slab_mu;
char* slab_cur = nullptr;
char* slab_end = nullptr;

long read_max_map_count() noexcept {
  long v = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &v) != 1) v = 65530;
    std::fclose(f);
  }
  return v;
}

}  // namespace

std::size_t page_size() noexcept {
  if (g_page == 0) g_page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return g_page;
}

stack stack_alloc(std::size_t size) noexcept {
  const std::size_t pg = page_size();
  std::call_once(budget_once, [] {
    long reserve = 8192;  // mappings left for the rest of the program (heap, libraries, ...)
    long per_stack = 2;   // the stack and its guard page
#if defined(WEFT_TSAN)
    // ThreadSanitizer splits its shadow mapping around each mapping the program makes, so a
    // guarded stack costs four, and TSan's per-fiber state needs room of its own (up to 8128
    // fibers, a few mappings each: with less reserved, a program with thousands of blocked
    // goroutines ran out of mappings before it reached TSan's fiber limit).
    reserve = 40000;
    per_stack = 4;
#endif
    guard_budget = (read_max_map_count() - reserve) / per_stack;
    if (guard_budget < 0) guard_budget = 0;
  });
  stack s;
  if (guarded_live.fetch_add(1, std::memory_order_relaxed) < guard_budget) {
    std::size_t total = size + pg;
    void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m != MAP_FAILED && mprotect(m, pg, PROT_NONE) == 0) {
      s.map = m;
      s.map_size = total;
      s.lo = static_cast<char*>(m) + pg;
      s.hi = s.lo + size;
      s.guarded = true;
      return s;
    }
    if (m != MAP_FAILED) munmap(m, total);
  }
  guarded_live.fetch_sub(1, std::memory_order_relaxed);
  if (!warned.exchange(true)) {
    std::fprintf(stderr,
                 "weft: more than %ld goroutine stacks live; vm.max_map_count allows no more "
                 "guard pages, so further stacks are checked by canary only\n",
                 guard_budget);
  }
  {
    std::lock_guard<rt_mutex> lk(slab_mu);
    if (slab_cur == nullptr || static_cast<std::size_t>(slab_end - slab_cur) < size) {
      std::size_t slab = size * 64;
      void* m = mmap(nullptr, slab, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
      if (m == MAP_FAILED) fatal("runtime: cannot allocate goroutine stack (out of memory)");
      slab_cur = static_cast<char*>(m);
      slab_end = slab_cur + slab;
    }
    s.lo = slab_cur;
    slab_cur += size;
  }
  s.hi = s.lo + size;
  s.guarded = false;  // fresh slab memory reads as zero: the canary is already in place
  return s;
}

void stack_free(stack& s) noexcept {
  if (s.guarded) {
    munmap(s.map, s.map_size);
    guarded_live.fetch_sub(1, std::memory_order_relaxed);
    s = stack{};
  } else if (s.lo) {
    stack_release(s);  // slabs are never unmapped; the g keeps this stack for reuse
  }
}

void stack_release(stack& s) noexcept {
  if (!s.lo) return;
  const std::size_t pg = page_size();
  // Keep the top page (closure and first frames are rewritten anyway) and the canary page.
  char* from = s.guarded ? s.lo : s.lo + pg;
  char* to = s.hi - pg;
  if (to > from) madvise(from, static_cast<std::size_t>(to - from), MADV_DONTNEED);
}

// ---- overflow detection -----------------------------------------------------------------

namespace {

struct sigaction prev_segv;
struct sigaction prev_bus;
thread_local void* altstack_mem = nullptr;
constexpr std::size_t altstack_size = 64 * 1024;

void on_fault(int sig, siginfo_t* info, void* uctx) {
  g* gp = current();
  if (gp && gp->stk.lo) {
    auto* addr = static_cast<char*>(info->si_addr);
    const void* sp = nullptr;
#if defined(__x86_64__)
    sp = reinterpret_cast<void*>(static_cast<ucontext_t*>(uctx)->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
    sp = reinterpret_cast<void*>(static_cast<ucontext_t*>(uctx)->uc_mcontext.sp);
#endif
    char* lo = gp->stk.lo;
    const std::size_t window = 64 * 1024;  // frames larger than a page can jump the guard
    bool in_guard = addr < lo && addr + window >= lo;
    bool sp_below = sp && static_cast<const char*>(sp) < lo + 512 &&
                    static_cast<const char*>(sp) + window >= lo;
    if (in_guard || sp_below) report_stack_overflow(gp, sp);
  }
  // Not ours: hand the fault to whoever was there before (or the default action).
  struct sigaction* prev = sig == SIGBUS ? &prev_bus : &prev_segv;
  sigaction(sig, prev, nullptr);
  // Returning re-executes the faulting instruction under the previous handler.
}

}  // namespace

void overflow_handler_install() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &prev_segv);
    sigaction(SIGBUS, &sa, &prev_bus);
  });
}

void altstack_init() noexcept {
  if (altstack_mem) return;
  void* m = mmap(nullptr, altstack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (m == MAP_FAILED) return;
  stack_t ss;
  ss.ss_sp = m;
  ss.ss_size = altstack_size;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(m, altstack_size);
    return;
  }
  altstack_mem = m;
}

void altstack_fini() noexcept {
  if (!altstack_mem) return;
  stack_t ss;
  std::memset(&ss, 0, sizeof ss);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
  munmap(altstack_mem, altstack_size);
  altstack_mem = nullptr;
}

void report_stack_overflow(g* gp, const void* sp) noexcept {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf,
                        "runtime: goroutine stack exceeds %zu-byte limit\n"
                        "runtime: sp=%p stack=[%p, %p]\n",
                        static_cast<std::size_t>(gp->stk.hi - gp->stk.lo), sp,
                        static_cast<void*>(gp->stk.lo), static_cast<void*>(gp->stk.hi));
  if (n > 0) (void)!write(2, buf, static_cast<std::size_t>(n));
  fatal("stack overflow", /*dump=*/true);
}

}  // namespace weft::detail
