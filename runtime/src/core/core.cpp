// runtime/src/core/core.cpp — goroutine records, the fiber switch, park/ready, the registry.
//
// Invariants:
//  - A g changes status only through cas_status/set_status below, which die with the broken
//    invariant's name when the old status is not the expected one.
//  - resume() (scheduler side) and switch_out() (goroutine side) are the only two places that
//    switch fibers; sanitizer fiber annotations live there and nowhere else.
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

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "fiber/stack.hpp"
#include "weft/detail/core.hpp"
#include "weft/panic.hpp"

#if defined(WEFT_TSAN)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
void __tsan_set_fiber_name(void* fiber, const char* name);
void __tsan_acquire(void* addr);
void __tsan_release(void* addr);
}
#endif
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
struct sched_tls {
  void* asan_fake = nullptr;
  const void* stack_lo = nullptr;
  std::size_t stack_size = 0;
  void* tsan_fiber = nullptr;
};
thread_local sched_tls tls_sched;

std::size_t g_stack_size = 256 * 1024;

// ---- registry ----
std::mutex allgs_mu;
std::atomic<g*> allgs_head{nullptr};
std::atomic<std::uint64_t> goid_gen{1};
std::atomic<std::uint64_t> goid_next{1};

// ---- free lists ----
constexpr int local_cap = 256;
constexpr int batch = 128;
constexpr std::size_t keep_stacks = 16384;  // free gs past this give their pages back

struct g_cache {
  g* items[local_cap];
  int n = 0;
  ~g_cache();
};

// Two global lists: warm gs (stack pages still resident, reused first, most recent first) and
// cold ones (pages given back with madvise, reused only when no warm one is left). Freeing
// never releases memory itself: that is trim_stack_cache's job, run by idle workers and at the
// end of a run, so a burst of goroutines does not pay for madvise and refaults on its hot path.
std::mutex free_mu;
g* warm_head = nullptr;
std::size_t warm_count = 0;
g* cold_head = nullptr;
std::atomic<bool> warm_excess{false};  // warm_count > keep_stacks (a hint, read without the lock)

void global_put(g** gs, int n) {
  std::lock_guard<std::mutex> lk(free_mu);
  for (int i = 0; i < n; i++) {
    gs[i]->link = warm_head;
    warm_head = gs[i];
    warm_count++;
  }
  if (warm_count > keep_stacks) warm_excess.store(true, std::memory_order_relaxed);
}

int global_get(g** out, int want) {
  std::lock_guard<std::mutex> lk(free_mu);
  int n = 0;
  while (n < want && warm_head) {
    out[n++] = warm_head;
    warm_head = warm_head->link;
    warm_count--;
  }
  while (n < want && cold_head) {
    out[n++] = cold_head;
    cold_head = cold_head->link;
  }
  // Handed out in reverse so the caller's LIFO cache pops the warmest first.
  for (int i = 0, j = n - 1; i < j; i++, j--) std::swap(out[i], out[j]);
  return n;
}

}  // namespace

bool stack_cache_has_excess() noexcept { return warm_excess.load(std::memory_order_relaxed); }

std::size_t trim_stack_cache() noexcept {
  // Detach everything past the keep_stacks most recently freed, release those pages outside
  // the lock, then file them as cold.
  g* chain = nullptr;
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lk(free_mu);
    if (warm_count <= keep_stacks) return 0;
    g* last_kept = warm_head;
    for (std::size_t i = 1; i < keep_stacks; i++) last_kept = last_kept->link;
    chain = last_kept->link;
    last_kept->link = nullptr;
    n = warm_count - keep_stacks;
    warm_count = keep_stacks;
    warm_excess.store(false, std::memory_order_relaxed);
  }
  g* tail = chain;
  for (g* x = chain; x; x = x->link) {
    stack_release(x->stk);
    tail = x;
  }
  std::lock_guard<std::mutex> lk(free_mu);
  tail->link = cold_head;
  cold_head = chain;
  return n;
}

