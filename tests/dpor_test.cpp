// tests/dpor_test.cpp — DPOR explores one execution per Mazurkiewicz trace: exact counts on
// programs whose number of inequivalent interleavings is known, the same final outcomes as
// exhaustive DFS, and the built-in happens-before race detector.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

check::options with(check::strategy s) {
  check::options o;
  o.strat = s;
  o.executions = 10'000'000;
  return o;
}

std::uint64_t factorial(int n) { return n <= 1 ? 1 : n * factorial(n - 1); }

// N goroutines each do v = x.load(); x.store(v + 1) on a weft::atomic, joined by a wait_group.
// The loads and stores of different goroutines conflict (loads commute with loads): (N!)^2
// inequivalent interleavings. The join adds none of its own.
struct racy_increment {
  int n;
  std::set<int>* finals;
  void operator()() const {
    weft::atomic<int> x(0);
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&] {
        int v = x.load();
        x.store(v + 1);
        wg.done();
      });
    }
    wg.wait();
    finals->insert(x.load());
  }
};

class Increment : public ::testing::TestWithParam<int> {};

TEST_P(Increment, DporExploresExactlyNFactorialSquared) {
  const int n = GetParam();
  std::set<int> finals;
  auto r = check::explore(racy_increment{n, &finals}, with(check::strategy::dpor));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, factorial(n) * factorial(n));
  std::set<int> all;
  for (int v = 1; v <= n; v++) all.insert(v);
  EXPECT_EQ(finals, all);  // every final value 1..N is reachable
}

INSTANTIATE_TEST_SUITE_P(N, Increment, ::testing::Values(2, 3, 4));

TEST(Dpor, MutexProtectedIncrementIsNFactorial) {
  for (int n : {2, 3, 4}) {
    std::set<int> finals;
    auto r = check::explore([n, &finals] {
      weft::mutex mu;
      weft::atomic<int> x(0);
      weft::wait_group wg;
      wg.add(n);
      for (int i = 0; i < n; i++) {
        weft::go([&] {
          mu.lock();
          int v = x.load();
          x.store(v + 1);
          mu.unlock();
          wg.done();
        });
      }
      wg.wait();
      finals.insert(x.load());
    }, with(check::strategy::dpor));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, factorial(n)) << "n = " << n;
    EXPECT_EQ(finals, std::set<int>{n});
  }
}

TEST(Dpor, ReadersAndOneWriterIsTwoToTheN) {
  for (int n : {1, 2, 3, 4, 5}) {
    auto r = check::explore([n] {
      weft::atomic<int> x(0);
      weft::wait_group wg;
      wg.add(n + 1);
      for (int i = 0; i < n; i++) {
        weft::go([&] {
          (void)x.load();
          wg.done();
        });
      }
      weft::go([&] {
        x.store(1);
        wg.done();
      });
      wg.wait();
    }, with(check::strategy::dpor));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, 1ull << n) << "n = " << n;
  }
}

TEST(Dpor, IndependentGoroutinesNeedOneExecution) {
  auto r = check::explore([] {
    weft::wait_group wg;
    wg.add(4);
    for (int i = 0; i < 4; i++) {
      weft::go([&] {
        weft::atomic<int> mine(0);
        for (int k = 0; k < 3; k++) mine.fetch_add(1);
        wg.done();
      });
    }
    wg.wait();
  }, with(check::strategy::dpor));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 1u);
}

// The exact form: each goroutine then signals main on its own unbuffered channel.
TEST(Dpor, IncrementSignallingOnOwnChannelsIsNFactorialSquared) {
  for (int n : {2, 3, 4}) {
    std::set<int> finals;
    auto r = check::explore([n, &finals] {
      weft::atomic<int> x(0);
      std::vector<weft::chan<int>> done;
      for (int i = 0; i < n; i++) done.emplace_back(0);
      for (int i = 0; i < n; i++) {
        weft::go([&x, c = done[static_cast<std::size_t>(i)]] {
          int v = x.load();
          x.store(v + 1);
          c.send(1);  // its own handle: the send may finish after the body returned
        });
      }
      for (auto& c : done) (void)c.recv();
      finals.insert(x.load());
    }, with(check::strategy::dpor));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, factorial(n) * factorial(n)) << "n = " << n;
    EXPECT_EQ(finals.size(), static_cast<std::size_t>(n));
  }
}

TEST(Dpor, SendersOnOneUnbufferedChannelReachEveryArrivalOrder) {
  for (int n : {2, 3, 4}) {
    std::set<std::vector<int>> orders;
    auto r = check::explore([n, &orders] {
      weft::chan<int> c(0);
      for (int i = 0; i < n; i++) weft::go([c, i] { c.send(i); });
      std::vector<int> got;
      for (int i = 0; i < n; i++) got.push_back(c.recv());
      orders.insert(got);
    }, with(check::strategy::dpor));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(orders.size(), factorial(n)) << "n = " << n;
    EXPECT_EQ(r.executions, factorial(n)) << "n = " << n;
  }
}

TEST(Dpor, JoinsAddNoExecutions) {
  // Independent goroutines joined three ways: wait_group, channels, and spawn order.
  auto wg = check::explore([] {
    weft::wait_group w;
    w.add(3);
    for (int i = 0; i < 3; i++) weft::go([&] { w.done(); });
    w.wait();
  }, with(check::strategy::dpor));
  EXPECT_EQ(wg.executions, 1u) << wg.report();
  auto ch = check::explore([] {
    weft::chan<int> c(0);
    for (int i = 0; i < 3; i++) weft::go([c] { c.send(0); });
    for (int i = 0; i < 3; i++) (void)c.recv();
  }, with(check::strategy::dpor));
  // Three senders on one channel: the receiver sees them in any of 3! orders.
  EXPECT_EQ(ch.executions, 6u) << ch.report();
  auto own = check::explore([] {
    std::vector<weft::chan<int>> cs;
    for (int i = 0; i < 3; i++) cs.emplace_back(0);
    for (int i = 0; i < 3; i++) weft::go([c = cs[static_cast<std::size_t>(i)]] { c.send(0); });
    for (auto& c : cs) (void)c.recv();
  }, with(check::strategy::dpor));
  EXPECT_EQ(own.executions, 1u) << own.report();
}

TEST(Dpor, FindsTheSameBugsAsDfs) {
  // Lock-order inversion: DPOR must not prune the deadlocking interleaving.
  auto r = check::explore([] {
    weft::mutex a, b;
    weft::wait_group wg;
    wg.add(2);
    weft::go([&] { a.lock(); b.lock(); b.unlock(); a.unlock(); wg.done(); });
    weft::go([&] { b.lock(); a.lock(); a.unlock(); b.unlock(); wg.done(); });
    wg.wait();
  }, with(check::strategy::dpor));
  EXPECT_EQ(r.kind, check::failure::deadlock) << r.report();
}

}  // namespace
