// runtime/src/core/tsan.hpp — the core's ThreadSanitizer hooks (builds with WEFT_TSAN only).
//
// The fiber switch (core.cpp) calls these at the few points where TSan must hear about
// goroutines; everything else about TSan (quiet sections, the edges) is in weft/detail/core.hpp.
// What TSan is told, and why (see also docs/tsan.md):
//  - every goroutine is a TSan fiber named "goroutine N", made when it first runs and switched
//    to with __tsan_switch_to_fiber_no_sync: a switch orders nothing;
//  - go -> child start: the parent release-stores its history on the child's g, the child
//    acquires it when it starts (a store, so a recycled g passes on nothing older);
//  - the previous users of a stack -> its next user: stack memory is the one thing goroutines
//    share without the program synchronising, so whoever used a stack released on it when it
//    was done and the next goroutine to get the stack acquires that. To keep this edge away
//    from the program's own goroutines, a freed stack waits in a per-thread FIFO quarantine
//    (tsan_stack_quarantine stacks) before it is reused: goroutines fewer than that many exits
//    apart never share a stack;
//  - every goroutine of a run -> the end of the run (weft::run returning, the explorer's next
//    execution): a finished or abandoned goroutine releases on one run-wide address when its
//    g is freed, and abandon_all acquires it;
//  - a scheduler context is quiet for as long as it schedules, so that its mutexes, fiber and
//    thread creations carry nobody's history.
#pragma once

#if defined(WEFT_TSAN)

#include <cstddef>

#include "weft/detail/g.hpp"

namespace weft::detail {

/// tsan_stack_reset: bytes at the top of a freed stack whose TSan state is reset.
inline constexpr std::ptrdiff_t tsan_stack_reset = 16 * 1024;
/// tsan_stack_quarantine: freed stacks each thread holds back before reusing them.
inline constexpr std::size_t tsan_stack_quarantine = 64;

/// tsan_enter: scheduler side, just before jumping to gp: make gp's fiber if it is new (named
/// "goroutine N"), switch TSan to it (no sync) and install gp's quiet depth. Returns the
/// scheduler's depth, for tsan_return.
int tsan_enter(g* gp) noexcept;
/// tsan_return: scheduler side, just after gp switched back: restore the scheduler's depth.
void tsan_return(int sched_depth) noexcept;
/// tsan_leave: goroutine side, just before jumping to the scheduler: save gp's quiet depth and
/// switch TSan to the scheduler's fiber (no sync).
void tsan_leave(g* gp) noexcept;
/// tsan_started: in the goroutine, first thing: acquire go -> start and the stack's history.
void tsan_started(g* gp) noexcept;
/// tsan_spawned: in the parent (or on the scheduler side for a timer's goroutine): go -> start.
void tsan_spawned(g* gp) noexcept;
/// tsan_retire: scheduler side, when gp (exited or abandoned) is freed: on gp's behalf,
/// release its history on its stack and on the run-wide address, then destroy its fiber.
void tsan_retire(g* gp) noexcept;
/// tsan_run_ended: the caller (end of weft::run, end of an explored execution) happens after
/// every goroutine retired so far.
void tsan_run_ended() noexcept;
/// tsan_quarantine: s was just freed; returns true and a stack that has served its quarantine
/// in *out (to be cached for reuse), or false when s was only queued.
bool tsan_quarantine(const stack& s, stack* out) noexcept;
/// tsan_drop_fiber: s is about to be unmapped: destroy the fiber that came with it.
void tsan_drop_fiber(stack& s) noexcept;
/// stack_unquarantined: core.cpp: hand s to the shared pool (a quarantine being flushed).
void stack_unquarantined(const stack& s) noexcept;
/// tsan_sched_init: this thread's own TSan context (for scheduler_thread_init).
void tsan_sched_init() noexcept;

}  // namespace weft::detail

#endif  // WEFT_TSAN
