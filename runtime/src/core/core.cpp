// runtime/src/core/core.cpp — goroutine records, the fiber switch, park/ready, the registry.
//
// Invariants:
//  - A g changes status only through cas_status/set_status below, which die with the broken
//    invariant's name when the old status is not the expected one.
//  - resume() (scheduler side) and switch_out() (goroutine side) are the only two places that
//    switch fibers; sanitizer fiber annotations live there (ThreadSanitizer's in core/tsan.cpp,
//    called from there; its tsan_retire, when a g is freed, also borrows the dead goroutine's
//    TSan context for a moment, without any machine switch).
//  - A parking goroutine's unlockf runs on the scheduler side after the switch, once gp->ctx
//    is saved: a waker that finds gp after unlockf released the primitive's lock can resume it
//    anywhere without ever running it twice.
//  - allgs is append-only (Go's allgs); g records are never freed, only recycled, so a dump may
//    walk the list at any time.
//
// Locking: allgs_mu protects appends to allgs (taken only when a brand-new g is made);
// free_mu protects the global free list. Neither is held across a switch.
#include <boost/context/detail/fcontext.hpp>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "core/rt_lock.hpp"
#include "core/tsan.hpp"
#include "fiber/stack.hpp"
#include "weft/detail/core.hpp"
#include "weft/panic.hpp"

#if defined(WEFT_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace bctx = boost::context::detail;

