// tests/checker_test.cpp — the explorer itself: exact DFS counts, failure kinds, reports,
// replay round trips, token errors, environment-independent determinism.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <set>
#include <string>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

check::options dfs(int bound = -1) {
  check::options o;
  o.strat = check::strategy::dfs;
  o.executions = 1'000'000;
  o.preemption_bound = bound;
  return o;
}

// N goroutines, each doing K visible operations that touch nothing shared (add(1) on a private
// wait_group). Main spawns them and returns. Steps per goroutine: its start plus one per op, so
// the executions are the linear extensions of the step order, counted by hand in each test.
void independent(int n, int k) {
  for (int i = 0; i < n; i++) {
    weft::go([k] {
      weft::wait_group mine;
      for (int j = 0; j < k; j++) mine.add(1);
    });
  }
}

TEST(Dfs, OneGoroutineHasOneSchedule) {
  auto r = check::explore([] { independent(1, 3); }, dfs());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 1u);
}

TEST(Dfs, TwoGoroutinesOneOpEach) {
  // After main's first spawn: main's chain (spawn g2, exit) then g2's 2 steps, interleaved with
  // g1's 2 steps: C(5, 2) = 10.
  auto r = check::explore([] { independent(2, 1); }, dfs());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 10u);
}

TEST(Dfs, TwoGoroutinesTwoOpsEach) {
  // Chains of 4 and 3 steps: C(7, 3) = 35.
  auto r = check::explore([] { independent(2, 2); }, dfs());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 35u);
}

TEST(Dfs, ThreeGoroutinesOneOpEach) {
  // {spawn g2} then (spawn g3, g3's 2 steps) and (g2's 2 steps): 1 * C(5, 2) = 10 orders of 6
  // steps; each interleaved with g1's 2 steps: C(8, 2) = 28; 10 * 28 = 280.
  auto r = check::explore([] { independent(3, 1); }, dfs());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 280u);
}

TEST(Dfs, PreemptionBoundZeroRunsEachGoroutineToCompletion) {
  // Without preemptions, the only choice is who runs after main exits: g1 or g2.
  auto r = check::explore([] { independent(2, 1); }, dfs(0));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 2u);
}

TEST(Dfs, BoundedCountsGrowWithTheBound) {
  auto b0 = check::explore([] { independent(2, 2); }, dfs(0));
  auto b1 = check::explore([] { independent(2, 2); }, dfs(1));
  auto b2 = check::explore([] { independent(2, 2); }, dfs(2));
  auto all = check::explore([] { independent(2, 2); }, dfs());
  EXPECT_LT(b0.executions, b1.executions);
  EXPECT_LT(b1.executions, b2.executions);
  EXPECT_LE(b2.executions, all.executions);
  EXPECT_EQ(all.executions, 35u);
}

TEST(Dfs, EstimatesTheRemainingSpaceWhenTheBudgetRunsOut) {
  auto full = check::explore([] { independent(3, 1); }, dfs());  // 280 executions
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full.exhausted);
  EXPECT_EQ(full.estimated_total, 0);
  for (std::uint64_t budget : {20u, 60u, 150u}) {
    auto o = dfs();
    o.executions = budget;
    auto part = check::explore([] { independent(3, 1); }, o);
    ASSERT_TRUE(part.ok());
    EXPECT_FALSE(part.exhausted);
    EXPECT_EQ(part.executions, budget);
    // The subtree-uniformity estimate is rough but must be the right order of magnitude.
    EXPECT_GT(part.estimated_total, double(full.executions) / 4) << budget;
    EXPECT_LT(part.estimated_total, double(full.executions) * 4) << budget;
    EXPECT_NE(part.report().find("executions remain (estimate)"), std::string::npos);
  }
}

TEST(Explore, CorrectProgramRunsEveryExecution) {
  check::options o;
  o.executions = 500;
  auto r = check::explore([] {
    weft::mutex mu;
    weft::wait_group wg;
    int counter = 0;
    wg.add(3);
    for (int i = 0; i < 3; i++) {
      weft::go([&] {
        for (int j = 0; j < 3; j++) {
          std::lock_guard<weft::mutex> lk(mu);
          counter++;
        }
        wg.done();
      });
    }
    wg.wait();
    check::require(counter == 9, "counter == 9");
  }, o);
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 500u);
  EXPECT_TRUE(r.token.empty());
}

