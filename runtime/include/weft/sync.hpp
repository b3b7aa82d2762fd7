// weft/sync.hpp — Go's sync package: mutex, wait_group (more primitives join them).
//
// Every blocking call parks the calling goroutine (never the OS thread) and is a visible
// operation under the explorer. Like Go, a mutex is not tied to a goroutine: any goroutine may
// unlock it. Lifetimes are those of std::mutex / std::latch: a mutex may be destroyed as soon as
// it is unlocked, a wait_group as soon as wait() returned, even while the goroutine that called
// unlock()/done() is still returning from it.
#pragma once

#include <atomic>
#include <cstdint>
#include <source_location>

#include "weft/detail/core.hpp"

namespace weft {

namespace detail {
struct waiter;
}

/// mutex: Go's sync.Mutex. Lockable (std::lock_guard, std::unique_lock work).
/// Normal mode lets a running goroutine barge ahead of woken waiters (throughput); a waiter that
/// has waited over 1 ms switches the mutex to starvation mode, where unlock hands the lock
/// directly to the longest waiter (Go's fairness rule).
class mutex {
 public:
  mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  /// lock: blocks (parks) until the mutex is held by the caller. Goroutines only.
  void lock(std::source_location where = std::source_location::current()) {
    detail::visible(op_kind::mutex_lock, this, where);
    std::uint32_t z = 0;
    if (!state_.compare_exchange_strong(z, locked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow(where);
    }
    detail::hb_acquire(this);  // unlock -> next lock
  }
  /// try_lock: takes the mutex if it is free (and not reserved for a starving waiter).
  bool try_lock(std::source_location where = std::source_location::current());
  /// unlock: releases the mutex; "sync: unlock of unlocked mutex" panics if it was not held.
  /// Any goroutine may unlock (as in Go).
  void unlock(std::source_location where = std::source_location::current()) {
    detail::visible(op_kind::mutex_unlock, this, where);
    detail::hb_release(this);
    std::uint32_t l = locked;
    if (state_.compare_exchange_strong(l, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    unlock_slow();
  }

 private:
  static constexpr std::uint32_t locked = 1, qlock = 2, waiters = 4, starving = 8;
  void lock_slow(const std::source_location& where);
  void unlock_slow();
  std::atomic<std::uint32_t> state_{0};
  detail::waiter* head_ = nullptr;  // guarded by the qlock bit
  detail::waiter* tail_ = nullptr;  // guarded by the qlock bit
};

/// wait_group: Go's sync.WaitGroup. add(n) before starting work, done() when each piece ends,
/// wait() parks until the counter is zero. A negative counter panics
/// ("sync: negative WaitGroup counter").
class wait_group {
 public:
  wait_group() noexcept = default;
  wait_group(const wait_group&) = delete;
  wait_group& operator=(const wait_group&) = delete;

  void add(int delta, std::source_location where = std::source_location::current());
  void done(std::source_location where = std::source_location::current()) { add(-1, where); }
  /// wait: parks until the counter is zero. Goroutines only.
  void wait(std::source_location where = std::source_location::current());
  /// count: the current counter (diagnostics; racy by nature).
  int count() const noexcept {
    return static_cast<int>(static_cast<std::int64_t>(state_.load(std::memory_order_relaxed)) >> 32);
  }

 private:
  static constexpr std::uint64_t qlock = 1, waiters = 2;
  std::atomic<std::uint64_t> state_{0};  // counter (int32) in the high half
  detail::waiter* head_ = nullptr;       // guarded by the qlock bit
};

}  // namespace weft
