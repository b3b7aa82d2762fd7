// tests/time_test.cpp — weft's time package on every worker count: sleep, after, timer (Go
// before 1.23: capacity-1 channel, stop/reset results), ticker (dropped ticks, reset, Go's
// panics), after_func (its own goroutine, cancellation), and stop racing with the timer thread.
//
// Real timers with short durations are the thing under test here; nothing sleeps to wait for a
// goroutine. "Has the timer fired by now?" is answered with a later timer: the policy fires
// timers in deadline order, so once a fence timer's value arrives every earlier deadline has
// been processed. Orders are asserted, not tight timings.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "weft/detail/core.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

using weft::time_point;

// empty_now: a select with a default says the channel has nothing to receive right now (and
// takes the value if it had one).
template <class T>
bool empty_now(const weft::chan<T>& c) {
  return weft::select(weft::on_recv(c), weft::on_default()) == 1;
}

// fence: returns once every timer with a deadline before now + d has been processed.
void fence(weft::duration d = 3ms) { weft::timer(d).c().recv(); }

// others_alive: goroutines other than the caller that have not exited.
int others_alive() {
  struct acc {
    const weft::detail::g* self;
    int n;
  } a{weft::detail::current(), 0};
  weft::detail::for_each_g(
      [](weft::detail::g* gp, void* p) {
        auto* x = static_cast<acc*>(p);
        auto s = gp->status.load(std::memory_order_acquire);
        if (gp != x->self && s != weft::detail::gstatus::idle &&
            s != weft::detail::gstatus::dead) {
          x->n++;
        }
      },
      &a);
  return a.n;
}

// wait_others_exit: yield until every other goroutine has exited (after_func goroutines hold a
// reference to their timer until they end; LeakSanitizer must see them end).
bool wait_others_exit() {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (others_alive() > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    weft::yield();
  }
  return true;
}

std::string panic_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const weft::panic_error& e) {
    return e.what();
  }
  return "(no panic)";
}

class Time : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(Time, SleepReturnsAfterAtLeastD) {
  weft::run([&] {
    time_point t0 = weft::now();
    weft::sleep(3ms);
    EXPECT_GE(weft::now() - t0, 3ms);
    t0 = weft::now();
    weft::sleep(std::chrono::duration<double, std::milli>(1.5));
    EXPECT_GE(weft::now() - t0, 1500us);
    // d <= 0 returns at once.
    weft::sleep(0ms);
    weft::sleep(-1h);
    weft::sleep(std::chrono::nanoseconds::min());
  }, cfg());
}