TEST(Explore, DoubleLockIsADeadlock) {
  auto r = check::explore([] {
    weft::mutex mu;
    mu.lock();
    mu.lock();
  });
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  EXPECT_NE(r.message.find("all goroutines are asleep - deadlock!"), std::string::npos);
  EXPECT_NE(r.report().find("sync.Mutex.Lock"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("checker_test.cpp"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("WEFT_REPLAY=weft1:"), std::string::npos) << r.report();
  EXPECT_NE(r.report().find("--gtest_filter=Explore.DoubleLockIsADeadlock"), std::string::npos);
  EXPECT_EQ(r.executions, 1u);
}

TEST(Explore, MissedDoneNamesTheWaitGroup) {
  auto r = check::explore([] {
    weft::wait_group wg;
    wg.add(2);
    weft::go([&] { wg.done(); });
    weft::go([&] { /* forgot wg.done() */ });
    wg.wait();
  });
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  std::string rep = r.report();
  EXPECT_NE(rep.find("sync.WaitGroup#1: Wait can never return, counter is 1"), std::string::npos)
      << rep;
  EXPECT_NE(rep.find("Add(2) by goroutine 1"), std::string::npos) << rep;
  EXPECT_NE(rep.find("goroutine 3 (created at"), std::string::npos) << rep;
  EXPECT_NE(rep.find("exited without calling Done"), std::string::npos) << rep;
}

TEST(Explore, PanicEscapingAGoroutineFails) {
  auto r = check::explore([] {
    auto wg = std::make_shared<weft::wait_group>();  // outlives the body, as in Go
    wg->add(1);
    weft::go([wg] {
      wg->done();
      wg->done();  // sync: negative WaitGroup counter
    });
    wg->wait();
  });
  ASSERT_EQ(r.kind, check::failure::panic) << r.report();
  EXPECT_NE(r.message.find("panic: sync: negative WaitGroup counter"), std::string::npos)
      << r.message;
}

TEST(Explore, RecoveredPanicIsNoFailure) {
  auto r = check::explore([] {
    weft::mutex mu;
    try {
      mu.unlock();
    } catch (const weft::panic_error&) {
      // Go's recover()
    }
  });
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(Explore, RequireFailureIsAnAssertion) {
  auto r = check::explore([] { check::require(1 + 1 == 3, "arithmetic"); });
  ASSERT_EQ(r.kind, check::failure::assertion);
  EXPECT_NE(r.message.find("require failed: arithmetic"), std::string::npos);
}

TEST(Explore, LeakedGoroutineIsReported) {
  auto r = check::explore([] {
    auto* mu = new weft::mutex;  // leaked on purpose with the goroutine
    mu->lock();
    weft::go([mu] { mu->lock(); });  // blocks forever: nobody unlocks
  });
  ASSERT_EQ(r.kind, check::failure::leak) << r.report();
  EXPECT_NE(r.message.find("goroutine 2 [sync.Mutex.Lock]"), std::string::npos) << r.message;

  check::options quiet;
  quiet.leaks_are_bugs = false;
  auto r2 = check::explore([] {
    auto* mu = new weft::mutex;
    mu->lock();
    weft::go([mu] { mu->lock(); });
  }, quiet);
  EXPECT_TRUE(r2.ok()) << r2.report();
}

TEST(Explore, UseOfADeadGoroutinesLocalIsReported) {
  // The classic C++ port of a Go pattern: the lock_guard unlocks after wg.done(), so the body
  // can return (destroying mu) while the worker is still unlocking it.
  auto r = check::explore([] {
    weft::mutex mu;
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      std::lock_guard<weft::mutex> l(mu);
      wg.done();  // bug: the unlock comes after this
    });
    wg.wait();
  });
  ASSERT_EQ(r.kind, check::failure::dangling) << r.report();
  EXPECT_NE(r.message.find("Mutex.Unlock by goroutine 2"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("lived on goroutine 1's stack, and goroutine 1 has returned"),
            std::string::npos)
      << r.message;
  auto again = check::replay([] {
    weft::mutex mu;
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      std::lock_guard<weft::mutex> l(mu);
      wg.done();
    });
    wg.wait();
  }, r.token);
  EXPECT_EQ(again.kind, check::failure::dangling);
}

TEST(Explore, LivelockHitsTheStepLimit) {
  check::options o;
  o.max_steps = 500;
  auto r = check::explore([] {
    for (;;) weft::yield();
  }, o);
  ASSERT_EQ(r.kind, check::failure::step_limit) << r.report();
  EXPECT_NE(r.report().find("goroutines that kept running: goroutine 1"), std::string::npos)
      << r.report();
}

