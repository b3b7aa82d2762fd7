// weft/sync.hpp — Go's sync package: mutex, rw_mutex, wait_group, once, cond.
//
// Every blocking call parks the calling goroutine (never the OS thread) and is a visible
// operation under the explorer. Like Go, a mutex is not tied to a goroutine: any goroutine may
// unlock it. Lifetimes are those of std::mutex / std::latch: a mutex or rw_mutex may be destroyed
// as soon as it is unlocked, a wait_group as soon as wait() returned, a once as soon as a call()
// returned, a cond as soon as no goroutine waits on it, even while the goroutine that called
// unlock()/done()/signal() or ran the once's function is still returning from it.
// (weft::atomic<T>, Go's sync/atomic, lives in weft/atomic.hpp.)
// Under ThreadSanitizer the inline fast paths are not instrumented (WEFT_NO_TSAN): their atomic
// orderings are the runtime's; TSan learns exactly the Go edges from hb_release/hb_acquire.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include "weft/source_location.hpp"
#include <type_traits>

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
  WEFT_NO_TSAN void lock(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::mutex_lock, this, where);
    std::uint32_t z = 0;
    if (!detail::header_fast_paths ||
        !state_.compare_exchange_strong(z, locked, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow(where);
    }
    detail::hb_acquire(this);  // unlock -> next lock
  }
  /// try_lock: takes the mutex if it is free (and not reserved for a starving waiter).
  bool try_lock(weft::source_location where = weft::source_location::current());
  /// unlock: releases the mutex; "sync: unlock of unlocked mutex" panics if it was not held.
  /// Any goroutine may unlock (as in Go).
  WEFT_NO_TSAN void unlock(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::mutex_unlock, this, where);
    detail::hb_release(this);
    std::uint32_t l = locked;
    if (detail::header_fast_paths &&
        state_.compare_exchange_strong(l, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    unlock_slow();
  }

 private:
  static constexpr std::uint32_t locked = 1, qlock = 2, waiters = 4, starving = 8;
  void lock_slow(const weft::source_location& where);
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

  void add(int delta, weft::source_location where = weft::source_location::current());
  void done(weft::source_location where = weft::source_location::current()) { add(-1, where); }
  /// wait: parks until the counter is zero. Goroutines only.
  void wait(weft::source_location where = weft::source_location::current());
  /// count: the current counter (diagnostics; racy by nature).
  WEFT_NO_TSAN int count() const noexcept {
    return static_cast<int>(static_cast<std::int64_t>(state_.load(std::memory_order_relaxed)) >> 32);
  }

 private:
  static constexpr std::uint64_t qlock = 1, waiters = 2;
  std::atomic<std::uint64_t> state_{0};  // counter (int32) in the high half
  detail::waiter* head_ = nullptr;       // guarded by the qlock bit
};

/// rw_mutex: Go's sync.RWMutex. Lockable and SharedLockable: std::unique_lock, std::lock_guard
/// and std::shared_lock work. Any number of readers or one writer hold it.
/// Writer priority, as in Go: writers take turns among themselves; once a writer has its turn
/// (it announced itself), new readers block until that writer has unlocked, readers already
/// holding the lock finish, and the writer waits for the last of them. A writer's unlock admits
/// every reader that blocked on it before the next writer's turn begins, so neither side
/// starves. Like Go, it is not tied to a goroutine: any goroutine may unlock or unlock_shared.
/// Two choices where Go leaves room: a writer's unlock gives the next queued writer its turn in
/// the same step (Go's woken writer must first run, and late readers may slip in meanwhile:
/// weft picks one of Go's possible outcomes), and unlock() while the writer whose turn it is
/// still waits for readers panics like any unlock of a mutex not write-locked (Go corrupts its
/// state silently there).
class rw_mutex {
 public:
  rw_mutex() noexcept = default;
  rw_mutex(const rw_mutex&) = delete;
  rw_mutex& operator=(const rw_mutex&) = delete;

