// tests/zoo_test.cpp — the bug zoo: real concurrency bug shapes from Go programs, each of which
// the explorer must find within a stated budget, report with the right kind, and replay from
// its token. The odds in the comments were measured: over 300 seeds, how many explorations of
// 1000 executions found the bug, and the mean number of executions they needed.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "weft/atomic.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

check::options strat(check::strategy s, std::uint64_t executions = 1000, int bound = -1,
                     int depth = 3) {
  check::options o;
  o.strat = s;
  o.executions = executions;
  o.preemption_bound = bound;
  o.pct_depth = depth;
  return o;
}

// Every failure must replay to the same failure from its token.
void expect_replays(const std::function<void()>& body, const check::result& r) {
  ASSERT_FALSE(r.token.empty()) << r.report();
  auto again = check::replay(body, r.token);
  EXPECT_EQ(again.kind, r.kind) << again.report();
  EXPECT_EQ(again.message, r.message);
}

// ---- missed Done -------------------------------------------------------------------------------
// A worker returns early on its error path without calling Done: Wait never returns.
void missed_done() {
  weft::wait_group wg;
  weft::atomic<int> failed(0);
  wg.add(2);
  weft::go([&] {
    failed.store(1);
    wg.done();
  });
  weft::go([&] {
    if (failed.load() == 1) return;  // bug: early return skips wg.done()
    wg.done();
  });
  wg.wait();
}

TEST(Zoo, MissedDone) {
  // Needs the first worker's store before the second's load. Random and PCT: 300/300 seeds,
  // mean 1.5 and 1.3 executions.
  for (auto s : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(missed_done, strat(s));
    ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
    EXPECT_NE(r.report().find("exited without calling Done"), std::string::npos) << r.report();
    expect_replays(missed_done, r);
  }
  auto d = check::explore(missed_done, strat(check::strategy::dfs, 1000, 1));
  EXPECT_EQ(d.kind, check::failure::deadlock);
}

// ---- lost wakeup with cond ---------------------------------------------------------------------
// The signaller sets the flag and signals without holding the mutex; if it does so between the
// waiter's check and its wait, the signal is lost and the waiter sleeps forever. (The flag is
// an atomic so that the bug is the lost signal, not a data race on the flag.)
void lost_wakeup() {
  weft::mutex mu;
  weft::cond cv(mu);
  weft::atomic<bool> ready(false);
  weft::wait_group wg;
  wg.add(1);
  weft::go([&] {
    mu.lock();
    if (!ready.load()) cv.wait();
    mu.unlock();
    wg.done();
  });
  ready.store(true);  // bug: no mu.lock() around the flag and the signal
  cv.signal();
  wg.wait();
}

TEST(Zoo, LostWakeupWithCond) {
  // The signal must land between the waiter's check and its wait. Random 300/300 (mean 28.5
  // executions), PCT 300/300 (mean 32.3): per execution about 1 in 30, so 1000 executions miss
  // it with odds below (29/30)^1000 < 1e-14.
  for (auto s : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(lost_wakeup, strat(s));
    ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
    EXPECT_NE(r.report().find("sync.Cond.Wait"), std::string::npos) << r.report();
    expect_replays(lost_wakeup, r);
  }
  // Two preemptions: main before its store, the waiter before its wait.
  EXPECT_TRUE(check::explore(lost_wakeup, strat(check::strategy::dfs, 100000, 1)).ok());
  auto d = check::explore(lost_wakeup, strat(check::strategy::dfs, 100000, 2));
  EXPECT_EQ(d.kind, check::failure::deadlock);
}

// ---- lock-order inversion (AB-BA) ------------------------------------------------------------
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

TEST(Zoo, LockOrderInversion) {
  // Both first locks before either second lock. Random 300/300 (mean 3.6), PCT 300/300 (mean
  // 17.4); DFS needs one preemption.
  for (auto s : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(ab_ba, strat(s));
    ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
    expect_replays(ab_ba, r);
  }
  EXPECT_TRUE(check::explore(ab_ba, strat(check::strategy::dfs, 100000, 0)).ok());
  EXPECT_EQ(check::explore(ab_ba, strat(check::strategy::dfs, 100000, 1)).kind,
            check::failure::deadlock);
  EXPECT_EQ(check::explore(ab_ba, strat(check::strategy::dpor, 100000)).kind,
            check::failure::deadlock);
}

