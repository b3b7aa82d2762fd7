// weft/policy.hpp — THE SEAM between the primitives and whoever schedules goroutines.
//
// Every source of nondeterminism in the runtime goes through a policy: which goroutine runs next
// (ready/run), which ready select case is taken (choose), what time it is and when timers fire
// (now/add_timer/del_timer). Primitives are written once against this header and the core's
// park/ready (weft/detail/core.hpp); the production work-stealing scheduler and the checker's
// deterministic explorer are the two implementations.
//
// Ground rules for implementers:
//  - ready() may be called from any goroutine of the policy, from the policy's own scheduler
//    loop, and from timer callbacks. It never blocks and never switches fibers.
//  - before() is called by the running goroutine, on its own stack, when controlled() is true,
//    right before a visible operation. It may switch away (that is the point).
//  - choose(), now() are called by the running goroutine; add_timer()/del_timer() by the running
//    goroutine, from a park commit (unlockf) on the scheduler side, or from a timer callback
//    (a ticker re-arming itself, a context deadline stopping a child's timer); now() also from
//    timer callbacks.
//  - Timer callbacks run on the scheduler side, never on a goroutine stack: they may call ready()
//    and the non-blocking internals of primitives, never before() or anything that parks.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include "weft/source_location.hpp"

namespace weft {

/// clock: the runtime's monotonic clock. Under the explorer it is virtual (see weft::check).
struct clock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<clock, duration>;
  static constexpr bool is_steady = true;
  /// now: the policy's current time. May be called from any goroutine.
  static time_point now() noexcept;
};
using duration = clock::duration;
using time_point = clock::time_point;

/// op_kind: the visible operations. Each is a scheduling point under a controlled policy.
enum class op_kind : std::uint8_t {
  go, exit, yield,
  chan_send, chan_recv, chan_close, chan_len, chan_cap, select,
  mutex_lock, mutex_trylock, mutex_unlock,
  rw_lock, rw_trylock, rw_unlock, rw_rlock, rw_tryrlock, rw_runlock,
  wg_add, wg_wait,
  once_call,
  cond_wait, cond_signal, cond_broadcast,
  atomic_load, atomic_store, atomic_rmw,
  shared_read, shared_write,
  sleep, timer_start, timer_stop, timer_reset,
  ctx_cancel, ctx_err,
};
const char* to_string(op_kind) noexcept;

/// op: one visible operation, as the policy sees it before it happens.
struct op {
  op_kind kind;
  const void* object;           // the primitive's address (its identity for DPOR and reports)
  weft::source_location where;   // the user's call site
  std::int64_t arg = 0;         // kind-specific: wg delta, select case count, ...
};

namespace detail {
struct g;
struct timer_node;
}  // namespace detail

/// policy: a scheduler. One is active per weft::run (or per explored execution).
class policy {
 public:
  virtual ~policy() = default;

  /// run: drive goroutines until `main` returns; returns the exit code. Called once, on the
  /// thread that called weft::run, which becomes (or hosts) the first scheduler context.
  virtual int run(detail::g* main) = 0;

  /// ready: gp (status runnable) may now be scheduled. See the ground rules for callers.
  virtual void ready(detail::g* gp) noexcept = 0;

  /// before: the running goroutine is about to perform `o`. Only called when controlled().
  virtual void before(const op& o) = 0;

  /// choose: a uniformly random value in [0, n), n >= 1: select's pick among ready cases.
  virtual std::uint64_t choose(std::uint64_t n) = 0;

  /// now: current time. add_timer arms t (t->when set; t must not be armed already); del_timer
  /// disarms it and says whether it was still pending. A timer fires at most once per arming.
  /// Once a timer has been taken out to fire, del_timer returns false even if the callback has
  /// not run yet (production: it runs on the timer thread), and t may be armed again meanwhile:
  /// owners guard their timers with their own lock and ignore a stale firing.
  virtual time_point now() noexcept = 0;
  virtual void add_timer(detail::timer_node* t) = 0;
  virtual bool del_timer(detail::timer_node* t) = 0;

  /// on_panic: an exception escaped goroutine gp (called on gp's stack, just before it dies).
  /// Production prints Go's report and exits 2; the explorer records a failure.
  virtual void on_panic(detail::g* gp, std::exception_ptr e) = 0;

  /// spawned: child was just created by parent (nullptr for main). Hook for happens-before.
  virtual void spawned(detail::g* /*parent*/, detail::g* /*child*/) noexcept {}

  /// hb_release / hb_acquire: happens-before edges of the Go memory model, announced by the
  /// primitives on a sync address (the object, or e.g. a buffered channel's slot). Release
  /// merges the running goroutine's history into addr; acquire makes the running goroutine
  /// happen after every release on addr so far. Only called when tracks_hb().
  virtual void hb_release(const void* /*addr*/) noexcept {}
  virtual void hb_acquire(const void* /*addr*/) noexcept {}

  /// controlled: true when every visible op must call before().
  bool controlled() const noexcept { return controlled_; }
  /// tracks_hb: true when hb_release/hb_acquire must be called.
  bool tracks_hb() const noexcept { return tracks_hb_; }

 protected:
  bool controlled_ = false;
  bool tracks_hb_ = false;
};

/// current_policy: the active policy, or nullptr outside weft::run / explore.
policy* current_policy() noexcept;

}  // namespace weft