  /// lock: parks until the caller holds the write lock (Go's Lock). Goroutines only.
  WEFT_NO_TSAN void lock(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::rw_lock, this, where);
    std::uint64_t z = 0;
    if (!detail::header_fast_paths ||
        !state_.compare_exchange_strong(z, writer, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      lock_slow(where);
    }
    detail::hb_acquire(this);            // unlock -> next lock
    detail::hb_acquire(runlock_sync());  // every runlock -> next lock
  }
  /// try_lock: takes the write lock if nobody (reader or writer) holds or awaits it.
  bool try_lock(weft::source_location where = weft::source_location::current());
  /// unlock: releases the write lock ("sync: Unlock of unlocked RWMutex" if not write-locked).
  WEFT_NO_TSAN void unlock(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::rw_unlock, this, where);
    detail::hb_release(this);  // unlock -> later lock_shared and lock
    std::uint64_t w = writer;
    if (detail::header_fast_paths &&
        state_.compare_exchange_strong(w, 0, std::memory_order_release,
                                       std::memory_order_relaxed)) {
      return;
    }
    unlock_slow();
  }

  /// lock_shared: parks while a writer holds the lock or has announced itself (Go's RLock).
  WEFT_NO_TSAN void lock_shared(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::rw_rlock, this, where);
    std::uint64_t s = 0;
    if (!detail::header_fast_paths || ((s = state_.load(std::memory_order_relaxed)) & writer) ||
        !state_.compare_exchange_weak(s, s + reader, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      lock_shared_slow(where);
    }
    detail::hb_acquire(this);  // unlock -> later lock_shared
  }
  /// try_lock_shared: takes a read lock unless a writer holds the lock or has announced itself.
  bool try_lock_shared(weft::source_location where = weft::source_location::current());
  /// unlock_shared: releases one read lock ("sync: RUnlock of unlocked RWMutex" if none is
  /// held). The last reader out hands the lock to an announced writer.
  WEFT_NO_TSAN void unlock_shared(weft::source_location where = weft::source_location::current()) {
    detail::visible(op_kind::rw_runlock, this, where);
    detail::hb_release(runlock_sync());  // runlock -> next lock (merged over all readers)
    std::uint64_t s = 0;
    if (detail::header_fast_paths && !((s = state_.load(std::memory_order_relaxed)) & qlock) &&
        s >= reader && (s >= 2 * reader || !(s & pending)) &&
        state_.compare_exchange_weak(s, s - reader, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return;
    }
    unlock_shared_slow();
  }

 private:
  // State word: flag bits low, the number of readers holding the lock in the high half.
  static constexpr std::uint64_t qlock = 1,    // the wait lists / pending_ are being edited
      writer = 2,                              // a writer has its turn (holds or awaits readers)
      pending = 4,                             // ... and waits for readers to drain
      wwait = 8,                               // writers queue for their turn
      rwait = 16,                              // readers wait for the writer to unlock
      reader = std::uint64_t{1} << 32;
  void lock_slow(const weft::source_location& where);
  void unlock_slow();
  void lock_shared_slow(const weft::source_location& where);
  void unlock_shared_slow();
  /// runlock_sync: the sync address of the runlock -> lock edge (Go's writerSem annotation).
  const void* runlock_sync() const noexcept { return &pending_; }

  std::atomic<std::uint64_t> state_{0};
  detail::g* pending_ = nullptr;           // the announced writer; guarded by qlock
  detail::waiter* rq_head_ = nullptr;      // blocked readers, FIFO; guarded by qlock
  detail::waiter* rq_tail_ = nullptr;
  detail::waiter* wq_head_ = nullptr;      // writers awaiting their turn, FIFO; guarded by qlock
  detail::waiter* wq_tail_ = nullptr;
};

/// once: Go's sync.Once. call(f) runs f exactly once per object; every call returns only after
/// f has completed (concurrent callers park meanwhile). If f throws (a panic), the once still
/// counts as done: the exception leaves the call that ran f, later calls return at once.
class once {
 public:
  once() noexcept = default;
  once(const once&) = delete;
  once& operator=(const once&) = delete;

  /// call: runs f (a callable taking no arguments) if no call has run it yet; otherwise waits
  /// until the run in progress, if any, has finished. After completion it costs one acquire
  /// load. Goroutines only (a caller that must wait parks). f calling call() on the same once
  /// deadlocks, as in Go.
  template <class F>
  WEFT_NO_TSAN void call(F&& f, weft::source_location where = weft::source_location::current()) {
    static_assert(std::is_invocable_v<F&>, "weft::once::call needs a callable taking no arguments");
    detail::visible(op_kind::once_call, this, where);
    if (detail::header_fast_paths && (state_.load(std::memory_order_acquire) & done)) {
      detail::hb_acquire(this);  // f -> every call returns
      return;
    }
    using D = std::remove_reference_t<F>;
    call_slow([](void* p) { (*static_cast<D*>(p))(); },
              const_cast<void*>(static_cast<const void*>(std::addressof(f))), where);
  }

 private:
  static constexpr std::uint32_t qlock = 1, running = 2, done = 4;
  void call_slow(void (*fn)(void*), void* f, const weft::source_location& where);
  void finish() noexcept;
  std::atomic<std::uint32_t> state_{0};
  detail::waiter* head_ = nullptr;  // callers waiting for f; guarded by the qlock bit
};

/// cond: Go's sync.Cond over a weft::mutex. wait() unlocks the mutex and parks atomically (a
/// signal after the unlock is never lost), and relocks it before returning; signal() wakes the
/// longest-waiting goroutine, broadcast() all of them. There are no spurious wakeups, but as
/// in Go the condition must be rechecked in a loop: another goroutine may change it first.
class cond {
 public:
  explicit cond(mutex& mu) noexcept : mu_(&mu) {}
  cond(const cond&) = delete;
  cond& operator=(const cond&) = delete;

  /// wait: the caller must hold the mutex. Parks until a signal/broadcast that came after the
  /// call; returns with the mutex held, also when it exits by an exception after unlocking.
  /// Without the mutex held it panics ("sync: unlock of unlocked mutex"; Go: fatal error) and
  /// leaves the cond as if it had never been called. Goroutines only.
  void wait(weft::source_location where = weft::source_location::current());
  /// signal: wakes the goroutine that has waited longest, if any. Never blocks. The mutex need
  /// not be held.
  void signal(weft::source_location where = weft::source_location::current());
  /// broadcast: wakes every waiting goroutine. Never blocks.
  void broadcast(weft::source_location where = weft::source_location::current());
  /// locker: the mutex given at construction (Go's c.L).
  mutex& locker() const noexcept { return *mu_; }

 private:
  mutex* mu_;
  std::atomic<std::uint32_t> qlock_{0};  // spin lock over the wait list
  detail::waiter* head_ = nullptr;       // waiters in arrival order; guarded by qlock_
  detail::waiter* tail_ = nullptr;
};

}  // namespace weft
