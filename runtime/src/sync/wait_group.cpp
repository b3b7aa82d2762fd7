// runtime/src/sync/wait_group.cpp — weft::wait_group, Go's sync.WaitGroup on park/ready.
//
// State word: the counter (int32) in the high half; bit qlock (the wait list is being edited),
// bit waiters (someone is parked in wait()).
// Invariants:
//  - head_ is read or written only by the holder of qlock.
//  - add() is one fetch_add on the counter. The add() that brings the counter to zero while
//    `waiters` is set takes qlock (clearing `waiters` in the same CAS), detaches the list, drops
//    qlock, then readies the waiters from its own copy: dropping qlock is its last touch of the
//    group, so a waiter may destroy the group as soon as wait() returns.
//  - add() that leaves the counter non-zero, or reaches zero with no waiters, touches nothing
//    after its fetch_add.
//  - A waiter enqueues only after seeing a non-zero counter under its qlock CAS; if the counter
//    is zero when it wakes, fine; if it is non-zero again the group was reused too early, which
//    panics as in Go.
// Misuse under ThreadSanitizer, as Go's race detector sees it: the Add that takes the counter
// from zero must happen before a Wait that blocks, so that Add reads and the first blocking
// Wait writes one word (head_, the runtime's own, touched by nobody else TSan watches); an Add
// from zero concurrent with a blocked Wait is then reported as a data race.
#include "core/spin.hpp"
#include "weft/detail/waiter.hpp"
#include "weft/sync.hpp"

namespace weft {

namespace {

bool release_qlock(void* a) {
  static_cast<std::atomic<std::uint64_t>*>(a)->fetch_and(~std::uint64_t{1},
                                                        std::memory_order_release);
  return true;
}

inline std::int64_t counter_of(std::uint64_t s) { return static_cast<std::int64_t>(s) >> 32; }

}  // namespace

void wait_group::add(int delta, weft::source_location where) {
  WEFT_TSAN_QUIET();
  detail::visible(op_kind::wg_add, this, where, delta);
  if (delta < 0) detail::hb_release(this);  // done -> wait returns
  // One atomic add, as Go's Add: the counter lives in the high half, so the low bits (qlock,
  // waiters) are untouched by it.
  const std::uint64_t step = static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32;
  const std::uint64_t prev = state_.fetch_add(step, std::memory_order_acq_rel);
  const std::int64_t c = counter_of(prev) + delta;
#if defined(WEFT_TSAN)
  if (delta > 0 && counter_of(prev) == 0) {
    detail::tsan_access(&head_, false, __builtin_return_address(0));  // Add from zero
  }
#endif
  if (c < 0 || c > INT32_MAX) {
    state_.fetch_sub(step, std::memory_order_relaxed);  // leave the group as it was
    detail::panic(c < 0 ? "sync: negative WaitGroup counter" : "sync: WaitGroup counter overflows");
  }
  if (c != 0 || !(prev & waiters)) return;  // nothing to wake: *this is not touched again
  // The counter reached zero with goroutines parked in wait(): they keep *this alive until we
  // ready them. Take the list under qlock and clear `waiters` in the same step.
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();  // a waiter is between enqueueing and its park commit
      continue;
    }
    if (!(s & waiters)) return;
    if (!state_.compare_exchange_weak(s, (s & ~waiters) | qlock, std::memory_order_acq_rel,
                                      std::memory_order_relaxed)) {
      continue;
    }
    detail::waiter* w = head_;
    head_ = nullptr;
    state_.fetch_and(~qlock, std::memory_order_release);  // last touch of *this
    while (w) {
      detail::waiter* next = w->next;  // read before ready: w lives on the waiter's stack
      detail::ready(w->gp);
      w = next;
    }
    return;
  }
}

void wait_group::wait(weft::source_location where) {
  WEFT_TSAN_QUIET();
  detail::visible(op_kind::wg_wait, this, where);
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_acquire);
    if (counter_of(s) == 0) {
      detail::hb_acquire(this);
      return;
    }
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!state_.compare_exchange_weak(s, s | qlock | waiters, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    detail::waiter w;
    w.gp = detail::current();
    if (!w.gp) detail::fatal("weft::wait_group::wait called outside a goroutine");
#if defined(WEFT_TSAN)
    if (!head_) detail::tsan_access(&head_, true, __builtin_return_address(0));  // 1st waiter
#endif
    w.next = head_;
    head_ = &w;
    detail::park(detail::wait_reason::wait_group_wait, this, where, release_qlock, &state_);
    if (counter_of(state_.load(std::memory_order_acquire)) != 0) {
      detail::panic("sync: WaitGroup is reused before previous Wait has returned");
    }
    detail::hb_acquire(this);
    return;  // woken only by the add() that brought the counter to zero
  }
}

}  // namespace weft
