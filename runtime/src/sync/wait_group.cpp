// runtime/src/sync/wait_group.cpp — weft::wait_group, Go's sync.WaitGroup on park/ready.
//
// State word: the counter (int32) in the high half; bit qlock (the wait list is being edited),
// bit waiters (someone is parked in wait()).
// Invariants:
//  - head_ is read or written only by the holder of qlock.
//  - waiters set implies counter > 0 whenever qlock is clear: the add() that brings the counter
//    to zero takes qlock, detaches the list and clears the word in one store, then readies the
//    waiters from its own copy. That store is its last touch of the group, so a waiter may
//    destroy the group as soon as wait() returns.
//  - add() that reaches zero with no waiters touches nothing after its CAS.
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

void wait_group::add(int delta, std::source_location where) {
  detail::visible(op_kind::wg_add, this, where, delta);
  if (delta < 0) detail::hb_release(this);  // done -> wait returns
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();
      continue;
    }
    std::int64_t c = counter_of(s) + delta;
    if (c < 0) detail::panic("sync: negative WaitGroup counter");
    if (c > INT32_MAX) detail::panic("sync: WaitGroup counter overflows");
    if (c == 0 && (s & waiters)) {
      if (!state_.compare_exchange_weak(s, qlock, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
        continue;
      }
      detail::waiter* w = head_;
      head_ = nullptr;
      state_.store(0, std::memory_order_release);  // last touch of *this
      while (w) {
        detail::waiter* next = w->next;  // read before ready: w lives on the waiter's stack
        detail::ready(w->gp);
        w = next;
      }
      return;
    }
    std::uint64_t ns = (static_cast<std::uint64_t>(c) << 32) | (s & 0xffffffffu);
    if (state_.compare_exchange_weak(s, ns, std::memory_order_acq_rel,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

void wait_group::wait(std::source_location where) {
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
    w.next = head_;
    head_ = &w;
    detail::park(detail::wait_reason::wait_group_wait, this, where, release_qlock, &state_);
    detail::hb_acquire(this);
    return;  // woken only by the add() that brought the counter to zero
  }
}

}  // namespace weft
