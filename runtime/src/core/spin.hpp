// runtime/src/core/spin.hpp — bounded spinning for the runtime's short internal critical sections.
//
// Primitive queue locks are held only between a goroutine publishing itself and its park commit
// (a fiber switch), or for a few list operations by a waker. Spinning briefly is cheaper than a
// futex round trip (~5-20 us on a VM); after a while we yield the OS thread so a descheduled
// holder can run. Under the deterministic policy these locks never contend.
#pragma once

#include <sched.h>

namespace weft::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

struct backoff {
  unsigned n = 0;
  void pause() noexcept {
    if (n < 10) {
      for (unsigned i = 0; i < (1u << n); i++) cpu_relax();
    } else {
      sched_yield();
    }
    n++;
  }
};

}  // namespace weft::detail