// ---- double lock ------------------------------------------------------------------------------
// A helper that takes the lock is called with the lock already held (Go has no reentrancy).
void double_lock() {
  weft::mutex mu;
  int balance = 0;
  auto deposit = [&](int v) {
    std::lock_guard<weft::mutex> l(mu);
    balance += v;
  };
  std::lock_guard<weft::mutex> l(mu);
  deposit(1);  // bug: mu is already held
}

TEST(Zoo, DoubleLock) {
  auto r = check::explore(double_lock, strat(check::strategy::random));
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  EXPECT_EQ(r.executions, 1u);  // every schedule deadlocks
  expect_replays(double_lock, r);
}

// ---- select with a forgotten case --------------------------------------------------------------
// The worker reports either a result or an error; the caller selects on results and a quit
// channel but forgot the error channel: when the worker fails, both block forever.
void forgotten_case() {
  weft::chan<int> results(0);
  weft::chan<int> errs(0);
  weft::chan<int> quit(0);
  // Shared by value, as Go's escape analysis would: the goroutines may outlive this frame.
  auto broken = std::make_shared<weft::atomic<int>>(0);
  weft::go([broken] { broken->store(1); });
  weft::go([=] {
    if (broken->load() == 1) {
      errs.send(-1);
    } else {
      results.send(42);
    }
  });
  weft::select(weft::on_recv(results, [](int) {}), weft::on_recv(quit, [](int) {}));
  // bug: no on_recv(errs, ...)
}

TEST(Zoo, SelectWithAForgottenCase) {
  // The error path needs the breaker before the worker's load. Random and PCT 300/300 (mean
  // 1.5 and 1.4).
  for (auto s : {check::strategy::random, check::strategy::pct, check::strategy::dpor}) {
    auto r = check::explore(forgotten_case, strat(s));
    ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
    EXPECT_NE(r.report().find("select"), std::string::npos) << r.report();
    EXPECT_NE(r.report().find("chan send"), std::string::npos) << r.report();
    expect_replays(forgotten_case, r);
  }
}

// ---- channel used after close -------------------------------------------------------------------
// Two producers share an unbuffered channel; one closes it when it is done, while the other
// may still be sending: "send on closed channel".
void send_after_close() {
  weft::chan<int> c(0);
  weft::wait_group wg;
  wg.add(1);
  weft::go([c] {  // channel handles by value: they may outlive the body
    c.send(1);
    c.close();  // bug: the other producer may not be finished
  });
  weft::go([c] { c.send(2); });
  weft::go([c, &wg] {
    for (int v : c) (void)v;
    wg.done();
  });
  wg.wait();
}

TEST(Zoo, UnbufferedChannelUsedAfterClose) {
  // The close must come before the second producer's send. Random 300/300 (mean 4.2), PCT
  // 300/300 (mean 1.9).
  for (auto s : {check::strategy::random, check::strategy::pct, check::strategy::dpor}) {
    auto r = check::explore(send_after_close, strat(s));
    ASSERT_EQ(r.kind, check::failure::panic) << r.report();
    EXPECT_NE(r.message.find("panic: send on closed channel"), std::string::npos) << r.message;
    expect_replays(send_after_close, r);
  }
}

// ---- an order violation that needs exactly one preemption ---------------------------------
// The publisher raises the flag before the data is written; a reader that sees the flag between
// the two stores reads stale data. Only a preemption of the publisher right after its first
// store shows it: no schedule without preemptions does.
void one_preemption() {
  weft::atomic<int> flag(0), data(0);
  weft::wait_group wg;
  wg.add(2);
  weft::go([&] {
    flag.store(1);  // bug: should come after the data
    data.store(42);
    wg.done();
  });
  weft::go([&] {
    if (flag.load() == 1) check::require(data.load() == 42, "flag implies data");
    wg.done();
  });
  wg.wait();
}

