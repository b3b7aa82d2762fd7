// checker/src/engine/engine.hpp — the deterministic policy: every goroutine of an execution on
// one OS thread, each stopped at every visible operation, an oracle deciding who goes next.
//
// Vocabulary: a *step* is one visible operation and everything its goroutine does until its
// next one; a *choice* is a decision with more than one option (which goroutine steps next,
// which select case, whether a timer fires early). Choices are recorded as (n, value) pairs;
// replaying the same pairs against the same program gives the same execution.
//
// Invariants:
//  - Exactly one goroutine runs at a time, and only the engine's loop or a goroutine inside
//    before() decides who runs next (before() may keep running its own goroutine without a
//    fiber switch when the oracle picks it).
//  - runnable_ holds exactly the goroutines in status runnable; a goroutine stopped in before()
//    is runnable with its pending op recorded in gstate.
//  - Virtual time moves only when a timer fires: when every goroutine is blocked (synctest) or,
//    in timer_mode::explore, when the oracle picks the timer option.
//
// Single-threaded: no locks. Not reentrant: one execution at a time per process.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/trace.hpp"
#include "hb/race.hpp"
#include "strategy/oracle.hpp"
#include "weft/check/check.hpp"
#include "weft/detail/core.hpp"
#include "weft/detail/timer.hpp"
#include "weft/policy.hpp"

namespace weft::check::detail {

using weft::detail::g;

/// assertion_signal: thrown by require() after it recorded the failure.
struct assertion_signal {};

struct gstate {
  g* gp = nullptr;
  std::uint64_t parent = 0;
  weft::source_location created{};
  std::uint64_t created_step = 0;
  bool started = false;
  bool exited = false;
  bool has_pending = false;
  bool woken = false;                 // parked, then readied: its next event is a continuation
  std::uint32_t cause = UINT32_MAX;   // the event that spawned or woke it
  op pending{op_kind::yield, nullptr, {}, 0};
  op park_op{op_kind::yield, nullptr, {}, 0};   // the op it parked in
  weft::detail::wait_reason park_reason = weft::detail::wait_reason::none;
};

struct goroutine_snapshot {
  std::uint64_t id;
  std::string state;   // "runnable", or the wait reason
  const void* object;
  weft::source_location created;
  std::uint64_t parent;
  weft::source_location at;  // where it blocked / its pending op
  op_kind pending_kind;
  bool has_pending;
  int wg_count = -1;   // when blocked on a wait_group: its counter
};

class engine final : public weft::policy {
 public:
  explicit engine(const options& o);

  /// execute: one execution of `main_fn` (already-made g, status idle) under `orc`.
  void execute(g* main, const weft::source_location& where, oracle* orc);

  // policy
  int run(g* main) override;
  void ready(g* gp) noexcept override;
  void before(const op& o) override;
  std::uint64_t choose(std::uint64_t n) override;
  time_point now() noexcept override { return clock_; }
  void add_timer(weft::detail::timer_node* t) override {
    WEFT_TSAN_QUIET();
    timers_.push(t);
  }
  bool del_timer(weft::detail::timer_node* t) override {
    WEFT_TSAN_QUIET();
    return timers_.remove(t);
  }
  void on_panic(g* gp, std::exception_ptr e) override;
  void spawned(g* parent, g* child) noexcept override;
  void hb_release(const void* addr) noexcept override;
  void hb_acquire(const void* addr) noexcept override;

  /// shared_created: a shared<T> was constructed (its creation site, for race reports).
  void shared_created(const void* var, const weft::source_location& where);
  /// redundant: the last execution was cut short because every runnable goroutine was in the
  /// DPOR sleep set (it repeats an explored trace); it does not count as an execution.
  bool redundant() const noexcept { return redundant_; }
  const trace& events() const noexcept { return tr_; }

