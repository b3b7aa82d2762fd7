// runtime/src/time/timer.cpp — weft::timer, weft::ticker, weft::after, weft::after_func: Go's
// time.Timer family on the policy's timer heap (Go before 1.23: capacity-1 channels, see
// weft/time.hpp).
//
// One timer_state per timer, reference counted: each handle holds a reference, and so does
// every arming while the policy holds the node (in its heap, or taken out with the callback
// still to run); after() keeps no handle, so its timer lives exactly until it fires.
//
// The policy fires timers on the scheduler side (production: one timer thread, concurrently
// with the goroutines on the workers). Once the policy has taken a node out to fire it,
// del_timer() returns false although the callback has not run yet, and a reset may arm the
// node again meanwhile. So the state decides, under its own lock, what a firing means:
//  - `active` is Go's "pending": the timer will fire unless stopped. stop() and reset() read and
//    write it under the lock, and so does the callback, which is therefore linearised with
//    them: a stop() that returns false comes after the firing (whose value is already in the
//    channel: the send happens under the lock), a stop() that returns true prevents it.
//  - a firing whose deadline is not `when` of the current arming (a stale one, taken out before
//    a reset to a later deadline) does nothing but drop its reference.
//
// Invariants (lock held):
//  - queued == the number of outstanding policy references to node: it is in the heap, or taken
//    out with its callback pending (a reset may have put it back meanwhile: then both).
//  - refs >= queued + (handles alive); each queued reference is dropped by exactly one of: the
//    callback, a successful del_timer, the policy's drop hook at the end of a run.
//  - node is added to a heap only after a del_timer, so it is never in the heap twice.
//  - !active implies no firing will send, spawn or re-arm.
//
// Locking: lock is a short spin lock. Order: timer lock < channel lock < scheduler locks (the
// callback sends on the channel and add_timer/del_timer take the policy's timer mutex while it
// is held). Never held across visible(), park() or the spawning of an after_func goroutine;
// references are dropped only after it is released.
#include <atomic>
#include <new>

#include "core/spin.hpp"
#include "weft/detail/timer.hpp"
#include "weft/go.hpp"
#include "weft/panic.hpp"
#include "weft/time.hpp"

namespace weft::detail {

/// timer_spin: a timer's lock (test-and-test-and-set with the core's backoff).
struct timer_spin {
  std::atomic<std::uint32_t> v{0};
  void lock() noexcept {
    while (v.exchange(1, std::memory_order_acquire) != 0) {
      backoff bo;
      while (v.load(std::memory_order_relaxed) != 0) bo.pause();
    }
  }
  void unlock() noexcept { v.store(0, std::memory_order_release); }
};

struct timer_state {
  std::atomic<std::uint32_t> refs{1};
  std::atomic<std::uint32_t> handles{1};  // tickers: live ticker handles
  const func_ops* fops = nullptr;         // after_func: the callback's ops (immutable)
  void* fn = nullptr;                     // after_func: the callback, in this allocation
  weft::source_location created{};
  chan<time_point> c;                     // timers and tickers; nil for after_func (immutable)