namespace weft {

policy* current_policy() noexcept { return detail::active_policy; }

namespace detail {

policy* active_policy = nullptr;
bool controlled = false;
bool tracks_hb = false;
int nprocs = 1;

namespace {

thread_local g* tls_current = nullptr;

// Per-thread scheduler state used by the switch: the sanitizer view of the scheduler stack.
// (ThreadSanitizer's lives in core/tsan.cpp.)
struct sched_tls {
  void* asan_fake = nullptr;
  const void* stack_lo = nullptr;
  std::size_t stack_size = 0;
};
[[maybe_unused]] thread_local sched_tls tls_sched;

std::size_t g_stack_size = 256 * 1024;

// ---- registry ----
rt_mutex allgs_mu;
std::atomic<g*> allgs_head{nullptr};
std::atomic<std::uint64_t> goid_gen{1};
std::atomic<std::uint64_t> goid_next{1};

// ---- free lists ----
// g records and stacks are pooled apart: a g gets a stack only when it first runs and gives it
// back when it exits, so a burst of spawned-but-not-started goroutines holds no stacks, and a
// new goroutine reuses the stack a finished one just left (still in cache).
constexpr int local_cap = 256;
constexpr int batch = 128;
constexpr std::size_t keep_stacks = 16384;  // free stacks past this give their pages back

struct g_cache {
  g* items[local_cap];
  int n = 0;
  ~g_cache();
};

rt_mutex free_mu;  // protects free_head
g* free_head = nullptr;

void global_put(g** gs, int n) {
  std::lock_guard<rt_mutex> lk(free_mu);
  for (int i = 0; i < n; i++) {
    gs[i]->link = free_head;
    free_head = gs[i];
  }
}

int global_get(g** out, int want) {
  std::lock_guard<rt_mutex> lk(free_mu);
  int n = 0;
  while (n < want && free_head) {
    out[n++] = free_head;
    free_head = free_head->link;
  }
  return n;
}

// Stacks: a per-thread LIFO cache over two global lists, warm (pages resident; the back is the
// most recently freed) and cold (pages given back with madvise, used only when no warm one is
// left). Freeing never releases memory itself: trim_stack_cache does, from idle workers and at
// the end of a run, so a burst does not pay for madvise and refaults on its hot path.
constexpr int stack_local_cap = 64;
constexpr int stack_batch = 32;

struct stack_cache {
  stack items[stack_local_cap];
  int n = 0;
  ~stack_cache();
};

rt_mutex stack_mu;  // protects warm_stacks, cold_stacks
std::vector<stack> warm_stacks;
std::vector<stack> cold_stacks;
std::atomic<bool> warm_excess{false};  // warm_stacks.size() > keep_stacks (a hint)

void stacks_put_global(const stack* s, int n) {
  std::lock_guard<rt_mutex> lk(stack_mu);
  warm_stacks.insert(warm_stacks.end(), s, s + n);
  if (warm_stacks.size() > keep_stacks) warm_excess.store(true, std::memory_order_relaxed);
}

int stacks_get_global(stack* out, int want) {
  std::lock_guard<rt_mutex> lk(stack_mu);
  int n = 0;
  // Oldest first into the caller's LIFO cache, so it pops the warmest first.
  while (n < want && !cold_stacks.empty()) {
    out[n++] = cold_stacks.back();
    cold_stacks.pop_back();
  }
  std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(want - n), warm_stacks.size());
  for (std::size_t i = warm_stacks.size() - take; i < warm_stacks.size(); i++) out[n++] = warm_stacks[i];
  warm_stacks.resize(warm_stacks.size() - take);
  return n;
}

stack_cache::~stack_cache() {
  WEFT_TSAN_QUIET();  // runtime code, even at thread exit
  if (n) stacks_put_global(items, n);
  n = 0;
}

thread_local stack_cache tls_stacks;

// get_stack: a stack of the current size, from the cache if possible.
stack get_stack() {
  stack_cache& c = tls_stacks;
  for (;;) {
    if (c.n == 0) c.n = stacks_get_global(c.items, stack_batch);
    if (c.n == 0) return stack_alloc(g_stack_size);
    stack s = c.items[--c.n];
    if (static_cast<std::size_t>(s.hi - s.lo) == g_stack_size) return s;
#if defined(WEFT_TSAN)
    tsan_drop_fiber(s);
#endif
    stack_free(s);  // made for another run's stack size
  }
}

void put_stack(stack s) {
#if defined(WEFT_TSAN)
  // A freed stack is reused only after a quarantine (see core/tsan.hpp).
  if (!tsan_quarantine(s, &s)) return;
#endif
  stack_cache& c = tls_stacks;
  if (c.n == stack_local_cap) {
    stacks_put_global(c.items + (stack_local_cap - stack_batch), stack_batch);
    c.n -= stack_batch;
  }
  c.items[c.n++] = s;
}

}  // namespace

#if defined(WEFT_TSAN)
void stack_unquarantined(const stack& s) noexcept { stacks_put_global(&s, 1); }
#endif

bool stack_cache_has_excess() noexcept { return warm_excess.load(std::memory_order_relaxed); }

std::size_t trim_stack_cache() noexcept {
  // Take the least recently freed stacks past keep_stacks, release their pages outside the
  // lock, then file them as cold.
  std::vector<stack> excess;
  {
    std::lock_guard<rt_mutex> lk(stack_mu);
    if (warm_stacks.size() <= keep_stacks) return 0;
    std::size_t n = warm_stacks.size() - keep_stacks;
    excess.assign(warm_stacks.begin(), warm_stacks.begin() + static_cast<std::ptrdiff_t>(n));
    warm_stacks.erase(warm_stacks.begin(), warm_stacks.begin() + static_cast<std::ptrdiff_t>(n));
    warm_excess.store(false, std::memory_order_relaxed);
  }
  for (stack& st : excess) stack_release(st);
  std::lock_guard<rt_mutex> lk(stack_mu);
  cold_stacks.insert(cold_stacks.end(), excess.begin(), excess.end());
  return excess.size();
}

namespace {

g_cache::~g_cache() {
  WEFT_TSAN_QUIET();  // runtime code, even at thread exit
  if (n) global_put(items, n);
  n = 0;
}

thread_local g_cache tls_cache;

const char* const gstatus_names[] = {"idle", "runnable", "running", "waiting", "dead"};

[[noreturn]] void bad_status(g* gp, gstatus want, gstatus got) noexcept {
  char buf[160];
  std::snprintf(buf, sizeof buf, "goroutine %llu: status %s, want %s (g state machine corrupted)",
                static_cast<unsigned long long>(gp->id), gstatus_names[int(got)],
                gstatus_names[int(want)]);
  fatal(buf);
}

inline void cas_status(g* gp, gstatus from, gstatus to) noexcept {
  gstatus old = from;
  if (!gp->status.compare_exchange_strong(old, to, std::memory_order_acq_rel)) {
    bad_status(gp, from, old);
  }
}

// ---- the fiber switch --------------------------------------------------------------------

void g_entry(bctx::transfer_t t) noexcept;

// release_closure: destroy the goroutine's callable and free it if it was on the heap.
void release_closure(g* gp) noexcept {
  WEFT_TSAN_QUIET();
  gp->destroy(gp->closure);
  if (gp->closure != static_cast<void*>(gp->closure_buf)) {
    ::operator delete(gp->closure, std::align_val_t(gp->closure_align));
  }
  gp->closure = nullptr;
}

// switch_out: goroutine side. Returns when the goroutine is resumed (maybe on another thread).
void switch_out(g* gp, switch_reason why) noexcept {
  gp->why = why;
#if defined(WEFT_ASAN)
  __sanitizer_start_switch_fiber(why == switch_reason::exit ? nullptr : &gp->asan_fake_stack,
                                 tls_sched.stack_lo, tls_sched.stack_size);
#endif
#if defined(WEFT_TSAN)
  tsan_leave(gp);  // to the scheduler's TSan fiber, with no happens-before edge
#endif
  bctx::transfer_t t = bctx::jump_fcontext(gp->sched_ctx, gp);
  // Resumed: t.fctx is the scheduler context that resumed us (possibly another thread's).
  gp->sched_ctx = t.fctx;
#if defined(WEFT_ASAN)
  __sanitizer_finish_switch_fiber(gp->asan_fake_stack, nullptr, nullptr);
#endif
}

void g_entry(bctx::transfer_t t) noexcept {
  g* gp = static_cast<g*>(t.data);
  gp->sched_ctx = t.fctx;
#if defined(WEFT_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
#if defined(WEFT_TSAN)
  tsan_started(gp);  // go -> start; the stack's previous users -> us
#endif
  try {
    gp->invoke(gp->closure);
  } catch (...) {
    release_closure(gp);
    active_policy->on_panic(gp, std::current_exception());
    switch_out(gp, switch_reason::exit);
    __builtin_unreachable();
  }
  release_closure(gp);
#if defined(WEFT_TSAN)
  gp->tsan_returned = true;
#endif
  switch_out(gp, switch_reason::exit);
  __builtin_unreachable();
}

// prepare_stack: give gp (about to run for the first time) a stack and its initial context.
void prepare_stack(g* gp) noexcept {
  if (!gp->stk.lo) gp->stk = get_stack();
#if defined(WEFT_ASAN)
  // An abandoned goroutine never unwound: clear whatever poisoning its frames left behind.
  __asan_unpoison_memory_region(gp->stk.lo, static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
#endif
  std::uintptr_t sp = reinterpret_cast<std::uintptr_t>(gp->stk.hi) & ~std::uintptr_t(63);
  gp->ctx = bctx::make_fcontext(reinterpret_cast<void*>(sp),
                                sp - reinterpret_cast<std::uintptr_t>(gp->stk.lo), g_entry);
}

}  // namespace

g* current() noexcept {
  g* gp = tls_current;
  asm volatile("" ::: "memory");
  return gp;
}

void set_current(g* gp) noexcept { tls_current = gp; }

void set_stack_size(std::size_t bytes) noexcept {
  std::size_t pg = page_size();
  if (bytes < 4 * pg) bytes = 4 * pg;
  g_stack_size = (bytes + pg - 1) / pg * pg;
}

std::uint64_t next_goid() noexcept {
  return goid_next.fetch_add(1, std::memory_order_relaxed);
}

void reset_goids() noexcept {
  goid_next.store(1, std::memory_order_relaxed);
  goid_gen.fetch_add(1, std::memory_order_relaxed);
}

g* alloc_g(std::size_t closure_size, std::size_t closure_align) {
  WEFT_TSAN_QUIET();
  g_cache& c = tls_cache;
  g* gp = nullptr;
  if (c.n == 0) c.n = global_get(c.items, batch);
  if (c.n > 0) {
    gp = c.items[--c.n];
  } else {
    gp = new g();
    std::lock_guard<rt_mutex> lk(allgs_mu);
    gp->all_next = allgs_head.load(std::memory_order_relaxed);
    allgs_head.store(gp, std::memory_order_release);
  }
  // The callable waits in the g (or on the heap when large); the stack comes at first run.
  // Under ThreadSanitizer always on the heap: a fresh allocation starts with clean shadow,
  // while closure_buf would still carry the previous goroutine's accesses to its callable.
#if defined(WEFT_TSAN)
  constexpr bool inline_closure = false;
#else
  constexpr bool inline_closure = true;
#endif
  if (inline_closure && closure_size <= sizeof(gp->closure_buf) && closure_align <= 16) {
    gp->closure = gp->closure_buf;
  } else {
    gp->closure_align = closure_align < 16 ? 16 : closure_align;
    gp->closure = ::operator new(closure_size, std::align_val_t(gp->closure_align));
  }
  gp->ctx = nullptr;
  gp->why = switch_reason::none;
  gp->unlockf = nullptr;
  gp->reason = wait_reason::none;
  gp->wait_object = nullptr;
  gp->blocked_at = weft::source_location{};
  gp->link = nullptr;
  gp->m = nullptr;
  gp->is_main = false;
  gp->park_result = 0;
  gp->select_done.store(0, std::memory_order_relaxed);
  for (auto& w : gp->policy_data) w = 0;
  return gp;
}

void start_g(g* gp, const weft::source_location& created) {
  WEFT_TSAN_QUIET();
  policy* p = active_policy;
  if (!p) {
    discard_g(gp);
    fatal("weft::go called outside weft::run");
  }
  g* parent = current();
  gp->id = next_goid();
  gp->parent_id = parent ? parent->id : 0;
  gp->created_at = created;
#if defined(WEFT_TSAN)
  tsan_spawned(gp);  // go happens before the child starts (acquired in g_entry)
#endif
  cas_status(gp, gstatus::idle, gstatus::runnable);
  p->spawned(parent, gp);
  p->ready(gp);
}

void free_g(g* gp) noexcept {
  gstatus s = gp->status.load(std::memory_order_relaxed);
  if (s != gstatus::dead && s != gstatus::idle) {
    gp->status.store(gstatus::dead, std::memory_order_relaxed);
  }
#if defined(WEFT_TSAN)
  tsan_retire(gp);  // its stack's next user and the end of the run happen after it
#endif
  gp->status.store(gstatus::idle, std::memory_order_release);
  if (gp->stk.lo) {
#if defined(WEFT_ASAN)
    // A dead goroutine's locals are gone: any later use of them (another goroutine still holding
    // a reference into this stack) is a use-after-return that ASan now reports. prepare_stack
    // unpoisons it for its next goroutine.
    __asan_poison_memory_region(gp->stk.lo, static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
#endif
    put_stack(gp->stk);
    gp->stk = stack{};
  }
  g_cache& c = tls_cache;
  if (c.n == local_cap) {
    global_put(c.items + (local_cap - batch), batch);
    c.n -= batch;
  }
  c.items[c.n++] = gp;
}

void discard_g(g* gp) noexcept {
  WEFT_TSAN_QUIET();
  release_closure(gp);
  free_g(gp);
}

resume_result resume(g* gp) noexcept {
  cas_status(gp, gstatus::runnable, gstatus::running);
  if (!gp->ctx) prepare_stack(gp);
  set_current(gp);
#if defined(WEFT_ASAN)
  __sanitizer_start_switch_fiber(&tls_sched.asan_fake, gp->stk.lo,
                                 static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
#endif
#if defined(WEFT_TSAN)
  // To gp's TSan fiber (made on its first run, named "goroutine N"), with no happens-before
  // edge: a switch orders nothing, only the primitives' annotations do.
  int tsan_sched_depth = tsan_enter(gp);
#endif
  bctx::transfer_t t = bctx::jump_fcontext(gp->ctx, gp);
#if defined(WEFT_TSAN)
  tsan_return(tsan_sched_depth);
#endif
#if defined(WEFT_ASAN)
  __sanitizer_finish_switch_fiber(tls_sched.asan_fake, nullptr, nullptr);
#endif
  gp->ctx = t.fctx;
  set_current(nullptr);
  switch (gp->why) {
    case switch_reason::yield:
      cas_status(gp, gstatus::running, gstatus::runnable);
      return resume_result::yielded;
    case switch_reason::park:
      cas_status(gp, gstatus::running, gstatus::waiting);
      if (gp->unlockf && !gp->unlockf(gp->unlock_arg)) {
        cas_status(gp, gstatus::waiting, gstatus::runnable);
        return resume_result::yielded;
      }
      return resume_result::parked;
    case switch_reason::exit:
      // A guarded stack faults on overflow; a canary-only one is checked when it is done with
      // (checking at every switch costs a cache miss on a cold page each time).
      if (!stack_intact(gp->stk)) report_stack_overflow(gp, nullptr);
      cas_status(gp, gstatus::running, gstatus::dead);
      return resume_result::exited;
    case switch_reason::none:
      break;
  }
  fatal("goroutine switched to its scheduler without a reason");
}

void park(wait_reason r, const void* obj, const weft::source_location& where,
          bool (*unlockf)(void*), void* arg) {
  g* gp = current();
  if (!gp) fatal("weft: a blocking operation was called outside a goroutine");
  gp->reason = r;
  gp->wait_object = obj;
  gp->blocked_at = where;
  gp->unlockf = unlockf;
  gp->unlock_arg = arg;
  switch_out(gp, switch_reason::park);
  gp->reason = wait_reason::none;
  gp->unlockf = nullptr;
}

void yield_now() {
  WEFT_TSAN_QUIET();
  g* gp = current();
  if (!gp) fatal("weft::yield called outside a goroutine");
  switch_out(gp, switch_reason::yield);
}

void ready(g* gp) noexcept {
  // Not quiet: the production scheduler's ready is uninstrumented and allocates nothing; the
  // explorer's makes its own quiet section.
  cas_status(gp, gstatus::waiting, gstatus::runnable);
  active_policy->ready(gp);
}

void scheduler_thread_init() noexcept {
  overflow_handler_install();
  altstack_init();
#if defined(WEFT_ASAN)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* lo = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &lo, &size);
    tls_sched.stack_lo = lo;
    tls_sched.stack_size = size;
    pthread_attr_destroy(&attr);
  }
#endif
#if defined(WEFT_TSAN)
  tsan_sched_init();
#endif
}

void scheduler_thread_fini() noexcept { altstack_fini(); }

// ---- registry and dumps --------------------------------------------------------------------

void for_each_g(void (*fn)(g*, void*), void* arg) noexcept {
  for (g* gp = allgs_head.load(std::memory_order_acquire); gp; gp = gp->all_next) fn(gp, arg);
}

namespace {

void put(int fd, const char* s, std::size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<std::size_t>(w);
  }
}

void put_loc(char* buf, std::size_t cap, const char* what, const weft::source_location& l) {
  if (l.line() == 0) {
    std::snprintf(buf, cap, "\t%s (unknown site)\n", what);
  } else {
    std::snprintf(buf, cap, "\t%s %s:%u\n\t\tin %s\n", what, l.file_name(),
                  static_cast<unsigned>(l.line()), l.function_name());
  }
}

struct dump_arg {
  int fd;
  const g* running;
};

void dump_one(g* gp, void* a) {
  auto* d = static_cast<dump_arg*>(a);
  gstatus s = gp->status.load(std::memory_order_acquire);
  if (s == gstatus::idle || s == gstatus::dead) return;
  char buf[1024];
  const char* state = s == gstatus::waiting ? to_string(gp->reason)
                      : gp == d->running    ? "running"
                                            : to_string(s);
  int n;
  if (s == gstatus::waiting && gp->wait_object) {
    n = std::snprintf(buf, sizeof buf, "goroutine %llu [%s, on %p]:\n",
                      static_cast<unsigned long long>(gp->id), state, gp->wait_object);
  } else {
    n = std::snprintf(buf, sizeof buf, "goroutine %llu [%s]:\n",
                      static_cast<unsigned long long>(gp->id), state);
  }
  put(d->fd, buf, static_cast<std::size_t>(n));
  if (s == gstatus::waiting) {
    put_loc(buf, sizeof buf, "blocked at", gp->blocked_at);
    put(d->fd, buf, std::strlen(buf));
  }
  char what[64];
  if (gp->parent_id) {
    std::snprintf(what, sizeof what, "created by goroutine %llu at",
                  static_cast<unsigned long long>(gp->parent_id));
  } else {
    std::snprintf(what, sizeof what, "started by weft::run at");
  }
  put_loc(buf, sizeof buf, what, gp->created_at);
  put(d->fd, buf, std::strlen(buf));
  put(d->fd, "\n", 1);
}

}  // namespace

void dump_goroutines(int fd, const g* running) noexcept {
  dump_arg a{fd, running};
  for_each_g(dump_one, &a);
}

void abandon_all() noexcept {
  WEFT_TSAN_QUIET();
  for_each_g(
      [](g* gp, void*) {
        gstatus s = gp->status.load(std::memory_order_acquire);
        if (s == gstatus::runnable && !gp->ctx) {
          discard_g(gp);  // never ran: only its callable to destroy
        } else if (s == gstatus::runnable || s == gstatus::waiting) {
#if defined(WEFT_ASAN)
          // The abandoned frames still own heap objects that nothing will free: keep the stack
          // (never reused) and let LeakSanitizer scan it, so they count as reachable, not
          // leaked. The g gets a fresh stack when it is next allocated.
          if (gp->stk.lo) {
            __lsan_register_root_region(gp->stk.lo,
                                        static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
            gp->stk = stack{};
          }
          // Its callable too (what it captured by value, e.g. channel handles, is reached only
          // through it): the g is reused, so a callable kept in the g moves to a block of its
          // own. Either way the block is never freed and LeakSanitizer scans it as a root.
          if (gp->closure) {
            void* keep = gp->closure;
            if (keep == static_cast<void*>(gp->closure_buf)) {
              keep = std::malloc(sizeof gp->closure_buf);
              if (keep) std::memcpy(keep, gp->closure_buf, sizeof gp->closure_buf);
            }
            if (keep) __lsan_ignore_object(keep);
            gp->closure = nullptr;
          }
#endif
          free_g(gp);
        } else if (s == gstatus::dead) {
          free_g(gp);
        }
      },
      nullptr);
#if defined(WEFT_TSAN)
  tsan_run_ended();  // every goroutine of the run -> whatever the caller does next
#endif
}

void fatal(const char* msg, bool dump) noexcept {
  std::fflush(stdout);
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "fatal error: %s\n\n", msg);
  put(2, buf, static_cast<std::size_t>(n));
  if (dump) dump_goroutines(2, current());
#if defined(WEFT_TSAN)
  weft::detail::tsan_loud_begin();  // TSan refuses an exit with ignores still open
#endif
  _exit(2);
}

void panic(const char* msg) {
  WEFT_TSAN_QUIET();  // the exception's allocation and construction (unwinding ends the section)
  throw panic_error(msg);
}


const char* to_string(gstatus s) noexcept { return gstatus_names[int(s)]; }

const char* to_string(wait_reason r) noexcept {
  switch (r) {
    case wait_reason::none: return "";
    case wait_reason::chan_receive: return "chan receive";
    case wait_reason::chan_send: return "chan send";
    case wait_reason::chan_receive_nil: return "chan receive (nil chan)";
    case wait_reason::chan_send_nil: return "chan send (nil chan)";
    case wait_reason::select: return "select";
    case wait_reason::select_no_cases: return "select (no cases)";
    case wait_reason::mutex_lock: return "sync.Mutex.Lock";
    case wait_reason::rw_lock: return "sync.RWMutex.Lock";
    case wait_reason::rw_rlock: return "sync.RWMutex.RLock";
    case wait_reason::wait_group_wait: return "sync.WaitGroup.Wait";
    case wait_reason::cond_wait: return "sync.Cond.Wait";
    case wait_reason::once_do: return "sync.Once.Do";
    case wait_reason::sleep: return "sleep";
    case wait_reason::timer_wait: return "timer";
    case wait_reason::yield: return "runnable";
    case wait_reason::stopped: return "stopped by the explorer";
  }
  return "?";
}

}  // namespace detail

const char* to_string(op_kind k) noexcept {
  switch (k) {
    case op_kind::go: return "go";
    case op_kind::exit: return "exit";
    case op_kind::yield: return "yield";
    case op_kind::chan_send: return "chan send";
    case op_kind::chan_recv: return "chan recv";
    case op_kind::chan_close: return "chan close";
    case op_kind::chan_len: return "chan len";
    case op_kind::chan_cap: return "chan cap";
    case op_kind::select: return "select";
    case op_kind::mutex_lock: return "Mutex.Lock";
    case op_kind::mutex_trylock: return "Mutex.TryLock";
    case op_kind::mutex_unlock: return "Mutex.Unlock";
    case op_kind::rw_lock: return "RWMutex.Lock";
    case op_kind::rw_trylock: return "RWMutex.TryLock";
    case op_kind::rw_unlock: return "RWMutex.Unlock";
    case op_kind::rw_rlock: return "RWMutex.RLock";
    case op_kind::rw_tryrlock: return "RWMutex.TryRLock";
    case op_kind::rw_runlock: return "RWMutex.RUnlock";
    case op_kind::wg_add: return "WaitGroup.Add";
    case op_kind::wg_wait: return "WaitGroup.Wait";
    case op_kind::once_call: return "Once.Do";
    case op_kind::cond_wait: return "Cond.Wait";
    case op_kind::cond_signal: return "Cond.Signal";
    case op_kind::cond_broadcast: return "Cond.Broadcast";
    case op_kind::atomic_load: return "atomic load";
    case op_kind::atomic_store: return "atomic store";
    case op_kind::atomic_rmw: return "atomic read-modify-write";
    case op_kind::shared_read: return "read";
    case op_kind::shared_write: return "write";
    case op_kind::sleep: return "sleep";
    case op_kind::timer_start: return "timer start";
    case op_kind::timer_stop: return "timer stop";
    case op_kind::timer_reset: return "timer reset";
    case op_kind::ctx_cancel: return "context cancel";
    case op_kind::ctx_err: return "context err";
  }
  return "?";
}

clock::time_point clock::now() noexcept {
  if (detail::active_policy) return detail::active_policy->now();
  return time_point(std::chrono::duration_cast<duration>(
      std::chrono::steady_clock::now().time_since_epoch()));
}

}  // namespace weft
