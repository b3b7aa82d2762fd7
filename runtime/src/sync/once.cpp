// runtime/src/sync/once.cpp — weft::once, Go's sync.Once on park/ready.
//
// State word: running (some call is executing f), done (f has completed, normally or by
// throwing), qlock (the wait list is being edited). Go guards f with a Mutex; here late callers
// park on the once itself, so a dump says "sync.Once.Do" and names the once.
// Invariants:
//  - head_ is read or written only by the holder of qlock.
//  - done is set once, never cleared; once set, running no longer matters and head_ is empty.
//  - A waiter holds qlock from pushing itself until its park commit, so finish(), which needs
//    qlock to detach the list, never misses it.
//  - finish()'s store of done is its last touch of the once: a caller woken by it (or one
//    that sees done) may destroy the once while the runner is still returning.
#include "core/spin.hpp"
#include "weft/detail/waiter.hpp"
#include "weft/sync.hpp"

namespace weft {

namespace {

bool release_qlock(void* a) {
  static_cast<std::atomic<std::uint32_t>*>(a)->fetch_and(~std::uint32_t{1},
                                                        std::memory_order_release);
  return true;
}

}  // namespace

void once::call_slow(void (*fn)(void*), void* f, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  detail::backoff bo;
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if (s & done) {
      detail::hb_acquire(this);
      return;
    }
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!(s & running)) {
      if (!state_.compare_exchange_weak(s, s | running, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
        continue;
      }
      // Ours to run. A throwing f counts as done too (Go's deferred done.Store(1)); the
      // exception then leaves this call.
      struct finisher {
        once* o;
        ~finisher() { o->finish(); }
      } fin{this};
      {
        WEFT_TSAN_LOUD();  // f is the program's code: TSan watches it
        fn(f);
      }
      return;
    }
    if (!state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    detail::waiter w;
    w.gp = detail::current();
    if (!w.gp) detail::fatal("weft::once::call called outside a goroutine");
    w.next = head_;
    head_ = &w;
    detail::park(detail::wait_reason::once_do, this, where, release_qlock, &state_);
    detail::hb_acquire(this);  // f -> every call returns
    return;                    // readied only by finish()
  }
}

void once::finish() noexcept {
  detail::hb_release(this);  // f -> every call returns
  detail::backoff bo;
  for (;;) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  detail::waiter* w = head_;
  head_ = nullptr;
  state_.store(done, std::memory_order_release);  // last touch of *this
  while (w) {
    detail::waiter* next = w->next;  // read before ready: w lives on the waiter's stack
    detail::ready(w->gp);
    w = next;
  }
}

}  // namespace weft