  timer_spin lock;
  // Guarded by lock.
  timer_node node;                        // fire/arg/drop immutable; when set before each add
  time_point when{};                      // the deadline of the current arming
  duration period{0};                     // > 0: a ticker
  bool active = false;
  std::uint8_t queued = 0;
};

namespace {

std::size_t state_align(const func_ops* ops) noexcept {
  return ops && ops->align > alignof(timer_state) ? ops->align : alignof(timer_state);
}
std::size_t state_header(const func_ops* ops) noexcept {
  std::size_t a = state_align(ops);
  return (sizeof(timer_state) + a - 1) / a * a;
}
std::size_t state_bytes(const func_ops* ops) noexcept {
  return state_header(ops) + (ops ? ops->size : 0);
}

policy* policy_or_die() {
  if (!active_policy) fatal("weft: timers need a running weft::run (or weft::check::explore)");
  return active_policy;
}

void destroy(timer_state* s) noexcept {
  const func_ops* ops = s->fops;
  if (ops) ops->destroy(s->fn);
  s->~timer_state();
  ::operator delete(static_cast<void*>(s), state_bytes(ops), std::align_val_t(state_align(ops)));
}

void release_n(timer_state* s, int n) noexcept {
  for (; n > 0; n--) timer_release(s);
}

/// arm_locked: s->lock held. Puts the node in the policy's heap for deadline w (taking it out
/// first if it is there); counts in *drops the references the caller must drop once unlocked.
void arm_locked(timer_state* s, time_point w, int* drops) {
  policy* p = policy_or_die();
  if (s->queued > 0 && p->del_timer(&s->node)) {
    s->queued--;
    (*drops)++;
  }
  s->when = w;
  s->node.when = w;
  s->refs.fetch_add(1, std::memory_order_relaxed);
  s->queued++;
  p->add_timer(&s->node);
}

/// disarm_locked: s->lock held. The timer will not fire; returns whether it was pending.
bool disarm_locked(timer_state* s, int* drops) {
  bool was = s->active;
  s->active = false;
  if (s->queued > 0 && active_policy && active_policy->del_timer(&s->node)) {
    s->queued--;
    (*drops)++;
  }
  return was;
}

/// func_goroutine: the closure of an after_func callback's goroutine; holds a reference.
struct func_goroutine {
  timer_state* s;
  explicit func_goroutine(timer_state* x) noexcept : s(x) {}
  func_goroutine(func_goroutine&& o) noexcept : s(std::exchange(o.s, nullptr)) {}
  func_goroutine(const func_goroutine&) = delete;
  ~func_goroutine() {
    if (s) timer_release(s);
  }
  void operator()() {
    hb_acquire(s);  // arming (creation or reset) -> the callback starts
    s->fops->invoke(s->fn);
  }
};

/// fire: the timer callback (scheduler side). Decides under the lock whether this firing counts,
/// sends or re-arms, and spawns an after_func goroutine once the lock is released.
void fire(timer_node* n) {
  auto* s = static_cast<timer_state*>(n->arg);
  const time_point t = active_policy->now();
  int drops = 1;  // the reference this arming held
  bool spawn = false;
  s->lock.lock();
  s->queued--;
  if (s->active && s->when <= t) {
    if (s->period > duration::zero()) {
      // A ticker keeps its phase and skips the ticks it is late for (Go's rule).
      duration late = t - s->when;
      arm_locked(s, add_saturating(s->when, s->period * (1 + late / s->period)), &drops);
    } else {
      s->active = false;
    }
    if (s->fops) {
      s->refs.fetch_add(1, std::memory_order_relaxed);  // for the goroutine
      spawn = true;
    } else {
      s->c.try_send_internal(t);  // a full channel drops the tick
    }
  }
  s->lock.unlock();
  if (spawn) start_g(make_g(func_goroutine(s)), s->created);
  release_n(s, drops);
}

/// drop: the run ended with the timer armed: no firing, release the arming's reference.
void drop(timer_node* n) {
  auto* s = static_cast<timer_state*>(n->arg);
  s->lock.lock();
  s->queued--;
  s->active = false;
  s->lock.unlock();
  timer_release(s);
}

timer_state* make_state(duration period, const func_ops* ops, void* f,
                        const weft::source_location& where) {
  void* mem = ::operator new(state_bytes(ops), std::align_val_t(state_align(ops)));
  auto* s = ::new (mem) timer_state();
  if (ops) {
    void* fn = static_cast<char*>(mem) + state_header(ops);
    try {
      ops->move(fn, f);
    } catch (...) {
      s->~timer_state();
      ::operator delete(mem, state_bytes(ops), std::align_val_t(state_align(ops)));
      throw;
    }
    s->fops = ops;
    s->fn = fn;
  } else {
    s->c = chan<time_point>(1, where);
  }
  s->created = where;
  s->period = period;
  s->node.fire = fire;
  s->node.arg = s;
  s->node.drop = drop;
  return s;
}

/// start: the first arming, d from now. The creation is the timer's first visible operation.
timer_state* start(timer_state* s, duration d, const weft::source_location& where) {
  visible(op_kind::timer_start, s, where, d.count());
  hb_release(s);  // arming -> an after_func callback starts
  int drops = 0;
  s->lock.lock();
  s->active = true;
  arm_locked(s, add_saturating(active_policy->now(), d), &drops);
  s->lock.unlock();
  return s;
}

}  // namespace

void timer_retain(timer_state* s) noexcept { s->refs.fetch_add(1, std::memory_order_relaxed); }

void timer_release(timer_state* s) noexcept {
  if (s->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  WEFT_TSAN_QUIET();
  destroy(s);
}

timer_state* timer_make(duration d, duration period, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  policy_or_die();
  return start(make_state(period, nullptr, nullptr, where), d, where);
}

timer_state* timer_make_func(duration d, const func_ops* ops, void* f,
                             const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  policy_or_die();
  return start(make_state(duration::zero(), ops, f, where), d, where);
}

chan<time_point> after_chan(duration d, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  timer_state* s = timer_make(d, duration::zero(), where);
  chan<time_point> c = s->c;
  timer_release(s);  // the arming keeps the timer until it fires
  return c;
}

const chan<time_point>& timer_chan(const timer_state* s) noexcept { return s->c; }

bool timer_stop(timer_state* s, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  if (!s) panic("time: Stop called on uninitialized Timer");
  visible(op_kind::timer_stop, s, where);
  int drops = 0;
  s->lock.lock();
  bool was = disarm_locked(s, &drops);
  s->lock.unlock();
  release_n(s, drops);  // the caller's handle keeps s alive
  return was;
}

bool timer_reset(timer_state* s, duration d, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  if (!s) panic("time: Reset called on uninitialized Timer");
  visible(op_kind::timer_reset, s, where, d.count());
  hb_release(s);  // arming -> an after_func callback starts
  int drops = 0;
  s->lock.lock();
  bool was = s->active;
  s->active = true;
  arm_locked(s, add_saturating(policy_or_die()->now(), d), &drops);
  s->lock.unlock();
  release_n(s, drops);
  return was;
}

void ticker_add_handle(timer_state* s) noexcept {
  s->handles.fetch_add(1, std::memory_order_relaxed);
  s->refs.fetch_add(1, std::memory_order_relaxed);
}

void ticker_drop_handle(timer_state* s) noexcept {
  WEFT_TSAN_QUIET();
  if (s->handles.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // The last handle: nobody can stop the ticker any more, so stop it now (no visible
    // operation: this is ownership, not a call of the program's).
    int drops = 0;
    s->lock.lock();
    disarm_locked(s, &drops);
    s->lock.unlock();
    release_n(s, drops);
  }
  timer_release(s);
}

void ticker_stop(timer_state* s, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  visible(op_kind::timer_stop, s, where);
  int drops = 0;
  s->lock.lock();
  disarm_locked(s, &drops);
  s->lock.unlock();
  release_n(s, drops);
}

void ticker_reset(timer_state* s, duration period, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  if (period <= duration::zero()) panic("non-positive interval for Ticker.Reset");
  if (!s) panic("time: Reset called on uninitialized Ticker");
  visible(op_kind::timer_reset, s, where, period.count());
  int drops = 0;
  s->lock.lock();
  s->period = period;
  s->active = true;
  arm_locked(s, add_saturating(policy_or_die()->now(), period), &drops);
  s->lock.unlock();
  release_n(s, drops);
}

}  // namespace weft::detail
