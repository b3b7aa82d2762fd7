// runtime/src/core/rt_lock.hpp — the runtime's own blocking lock and condition variable.
//
// rt_mutex and rt_cond are built on atomics and raw futex system calls, in the runtime's
// uninstrumented code, so ThreadSanitizer never sees them: a goroutine that takes a scheduler
// lock (wakep's idle list, the global run queue, the timer heap, the g and stack pools) must not
// inherit, through it, the history of the goroutine that took it before (std::mutex goes through
// TSan's pthread interceptors, which would order the two). Everything TSan should know of the
// program's synchronisation is announced explicitly (hb_release / hb_acquire).
//
// rt_mutex: the classic three-state futex mutex (0 free, 1 locked, 2 locked with waiters).
// rt_cond: a sequence word; wait() reads it under the lock, unlocks, sleeps while it is
// unchanged, relocks. Wakeups may be spurious (callers re-check their condition, as with
// std::condition_variable).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace weft::detail {

namespace rt_futex {
/// wait: sleep while *w == val (returns at once if it differs), until a wake or spuriously.
inline void wait(std::atomic<std::uint32_t>* w, std::uint32_t val) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(w), FUTEX_WAIT_PRIVATE, val, nullptr,
          nullptr, 0);
}
/// wait_for: wait, for at most d; false when the timeout expired (the word may still be val).
inline bool wait_for(std::atomic<std::uint32_t>* w, std::uint32_t val,
                     std::chrono::nanoseconds d) noexcept {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(d.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(d.count() % 1000000000);
  long r = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(w), FUTEX_WAIT_PRIVATE, val, &ts,
                   nullptr, 0);
  return !(r == -1 && errno == ETIMEDOUT);
}
inline void wake(std::atomic<std::uint32_t>* w, int n) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(w), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr,
          0);
}
}  // namespace rt_futex

class rt_mutex {
 public:
  rt_mutex() = default;
  rt_mutex(const rt_mutex&) = delete;
  rt_mutex& operator=(const rt_mutex&) = delete;

  void lock() noexcept {
    std::uint32_t c = 0;
    if (s_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      return;
    }
    // Contended: mark "locked with waiters" and sleep until we take it in that state.
    if (c != 2) c = s_.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      rt_futex::wait(&s_, 2);
      c = s_.exchange(2, std::memory_order_acquire);
    }
  }
  bool try_lock() noexcept {
    std::uint32_t c = 0;
    return s_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    if (s_.exchange(0, std::memory_order_release) == 2) rt_futex::wake(&s_, 1);
  }

 private:
  std::atomic<std::uint32_t> s_{0};
};

class rt_cond {
 public:
  rt_cond() = default;
  rt_cond(const rt_cond&) = delete;
  rt_cond& operator=(const rt_cond&) = delete;

  void wait(std::unique_lock<rt_mutex>& lk) noexcept {
    std::uint32_t seq = seq_.load(std::memory_order_relaxed);
    lk.unlock();
    rt_futex::wait(&seq_, seq);
    lk.lock();
  }
  /// wait_for: returns after a notify, the timeout, or spuriously.
  void wait_for(std::unique_lock<rt_mutex>& lk, std::chrono::nanoseconds d) noexcept {
    if (d.count() <= 0) return;
    std::uint32_t seq = seq_.load(std::memory_order_relaxed);
    lk.unlock();
    rt_futex::wait_for(&seq_, seq, d);
    lk.lock();
  }
  void notify_one() noexcept {
    seq_.fetch_add(1, std::memory_order_relaxed);
    rt_futex::wake(&seq_, 1);
  }
  void notify_all() noexcept {
    seq_.fetch_add(1, std::memory_order_relaxed);
    rt_futex::wake(&seq_, 0x7fffffff);
  }

 private:
  std::atomic<std::uint32_t> seq_{0};
};

}  // namespace weft::detail
