// weft/detail/core.hpp — the core every primitive and every policy is written on:
// park/ready, spawning, the one place that switches fibers, and the goroutine registry.
//
// Who may call what:
//  - goroutine side (on a goroutine's own stack): current(), visible(), park(), yield_now(),
//    spawn_g()/start_g(), ready().
//  - scheduler side (a policy's loop, on a thread's own stack, never on a goroutine stack):
//    resume(), free_g(), set_current().
//  - anywhere: ready() (a g in status waiting), for_each_g().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include "weft/source_location.hpp"
#include <string>

#include "weft/detail/g.hpp"
#include "weft/policy.hpp"

namespace weft::detail {

/// active_policy: the running policy (set by weft::run / the explorer for the run's duration).
extern policy* active_policy;
/// controlled: cached active_policy->controlled(), read on every visible op.
extern bool controlled;
/// nprocs: worker threads of the current run (1 under the explorer); spinning needs >1.
extern int nprocs;

/// tracks_hb: cached active_policy->tracks_hb().
extern bool tracks_hb;

/// current: the goroutine running on this thread, or nullptr on a scheduler stack.
/// Never inlined: a goroutine may resume on another thread, so the thread-local address must be
/// recomputed after every switch.
g* current() noexcept;
void set_current(g* gp) noexcept;

/// visible: announce a visible operation to a controlled policy (a scheduling point).
inline void visible(op_kind k, const void* obj, const weft::source_location& where,
                    std::int64_t arg = 0) {
  if (controlled) active_policy->before(op{k, obj, where, arg});
}

// ---- ThreadSanitizer (builds with -DWEFT_SANITIZE=thread, macro WEFT_TSAN) ---------------
//
// The user's code is instrumented, weft's libraries are not; TSan learns the Go memory model's
// edges only from the annotations below, never from the runtime's own synchronisation:
//  - tsan_release / tsan_acquire (through hb_release / hb_acquire): one edge on a sync address.
//  - quiet sections: out-of-line runtime code reachable from a goroutine runs with TSan ignoring
//    its memory accesses (the allocator, memcpy, and user move constructors the runtime runs on
//    channel elements). A scheduler context (worker, timer thread, the explorer's loop) is quiet
//    for its whole life. The runtime's own synchronisation needs no hiding: its locks are
//    futex-based and its atomics uninstrumented (core/rt_lock.hpp), so TSan never sees them.
//    The depth is per goroutine (saved and restored by the fiber switch).
//  - WEFT_TSAN_LOUD: user code that the runtime calls on a goroutine (once's function) is
//    watched again for its duration.
// Header fast paths whose std::atomic orderings are the runtime's, not the program's (a
// mutex's state word), carry WEFT_NO_TSAN so TSan does not take them for synchronisation.
#if defined(WEFT_TSAN)
void tsan_release(const void* addr) noexcept;
void tsan_acquire(const void* addr) noexcept;
/// tsan_acquire_release: tsan_acquire(word) then tsan_release(word) as one TSan operation (an
/// acq_rel fetch_add of 0 on *word, which must be an atomic the runtime owns).
void tsan_acquire_release(std::atomic<std::uint32_t>* word) noexcept;
/// tsan_acquire_release_byte: the same on the byte at p (a one-byte atomic add of 0), for sync
/// addresses that are memory only the runtime touches, under the lock that guards it (a
/// channel's buffer slot).
void tsan_acquire_release_byte(void* p) noexcept;
void tsan_quiet_begin() noexcept;
void tsan_quiet_end() noexcept;
/// tsan_access: an 8-byte read or write of addr as TSan sees it, at code address pc: how a
/// primitive models a misuse as a race (Go's race.Read/race.Write in its sync package).
void tsan_access(const void* addr, bool write, const void* pc) noexcept;
/// tsan_loud_begin: leave the quiet state entirely; returns the depth tsan_loud_end restores.
int tsan_loud_begin() noexcept;
void tsan_loud_end(int depth) noexcept;
struct tsan_quiet_scope {
  tsan_quiet_scope() noexcept { tsan_quiet_begin(); }
  ~tsan_quiet_scope() { tsan_quiet_end(); }
  tsan_quiet_scope(const tsan_quiet_scope&) = delete;
  tsan_quiet_scope& operator=(const tsan_quiet_scope&) = delete;
};
struct tsan_loud_scope {
  int depth;
  tsan_loud_scope() noexcept : depth(tsan_loud_begin()) {}
  ~tsan_loud_scope() { tsan_loud_end(depth); }
  tsan_loud_scope(const tsan_loud_scope&) = delete;
  tsan_loud_scope& operator=(const tsan_loud_scope&) = delete;
};
#define WEFT_TSAN_QUIET() ::weft::detail::tsan_quiet_scope weft_tsan_quiet_scope_
#define WEFT_TSAN_LOUD() ::weft::detail::tsan_loud_scope weft_tsan_loud_scope_
// clang's no_sanitize("thread") still instruments atomics (as synchronisation); clang 14's
// disable_sanitizer_instrumentation leaves the function wholly alone, as GCC's attribute does.
#if defined(__clang__) && __has_attribute(disable_sanitizer_instrumentation)
#define WEFT_NO_TSAN __attribute__((disable_sanitizer_instrumentation))
#else
#define WEFT_NO_TSAN __attribute__((no_sanitize("thread")))
#endif
/// header_fast_paths: false under TSan, where the mutexes' inline fast paths go straight to
/// their out-of-line (uninstrumented) slow paths, which handle the uncontended case too: clang
/// instruments the atomics of std::atomic's own inline members even when called from a
/// WEFT_NO_TSAN function, and an unlock's CAS after its release edge would then race with a
/// goroutine that frees the mutex once it holds it.
inline constexpr bool header_fast_paths = false;
#else
#define WEFT_TSAN_QUIET() static_cast<void>(0)
#define WEFT_TSAN_LOUD() static_cast<void>(0)
#define WEFT_NO_TSAN
inline constexpr bool header_fast_paths = true;
#endif

/// hb_release / hb_acquire: announce a happens-before edge of the Go memory model on a sync
/// address (see policy::hb_release). Every primitive calls these exactly where Go's race
/// detector annotates its own sync points; they reach the checker's vector clocks and, in a
/// ThreadSanitizer build, TSan. Nearly free otherwise.
inline void hb_release(const void* addr) noexcept {
#if defined(WEFT_TSAN)
  tsan_release(addr);
#endif
  if (tracks_hb) active_policy->hb_release(addr);
}
inline void hb_acquire(const void* addr) noexcept {
#if defined(WEFT_TSAN)
  tsan_acquire(addr);
#endif
  if (tracks_hb) active_policy->hb_acquire(addr);
}

/// fatal: an internal invariant is broken, or the program must die like Go's throw():
/// prints "fatal error: <msg>" (plus a goroutine dump when dump is true) and exits 2.
[[noreturn]] void fatal(const char* msg, bool dump = false) noexcept;

/// panic: throw weft::panic_error(msg) (the user-misuse path, recoverable by catching).
[[noreturn]] void panic(const char* msg);

// ---- goroutine side ----------------------------------------------------------------------

/// park: block the current goroutine. After it is off its stack, the scheduler marks it waiting
/// and calls unlockf(arg) (typically releasing the primitive's lock); if unlockf returns false
/// the park is abandoned and the goroutine is runnable again. Returns once someone ready()s it.
/// Precondition: called on a goroutine stack; the caller has published itself where a waker
/// will find it, under a lock that unlockf releases.
void park(wait_reason r, const void* obj, const weft::source_location& where,
          bool (*unlockf)(void*), void* arg);

/// yield_now: the current goroutine stays runnable and lets others run (runtime.Gosched).
void yield_now();

/// ready: gp (status waiting) becomes runnable and is handed to the policy. Calling it on a g
/// that is not waiting is fatal ("ready of a goroutine that is not waiting").
void ready(g* gp) noexcept;

/// alloc_g: a fresh g whose closure storage (size/align bytes: inside the g when small, on the
/// heap otherwise) is at gp->closure. The caller constructs the callable there, sets
/// invoke/destroy and calls start_g. The g gets its stack when it first runs.
g* alloc_g(std::size_t closure_size, std::size_t closure_align);
/// start_g: gp becomes runnable; spawned() and ready() are reported to the policy.
void start_g(g* gp, const weft::source_location& created);

// ---- scheduler side ----------------------------------------------------------------------

enum class resume_result : std::uint8_t { yielded, parked, exited };

/// resume: run gp (status runnable) on this thread until it yields, parks or exits.
/// After `parked`, the caller must not touch gp: it may already run elsewhere.
/// After `exited`, the caller owns gp and must free_g it (or keep it for a report first).
resume_result resume(g* gp) noexcept;

/// discard_g: drop a g that never ran: destroy its callable and free it.
void discard_g(g* gp) noexcept;
/// free_g: return an exited or abandoned g (and its stack) to the allocator.
void free_g(g* gp) noexcept;

/// trim_stack_cache: give back the pages of free goroutine stacks beyond the cache's keep limit
/// (the least recently used). Slow (one madvise each): for idle workers and the end of a run.
/// Returns how many stacks were released.
std::size_t trim_stack_cache() noexcept;
/// stack_cache_has_excess: whether trim_stack_cache would release anything (cheap hint).
bool stack_cache_has_excess() noexcept;

/// scheduler_thread_init/fini: once per OS thread that runs a policy loop (installs the
/// alternate signal stack that reports stack overflows, and sanitizer fiber state).
void scheduler_thread_init() noexcept;
void scheduler_thread_fini() noexcept;

/// stack_size: the stack size for new goroutines (config.stack_size, rounded to pages).
void set_stack_size(std::size_t bytes) noexcept;

// ---- registry ----------------------------------------------------------------------------

/// for_each_g: visit every g ever allocated (idle ones included). Not synchronised with
/// running goroutines: meant for dumps when the world is stopped or dying.
void for_each_g(void (*fn)(g*, void*), void* arg) noexcept;
/// next_goid: a fresh goroutine id (1 for the first goroutine of a run).
std::uint64_t next_goid() noexcept;
void reset_goids() noexcept;

/// dump_goroutines: Go-style dump of every live goroutine to fd (2 = stderr).
void dump_goroutines(int fd, const g* running = nullptr) noexcept;
/// abandon_all: after a run, return every g that is still runnable or waiting to the
/// allocator without unwinding it (Go ends the program; a library returns instead).
void abandon_all() noexcept;

/// sched_factory: builds the policy named by WEFT_SCHED (e.g. "random:42"); set by the
/// checker library when it is linked in. On failure returns nullptr and explains in *err.
using policy_factory = std::unique_ptr<policy> (*)(const char* spec, std::string* err);
extern policy_factory sched_factory;

}  // namespace weft::detail