// AB-BA: two goroutines take two mutexes in opposite orders. Random finds the deadlock when
// both take their first lock before either takes its second.
void ab_ba() {
  weft::mutex a, b;
  weft::wait_group wg;
  wg.add(2);
  weft::go([&] {
    {
      std::lock_guard<weft::mutex> l1(a);
      std::lock_guard<weft::mutex> l2(b);
    }
    wg.done();  // last: once it runs, the body may return and a, b, wg die with it
  });
  weft::go([&] {
    {
      std::lock_guard<weft::mutex> l1(b);
      std::lock_guard<weft::mutex> l2(a);
    }
    wg.done();
  });
  wg.wait();
}

TEST(Replay, RoundTripReproducesTheFailure) {
  check::options o;
  o.executions = 1000;
  auto r = check::explore(ab_ba, o);
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  ASSERT_FALSE(r.token.empty());
  auto again = check::replay(ab_ba, r.token);
  EXPECT_EQ(again.kind, check::failure::deadlock) << again.report();
  EXPECT_EQ(again.message, r.message);
  EXPECT_EQ(again.token, r.token);
  // Same schedule, same steps: the reports match except for the found-by line.
  auto tail = [](const std::string& s) { return s.substr(s.find("  goroutine 2 ")); };
  EXPECT_EQ(tail(again.report()), tail(r.report()));
}

TEST(Replay, MalformedTokensGetClearErrors) {
  auto bad = [](std::string_view tok) { return check::replay(ab_ba, tok); };
  auto r1 = bad("hello");
  EXPECT_EQ(r1.kind, check::failure::bad_token);
  EXPECT_NE(r1.message.find("does not start with"), std::string::npos) << r1.message;
  auto r2 = bad("weft1:AAAA*AAA");
  EXPECT_EQ(r2.kind, check::failure::bad_token);
  EXPECT_NE(r2.message.find("is not base64url"), std::string::npos) << r2.message;
  check::options o;
  auto found = check::explore(ab_ba, o);
  ASSERT_FALSE(found.token.empty());
  std::string cut = found.token.substr(0, found.token.size() - 3);
  auto r3 = bad(cut);
  EXPECT_EQ(r3.kind, check::failure::bad_token);
  std::string flipped = found.token;
  flipped[8] = flipped[8] == 'A' ? 'B' : 'A';
  auto r4 = bad(flipped);
  EXPECT_EQ(r4.kind, check::failure::bad_token) << r4.message;
  auto r5 = bad("weft9:AAAA");
  EXPECT_NE(r5.message.find("unsupported token version"), std::string::npos) << r5.message;
}