  // outcome of the last execution
  failure kind() const noexcept { return fail_; }
  const std::string& message() const noexcept { return msg_; }
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& choices() const noexcept {
    return choices_;
  }
  std::uint64_t steps() const noexcept { return nsteps_; }
  /// preemptions: switches away from a goroutine that could have gone on, this execution.
  std::uint32_t preemptions() const noexcept { return preemptions_; }
  /// describe: the report body (goroutines, wait groups, last steps) of the last execution.
  std::string describe() const;
  /// trace_text: every event of the last execution, one line each.
  std::string trace_text() const;
  /// chrome_trace: the last execution as Chrome trace-event JSON (for WEFT_TRACE).
  std::string chrome_trace() const;

  /// fail: record the execution's failure (the first one wins).
  void fail(failure k, std::string msg, std::uint64_t goid = 0);
  /// on_program_failure: WEFT_SCHED mode: print the failure like Go and exit.
  std::function<void(const engine&)> on_program_failure;
  /// stop_at_main_exit: WEFT_SCHED mode: like Go, the program ends when main returns.
  bool stop_at_main_exit = false;
  /// prepare: reset and install as the active policy (WEFT_SCHED mode, before weft::run
  /// starts main); execute() does this itself.
  void reset(oracle* orc);
  void install();
  void uninstall();
  const options& opts() const noexcept { return opt_; }

 private:
  gstate& st(const g* gp) { return gs_[gp->id]; }
  /// decide: pick the next goroutine (self: the running one, offered as option 0), or nullptr
  /// when the timer option was taken.
  g* decide(g* self, std::uint64_t prefer);
  void fire_timers();
  /// any_alive: some goroutine of this execution has not exited (a timer may still wake it).
  bool any_alive() const;
  void loop();
  void judge();
  void snapshot();
  void cleanup();
  std::uint32_t begin_event(std::uint64_t goid, ek kind, const op& o);
  event next_event(const g* gp);
  /// stop_here: park the running goroutine for good (its execution has failed).
  [[noreturn]] void stop_here(g* self, const op& o);
  /// absorb_tsan_report: a ThreadSanitizer report that a goroutine of this execution ran into
  /// (captured by the checker's TSan hook, tsan_report.cpp) fails the execution as a race.
  void absorb_tsan_report();

  options opt_;
  oracle* orc_ = nullptr;
  std::vector<g*> runnable_;
  std::vector<gstate> gs_;      // indexed by goroutine id
  trace tr_;
  hb_tracker hb_;
  std::unordered_map<const void*, weft::source_location> created_;
  std::unordered_map<const void*, std::uint32_t> obj_ids_;  // canonical object numbers
  std::uint32_t obj_id(const void* p);
  std::int32_t pending_node_ = -1;     // the choice that picked the next event
  std::uint32_t cur_ev_ = UINT32_MAX;  // the event running now
  bool redundant_ = false;
  std::optional<race_info> race_;
  std::string tsan_details_;  // the ThreadSanitizer report that failed this execution
  /// dead_: stacks of goroutines that returned in this execution and were not reused yet
  /// (low end -> high end, goroutine id): an object there belonged to a dead frame.
  std::map<const char*, std::pair<const char*, std::uint64_t>> dead_;
  /// dead_owner: the goroutine on whose dead stack `p` lies, or 0.
  std::uint64_t dead_owner(const void* p) const;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> choices_;
  std::vector<std::uint64_t> opt_ids_;
  std::vector<g*> opt_gs_;
  weft::detail::timer_heap timers_;
  time_point clock_{};
  std::uint64_t nsteps_ = 0;
  std::uint32_t preemptions_ = 0;
  std::uint64_t idle_fires_ = 0;  // timer jumps since a goroutine last ran (livelock guard)
  std::uint64_t last_runner_ = 0;
  g* next_ = nullptr;           // chosen inside before(): run it next
  bool fire_next_ = false;      // the timer option was chosen inside before()
  bool main_exited_ = false;
  failure fail_ = failure::none;
  std::string msg_;
  std::uint64_t fail_goid_ = 0;
  std::vector<goroutine_snapshot> snap_;
};

/// resolve_options: apply WEFT_STRATEGY / WEFT_EXECUTIONS / WEFT_SEED / WEFT_PCT_DEPTH /
/// WEFT_PREEMPTIONS to o. A malformed value is reported on stderr and ignored.
void resolve_options(options& o);

}  // namespace weft::check::detail
