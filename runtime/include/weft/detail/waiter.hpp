// weft/detail/waiter.hpp — a parked goroutine's entry in a primitive's wait list (Go's sudog).
// It lives on the waiting goroutine's own stack, which stays put until the waker ready()s it:
// a waker must read everything it needs from the waiter *before* calling ready().
#pragma once

#include <cstdint>

#include "weft/detail/g.hpp"

namespace weft::detail {

struct waiter {
  g* gp = nullptr;
  waiter* next = nullptr;
  waiter* prev = nullptr;
  void* elem = nullptr;           // channel element to copy from/to
  std::uintptr_t data = 0;        // primitive-specific (select case index, rw kind, ...)
  bool success = false;           // the waker completed the operation for us
  bool handoff = false;           // mutex starvation mode: the lock was handed to us
  std::int64_t since_ns = 0;      // when the wait began (policy time), for starvation
};

}  // namespace weft::detail
