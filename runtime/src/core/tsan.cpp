// runtime/src/core/tsan.cpp — what ThreadSanitizer is told about goroutines and about the
// runtime's own code (builds with -DWEFT_SANITIZE=thread only; empty otherwise).
//
// See core/tsan.hpp for the edges and weft/detail/core.hpp for quiet sections. This file is
// compiled without instrumentation like the rest of the runtime.
//
// Invariants:
//  - tls_quiet is the quiet depth of the TSan context running on this thread: a goroutine's
//    while it runs (saved in g::tsan_quiet while it is switched out), the scheduler's otherwise.
//    Depth > 0 <=> that context has exactly one __tsan_ignore_thread_begin outstanding.
//  - Quiet sections ignore memory accesses only. The runtime's synchronisation is invisible to
//    TSan without help: its locks are futex-based in uninstrumented code (core/rt_lock.hpp),
//    never pthread's, and its atomics are uninstrumented. (An ignored-sync state would cost a
//    stack capture into TSan's depot at every entry: half of a channel operation's time.)
//  - A fiber is destroyed only with no ignore outstanding (TSan dies otherwise): tsan_retire
//    lifts a parked goroutine's quiet state first.
//
// Locking: none; everything is per thread or per g (owned by whoever runs or frees it).
#include "core/tsan.hpp"

#if defined(WEFT_TSAN)

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "weft/detail/core.hpp"

extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_set_fiber_name(void* fiber, const char* name);
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
// A release-ordered atomic store is TSan's release-store: the sync address's history becomes
// exactly the caller's (a plain release joins it with what was there).
void __tsan_atomic64_store(volatile std::uint64_t* a, std::uint64_t v, int mo);
int __tsan_atomic32_fetch_add(volatile int* a, int v, int mo);
char __tsan_atomic8_fetch_add(volatile char* a, char v, int mo);
void __tsan_read8_pc(void* addr, void* pc);
void __tsan_write8_pc(void* addr, void* pc);
void __tsan_java_alloc(unsigned long ptr, unsigned long size);
void __tsan_java_free(unsigned long ptr, unsigned long size);
}

