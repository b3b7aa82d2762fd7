// tests/time_explore_test.cpp — time and contexts under the deterministic explorer: virtual time
// (an hour's sleep in microseconds, clocks advanced by exactly the sleeps, deadline order),
// timeouts racing slow work (both outcomes in timer_mode::explore, only the synctest one in
// strict mode), contexts with timeouts, the after_func happens-before edge, DPOR over context
// cancellation, the end of an execution with timers still pending, and replay of a failing
// timer schedule.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
namespace check = weft::check;

namespace {

check::options opts(check::strategy s, check::timer_mode m, std::uint64_t executions) {
  check::options o;
  o.strat = s;
  o.timers = m;
  o.executions = executions;
  return o;
}

TEST(VirtualTime, AnHourOfSleepTakesMicroseconds) {
  weft::duration slept{};
  auto wall0 = std::chrono::steady_clock::now();
  auto r = check::explore([&] {
    weft::time_point t0 = weft::now();
    weft::sleep(1h);
    slept = weft::now() - t0;
  }, opts(check::strategy::random, check::timer_mode::explore, 50));
  auto wall = std::chrono::steady_clock::now() - wall0;
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 50u);
  EXPECT_EQ(slept, 1h);  // exactly: virtual time jumps to the deadline
  EXPECT_LT(wall, 2s);   // 50 executions of an hour each
}

TEST(VirtualTime, SleepersWakeInDeadlineOrderAndTheClockMovesByExactlyTheSleeps) {
  // strict (synctest) mode, every interleaving: the 1s sleeper runs and reports before time
  // moves on to the 2s one, each sees the clock at exactly its deadline.
  auto body = [] {
    weft::time_point t0 = weft::now();
    weft::chan<int> woke(2);
    weft::go([woke, t0] {
      weft::sleep(2s);
      check::require(weft::now() - t0 == 2s, "the 2s sleeper wakes at t0+2s");
      woke.send(2);
    });
    weft::go([woke, t0] {
      weft::sleep(1s);
      check::require(weft::now() - t0 == 1s, "the 1s sleeper wakes at t0+1s");
      woke.send(1);
    });
    check::require(woke.recv() == 1, "deadline order");
    check::require(woke.recv() == 2, "deadline order");
    check::require(weft::now() - t0 == 2s, "the clock moved by exactly the longest sleep");
  };
  auto r = check::explore(body, opts(check::strategy::dfs, check::timer_mode::strict, 100000));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  EXPECT_GT(r.executions, 1u);
}

TEST(VirtualTime, EarlyFiringNeverWakesASleeperEarly) {
  // explore mode: timers may fire at any scheduling point, always the earliest first, the
  // clock jumping to its deadline. A sleeper may start late (after time moved on), and run late
  // after its wakeup, but never wakes early; the clock ends at the last deadline, which is at
  // most the sum of the sleeps.
  auto body = [] {
    weft::time_point t0 = weft::now();
    weft::chan<int> woke(2);
    for (int s : {2, 1}) {
      weft::go([woke, s] {
        weft::time_point a = weft::now();
        weft::sleep(std::chrono::seconds(s));
        check::require(weft::now() - a >= std::chrono::seconds(s), "woke no earlier than asked");
        woke.send(s);
      });
    }
    woke.recv();
    woke.recv();
    weft::duration total = weft::now() - t0;
    check::require(total >= 2s && total <= 3s, "the clock moved by the sleeps and no more");
  };
  auto r = check::explore(body, opts(check::strategy::random, check::timer_mode::explore, 500));
  ASSERT_TRUE(r.ok()) << r.report();
  r = check::explore(body, opts(check::strategy::dpor, check::timer_mode::explore, 100000));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
}

// A timeout racing slow work: which case the select takes. After a timeout the caller still
// collects the result, so the worker has exited whatever happens next (a goroutine abandoned by
// a failing execution would keep its channel handle forever, and LeakSanitizer would object).
struct race_counts {
  std::uint64_t result = 0, timeout = 0;
};

void timeout_race(race_counts& n) {
  weft::chan<int> result(1);
  weft::go([result] {
    for (int i = 0; i < 3; i++) weft::yield();  // slow work: a few visible operations
    result.send(42);
  });
  int i = weft::select(weft::on_recv(result), weft::on_recv(weft::after(1ns)));
  (i == 0 ? n.result : n.timeout)++;
  if (i == 1) result.recv();
}

