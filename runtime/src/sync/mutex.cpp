// runtime/src/sync/mutex.cpp — weft::mutex, Go's sync.Mutex on park/ready.
//
// State word bits: locked (held), qlock (the wait list is being edited), waiters (the list is
// non-empty), starving (unlock hands the lock to the front waiter; newcomers queue).
// Invariants:
//  - head_/tail_ are read or written only by the holder of qlock.
//  - waiters is set iff the list is non-empty whenever qlock is clear.
//  - While a thread holds qlock and locked is set, nobody else changes the word: the fast paths
//    fail on any extra bit, and unlock's slow path needs qlock. So the final store of an unlock
//    is its last touch of the mutex (the mutex may be destroyed right after).
//  - A waiter holds qlock from enqueueing itself until its park commit, which clears it on the
//    scheduler side: no wakeup can be lost between the two.
#include <chrono>

#include "core/spin.hpp"
#include "weft/detail/waiter.hpp"
#include "weft/panic.hpp"
#include "weft/sync.hpp"

namespace weft {

namespace {

constexpr std::int64_t starvation_ns = 1'000'000;  // Go's starvationThresholdNs

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now().time_since_epoch())
      .count();
}

struct release_arg {
  std::atomic<std::uint32_t>* state;
  std::uint32_t bit;
};

bool release_bit(void* a) {
  auto* r = static_cast<release_arg*>(a);
  r->state->fetch_and(~r->bit, std::memory_order_release);
  return true;
}

}  // namespace

bool mutex::try_lock(weft::source_location where) {
  detail::visible(op_kind::mutex_trylock, this, where);
  std::uint32_t s = state_.load(std::memory_order_relaxed);
  while (!(s & (locked | starving))) {
    if (state_.compare_exchange_weak(s, s | locked, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      detail::hb_acquire(this);
      return true;
    }
  }
  return false;
}

void mutex::lock_slow(const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  detail::waiter w;
  w.gp = detail::current();
  if (!w.gp) detail::fatal("weft::mutex::lock called outside a goroutine");
  bool requeue = false;  // woken before: wait at the front (Go's LIFO for old waiters)
  int spins = 0;
  detail::backoff bo;
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if (!(s & (locked | starving))) {
      if (state_.compare_exchange_weak(s, s | locked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    // Held: spin a little while its owner is (probably) running on another worker.
    if (!(s & starving) && spins < 4 && detail::nprocs > 1 && !detail::controlled) {
      spins++;
      for (int i = 0; i < 30; i++) detail::cpu_relax();
      continue;
    }
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    // qlock held. The word can still gain `locked` (a barging goroutine) but not lose it.
    s = state_.load(std::memory_order_relaxed);
    bool took = false;
    while (!(s & (locked | starving))) {
      // Freed meanwhile: take it and drop qlock in one step (a barging CAS may beat us).
      if (state_.compare_exchange_weak(s, (s | locked) & ~qlock, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        took = true;
        break;
      }
    }
    if (took) return;
    if (!requeue) w.since_ns = now_ns();
    w.handoff = false;
    w.next = nullptr;
    if (requeue) {
      w.next = head_;
      head_ = &w;
      if (!tail_) tail_ = &w;
    } else {
      if (tail_) tail_->next = &w; else head_ = &w;
      tail_ = &w;
    }
    std::uint32_t ns = s | waiters;
    if (requeue && now_ns() - w.since_ns > starvation_ns) ns |= starving;
    state_.store(ns, std::memory_order_relaxed);  // still holding qlock
    release_arg ra{&state_, qlock};
    detail::park(detail::wait_reason::mutex_lock, this, where, release_bit, &ra);
    if (w.handoff) {
      // Starvation mode handed us the lock. Leave that mode if we did not wait long, as Go does.
      if (now_ns() - w.since_ns < starvation_ns) {
        state_.fetch_and(~starving, std::memory_order_relaxed);
      }
      return;
    }
    requeue = true;
    spins = 0;
    bo = detail::backoff{};
  }
}

void mutex::unlock_slow() {
  WEFT_TSAN_QUIET();
  detail::backoff bo;
  std::uint32_t s;
  for (;;) {
    s = state_.load(std::memory_order_relaxed);
    if (!(s & locked)) detail::panic("sync: unlock of unlocked mutex");  // Go: fatal error
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!(s & waiters)) {
      if (state_.compare_exchange_weak(s, s & ~locked, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if (state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  // qlock held and locked set: the word is ours until the store below.
  detail::waiter* w = head_;
  head_ = w->next;
  if (!head_) tail_ = nullptr;
  detail::g* gp = w->gp;
  std::uint32_t ns = s & ~qlock;
  if (!head_) ns &= ~(waiters | starving);
  if (s & starving) {
    w->handoff = true;        // ownership passes to w: locked stays set
  } else {
    ns &= ~locked;
  }
  state_.store(ns, std::memory_order_release);  // last touch of *this
  detail::ready(gp);
}

}  // namespace weft
