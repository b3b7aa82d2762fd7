// weft/detail/g.hpp — the goroutine record (G) and its state machine.
//
// A g is owned by exactly one party at a time, named by its status:
//
//   status     | owner                         | stack
//   -----------|-------------------------------|-------------------------------------------
//   idle       | the allocator (free list)     | kept for reuse, not running
//   runnable   | a run queue of the policy     | not owned by any thread
//   running    | the thread executing it       | in use by that thread
//   waiting    | the primitive it waits on     | suspended; the waker calls ready()
//   dead       | the scheduler that saw it exit| about to return to the free list
//
// Transitions happen only through detail::cas_status / set_status (core.hpp), which assert the
// old state: running -> waiting happens on the scheduler side after the fiber switch, so a
// waker can never see a waiting g that is still on its stack.
//
// This header is public only so that policies outside the runtime (the checker) can schedule
// goroutines; user code never touches a g.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include "weft/source_location.hpp"

namespace weft::detail {

enum class gstatus : std::uint8_t { idle, runnable, running, waiting, dead };
const char* to_string(gstatus) noexcept;

/// wait_reason: why a waiting g waits. Each has a unique Go-style string (to_string).
enum class wait_reason : std::uint8_t {
  none,
  chan_receive, chan_send, chan_receive_nil, chan_send_nil,
  select, select_no_cases,
  mutex_lock, rw_lock, rw_rlock,
  wait_group_wait, cond_wait, once_do,
  sleep, timer_wait,
  yield,        // controlled policies: stopped at a scheduling point, not blocked
  stopped,      // controlled policies: halted for good because its execution failed
};
const char* to_string(wait_reason) noexcept;

/// switch_reason: why a goroutine handed control back to its scheduler.
enum class switch_reason : std::uint8_t { none, yield, park, exit };

/// stack: one goroutine stack. [lo, hi) is usable; a guard page (when guarded) sits below lo.
struct stack {
  void* map = nullptr;          // start of the mapping (guard page included)
  std::size_t map_size = 0;
  char* lo = nullptr;
  char* hi = nullptr;
  bool guarded = false;
  // ThreadSanitizer builds: the TSan fiber that comes with this stack (one per stack, reused by
  // the stack's successive goroutines; see runtime/src/core/tsan.hpp). nullptr otherwise.
  void* tsan_fiber = nullptr;
  // How many goroutines that fiber has run (its name says so: see core/tsan.cpp).
  std::uint64_t tsan_fiber_runs = 0;
};

struct g {
  std::uint64_t id = 0;
  std::atomic<gstatus> status{gstatus::idle};

  // Set by the goroutine itself just before it switches to its scheduler.
  switch_reason why = switch_reason::none;
  bool (*unlockf)(void*) = nullptr;   // park commit: runs on the scheduler side after the switch
  void* unlock_arg = nullptr;

  // Diagnostics (written by the goroutine before it parks; read by dumps and reports).
  wait_reason reason = wait_reason::none;
  const void* wait_object = nullptr;
  weft::source_location blocked_at{};
  weft::source_location created_at{};
  std::uint64_t parent_id = 0;

  // Fiber.
  void* ctx = nullptr;                // suspended context (fcontext_t)
  stack stk{};
  void (*invoke)(void*) = nullptr;    // runs the user's callable stored at `closure`
  void (*destroy)(void*) = nullptr;
  void* closure = nullptr;            // closure_buf, or the heap for large callables
  std::size_t closure_align = 0;      // set when the closure is on the heap
  // A goroutine gets its stack when it first runs (ctx == nullptr until then), so goroutines
  // spawned in a burst and not yet started cost no stack: their callable waits here.
  alignas(16) unsigned char closure_buf[64];

  // Links: intrusive, owned by whichever queue/list holds the g.
  g* link = nullptr;
  g* all_next = nullptr;              // allgs list, append-only

  // The scheduler context this g returns to, and the policy's per-g data.
  void* sched_ctx = nullptr;
  void* m = nullptr;
  std::uintptr_t policy_data[4] = {0, 0, 0, 0};

  // select: the first waker to CAS this from 0 wins the goroutine.
  std::atomic<std::uint32_t> select_done{0};
  // Whatever the waker hands the parked goroutine (e.g. "channel was closed").
  std::uintptr_t park_result = 0;

  bool is_main = false;

  // Sanitizer fiber handles (unused in plain builds).
  void* tsan_fiber = nullptr;
  void* asan_fake_stack = nullptr;
  // ThreadSanitizer: the goroutine's quiet-section depth while it is switched out; the sync
  // word of its start edge (go -> start); whether it returned normally (its fiber may then be
  // reused: TSan's view of its call stack is balanced).
  int tsan_quiet = 0;
  std::uint64_t tsan_sync = 0;
  bool tsan_returned = false;
  // ThreadSanitizer: goroutines its fiber ran before it (0: a fiber of its own).
  std::uint64_t tsan_fiber_before = 0;
};

}  // namespace weft::detail