TEST(TimeoutRace, ExploreModeReachesBothOutcomes) {
  // Random and PCT sample 300 executions; DPOR covers the space (the node where the timer may
  // fire is explored in full); DFS with one preemption.
  for (auto s : {check::strategy::random, check::strategy::pct, check::strategy::dfs,
                 check::strategy::dpor}) {
    race_counts n;
    check::options o = opts(s, check::timer_mode::explore, 300);
    if (s == check::strategy::dfs) o.preemption_bound = 1;
    if (s == check::strategy::dpor) o.executions = 100000;
    auto r = check::explore([&] { timeout_race(n); }, o);
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_GT(n.result, 0u) << check::to_string(s);
    EXPECT_GT(n.timeout, 0u) << check::to_string(s);
    // (DPOR also runs executions it then finds redundant: it counts only the others.)
    if (s != check::strategy::dpor) {
      EXPECT_EQ(n.result + n.timeout, r.executions) << check::to_string(s);
    }
  }
}

TEST(TimeoutRace, StrictModeOnlyHasTheSynctestOutcome) {
  for (auto s : {check::strategy::random, check::strategy::dfs}) {
    race_counts n;
    auto r = check::explore([&] { timeout_race(n); }, opts(s, check::timer_mode::strict, 300));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(n.timeout, 0u) << check::to_string(s);
    EXPECT_EQ(n.result, r.executions) << check::to_string(s);
  }
}

TEST(TimeoutRace, ReplayReproducesTheFailingTimerSchedule) {
  auto body = [] {
    race_counts n;
    timeout_race(n);
    check::require(n.timeout == 0, "the work finished before the timeout");
  };
  auto r = check::explore(body, opts(check::strategy::random, check::timer_mode::explore, 300));
  ASSERT_EQ(r.kind, check::failure::assertion) << r.report();
  ASSERT_FALSE(r.token.empty());
  for (int i = 0; i < 3; i++) {
    auto again = check::replay(body, r.token);
    EXPECT_EQ(again.kind, check::failure::assertion) << again.report();
    EXPECT_EQ(again.message, r.message);
  }
}

TEST(ContextUnderExplorer, WithTimeoutFiresAtItsVirtualDeadline) {
  auto r = check::explore([] {
    weft::time_point t0 = weft::now();
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 50ms);
    ctx.done().recv();
    check::require(ctx.err() == weft::deadline_exceeded, "deadline exceeded");
    check::require(weft::now() - t0 == 50ms, "at exactly the deadline");
    cancel();
  }, opts(check::strategy::dfs, check::timer_mode::explore, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
}

struct ctx_counts {
  std::uint64_t canceled = 0, deadline = 0;
};

void cancel_vs_timeout(ctx_counts& n) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), 1s);
  weft::go([cancel = cancel] {
    weft::yield();  // a little work
    cancel();
  });
  auto [child, child_cancel] = weft::with_cancel(ctx);
  child.done().recv();
  weft::error e = child.err();
  check::require(e == ctx.err(), "the child has its parent's error");
  (e == weft::canceled ? n.canceled : n.deadline)++;
  child_cancel();
}

