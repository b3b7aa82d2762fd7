// weft/check/check.hpp — the deterministic explorer: run a body under many controlled
// interleavings, find deadlocks, leaked goroutines, WaitGroup misuse, panics, failed requires
// and livelocks, and print a token that replays the failing schedule exactly.
//
//   weft::check::options o;
//   o.strat = weft::check::strategy::pct;
//   o.executions = 1000;
//   auto r = weft::check::explore([] { ... goroutines, channels, mutexes ... }, o);
//   EXPECT_TRUE(r.ok()) << r.report();
//
// The body runs as goroutine 1 of each execution, on the calling thread, with every goroutine
// stopped at each visible operation (go, channel ops, select, locks, WaitGroup, atomics,
// timers...) so a strategy decides who runs next. Objects the goroutines share must be created
// inside the body: each execution starts from scratch.
//
// Environment overrides (so CI or a person can steer without recompiling):
//   WEFT_REPLAY=<token>   replay that schedule (only at the explore() call that printed it)
//   WEFT_STRATEGY=random|pct|dfs|dpor   WEFT_EXECUTIONS=N   WEFT_SEED=N
//   WEFT_PCT_DEPTH=d      WEFT_PREEMPTIONS=k (DFS bound)
//   WEFT_TRACE=<file>     write a failing execution as Chrome trace-event JSON (Perfetto)
#pragma once

#include <chrono>
#include <cstdint>
#include "weft/source_location.hpp"
#include <string>
#include <string_view>

#include "weft/check/shared.hpp"
#include "weft/policy.hpp"

namespace weft::check {

enum class strategy { random, pct, dfs, dpor };
const char* to_string(strategy) noexcept;

/// timer_mode: explore (default) lets the earliest pending timer fire early at any scheduling
/// point, as a choice of the strategy; strict fires timers only when every goroutine is
/// blocked (Go's testing/synctest order).
enum class timer_mode { explore, strict };

enum class failure {
  none,
  deadlock,        // no goroutine can run and main has not returned
  leak,            // the body returned while goroutines are blocked forever
  panic,           // an exception escaped a goroutine
  race,            // a data race (happens-before detector or TSan)
  assertion,       // a failed weft::check::require
  step_limit,      // more than max_steps visible operations: a livelock, or a very long test
  nondeterminism,  // a replay whose program behaved differently from the recorded schedule
  bad_token,       // a replay token that does not parse
  dangling,        // an operation on an object that lived on a goroutine stack that has
                   // returned (in C++ the body's locals die with it; in Go they would not)
};
const char* to_string(failure) noexcept;

struct options {
  strategy strat = strategy::random;
  /// executions: an upper bound; DFS (and DPOR) stop earlier when the space is exhausted.
  std::uint64_t executions = 1000;
  /// time_budget: stop starting new executions after this long (0 = no limit).
  std::chrono::nanoseconds time_budget{0};
  std::uint64_t seed = 0x5eed;
  /// pct_depth: PCT's bug depth d (d-1 priority change points).
  int pct_depth = 3;
  /// preemption_bound: DFS/DPOR explore only schedules with at most this many preemptions
  /// (-1 = unbounded).
  int preemption_bound = -1;
  /// max_steps: visible operations per execution before it is called a livelock.
  std::uint64_t max_steps = 100000;
  /// leaks_are_bugs: report goroutines still blocked when the body returns.
  bool leaks_are_bugs = true;
  timer_mode timers = timer_mode::explore;
  /// shrink: after random or PCT finds a failure, look for a simpler schedule that fails the
  /// same way (shorter, fewer preemptions) and report that one instead.
  bool shrink = true;
  /// stack_size: per goroutine, as weft::config::stack_size.
  std::size_t stack_size = 256 * 1024;
};

struct result {
  failure kind = failure::none;
  std::string message;        // one line: what failed
  std::string token;          // the replay token of the failing execution ("" when ok)
  std::uint64_t executions = 0;  // complete executions run
  std::uint64_t redundant = 0;   // DPOR: executions cut short by sleep sets (not counted above)
  /// exhausted: DFS/DPOR explored the whole space (every schedule within the bound).
  bool exhausted = false;
  /// estimated_total: DFS/DPOR stopped by the budget: estimated size of the whole space
  /// (0 when exhausted or not enumerating).
  double estimated_total = 0;
  std::chrono::nanoseconds elapsed{0};
  std::string report_text;    // the full report (empty when ok)
  std::string trace;          // every step of the failing execution, one line each

  bool ok() const noexcept { return kind == failure::none; }
  /// report: the full failure report (what, where, every goroutine, the last steps and the
  /// line that reproduces it), or a one-line summary when ok.
  std::string report() const;
};

namespace detail {

struct body_ref {
  void* obj;
  void (*call)(void*);
};

result explore_impl(body_ref body, options o, weft::source_location where,
                    std::string test_name);
result replay_impl(body_ref body, std::string_view token, options o, weft::source_location where,
                   std::string test_name);

/// current_test_name: "Suite.Name" of the running GoogleTest test when gtest is in use.
inline std::string current_test_name() {
#if defined(GOOGLETEST_INCLUDE_GTEST_GTEST_H_) || defined(GTEST_INCLUDE_GTEST_GTEST_H_)
  if (const auto* ti = ::testing::UnitTest::GetInstance()->current_test_info()) {
    return std::string(ti->test_suite_name()) + "." + ti->name();
  }
#endif
  return {};
}

template <class F>
body_ref make_ref(F& body) {
  return body_ref{static_cast<void*>(&body), [](void* p) { (*static_cast<F*>(p))(); }};
}

}  // namespace detail

/// explore: run `body` under up to o.executions controlled interleavings; stops at the first
/// failure. Must not be called from inside weft::run or another explore.
template <class F>
result explore(F&& body, options o = {},
               weft::source_location where = weft::source_location::current()) {
  auto fn = [&body] { body(); };
  return detail::explore_impl(detail::make_ref(fn), o, where, detail::current_test_name());
}

/// replay: run `body` once under the schedule recorded in `token`. A token that does not parse
/// gives failure::bad_token; a program that does not follow the schedule gives
/// failure::nondeterminism naming the step where it diverged.
template <class F>
result replay(F&& body, std::string_view token, options o = {},
              weft::source_location where = weft::source_location::current()) {
  auto fn = [&body] { body(); };
  return detail::replay_impl(detail::make_ref(fn), token, o, where, detail::current_test_name());
}

/// require: fails the current execution with `what` (failure::assertion) when cond is false,
/// and ends the calling goroutine. Outside an explored execution it throws
/// std::logic_error(what).
void require(bool cond, std::string_view what,
             weft::source_location where = weft::source_location::current());

}  // namespace weft::check