TEST_P(Time, ManySleepersAllWakeAfterTheirDeadline) {
  constexpr int n = 400;
  std::atomic<int> early{0}, woke{0};
  weft::run([&] {
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&, i] {
        auto d = std::chrono::microseconds((i * 37) % 2000);
        time_point t0 = weft::now();
        weft::sleep(d);
        if (weft::now() - t0 < d) early++;
        woke++;
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(woke.load(), n);
  EXPECT_EQ(early.load(), 0);
}

TEST_P(Time, AfterDeliversTheTimeOnce) {
  weft::run([&] {
    time_point t0 = weft::now();
    weft::chan<time_point> c = weft::after(2ms);
    EXPECT_EQ(c.cap(), 1);
    time_point v = c.recv();
    EXPECT_GE(v - t0, 2ms);
    EXPECT_TRUE(empty_now(c));
    // A timeout in a select.
    weft::chan<int> never;
    int i = weft::select(weft::on_recv(never), weft::on_recv(weft::after(1ms)));
    EXPECT_EQ(i, 1);
  }, cfg());
}

TEST_P(Time, TimersFireInDeadlineOrder) {
  weft::run([&] {
    const std::vector<weft::duration> d = {6ms, 2ms, 10ms, 4ms, 8ms, 1ms};
    // Each timer's deadline lies in [lo[i], hi[i]]: arming happens between the two clock reads.
    // (Under a sanitizer, making six timers can take longer than the gaps between deadlines,
    // so only pairs whose deadlines are ordered for certain are compared.)
    std::vector<time_point> lo, hi;
    std::vector<weft::timer> ts;
    for (auto x : d) {
      lo.push_back(weft::now() + x);
      ts.emplace_back(x);
      hi.push_back(weft::now() + x);
    }
    std::vector<time_point> v;
    for (auto& t : ts) v.push_back(t.c().recv());
    for (std::size_t i = 0; i < d.size(); i++) {
      EXPECT_GE(v[i], lo[i]) << "timer " << i;
      for (std::size_t j = 0; j < d.size(); j++) {
        if (hi[i] < lo[j]) {
          EXPECT_LE(v[i], v[j]) << "timers " << i << " and " << j;
        }
      }
    }
  }, cfg());
}

TEST_P(Time, StopBeforeFiringCancels) {
  weft::run([&] {
    weft::timer t(2ms);
    EXPECT_TRUE(t.stop());
    EXPECT_FALSE(t.stop());  // already stopped
    fence(6ms);
    EXPECT_TRUE(empty_now(t.c()));
    EXPECT_EQ(t.c().len(), 0);
  }, cfg());
}

TEST_P(Time, StopAfterFiringReturnsFalseAndTheValueStays) {
  weft::run([&] {
    time_point t0 = weft::now();
    weft::timer t(1ms);
    fence(4ms);
    EXPECT_FALSE(t.stop());
    EXPECT_EQ(t.c().len(), 1);  // Go before 1.23: stop does not drain
    EXPECT_GE(t.c().recv() - t0, 1ms);
    EXPECT_TRUE(empty_now(t.c()));
  }, cfg());
}

TEST_P(Time, ResetReArmsAndSaysWhetherItWasPending) {
  weft::run([&] {
    time_point t0 = weft::now();
    weft::timer t(1h);
    EXPECT_TRUE(t.reset(2ms));  // was pending
    EXPECT_GE(t.c().recv() - t0, 2ms);
    t0 = weft::now();
    EXPECT_FALSE(t.reset(1ms));  // had fired
    EXPECT_GE(t.c().recv() - t0, 1ms);
    EXPECT_FALSE(t.stop());
    EXPECT_FALSE(t.reset(1h));  // had fired: now pending again
    EXPECT_TRUE(t.stop());
    // A reset to a later deadline: the earlier one must not fire.
    weft::timer u(2ms);
    EXPECT_TRUE(u.reset(1h));
    fence(5ms);
    EXPECT_TRUE(empty_now(u.c()));
    EXPECT_TRUE(u.stop());
  }, cfg());
}

TEST_P(Time, HugeDurationsSaturate) {
  // Deadlines at the end of time: armed, never due, stoppable; the timer thread waits for them
  // without overflowing its clock arithmetic (UBSan watches).
  weft::run([&] {
    weft::timer t(std::chrono::hours::max());
    weft::timer u(std::chrono::duration<double>(1e300));
    auto [ctx, cancel] = weft::with_timeout(weft::background(), std::chrono::hours::max());
    fence(2ms);  // the timer thread is now waiting for the huge deadlines
    EXPECT_TRUE(empty_now(t.c()));
    EXPECT_FALSE(static_cast<bool>(ctx.err()));
    EXPECT_EQ(*ctx.deadline(), time_point::max());
    EXPECT_TRUE(t.stop());
    EXPECT_TRUE(u.stop());
    cancel();
    EXPECT_EQ(weft::detail::to_duration(std::chrono::hours::min()), weft::duration::min());
    EXPECT_EQ(weft::detail::to_duration(std::chrono::duration<double>(-1e300)),
              weft::duration::min());
    EXPECT_EQ(weft::detail::to_duration(std::chrono::duration<double, std::milli>(1.5)), 1500us);
  }, cfg());
}

TEST_P(Time, NilTimerPanicsLikeGo) {
  weft::run([&] {
    weft::timer t;
    EXPECT_FALSE(static_cast<bool>(t));
    EXPECT_FALSE(static_cast<bool>(t.c()));
    EXPECT_EQ(panic_message([&] { t.stop(); }), "time: Stop called on uninitialized Timer");
    EXPECT_EQ(panic_message([&] { t.reset(1ms); }), "time: Reset called on uninitialized Timer");
  }, cfg());
}

TEST_P(Time, StopRacingTheTimerThread) {
  // Go's contract, whatever the interleaving: stop() == true means the value never arrives,
  // stop() == false means it is in the channel.
  constexpr int n = 300;
  int bad = 0, stopped = 0, fired = 0;
  weft::run([&] {
    for (int round = 0; round < 3; round++) {
      std::vector<weft::timer> ts;
      for (int i = 0; i < n; i++) ts.emplace_back(std::chrono::microseconds((i * 7) % 600));
      std::vector<bool> st(n);
      for (int i = 0; i < n; i++) {
        if (i % 3 == 0) weft::yield();
        st[i] = ts[i].stop();
      }
      fence(3ms);
      for (int i = 0; i < n; i++) {
        std::int64_t len = ts[i].c().len();
        if (len != (st[i] ? 0 : 1)) bad++;
        (st[i] ? stopped : fired)++;
      }
    }
  }, cfg());
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(stopped + fired, 3 * n);
}

TEST_P(Time, ResetRacingTheTimerThread) {
  // Reset to a far deadline while the old one may be firing: a stale firing must not send,
  // and reset() == true exactly when no value arrived.
  constexpr int n = 300;
  int bad = 0;
  weft::run([&] {
    std::vector<weft::timer> ts;
    for (int i = 0; i < n; i++) ts.emplace_back(std::chrono::microseconds((i * 11) % 500));
    std::vector<bool> was(n);
    for (int i = 0; i < n; i++) was[i] = ts[i].reset(1h);
    fence(3ms);
    for (int i = 0; i < n; i++) {
      if (ts[i].c().len() != (was[i] ? 0 : 1)) bad++;
      if (!ts[i].stop()) bad++;  // pending again after the reset
    }
  }, cfg());
  EXPECT_EQ(bad, 0);
}

TEST_P(Time, TickerTicksUntilStopped) {
  weft::run([&] {
    time_point t0 = weft::now();
    weft::ticker tk(1ms);
    EXPECT_EQ(tk.c().cap(), 1);
    time_point prev = t0;
    for (int i = 0; i < 5; i++) {
      time_point v = tk.c().recv();
      EXPECT_GT(v, prev);
      prev = v;
    }
    EXPECT_GE(prev - t0, 5ms);
    tk.stop();
    empty_now(tk.c());  // a tick sent before stop() may wait there; nothing comes after
    fence(4ms);
    EXPECT_TRUE(empty_now(tk.c()));
  }, cfg());
}

TEST_P(Time, TickerDropsTicksForASlowReceiver) {
  weft::run([&] {
    weft::ticker tk(1ms);
    weft::sleep(8ms);
    EXPECT_EQ(tk.c().len(), 1);  // seven or so ticks were due: one waits, the rest dropped
    tk.c().recv();
    tk.stop();
  }, cfg());
}

TEST_P(Time, TickerResetChangesThePeriod) {
  weft::run([&] {
    weft::ticker tk(1h);
    time_point t0 = weft::now();
    tk.reset(1ms);
    time_point a = tk.c().recv();
    time_point b = tk.c().recv();
    EXPECT_GE(a - t0, 1ms);
    EXPECT_GT(b, a);
    tk.reset(1h);
    empty_now(tk.c());
    fence(4ms);
    EXPECT_TRUE(empty_now(tk.c()));
    tk.stop();
  }, cfg());
}

TEST_P(Time, TickerPanicsLikeGo) {
  weft::run([&] {
    EXPECT_EQ(panic_message([] { weft::ticker t(0ms); }), "non-positive interval for NewTicker");
    EXPECT_EQ(panic_message([] { weft::ticker t(-1s); }), "non-positive interval for NewTicker");
    weft::ticker tk(1h);
    EXPECT_EQ(panic_message([&] { tk.reset(0ns); }), "non-positive interval for Ticker.Reset");
    weft::ticker nil;
    nil.stop();  // Go: a no-op
    EXPECT_EQ(panic_message([&] { nil.reset(1ms); }),
              "time: Reset called on uninitialized Ticker");
    tk.stop();
  }, cfg());
}

TEST_P(Time, TickerStopsWithItsLastHandle) {
  weft::run([&] {
    weft::chan<time_point> c;
    {
      weft::ticker tk(1ms);
      weft::ticker copy = tk;
      c = tk.c();
      c.recv();
    }
    fence(3ms);
    empty_now(c);  // at most one tick from before the handles went away
    fence(4ms);
    EXPECT_TRUE(empty_now(c));
  }, cfg());
}

TEST_P(Time, AfterFuncRunsInItsOwnGoroutine) {
  std::uint64_t id = 0;
  weft::run([&] {
    weft::chan<std::uint64_t> got(1);
    time_point t0 = weft::now();
    weft::timer t = weft::after_func(1ms, [got] { got.send(weft::goid()); });
    EXPECT_FALSE(static_cast<bool>(t.c()));  // Go: a func timer's C is nil
    id = got.recv();
    EXPECT_GE(weft::now() - t0, 1ms);
    EXPECT_FALSE(t.stop());  // f has been started
    EXPECT_TRUE(wait_others_exit());
  }, cfg());
  EXPECT_NE(id, 0u);
  EXPECT_NE(id, 1u);
}

TEST_P(Time, AfterFuncStopCancelsAndResetRunsItAgain) {
  std::atomic<int> ran{0};
  weft::run([&] {
    weft::timer t = weft::after_func(2ms, [&ran] { ran++; });
    EXPECT_TRUE(t.stop());
    fence(6ms);
    EXPECT_EQ(ran.load(), 0);
    EXPECT_FALSE(t.reset(1ms));  // stopped: not pending
    fence(4ms);
    EXPECT_TRUE(wait_others_exit());
    EXPECT_EQ(ran.load(), 1);
    EXPECT_FALSE(t.reset(1ms));  // fired: runs again
    fence(4ms);
    EXPECT_TRUE(wait_others_exit());
    EXPECT_EQ(ran.load(), 2);
    // A dropped handle does not cancel it.
    weft::after_func(1ms, [&ran] { ran++; });
    fence(4ms);
    EXPECT_TRUE(wait_others_exit());
    EXPECT_EQ(ran.load(), 3);
  }, cfg());
}

TEST_P(Time, AfterFuncStopRacingTheTimerThread) {
  // f runs exactly for the timers whose stop() returned false.
  constexpr int n = 300;
  std::atomic<int> ran{0};
  int stopped = 0;
  weft::run([&] {
    std::vector<weft::timer> ts;
    for (int i = 0; i < n; i++) {
      ts.push_back(weft::after_func(std::chrono::microseconds((i * 13) % 700), [&ran] { ran++; }));
    }
    for (int i = 0; i < n; i++) {
      if (i % 4 == 0) weft::yield();
      if (ts[i].stop()) stopped++;
    }
    fence(3ms);
    EXPECT_TRUE(wait_others_exit());
  }, cfg());
  EXPECT_EQ(ran.load() + stopped, n);
}

INSTANTIATE_TEST_SUITE_P(Procs, Time, ::testing::Values(1, 2, 4, 8),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "procs" + std::to_string(i.param);
                         });

}  // namespace