namespace {

g_cache::~g_cache() {
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

// switch_out: goroutine side. Returns when the goroutine is resumed (maybe on another thread).
void switch_out(g* gp, switch_reason why) noexcept {
  gp->why = why;
#if defined(WEFT_ASAN)
  __sanitizer_start_switch_fiber(why == switch_reason::exit ? nullptr : &gp->asan_fake_stack,
                                 tls_sched.stack_lo, tls_sched.stack_size);
#endif
#if defined(WEFT_TSAN)
  __tsan_switch_to_fiber(tls_sched.tsan_fiber, 0);
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
  __tsan_acquire(gp);  // go -> start (released in start_g)
#endif
  try {
    gp->invoke(gp->closure);
  } catch (...) {
    gp->destroy(gp->closure);
    active_policy->on_panic(gp, std::current_exception());
    switch_out(gp, switch_reason::exit);
    __builtin_unreachable();
  }
  gp->destroy(gp->closure);
  switch_out(gp, switch_reason::exit);
  __builtin_unreachable();
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
  g_cache& c = tls_cache;
  g* gp = nullptr;
  if (c.n == 0) c.n = global_get(c.items, batch);
  if (c.n > 0) {
    gp = c.items[--c.n];
  } else {
    gp = new g();
    std::lock_guard<std::mutex> lk(allgs_mu);
    gp->all_next = allgs_head.load(std::memory_order_relaxed);
    allgs_head.store(gp, std::memory_order_release);
  }
  if (gp->stk.lo && static_cast<std::size_t>(gp->stk.hi - gp->stk.lo) != g_stack_size) {
    stack_free(gp->stk);
    gp->stk = stack{};
  }
  if (!gp->stk.lo) gp->stk = stack_alloc(g_stack_size);
#if defined(WEFT_ASAN)
  // An abandoned goroutine never unwound: clear whatever poisoning its frames left behind.
  __asan_unpoison_memory_region(gp->stk.lo, static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
#endif
  // Closure at the top of the stack; the initial frame right below it.
  std::size_t align = closure_align < 16 ? 16 : closure_align;
  auto top = reinterpret_cast<std::uintptr_t>(gp->stk.hi);
  std::uintptr_t cl = (top - closure_size) & ~(std::uintptr_t(align) - 1);
  gp->closure = reinterpret_cast<void*>(cl);
  std::uintptr_t sp = cl & ~std::uintptr_t(63);
  if (sp - reinterpret_cast<std::uintptr_t>(gp->stk.lo) < 4096) {
    fatal("runtime: goroutine closure does not fit in its stack");
  }
  gp->ctx = bctx::make_fcontext(reinterpret_cast<void*>(sp),
                                sp - reinterpret_cast<std::uintptr_t>(gp->stk.lo), g_entry);
  gp->why = switch_reason::none;
  gp->unlockf = nullptr;
  gp->reason = wait_reason::none;
  gp->wait_object = nullptr;
  gp->blocked_at = std::source_location{};
  gp->link = nullptr;
  gp->m = nullptr;
  gp->is_main = false;
  gp->park_result = 0;
  gp->select_done.store(0, std::memory_order_relaxed);
  for (auto& w : gp->policy_data) w = 0;
  return gp;
}

void start_g(g* gp, const std::source_location& created) {
  policy* p = active_policy;
  if (!p) {
    gp->destroy(gp->closure);
    free_g(gp);
    fatal("weft::go called outside weft::run");
  }
  g* parent = current();
  gp->id = next_goid();
  gp->parent_id = parent ? parent->id : 0;
  gp->created_at = created;
#if defined(WEFT_TSAN)
  // go happens before the child starts (acquired in g_entry). The child's TSan fiber is made
  // when it first runs (resume), not here: GCC 12's TSan keeps a thread record and trace mapping
  // per live fiber and dies ("can not mmap thread trace") when tens of thousands exist at once,
  // which a burst of spawns that have not run yet would otherwise reach.
  __tsan_release(gp);
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
  if (gp->tsan_fiber) {
    __tsan_destroy_fiber(gp->tsan_fiber);
    gp->tsan_fiber = nullptr;
  }
#endif
  gp->status.store(gstatus::idle, std::memory_order_release);
#if defined(WEFT_ASAN)
  // A dead goroutine's locals are gone: any later use of them (another goroutine still holding
  // a reference into this stack) is a use-after-return that ASan now reports. alloc_g unpoisons.
  if (gp->stk.lo) {
    __asan_poison_memory_region(gp->stk.lo, static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
  }
#endif
  g_cache& c = tls_cache;
  if (c.n == local_cap) {
    global_put(c.items + (local_cap - batch), batch);
    c.n -= batch;
  }
  c.items[c.n++] = gp;
}

resume_result resume(g* gp) noexcept {
  cas_status(gp, gstatus::runnable, gstatus::running);
  set_current(gp);
#if defined(WEFT_ASAN)
  __sanitizer_start_switch_fiber(&tls_sched.asan_fake, gp->stk.lo,
                                 static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
#endif
#if defined(WEFT_TSAN)
  if (!tls_sched.tsan_fiber) tls_sched.tsan_fiber = __tsan_get_current_fiber();
  if (!gp->tsan_fiber) {  // first run (see start_g)
    gp->tsan_fiber = __tsan_create_fiber(0);
    char name[32];
    std::snprintf(name, sizeof name, "goroutine %llu", static_cast<unsigned long long>(gp->id));
    __tsan_set_fiber_name(gp->tsan_fiber, name);
  }
  __tsan_switch_to_fiber(gp->tsan_fiber, 0);
#endif
  bctx::transfer_t t = bctx::jump_fcontext(gp->ctx, gp);
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

void park(wait_reason r, const void* obj, const std::source_location& where,
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
  g* gp = current();
  if (!gp) fatal("weft::yield called outside a goroutine");
  switch_out(gp, switch_reason::yield);
}

void ready(g* gp) noexcept {
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
  tls_sched.tsan_fiber = __tsan_get_current_fiber();
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

void put_loc(char* buf, std::size_t cap, const char* what, const std::source_location& l) {
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
  for_each_g(
      [](g* gp, void*) {
        gstatus s = gp->status.load(std::memory_order_acquire);
        if (s == gstatus::runnable || s == gstatus::waiting) {
#if defined(WEFT_ASAN)
          // The abandoned frames still own heap objects that nothing will free: keep the stack
          // (never reused) and let LeakSanitizer scan it, so they count as reachable, not
          // leaked. The g gets a fresh stack when it is next allocated.
          if (gp->stk.lo) {
            __lsan_register_root_region(gp->stk.lo,
                                        static_cast<std::size_t>(gp->stk.hi - gp->stk.lo));
            gp->stk = stack{};
          }
#endif
          free_g(gp);
        } else if (s == gstatus::dead) {
          free_g(gp);
        }
      },
      nullptr);
}

void fatal(const char* msg, bool dump) noexcept {
  std::fflush(stdout);
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, "fatal error: %s\n\n", msg);
  put(2, buf, static_cast<std::size_t>(n));
  if (dump) dump_goroutines(2, current());
  _exit(2);
}

void panic(const char* msg) { throw panic_error(msg); }

#if defined(WEFT_TSAN)
void tsan_release(const void* addr) noexcept { __tsan_release(const_cast<void*>(addr)); }
void tsan_acquire(const void* addr) noexcept { __tsan_acquire(const_cast<void*>(addr)); }
#endif

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