TEST(Replay, DivergenceNamesTheChoice) {
  check::options o;
  auto found = check::explore(ab_ba, o);
  ASSERT_FALSE(found.token.empty());
  // The same token against a program with a different shape.
  auto r = check::replay([] { independent(3, 3); }, found.token);
  EXPECT_EQ(r.kind, check::failure::nondeterminism) << r.report();
  EXPECT_NE(r.message.find("replay diverged"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("choice"), std::string::npos) << r.message;
}

TEST(Pct, FindsTheLockInversion) {
  check::options o;
  o.strat = check::strategy::pct;
  o.executions = 1000;
  auto r = check::explore(ab_ba, o);
  EXPECT_EQ(r.kind, check::failure::deadlock) << r.report();
  auto again = check::replay(ab_ba, r.token);
  EXPECT_EQ(again.kind, check::failure::deadlock);
}

TEST(Dfs, FindsTheLockInversionExhaustively) {
  auto r = check::explore(ab_ba, dfs());
  EXPECT_EQ(r.kind, check::failure::deadlock) << r.report();
}

// ---- shrinking ----------------------------------------------------------------------------

// The flag is raised before the data is written: one preemption (after the flag) shows it.
void flag_before_data() {
  weft::atomic<int> flag(0), data(0);
  weft::wait_group wg;
  wg.add(2);
  weft::go([&] {
    flag.store(1);
    data.store(42);
    wg.done();
  });
  weft::go([&] {
    if (flag.load() == 1) check::require(data.load() == 42, "flag implies data");
    wg.done();
  });
  wg.wait();
}

TEST(Shrink, RandomFailuresAreShrunkToFewerPreemptions) {
  check::options o;
  o.seed = 1;  // this seed first fails with a 4-preemption schedule
  auto r = check::explore(flag_before_data, o);
  ASSERT_EQ(r.kind, check::failure::assertion) << r.report();
  EXPECT_NE(r.report().find("shrunk from 7 choices (4 preemptions) to 7 (1)"), std::string::npos)
      << r.report();
  auto again = check::replay(flag_before_data, r.token);
  EXPECT_EQ(again.kind, check::failure::assertion);
  EXPECT_EQ(again.trace, r.trace);

  o.shrink = false;
  auto raw = check::explore(flag_before_data, o);
  ASSERT_EQ(raw.kind, check::failure::assertion);
  EXPECT_EQ(raw.report().find("shrunk"), std::string::npos);
  EXPECT_NE(raw.token, r.token);
}

// ---- traces ---------------------------------------------------------------------------------

TEST(Replay, SameScheduleTwiceGivesTheSameTrace) {
  check::options o;
  o.executions = 1000;
  auto r = check::explore(ab_ba, o);
  ASSERT_EQ(r.kind, check::failure::deadlock);
  ASSERT_FALSE(r.trace.empty());
  auto a = check::replay(ab_ba, r.token);
  auto b = check::replay(ab_ba, r.token);
  EXPECT_EQ(a.trace, r.trace);
  EXPECT_EQ(b.trace, a.trace);
  EXPECT_NE(r.trace.find("goroutine 2 Mutex.Lock sync.Mutex#1"), std::string::npos) << r.trace;
}

TEST(Replay, TraceExportIsChromeTraceJson) {
  std::string path = ::testing::TempDir() + "weft_trace.json";
  setenv("WEFT_TRACE", path.c_str(), 1);
  auto r = check::explore(ab_ba);
  unsetenv("WEFT_TRACE");
  ASSERT_EQ(r.kind, check::failure::deadlock);
  EXPECT_NE(r.report().find("trace of this execution written to " + path), std::string::npos);
  std::ifstream f(path);
  std::stringstream json;
  json << f.rdbuf();
  std::string t = json.str();
  EXPECT_EQ(t.rfind("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 0), 0u) << t.substr(0, 80);
  EXPECT_NE(t.find("\"thread_name\""), std::string::npos);
  EXPECT_NE(t.find("\"name\":\"goroutine 3\""), std::string::npos);
  EXPECT_NE(t.find("\"ph\":\"X\""), std::string::npos);
  EXPECT_NE(t.find("checker_test.cpp"), std::string::npos);
}

// ---- WEFT_SCHED: a whole program on the deterministic scheduler -----------------------------

std::vector<int> arrival_order(const char* sched) {
  setenv("WEFT_SCHED", sched, 1);
  std::vector<int> order;
  weft::run([&] {
    weft::mutex mu;
    weft::wait_group wg;
    wg.add(4);
    for (int i = 0; i < 4; i++) {
      weft::go([&, i] {
        weft::yield();
        std::lock_guard<weft::mutex> l(mu);
        order.push_back(i);
        wg.done();
      });
    }
    wg.wait();
  });
  unsetenv("WEFT_SCHED");
  return order;
}

TEST(WholeProgram, SameSeedSameSchedule) {
  auto a = arrival_order("random:7");
  auto b = arrival_order("random:7");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 4u);
  bool some_differ = false;
  for (int seed = 8; seed < 40 && !some_differ; seed++) {
    some_differ = arrival_order(("random:" + std::to_string(seed)).c_str()) != a;
  }
  EXPECT_TRUE(some_differ) << "different seeds should give different schedules";
}

TEST(WholeProgramDeathTest, DeadlockPrintsGoMessageAndReplayToken) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("WEFT_SCHED", "random:3", 1);
        weft::run([] { ab_ba(); });
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "fatal error: all goroutines are asleep - deadlock!(.|\n)*reproduce with:\n  "
      "WEFT_SCHED=replay:weft1:");
}

TEST(WholeProgramDeathTest, BadSchedulerSpecIsAClearError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("WEFT_SCHED", "fifo:3", 1);
        weft::run([] {});
        std::exit(0);
      },
      ::testing::ExitedWithCode(2),
      "fatal error: WEFT_SCHED=fifo:3: unknown scheduler; use random:<seed>, pct:<seed> or "
      "replay:<token>");
}

}  // namespace