TEST(Zoo, OrderViolationNeedsOnePreemption) {
  // Random 300/300 (mean 11.2 executions), PCT 300/300 (mean 26.2).
  for (auto s : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(one_preemption, strat(s));
    ASSERT_EQ(r.kind, check::failure::assertion) << r.report();
    expect_replays(one_preemption, r);
  }
  auto b0 = check::explore(one_preemption, strat(check::strategy::dfs, 100000, 0));
  EXPECT_TRUE(b0.ok()) << b0.report();
  auto b1 = check::explore(one_preemption, strat(check::strategy::dfs, 100000, 1));
  EXPECT_EQ(b1.kind, check::failure::assertion) << b1.report();
  auto dp = check::explore(one_preemption, strat(check::strategy::dpor, 100000));
  EXPECT_EQ(dp.kind, check::failure::assertion) << dp.report();
}

// ---- an order violation that needs three preemptions ---------------------------------------
// The reader must see the writer's values 1 then 2 while the writer still has work to do after
// writing 2: writer preempted after 1, reader preempted after reading 1, writer preempted after
// writing 2 — three preemptions, a bug of depth 4 (s1 < l1 < s2 < l2 with s3 after).
void three_preemptions() {
  weft::atomic<int> x(0);
  weft::wait_group wg;
  wg.add(2);
  weft::go([&] {
    x.store(1);
    x.store(2);
    x.store(3);
    wg.done();
  });
  weft::go([&] {
    int a = x.load();
    int b = x.load();
    check::require(!(a == 1 && b == 2), "reader saw the intermediate states 1 then 2");
    wg.done();
  });
  wg.wait();
}

TEST(Zoo, OrderViolationNeedsThreePreemptions) {
  // Random 300/300 seeds (mean 21.9 executions; about 1 in 20, so 1000 executions miss it with
  // odds below (19/20)^1000 < 1e-22). PCT is the wrong tool here: depth 4 with k ~ 20 steps
  // gives it a per-execution floor of 1/(n k^3) and it found the bug in 34/300 seeds (mean 482
  // executions); depth 3 cannot express the bug at all (0/300). Bounded DFS finds it exactly
  // at bound 3.
  auto r = check::explore(three_preemptions, strat(check::strategy::random));
  ASSERT_EQ(r.kind, check::failure::assertion) << r.report();
  expect_replays(three_preemptions, r);
  auto b2 = check::explore(three_preemptions, strat(check::strategy::dfs, 1000000, 2));
  EXPECT_TRUE(b2.ok()) << b2.report();
  auto b3 = check::explore(three_preemptions, strat(check::strategy::dfs, 1000000, 3));
  EXPECT_EQ(b3.kind, check::failure::assertion) << b3.report();
}

// ---- send on a channel nobody reads after a timeout (leak) -------------------------------
// The caller waits for a result or a timeout; the worker sends on an unbuffered channel. When
// the timeout wins, nobody ever receives and the worker is blocked forever: a goroutine leak
// (the fix is a buffered channel of capacity 1). The timeout racing with slow work is exactly
// what timer_mode::explore explores: the timer may fire at any scheduling point.
void timeout_leak() {
  weft::chan<int> result(0);  // bug: should have capacity 1
  weft::go([result] {
    weft::yield();  // some slow work
    result.send(42);
  });
  weft::select(weft::on_recv(result, [](int) {}),
               weft::on_recv(weft::after(std::chrono::seconds(1)), [](weft::time_point) {}));
}

TEST(Zoo, SendNobodyReadsAfterATimeoutLeaks) {
  // The timer must fire before the worker's send (it is an option at every scheduling point
  // once armed): random 300/300 seeds (mean 1.2 executions), PCT 300/300 (mean 2.0).
  for (auto s : {check::strategy::random, check::strategy::pct, check::strategy::dfs}) {
    auto r = check::explore(timeout_leak, strat(s));
    ASSERT_EQ(r.kind, check::failure::leak) << r.report();
    EXPECT_NE(r.message.find("[chan send]"), std::string::npos) << r.message;
    expect_replays(timeout_leak, r);
  }
  // Under Go's synctest rules (timers fire only when everyone is blocked) the worker always
  // wins, and the leak cannot show.
  auto o = strat(check::strategy::dfs, 100000);
  o.timers = check::timer_mode::strict;
  EXPECT_TRUE(check::explore(timeout_leak, o).ok());
}

}  // namespace
