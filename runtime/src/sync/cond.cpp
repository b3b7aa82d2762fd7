// runtime/src/sync/cond.cpp — weft::cond, Go's sync.Cond on park/ready.
//
// Go takes a ticket before unlocking c.L and parks on it afterwards (notifyList), so a signal
// between the two is not lost. Here the waiter itself is the ticket: wait() appends its waiter
// (on its own stack; it stays there until wait() returns) to the list *before* unlocking the
// user's mutex. A signal that comes while the waiter is still on its way to park marks it
// notified and leaves it alone; one that comes after the park commit also readies it.
//
// Waiter fields as used here: success = notified (removed from the list by signal/broadcast);
// handoff = notified by signal (not broadcast); data = 1 once the waiter has committed to
// park (set under qlock_, which its park commit releases).
// Invariants:
//  - head_/tail_ and the links, success, handoff and data of queued waiters are read or
//    written only under qlock_.
//  - The list holds exactly the waiters not yet notified, in arrival order (Go's ticket order),
//    so signal wakes the longest waiter.
//  - A waker reads what it needs (the g) under qlock_ and readies only waiters with data = 1,
//    after releasing qlock_: that release is its last touch of the cond.
//
// Exceptions: if unlocking the user's mutex throws (it was not held, or the explorer ended the
// goroutine at that scheduling point), wait() withdraws its waiter, passing on a signal that
// already picked it; if relocking throws, it relocks while unwinding. Either way the caller's
// lock guard still tells the truth.
//
// Happens-before: signal/broadcast release `this` when they notify someone; the notified wait
// acquires it before relocking the mutex. (The mutex adds unlock -> lock as usual.)
#include "core/spin.hpp"
#include "weft/detail/waiter.hpp"
#include "weft/sync.hpp"

namespace weft {

namespace {

void qlock_acquire(std::atomic<std::uint32_t>& q) noexcept {
  detail::backoff bo;
  for (;;) {
    std::uint32_t z = 0;
    if (q.load(std::memory_order_relaxed) == 0 &&
        q.compare_exchange_weak(z, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      return;
    }
    bo.pause();
  }
}

void qlock_release(std::atomic<std::uint32_t>& q) noexcept {
  q.store(0, std::memory_order_release);
}

bool release_qlock(void* a) {
  qlock_release(*static_cast<std::atomic<std::uint32_t>*>(a));
  return true;
}

}  // namespace

void cond::wait(weft::source_location where) {
  WEFT_TSAN_QUIET();
  detail::visible(op_kind::cond_wait, this, where);
  detail::waiter w;
  w.gp = detail::current();
  if (!w.gp) detail::fatal("weft::cond::wait called outside a goroutine");

  qlock_acquire(qlock_);
  w.prev = tail_;
  if (tail_) tail_->next = &w; else head_ = &w;
  tail_ = &w;
  qlock_release(qlock_);

  try {
    mu_->unlock(where);
  } catch (...) {
    // The mutex was not held ("sync: unlock of unlocked mutex"): leave as if we never waited.
    // A signal that already picked us passes on to the next waiter, so none is lost.
    detail::g* wake = nullptr;
    qlock_acquire(qlock_);
    if (!w.success) {
      if (w.prev) w.prev->next = w.next; else head_ = w.next;
      if (w.next) w.next->prev = w.prev; else tail_ = w.prev;
    } else if (w.handoff && head_) {
      detail::waiter* n = head_;
      head_ = n->next;
      if (head_) head_->prev = nullptr; else tail_ = nullptr;
      n->success = true;
      n->handoff = true;
      if (n->data) wake = n->gp;
    }
    qlock_release(qlock_);
    if (wake) detail::ready(wake);
    throw;
  }

  qlock_acquire(qlock_);
  if (w.success) {
    qlock_release(qlock_);  // notified on our way here: no need to park
  } else {
    w.data = 1;
    detail::park(detail::wait_reason::cond_wait, this, where, release_qlock, &qlock_);
  }
  detail::hb_acquire(this);  // signal/broadcast -> woken wait
  try {
    mu_->lock(where);
  } catch (...) {
    // The lock's scheduling point threw (the explorer ends goroutines that way) before the
    // mutex was taken. The caller's guard believes it holds the mutex and will unlock it while
    // this exception unwinds, so relock from a destructor: during unwinding visible() lets it
    // finish instead of throwing again.
    struct relock {
      mutex* mu;
      const weft::source_location& where;
      ~relock() { mu->lock(where); }
    } r{mu_, where};
    throw;
  }
}

void cond::signal(weft::source_location where) {
  WEFT_TSAN_QUIET();
  detail::visible(op_kind::cond_signal, this, where);
  qlock_acquire(qlock_);
  detail::waiter* w = head_;
  if (!w) {
    qlock_release(qlock_);
    return;
  }
  detail::hb_release(this);  // signal -> the wait it wakes
  head_ = w->next;
  if (head_) head_->prev = nullptr; else tail_ = nullptr;
  w->success = true;
  w->handoff = true;
  detail::g* gp = w->data ? w->gp : nullptr;
  qlock_release(qlock_);  // last touch of *this; an unparked w may return from wait now
  if (gp) detail::ready(gp);
}

void cond::broadcast(weft::source_location where) {
  WEFT_TSAN_QUIET();
  detail::visible(op_kind::cond_broadcast, this, where);
  qlock_acquire(qlock_);
  detail::waiter* w = head_;
  if (!w) {
    qlock_release(qlock_);
    return;
  }
  detail::hb_release(this);  // broadcast -> every wait it wakes
  head_ = tail_ = nullptr;
  // Notify everyone; chain the parked ones (in arrival order) through `next` for waking.
  detail::waiter* parked = nullptr;
  detail::waiter** link = &parked;
  while (w) {
    detail::waiter* next = w->next;
    w->success = true;
    w->handoff = false;
    if (w->data) {
      *link = w;
      link = &w->next;
    }
    w = next;
  }
  *link = nullptr;
  qlock_release(qlock_);  // last touch of *this
  while (parked) {
    detail::waiter* next = parked->next;  // read before ready: it lives on the waiter's stack
    detail::ready(parked->gp);
    parked = next;
  }
}

}  // namespace weft
