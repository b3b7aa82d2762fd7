// checker/src/engine/trace.cpp — the dependence relation DPOR reduces by.
//
// Two events of different goroutines are dependent when swapping them could change what
// happens. The rules, per object kind (a: the earlier event, b: the later one):
//  - no shared object (go, yield, sleep, a goroutine's start, a continuation that only reads
//    its own waiter): independent of everything.
//  - a select, and any event that completed a parked select (wild_chan), touches every channel.
//  - channels: blocking send and blocking recv commute (either order ends in the same
//    handoff); send/send and recv/recv order FIFO queues; close, len and cap observe or change
//    the state every other op sees; len/cap commute with each other.
//  - sync.Mutex: an unlock commutes with a later lock (taken before, the lock would park and
//    the unlock would wake it); a lock that parked commutes with a later unlock (which wakes
//    it). Everything else on one mutex is ordered.
//  - sync.WaitGroup: Adds of the same sign commute (done/done, add/add), so joins add no
//    executions; a Wait that parked commutes with a later Done, a Done with a later Wait; Wait
//    with Wait. An Add(+n) against a Done or a Wait is ordered.
//  - sync.RWMutex: two read locks commute; the rest is ordered.
//  - atomics and shared<T>: two reads commute; anything with a write is ordered.
//  - contexts: a cancel reaches every descendant context (other objects) and closes their done
//    channels, so it is ordered with every context event and, like a select, touches every
//    channel; two err() reads commute.
//  - anything else on the same object: ordered.
#include "engine/trace.hpp"

namespace weft::check::detail {

namespace {

using wr = weft::detail::wait_reason;

enum class cls : std::uint8_t { none, chan, mutex, rw, wg, mem, ctx, other };

cls class_of(op_kind k) {
  switch (k) {
    case op_kind::chan_send: case op_kind::chan_recv: case op_kind::chan_close:
    case op_kind::chan_len: case op_kind::chan_cap: case op_kind::select:
      return cls::chan;
    case op_kind::mutex_lock: case op_kind::mutex_trylock: case op_kind::mutex_unlock:
      return cls::mutex;
    case op_kind::rw_lock: case op_kind::rw_trylock: case op_kind::rw_unlock:
    case op_kind::rw_rlock: case op_kind::rw_tryrlock: case op_kind::rw_runlock:
      return cls::rw;
    case op_kind::wg_add: case op_kind::wg_wait:
      return cls::wg;
    case op_kind::atomic_load: case op_kind::atomic_store: case op_kind::atomic_rmw:
    case op_kind::shared_read: case op_kind::shared_write:
      return cls::mem;
    case op_kind::ctx_cancel: case op_kind::ctx_err:
      return cls::ctx;
    case op_kind::go: case op_kind::exit: case op_kind::yield: case op_kind::sleep:
      return cls::none;
    default:
      return cls::other;
  }
}

// touches: does the event act on a shared object at all?
bool touches(const event& e) {
  if (e.kind == ek::start || e.kind == ek::timer) return false;
  if (e.kind == ek::cont) {
    // After a wakeup only a lock retries on its object; everything else just returns.
    return e.reason == wr::mutex_lock || e.reason == wr::rw_lock || e.reason == wr::rw_rlock;
  }
  if (e.wild_chan) return true;
  return e.obj != 0 && class_of(e.o.kind) != cls::none;
}

// wild: touches every channel (a select, an event that completed a parked select, a context
// cancel).
bool wild(const event& e) {
  return e.wild_chan || (e.kind == ek::op && e.o.kind == op_kind::ctx_cancel);
}

bool is_read(op_kind k) { return k == op_kind::atomic_load || k == op_kind::shared_read; }

}  // namespace

bool dependent(const event& a, const event& b, bool /*exact*/) {
  if (a.goid == b.goid) return true;
  if (!touches(a) || !touches(b)) return false;
  const bool awild = wild(a), bwild = wild(b);
  const bool achan = awild || class_of(a.o.kind) == cls::chan;
  const bool bchan = bwild || class_of(b.o.kind) == cls::chan;
  if ((awild && bchan) || (bwild && achan)) return true;
  const op_kind ka = a.o.kind, kb = b.o.kind;
  if (class_of(ka) == cls::ctx && class_of(kb) == cls::ctx) {
    return !(ka == op_kind::ctx_err && kb == op_kind::ctx_err);
  }
  if (a.obj != b.obj) return false;
  switch (class_of(ka)) {
    case cls::chan: {
      auto blocking = [](op_kind k) { return k == op_kind::chan_send || k == op_kind::chan_recv; };
      auto observe = [](op_kind k) { return k == op_kind::chan_len || k == op_kind::chan_cap; };
      if (blocking(ka) && blocking(kb) && ka != kb) return false;
      if (observe(ka) && observe(kb)) return false;
      return true;
    }
    case cls::mutex: {
      bool a_lock = ka == op_kind::mutex_lock, b_lock = kb == op_kind::mutex_lock;
      if (ka == op_kind::mutex_unlock && b_lock) return false;
      if (a_lock && a.kind == ek::op && a.parked && kb == op_kind::mutex_unlock) return false;
      return true;
    }
    case cls::rw:
      return !(ka == op_kind::rw_rlock && kb == op_kind::rw_rlock);
    case cls::wg: {
      bool a_wait = ka == op_kind::wg_wait, b_wait = kb == op_kind::wg_wait;
      if (a_wait && b_wait) return false;
      if (!a_wait && !b_wait) return (a.o.arg > 0) != (b.o.arg > 0);
      const event& add = a_wait ? b : a;
      if (add.o.arg > 0) return true;  // Add(+n) against Wait
      if (a_wait) return !a.parked;  // a parked Wait commutes with the Done that wakes it
      return false;  // Done, then Wait
    }
    case cls::mem:
      return !(is_read(ka) && is_read(kb));
    default:
      return true;
  }
}

}  // namespace weft::check::detail