namespace weft::detail {

namespace {

constexpr unsigned no_sync = 1;     // __tsan_switch_to_fiber_no_sync
constexpr int mo_release = 3;       // __tsan_memory_order_release
constexpr int mo_acq_rel = 4;       // __tsan_memory_order_acq_rel

thread_local int tls_quiet = 0;
thread_local void* tls_sched_fiber = nullptr;
// Whether the goroutine tsan_enter is starting got a new fiber (rather than its stack's).
thread_local bool tls_fresh_fiber = false;

// Every goroutine of a run releases here when its g is freed; the end of the run acquires.
std::uint64_t run_sync = 0;

// Fibers kept with free stacks. Making a fiber is most of what a goroutine costs under GCC 12's
// TSan (a thread context and its trace: 3-4x on a spawn-heavy program such as skynet), so a
// goroutine's fiber goes on with its stack, up to max_pooled_fibers kept, and only while all
// fibers (live and kept) number under max_kept_total: GCC 12's TSan allows 8128 threads and
// fibers at once, and live goroutines need the rest. clang's runtime (compiler-rt 14, TSan's
// newer design) has no such limit, so there every fiber is kept: capping the pool at 4096 made
// the 1M skynet 2.2x slower (a fiber made, with its shadow stack mapped, and destroyed again for
// most goroutines beyond the cap, and TLB shootdowns for each unmapping).
#if defined(__clang__)
constexpr int max_pooled_fibers = 1 << 20;
constexpr int max_kept_total = 1 << 20;
#else
constexpr int max_pooled_fibers = 4096;
constexpr int max_kept_total = 6144;
#endif
std::atomic<int> pooled_fibers{0};
std::atomic<int> all_fibers{0};  // fibers in existence: live goroutines' and kept ones

inline void ignore_begin() noexcept { __tsan_ignore_thread_begin(); }
inline void ignore_end() noexcept { __tsan_ignore_thread_end(); }

// Quarantined stacks of this thread, oldest first (a ring). Flushed to the shared pool when
// the thread ends so no stack is lost.
struct quarantine {
  std::vector<stack> ring;
  std::size_t head = 0;  // oldest
  std::size_t n = 0;
  ~quarantine();
};
thread_local quarantine tls_quarantine;

// name_put: appends text to buf[*n..cap-1) (truncating; buf stays NUL-terminated).
void name_put(char* buf, std::size_t cap, std::size_t* n, const char* text) noexcept {
  while (*text && *n + 1 < cap) buf[(*n)++] = *text++;
  buf[*n] = '\0';
}

void name_put(char* buf, std::size_t cap, std::size_t* n, unsigned long long v) noexcept {
  char digits[24];
  int k = 0;
  do {
    digits[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  char text[24];
  for (int i = 0; i < k; i++) text[i] = digits[k - 1 - i];
  text[k] = '\0';
  name_put(buf, cap, n, text);
}

// fiber_name: "goroutine N" for a run's main goroutine, "goroutine N, go at FILE:LINE in
// goroutine P" for the others. A fiber kept with its stack runs the stack's successive
// goroutines, and TSan names a thread in a report by its name at the time of the report, not of
// the access: a fiber that ran K goroutines before N is "goroutine N after K earlier, go at
// ...", so that a report about an access by one of the earlier ones (its stack shows which
// code) does not pin it on N. TSan keeps 63 characters: the clauses after the first go in only
// whole, never a number cut short. Formatted by hand: snprintf was a twentieth of a goroutine's
// cost under TSan on a spawn-heavy program.
void fiber_name(const g* gp, char* buf, std::size_t cap) noexcept {
  std::size_t n = 0;
  buf[0] = '\0';
  name_put(buf, cap, &n, "goroutine ");
  name_put(buf, cap, &n, static_cast<unsigned long long>(gp->id));
  if (gp->tsan_fiber_before > 0) {
    name_put(buf, cap, &n, " after ");
    name_put(buf, cap, &n, static_cast<unsigned long long>(gp->tsan_fiber_before));
    name_put(buf, cap, &n, " earlier");
  }
  const char* file = gp->created_at.file_name();
  if (const char* slash = file ? std::strrchr(file, '/') : nullptr) file = slash + 1;
  if (gp->parent_id == 0 || !file || !*file) return;  // a run's main goroutine
  char clause[128];
  std::size_t k = 0;
  clause[0] = '\0';
  name_put(clause, sizeof clause, &k, ", go at ");
  name_put(clause, sizeof clause, &k, file);
  name_put(clause, sizeof clause, &k, ":");
  name_put(clause, sizeof clause, &k, static_cast<unsigned long long>(gp->created_at.line()));
  if (n + k + 1 > cap) return;
  name_put(buf, cap, &n, clause);
  k = 0;
  name_put(clause, sizeof clause, &k, " in goroutine ");
  name_put(clause, sizeof clause, &k, static_cast<unsigned long long>(gp->parent_id));
  if (n + k + 1 > cap) return;
  name_put(buf, cap, &n, clause);
}

}  // namespace

// ---- quiet sections and edges (declared in weft/detail/core.hpp) ----------------------------

void tsan_quiet_begin() noexcept {
  if (tls_quiet++ == 0) ignore_begin();
}

void tsan_quiet_end() noexcept {
  if (--tls_quiet == 0) ignore_end();
}

int tsan_loud_begin() noexcept {
  int d = tls_quiet;
  if (d > 0) ignore_end();
  tls_quiet = 0;
  return d;
}

void tsan_loud_end(int depth) noexcept {
  if (depth > 0) ignore_begin();
  tls_quiet = depth;
}

// Edges get through quiet sections (those ignore memory accesses only).
void tsan_release(const void* addr) noexcept { __tsan_release(const_cast<void*>(addr)); }

void tsan_acquire(const void* addr) noexcept { __tsan_acquire(const_cast<void*>(addr)); }

// One sync-object lookup, one slot lock and one clock pass where acquire + release take two of
// each (TSan's own acq_rel read-modify-write; adding 0 leaves the word as it was).
void tsan_acquire_release(std::atomic<std::uint32_t>* word) noexcept {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(int));
  __tsan_atomic32_fetch_add(reinterpret_cast<volatile int*>(word), 0, mo_acq_rel);
}

void tsan_acquire_release_byte(void* p) noexcept {
  __tsan_atomic8_fetch_add(static_cast<volatile char*>(p), 0, mo_acq_rel);
}

void tsan_access(const void* addr, bool write, const void* pc) noexcept {
  if (tls_quiet) __tsan_ignore_thread_end();
  if (write) {
    __tsan_write8_pc(const_cast<void*>(addr), const_cast<void*>(pc));
  } else {
    __tsan_read8_pc(const_cast<void*>(addr), const_cast<void*>(pc));
  }
  if (tls_quiet) __tsan_ignore_thread_begin();
}

// ---- the core's hooks (core/tsan.hpp) ------------------------------------------------------

void tsan_sched_init() noexcept { tls_sched_fiber = __tsan_get_current_fiber(); }

int tsan_enter(g* gp) noexcept {
  if (!tls_sched_fiber) tls_sched_fiber = __tsan_get_current_fiber();
  if (!gp->tsan_fiber) {
    // First run: the fiber that comes with the stack, or a new one. (Made here, not at `go`:
    // GCC 12's TSan allows at most 8128 threads and fibers at once, and a burst of spawns
    // that have not run would use them up.) The scheduler is quiet, so a new fiber inherits
    // no history: its start edges are explicit (tsan_started).
    void* f = gp->stk.tsan_fiber;
    tls_fresh_fiber = f == nullptr;  // read by tsan_started, next on this thread
    if (f) {
      gp->stk.tsan_fiber = nullptr;
      gp->tsan_fiber_before = gp->stk.tsan_fiber_runs;
      pooled_fibers.fetch_sub(1, std::memory_order_relaxed);
    } else {
      f = __tsan_create_fiber(0);
      gp->tsan_fiber_before = 0;
      all_fibers.fetch_add(1, std::memory_order_relaxed);
    }
    // The name carries what Go's reports say of a goroutine: where it was created and by whom
    // (TSan's own "created by" would show the scheduler making the fiber). TSan keeps 63
    // characters of a name: the file's base name, not its path.
    char name[64];
    fiber_name(gp, name, sizeof name);
    __tsan_set_fiber_name(f, name);
    gp->tsan_fiber = f;
    gp->tsan_returned = false;
  }
  int sched_depth = tls_quiet;
  tls_quiet = gp->tsan_quiet;
  __tsan_switch_to_fiber(gp->tsan_fiber, no_sync);
  return sched_depth;
}

void tsan_return(int sched_depth) noexcept { tls_quiet = sched_depth; }

void tsan_leave(g* gp) noexcept {
  gp->tsan_quiet = tls_quiet;
  __tsan_switch_to_fiber(tls_sched_fiber, no_sync);
}

void tsan_started(g* gp) noexcept {
  __tsan_acquire(&gp->tsan_sync);  // go -> start
  // The stack's previous users -> us. A fiber that came with the stack is already ordered
  // after them (it ran them).
  if (tls_fresh_fiber) __tsan_acquire(gp->stk.lo);
}

void tsan_spawned(g* gp) noexcept { __tsan_atomic64_store(&gp->tsan_sync, 0, mo_release); }

void tsan_retire(g* gp) noexcept {
  void* f = gp->tsan_fiber;
  if (!f) return;  // never ran: nothing of its own to pass on
  gp->tsan_fiber = nullptr;
  // The fiber stays with the stack, for the stack's next goroutine, when TSan's view of it is
  // clean: the goroutine returned normally (an abandoned or unwound one leaves its shadow call
  // stack unbalanced and maybe ignores outstanding), and the pool is not full.
  const bool can_keep = gp->tsan_returned && gp->stk.lo && !gp->stk.tsan_fiber &&
                        all_fibers.load(std::memory_order_relaxed) <= max_kept_total;
  bool keep = can_keep &&
              pooled_fibers.fetch_add(1, std::memory_order_relaxed) < max_pooled_fibers;
  if (can_keep && !keep) pooled_fibers.fetch_sub(1, std::memory_order_relaxed);
  // A stack that loses its fiber: forget what TSan remembers about its top, where the next
  // goroutine's frames will be, in another fiber: its shadow (which keeps only four accesses
  // per 8-byte word; another fiber's stale ones would crowd out the next goroutine's and hide
  // its races) and sync objects (a dead frame's mutex or channel entry). TSan's only entry
  // point for that in a C/C++ program is its Java heap interface: "allocate" the range (which
  // resets the shadow) and "free" it at once (which drops the block and the sync objects).
  // A stack that keeps its fiber needs none of it: the next goroutine runs in the same TSan
  // context, which overwrites its own stale shadow as it goes, and the reset (a 16 KiB shadow
  // clear and meta-map sweep) was a third of the 1M skynet's time under TSan.
  if (gp->stk.lo && !keep) {
    char* from = gp->stk.hi - tsan_stack_reset < gp->stk.lo ? gp->stk.lo
                                                            : gp->stk.hi - tsan_stack_reset;
    auto p = reinterpret_cast<unsigned long>(from);
    auto n = static_cast<unsigned long>(gp->stk.hi - from);
    __tsan_java_alloc(p, n);
    __tsan_java_free(p, n);
  }
  // Act as the goroutine for a moment (no machine switch: TSan's current context only). A
  // parked goroutine may be inside quiet sections: lift them.
  void* self = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(f, no_sync);
  if (gp->tsan_quiet > 0) ignore_end();
  gp->tsan_quiet = 0;
  // Its stack's next user happens after it (implied when the fiber goes on with the stack).
  if (!keep && gp->stk.lo) __tsan_release(gp->stk.lo);
  __tsan_release(&run_sync);  // the end of the run happens after it
  __tsan_switch_to_fiber(self, no_sync);
  if (keep) {
    gp->stk.tsan_fiber = f;
    gp->stk.tsan_fiber_runs = gp->tsan_fiber_before + 1;
  } else {
    __tsan_destroy_fiber(f);
    all_fibers.fetch_sub(1, std::memory_order_relaxed);
  }
}

void tsan_drop_fiber(stack& s) noexcept {
  if (!s.tsan_fiber) return;
  __tsan_destroy_fiber(s.tsan_fiber);
  s.tsan_fiber = nullptr;
  s.tsan_fiber_runs = 0;
  pooled_fibers.fetch_sub(1, std::memory_order_relaxed);
  all_fibers.fetch_sub(1, std::memory_order_relaxed);
}

void tsan_run_ended() noexcept { tsan_acquire(&run_sync); }

bool tsan_quarantine(const stack& s, stack* out) noexcept {
  quarantine& q = tls_quarantine;
  if (q.ring.empty()) q.ring.resize(tsan_stack_quarantine);
  if (q.n < q.ring.size()) {
    q.ring[(q.head + q.n) % q.ring.size()] = s;
    q.n++;
    return false;
  }
  stack oldest = q.ring[q.head];  // (s and *out may be the same object)
  q.ring[q.head] = s;
  q.head = (q.head + 1) % q.ring.size();
  *out = oldest;
  return true;
}

namespace {

quarantine::~quarantine() {
  tsan_quiet_begin();  // runtime code, even at thread exit
  for (; n > 0; n--) {
    stack s = ring[head];
    head = (head + 1) % ring.size();
    stack_unquarantined(s);
  }
  tsan_quiet_end();
}

}  // namespace

}  // namespace weft::detail

#endif  // WEFT_TSAN