TEST(ContextUnderExplorer, CancelRacingTheDeadline) {
  ctx_counts ex, st;
  auto r = check::explore([&] { cancel_vs_timeout(ex); },
                          opts(check::strategy::dfs, check::timer_mode::explore, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_GT(ex.canceled, 0u);
  EXPECT_GT(ex.deadline, 0u);
  r = check::explore([&] { cancel_vs_timeout(st); },
                     opts(check::strategy::dfs, check::timer_mode::strict, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_GT(st.canceled, 0u);
  EXPECT_EQ(st.deadline, 0u);  // synctest: the canceller runs before time can advance
}

TEST(ContextUnderExplorer, DporSeesCancelAgainstErrAndDoneOfDescendants) {
  // err() and a select on done() of a *child* race with the parent's cancel (another object):
  // DPOR must still try both orders.
  std::uint64_t seen[2][2] = {};
  auto r = check::explore([&] {
    auto [parent, cancel] = weft::with_cancel(weft::background());
    auto [child, child_cancel] = weft::with_cancel(weft::with_value(parent, 1, 1));
    weft::go([cancel = cancel] { cancel(); });
    bool err = static_cast<bool>(child.err());
    bool done = weft::select(weft::on_recv(child.done()), weft::on_default()) == 0;
    seen[err][done]++;
    child_cancel();
  }, opts(check::strategy::dpor, check::timer_mode::explore, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_GT(seen[0][0], 0u);
  EXPECT_GT(seen[0][1], 0u);  // cancelled between the two
  EXPECT_GT(seen[1][1], 0u);
  EXPECT_EQ(seen[1][0], 0u);  // err is set before done is closed
}

TEST(AfterFuncUnderExplorer, ArmingHappensBeforeTheCallback) {
  auto r = check::explore([] {
    check::shared<int> x(0);
    weft::chan<int> done(1);
    x.store(1);
    weft::timer t = weft::after_func(1ms, [&x, done] { done.send(x.load()); });
    check::require(done.recv() == 1, "the callback sees the write before arming");
  }, opts(check::strategy::dfs, check::timer_mode::explore, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
}

TEST(AfterFuncUnderExplorer, AWriteAfterArmingRacesWithTheCallback) {
  // (The callback's read is its last visible operation and the timer handle is dropped, so when
  // the race is reported nothing but stack objects is left on the stopped goroutines.)
  auto r = check::explore([] {
    check::shared<int> x(0);
    weft::after_func(1ms, [&x] { (void)x.load(); });
    x.store(1);  // not ordered with the callback
    weft::sleep(1s);  // the callback has run by then
  }, opts(check::strategy::dfs, check::timer_mode::explore, 10000));
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(AfterFuncUnderExplorer, StopBeforeFiringCancelsInEveryInterleaving) {
  auto r = check::explore([] {
    weft::chan<int> ran(1);
    weft::timer t = weft::after_func(1s, [ran] { ran.send(1); });
    weft::yield();
    if (t.stop()) {
      weft::sleep(2s);  // well past the deadline
      check::require(weft::select(weft::on_recv(ran), weft::on_default()) == 1,
                     "a stopped after_func never runs");
    } else {
      ran.recv();  // false: f has been started in its own goroutine
    }
  }, opts(check::strategy::dfs, check::timer_mode::explore, 10000));
  ASSERT_TRUE(r.ok()) << r.report();
}

TEST(TimersUnderExplorer, TickerTicksOnVirtualTime) {
  auto r = check::explore([] {
    weft::time_point t0 = weft::now();
    weft::ticker tk(1s);
    for (int i = 1; i <= 3; i++) {
      weft::time_point v = tk.c().recv();
      check::require(v - t0 == std::chrono::seconds(i), "a tick every second, on the second");
    }
    tk.stop();
  }, opts(check::strategy::dfs, check::timer_mode::strict, 1000));
  ASSERT_TRUE(r.ok()) << r.report();
}

TEST(TimersUnderExplorer, PendingTimersDoNotOutliveTheExecution) {
  // The body returns with an after_func, an after() and a context deadline still pending: the
  // execution ends (the callback never runs after the body is gone) and nothing leaks.
  int ran = 0;
  auto r = check::explore([&ran] {
    weft::after_func(1h, [&ran] { ran++; });
    weft::after(1h);
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 1h);
    weft::ticker tk(1s);  // stops with its handle
  }, opts(check::strategy::random, check::timer_mode::strict, 20));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(ran, 0);
}

TEST(TimersUnderExplorer, ATickerWithEveryGoroutineBlockedIsALivelockNotAHang) {
  check::options o = opts(check::strategy::random, check::timer_mode::strict, 1);
  o.max_steps = 1000;
  weft::ticker tk;  // outlives the failed execution, whose blocked goroutine is abandoned
  auto r = check::explore([&tk] {
    tk = weft::ticker(1s);
    weft::chan<int> never;
    never.recv();
  }, o);
  EXPECT_EQ(r.kind, check::failure::step_limit) << r.report();
  EXPECT_NE(r.message.find("timers fired"), std::string::npos) << r.message;
}

}  // namespace
