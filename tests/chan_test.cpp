// tests/chan_test.cpp — weft::chan on every worker count: FIFO order, rendezvous, buffering,
// exact counts under many producers and consumers, close semantics and Go's panics, range, nil
// channels, the runtime's internal send, handle semantics and element lifetimes.
//
// Goroutines are waited for (wait_group) and use main's channel handles by reference: a goroutine
// still running or blocked when main returns is abandoned without unwinding (as in Go), so a
// handle copied into its closure would never be released and LeakSanitizer would object.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/check/shared.hpp"
#include "weft/detail/core.hpp"
#include "weft/weft.hpp"

namespace {

// blocked: how many goroutines are parked right now with wait reason r.
int blocked(weft::detail::wait_reason r) {
  struct acc {
    weft::detail::wait_reason r;
    int n;
  } a{r, 0};
  weft::detail::for_each_g(
      [](weft::detail::g* gp, void* p) {
        auto* x = static_cast<acc*>(p);
        if (gp->status.load(std::memory_order_acquire) == weft::detail::gstatus::waiting &&
            gp->reason == x->r) {
          x->n++;
        }
      },
      &a);
  return a.n;
}

// wait_blocked: yield until n goroutines are parked with reason r (never sleeps; gives up after
// a generous bound so a bug fails the test instead of hanging it).
bool wait_blocked(int n, weft::detail::wait_reason r) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (blocked(r) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    weft::yield();
  }
  return true;
}

using wr = weft::detail::wait_reason;

class Chan : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(Chan, FifoPerChannel) {
  for (int cap : {0, 1, 16}) {
    constexpr int n = 20000;
    int bad = -1, got = 0;
    weft::run([&] {
      weft::chan<int> c(cap);
      weft::wait_group wg;
      wg.add(1);
      weft::go([&c, &wg] {
        for (int i = 0; i < n; i++) c.send(i);
        wg.done();
      });
      for (int i = 0; i < n; i++) {
        int v = c.recv();
        if (v != i && bad < 0) bad = i;
        got++;
      }
      wg.wait();
    }, cfg());
    EXPECT_EQ(bad, -1) << "cap " << cap;
    EXPECT_EQ(got, n);
  }
}

TEST_P(Chan, UnbufferedSendCompletesOnlyWithAReceiver) {
  // The receiver announces it is about to take value i; a send that returned before that would
  // be a buffered send.
  constexpr int n = 5000;
  std::atomic<int> arrived{-1};
  int early = 0;
  weft::run([&] {
    weft::chan<int> u(0);
    EXPECT_EQ(u.cap(), 0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      for (int i = 0; i < n; i++) {
        arrived.store(i);
        EXPECT_EQ(u.recv(), i);
      }
      wg.done();
    });
    for (int i = 0; i < n; i++) {
      u.send(i);
      if (arrived.load() < i) early++;
      EXPECT_EQ(u.len(), 0);
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(early, 0);
}

TEST_P(Chan, UnbufferedReceiverWaitsForSender) {
  int got = 0;
  bool parked_first = false;
  weft::run([&] {
    weft::chan<int> u(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      got = u.recv();
      wg.done();
    });
    parked_first = wait_blocked(1, wr::chan_receive);
    u.send(42);
    wg.wait();
  }, cfg());
  EXPECT_TRUE(parked_first);
  EXPECT_EQ(got, 42);
}

TEST_P(Chan, BufferedCapacityLenCap) {
  weft::run([&] {
    weft::chan<int> c(3);
    EXPECT_EQ(c.cap(), 3);
    EXPECT_EQ(c.len(), 0);
    c.send(1);
    c.send(2);
    c.send(3);  // fills the buffer without a receiver
    EXPECT_EQ(c.len(), 3);
    int r = weft::select(weft::on_send(c, 4), weft::on_default());
    EXPECT_EQ(r, 1) << "a full buffer must not accept a fourth value";
    EXPECT_EQ(c.recv(), 1);
    EXPECT_EQ(c.len(), 2);
    c.send(4);
    EXPECT_EQ(c.len(), 3);
    EXPECT_EQ(c.recv(), 2);
    EXPECT_EQ(c.recv(), 3);
    EXPECT_EQ(c.recv(), 4);
    EXPECT_EQ(c.len(), 0);
    weft::chan<int> nil;
    EXPECT_EQ(nil.len(), 0);
    EXPECT_EQ(nil.cap(), 0);
  }, cfg());
}

TEST_P(Chan, BufferedSenderBlocksWhenFull) {
  bool blocked_when_full = false;
  std::vector<int> got;
  weft::run([&] {
    weft::chan<int> c(2);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      for (int i = 0; i < 3; i++) c.send(i);  // the third send blocks
      wg.done();
    });
    blocked_when_full = wait_blocked(1, wr::chan_send);
    EXPECT_EQ(c.len(), 2);
    for (int i = 0; i < 3; i++) got.push_back(c.recv());
    wg.wait();
  }, cfg());
  EXPECT_TRUE(blocked_when_full);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

TEST_P(Chan, ParkedSendersKeepFifoThroughAFullBuffer) {
  // Buffer [0, 1]; senders A, B, C park in that order with 10, 11, 12. Receiving takes the head
  // and moves the first parked sender's value to the tail (Go's rotation).
  std::vector<int> got;
  bool ok = true;
  weft::run([&] {
    weft::chan<int> c(2);
    c.send(0);
    c.send(1);
    weft::wait_group wg;
    wg.add(3);
    for (int k = 0; k < 3; k++) {
      weft::go([&, k] {
        c.send(10 + k);
        wg.done();
      });
      ok = ok && wait_blocked(k + 1, wr::chan_send);
    }
    for (int i = 0; i < 5; i++) got.push_back(c.recv());
    wg.wait();
    EXPECT_EQ(c.len(), 0);
  }, cfg());
  EXPECT_TRUE(ok);
  EXPECT_EQ(got, (std::vector<int>{0, 1, 10, 11, 12}));
}

TEST_P(Chan, ManyProducersManyConsumersExact) {
  constexpr int producers = 8, consumers = 8, per = 4000;
  for (int cap : {0, 1, 64}) {
    std::vector<std::atomic<int>> seen(producers * per);
    std::atomic<long> sum{0};
    std::atomic<int> count{0};
    weft::run([&] {
      weft::chan<int> c(cap);
      weft::wait_group pwg, cwg;
      pwg.add(producers);
      cwg.add(consumers);
      for (int p = 0; p < producers; p++) {
        weft::go([&, p] {
          for (int i = 0; i < per; i++) c.send(p * per + i);
          pwg.done();
        });
      }
      for (int k = 0; k < consumers; k++) {
        weft::go([&] {
          for (int v : c) {
            seen[static_cast<std::size_t>(v)].fetch_add(1, std::memory_order_relaxed);
            sum.fetch_add(v, std::memory_order_relaxed);
            count.fetch_add(1, std::memory_order_relaxed);
          }
          cwg.done();
        });
      }
      pwg.wait();
      c.close();
      cwg.wait();
    }, cfg());
    const long n = long(producers) * per;
    EXPECT_EQ(count.load(), n) << "cap " << cap;
    EXPECT_EQ(sum.load(), n * (n - 1) / 2) << "cap " << cap;
    int dup = 0;
    for (auto& s : seen) dup += s.load() != 1;
    EXPECT_EQ(dup, 0) << "cap " << cap;
  }
}

TEST_P(Chan, CloseWakesEveryReceiver) {
  constexpr int n = 50;
  for (int cap : {0, 4}) {
    std::atomic<int> zero_false{0}, other{0};
    bool all_parked = false;
    weft::run([&] {
      weft::chan<int> c(cap);
      weft::wait_group wg;
      wg.add(n);
      for (int i = 0; i < n; i++) {
        weft::go([&] {
          auto [v, ok] = c.recv_ok();
          if (v == 0 && !ok) zero_false++; else other++;
          wg.done();
        });
      }
      all_parked = wait_blocked(n, wr::chan_receive);
      c.close();
      wg.wait();
    }, cfg());
    EXPECT_TRUE(all_parked);
    EXPECT_EQ(zero_false.load(), n) << "cap " << cap;
    EXPECT_EQ(other.load(), 0);
  }
}

TEST_P(Chan, CloseMakesEveryParkedSenderPanic) {
  constexpr int n = 40;
  for (int cap : {0, 3}) {
    std::atomic<int> panicked{0}, returned{0}, wrong_message{0};
    bool all_parked = false;
    int drained = 0;
    weft::run([&] {
      weft::chan<int> c(cap);
      for (int i = 0; i < cap; i++) c.send(-1);  // fill the buffer: every sender below parks
      weft::wait_group wg;
      wg.add(n);
      for (int i = 0; i < n; i++) {
        weft::go([&, i] {
          try {
            c.send(i);
            returned++;
          } catch (const weft::panic_error& e) {
            if (std::string(e.what()) == "send on closed channel") panicked++;
            else wrong_message++;
          }
          wg.done();
        });
      }
      all_parked = wait_blocked(n, wr::chan_send);
      c.close();
      wg.wait();
      for (int v : c) drained += v == -1;  // the buffered values survive the close
    }, cfg());
    EXPECT_TRUE(all_parked);
    EXPECT_EQ(panicked.load(), n) << "cap " << cap;
    EXPECT_EQ(returned.load(), 0);
    EXPECT_EQ(wrong_message.load(), 0);
    EXPECT_EQ(drained, cap);
  }
}

TEST_P(Chan, GoPanicsWordForWord) {
  std::string closed_send, closed_close, nil_close;
  weft::run([&] {
    weft::chan<int> c(1);
    c.close();
    try {
      c.send(1);
    } catch (const weft::panic_error& e) {
      closed_send = e.what();
    }
    try {
      c.close();
    } catch (const weft::panic_error& e) {
      closed_close = e.what();
    }
    weft::chan<int> nil;
    try {
      nil.close();
    } catch (const weft::panic_error& e) {
      nil_close = e.what();
    }
  }, cfg());
  EXPECT_EQ(closed_send, "send on closed channel");
  EXPECT_EQ(closed_close, "close of closed channel");
  EXPECT_EQ(nil_close, "close of nil channel");
}

TEST_P(Chan, NegativeCapacityPanics) {
  std::string what;
  weft::run([&] {
    try {
      weft::chan<int> c(-1);
    } catch (const weft::panic_error& e) {
      what = e.what();
    }
  }, cfg());
  EXPECT_EQ(what, "makechan: size out of range");
}

TEST_P(Chan, ReceiveFromClosedDrainsThenZero) {
  weft::run([&] {
    weft::chan<int> c(3);
    c.send(7);
    c.send(8);
    c.close();
    EXPECT_EQ(c.len(), 2);
    auto [a, oka] = c.recv_ok();
    EXPECT_EQ(a, 7);
    EXPECT_TRUE(oka);
    EXPECT_EQ(c.recv(), 8);
    for (int i = 0; i < 3; i++) {
      auto [z, okz] = c.recv_ok();
      EXPECT_EQ(z, 0);
      EXPECT_FALSE(okz);
    }
    EXPECT_EQ(c.recv(), 0);
    weft::chan<std::string> s(0);
    s.close();
    auto [v, ok] = s.recv_ok();
    EXPECT_EQ(v, "");
    EXPECT_FALSE(ok);
  }, cfg());
}

TEST_P(Chan, RangeUntilClosedAndDrained) {
  long sum = 0;
  int count = 0;
  weft::run([&] {
    weft::chan<int> c(10);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&c, &wg] {
      for (int i = 1; i <= 1000; i++) c.send(i);
      c.close();
      wg.done();
    });
    for (int v : c) {
      sum += v;
      count++;
    }
    wg.wait();
    int after = 0;
    for (int v : c) after += v;  // closed and drained: the loop body never runs
    EXPECT_EQ(after, 0);
  }, cfg());
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(sum, 500500);
}

TEST_P(Chan, NilChannelBlocksForever) {
  bool recv_parked = false, send_parked = false;
  std::atomic<bool> woke{false};
  int default_taken = 0;
  weft::run([&] {
    weft::chan<int> nil;
    weft::go([&, nil]() {
      nil.recv();
      woke = true;
    });
    weft::go([&, nil]() {
      nil.send(1);
      woke = true;
    });
    recv_parked = wait_blocked(1, wr::chan_receive_nil);
    send_parked = wait_blocked(1, wr::chan_send_nil);
    for (int i = 0; i < 100; i++) {
      weft::yield();
      default_taken += weft::select(weft::on_recv(nil), weft::on_send(nil, 1), weft::on_default()) == 2;
    }
    // main returns with both goroutines still blocked: run must return, not hang.
  }, cfg());
  EXPECT_TRUE(recv_parked);
  EXPECT_TRUE(send_parked);
  EXPECT_FALSE(woke.load());
  EXPECT_EQ(default_taken, 100);
}

TEST_P(Chan, BlockedGoroutinesAtExitDoNotHangRun) {
  bool parked = false;
  // The channels outlive the run (a handle must outlive every call made through it, and the
  // abandoned goroutines stay inside theirs); the goroutines use these handles by reference so
  // that nothing is left unreleased in their never-unwound closures.
  weft::chan<int> u(0), full(1);
  int rc = weft::run([&] {
    full.send(0);
    for (int i = 0; i < 10; i++) {
      weft::go([&u] { u.recv(); });
      weft::go([&full] { full.send(1); });
    }
    parked = wait_blocked(10, wr::chan_receive) && wait_blocked(10, wr::chan_send);
  }, cfg());
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(parked);
}

TEST_P(Chan, InternalTrySendNeverBlocks) {
  int got = 0;
  bool parked = false;
  weft::run([&] {
    weft::chan<int> c(1);
    EXPECT_TRUE(c.try_send_internal(1));
    EXPECT_FALSE(c.try_send_internal(2));  // full
    EXPECT_EQ(c.recv(), 1);
    weft::chan<int> u(0);
    EXPECT_FALSE(u.try_send_internal(3));  // no receiver waiting
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      got = u.recv();
      wg.done();
    });
    parked = wait_blocked(1, wr::chan_receive);
    EXPECT_TRUE(u.try_send_internal(4));  // hands off to the parked receiver
    wg.wait();
    c.close();
    EXPECT_FALSE(c.try_send_internal(5));  // closed: false, no panic
    weft::chan<int> nil;
    EXPECT_FALSE(nil.try_send_internal(6));
  }, cfg());
  EXPECT_TRUE(parked);
  EXPECT_EQ(got, 4);
}

TEST_P(Chan, HandlesShareOneChannel) {
  weft::run([&] {
    weft::chan<int> a(2);
    weft::chan<int> b = a;
    weft::chan<int> other(2);
    weft::chan<int> nil1, nil2;
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == other);
    EXPECT_TRUE(nil1 == nil2);
    EXPECT_FALSE(a == nil1);
    EXPECT_TRUE(static_cast<bool>(a));
    EXPECT_FALSE(static_cast<bool>(nil1));
    b.send(5);
    EXPECT_EQ(a.len(), 1);
    EXPECT_EQ(a.recv(), 5);
    weft::chan<int> m = std::move(b);
    EXPECT_TRUE(m == a);
    EXPECT_FALSE(static_cast<bool>(b));
    nil1 = a;
    EXPECT_TRUE(nil1 == a);
    a = weft::chan<int>();
    m.send(6);
    EXPECT_EQ(nil1.recv(), 6);
  }, cfg());
}

struct counted {
  static std::atomic<int> live;
  std::unique_ptr<int> p;
  counted() : p(std::make_unique<int>(0)) { live++; }
  explicit counted(int v) : p(std::make_unique<int>(v)) { live++; }
  counted(counted&& o) noexcept : p(std::move(o.p)) { live++; }
  counted& operator=(counted&&) noexcept = default;
  ~counted() { live--; }
  int value() const { return p ? *p : -1; }
};
std::atomic<int> counted::live{0};

TEST_P(Chan, NonTrivialElementsMoveAndDie) {
  counted::live = 0;
  long sum = 0;
  weft::run([&] {
    for (int cap : {0, 3}) {
      weft::chan<counted> c(cap);
      weft::wait_group wg;
      wg.add(1);
      weft::go([&c, &wg] {
        for (int i = 1; i <= 100; i++) c.send(counted(i));
        c.close();
        wg.done();
      });
      for (counted& v : c) sum += v.value();
      wg.wait();
    }
    {
      weft::chan<counted> left(4);
      left.send(counted(1));
      left.send(counted(2));  // destroyed with the channel
    }
    weft::chan<std::string> s(1);
    s.send(std::string(100, 'x'));
    EXPECT_EQ(s.recv(), std::string(100, 'x'));
  }, cfg());
  EXPECT_EQ(sum, 2 * 5050);
  EXPECT_EQ(counted::live.load(), 0);
}

TEST_P(Chan, PlainDataPublishedBySendAndRecv) {
  // Plain (non-atomic) data handed over through channels: correct only if send/recv order memory
  // (and, under TSan, only if the happens-before announcements are right).
  static constexpr int rounds = 2000;
  long total = 0;
  weft::run([&] {
    for (int cap : {0, 2}) {
      weft::chan<long*> to(cap), back(cap);
      weft::wait_group wg;
      wg.add(2);
      weft::go([&to, &back, &wg] {
        for (long* p : to) {
          *p += 1;  // written by the worker...
          back.send(p);
        }
        back.close();
        wg.done();
      });
      std::vector<long> cells(rounds, 0);
      weft::go([&to, &cells, &wg] {
        for (int i = 0; i < rounds; i++) {
          cells[i] = i;  // ...after this goroutine wrote it
          to.send(&cells[i]);
        }
        to.close();
        wg.done();
      });
      for (long* p : back) total += *p;  // ...and read back by main
      wg.wait();
    }
  }, cfg());
  EXPECT_EQ(total, 2 * (long(rounds) * (rounds - 1) / 2 + rounds));
}

TEST_P(Chan, BufferedChannelAsCountingSemaphore) {
  // Go's memory-model example: a buffered channel of capacity k bounds concurrency to k.
  constexpr int k = 3, workers = 24;
  std::atomic<int> inside{0}, max_inside{0};
  weft::run([&] {
    weft::chan<int> sem(k);
    weft::wait_group wg;
    wg.add(workers);
    for (int w = 0; w < workers; w++) {
      weft::go([&] {
        for (int i = 0; i < 50; i++) {
          sem.send(1);
          int now = ++inside;
          int m = max_inside.load();
          while (now > m && !max_inside.compare_exchange_weak(m, now)) {
          }
          weft::yield();
          --inside;
          sem.recv();
        }
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_LE(max_inside.load(), k);
  EXPECT_GE(max_inside.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Procs, Chan, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// ---- under the explorer: every interleaving DFS reaches, and the happens-before edges of the
// Go memory model as the checker's race detector sees them (a missing edge is a false race, an
// extra one hides a real race).

namespace check = weft::check;

check::options dfs(std::uint64_t executions = 20000) {
  check::options o;
  o.strat = check::strategy::dfs;
  o.executions = executions;
  return o;
}

// dpor: exhaustive over Mazurkiewicz traces, for programs whose plain interleavings are too many.
check::options dpor(std::uint64_t executions = 20000) {
  check::options o = dfs(executions);
  o.strat = check::strategy::dpor;
  return o;
}

// A failing execution is abandoned without unwinding its goroutines, so the tests that expect a
// race keep their channel outside the body (one channel for all executions: every execution
// before the failing one leaves it empty).

TEST(ChanExplored, SendHappensBeforeReceiveCompletes) {
  for (int cap : {0, 1, 4}) {
    auto r = check::explore([cap] {
      weft::chan<int> c(cap);
      check::shared<int> x(0);
      weft::wait_group wg;
      wg.add(1);
      weft::go([&] {
        x.store(1);
        c.send(0);
        wg.done();
      });
      c.recv();
      check::require(x.load() == 1, "the sender's write is visible after the receive");
      wg.wait();
    }, dfs());
    EXPECT_TRUE(r.ok()) << "cap " << cap << "\n" << r.report();
    EXPECT_LT(r.executions, 20000u) << "DFS should exhaust this program";
  }
}

TEST(ChanExplored, UnbufferedReceiveHappensBeforeSendCompletes) {
  auto r = check::explore([] {
    weft::chan<int> c(0);
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      x.store(1);
      c.recv();
      wg.done();
    });
    c.send(0);
    check::require(x.load() == 1, "the receiver's write is visible once the send completed");
    wg.wait();
  }, dfs());
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(ChanExplored, BufferedReceiveDoesNotOrderTheSameSend) {
  // With a buffer the k-th send does not wait for the k-th receive: Go's race detector reports
  // this program, and so must the checker.
  weft::chan<int> c(1);
  auto r = check::explore([&c] {
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      x.store(1);
      c.recv();
      wg.done();
    });
    c.send(0);
    x.load();
    wg.wait();
  }, dfs());
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(ChanExplored, KthReceiveHappensBeforeKPlusCapthSendCompletes) {
  // The receiver writes x, then takes the 1st value; the sender's (1+cap)-th send completes only
  // after that receive. Every interleaving is tried: the receiver parked on an empty buffer
  // (direct handoff), the sender parked on a full one (Go's rotation), or neither.
  for (int cap : {1, 2}) {
    std::uint64_t runs = 0;
    auto r = check::explore([cap, &runs] {
      runs++;
      weft::chan<int> c(cap);
      check::shared<int> x(0);
      weft::wait_group wg;
      wg.add(1);
      weft::go([&] {
        x.store(1);
        c.recv();
        for (int i = 0; i < cap; i++) c.recv();
        wg.done();
      });
      for (int i = 0; i <= cap; i++) c.send(i);
      check::require(x.load() == 1, "the first receive is visible after send #cap+1");
      wg.wait();
    }, dfs());
    EXPECT_TRUE(r.ok()) << "cap " << cap << "\n" << r.report();
    EXPECT_EQ(r.executions, runs);
    EXPECT_GT(r.executions, 3u);
  }
}

TEST(ChanExplored, LaterReceiveDoesNotOrderAnEarlierSendsCompletion) {
  // The second receive happens after the first send completed, not before it: the write made
  // before the second receive races with the read after the first send.
  weft::chan<int> c(1);
  auto r = check::explore([&c] {
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      c.recv();
      x.store(1);
      c.recv();
      wg.done();
    });
    c.send(0);
    x.load();
    c.send(1);
    wg.wait();
  }, dfs());
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(ChanExplored, RotationDoesNotOrderTheParkedSendBeforeTheReceive) {
  // The buffer is full and a sender parks; a receive takes the head and moves the parked value
  // to the tail. That (k+cap)-th send is not ordered before the k-th receive (Go reports this).
  weft::chan<int> c(1);
  auto r = check::explore([&c] {
    check::shared<int> x(0);
    c.send(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      x.store(1);
      c.send(1);
      wg.done();
    });
    c.recv();
    x.load();
    c.recv();
    wg.wait();
  }, dfs());
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(ChanExplored, CloseHappensBeforeAReceiveThatObservesIt) {
  for (int cap : {0, 2}) {
    auto r = check::explore([cap] {
      weft::chan<int> c(cap);
      check::shared<int> x(0);
      weft::wait_group wg;
      wg.add(2);
      for (int k = 0; k < 2; k++) {
        weft::go([&] {
          auto [v, ok] = c.recv_ok();
          check::require(!ok && v == 0, "only the close arrives");
          check::require(x.load() == 1, "the closer's write is visible");
          wg.done();
        });
      }
      x.store(1);
      c.close();
      wg.wait();
    }, dpor());
    EXPECT_TRUE(r.ok()) << "cap " << cap << "\n" << r.report();
  }
}

TEST(ChanExplored, ParkedSendersPanicOnCloseInEveryInterleaving) {
  auto r = check::explore([] {
    weft::chan<int> c(0);
    weft::atomic<int> panicked(0);
    weft::wait_group wg;
    wg.add(2);
    for (int k = 0; k < 2; k++) {
      weft::go([&] {
        try {
          c.send(1);
        } catch (const weft::panic_error& e) {
          check::require(std::string(e.what()) == "send on closed channel", "Go's message");
          panicked.fetch_add(1);
        }
        wg.done();
      });
    }
    auto [v, ok] = c.recv_ok();
    check::require(ok && v == 1, "one value arrives before the close");
    c.close();
    wg.wait();
    check::require(panicked.load() == 1, "exactly the other sender panics");
  }, dpor());
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(ChanExplored, NoLostOrDuplicatedValuesInAnyInterleaving) {
  std::uint64_t runs = 0;
  auto r = check::explore([&runs] {
    runs++;
    weft::chan<int> c(1);
    weft::atomic<int> sum(0);
    weft::wait_group wg;
    wg.add(4);
    for (int p = 1; p <= 2; p++) {
      weft::go([&, p] {
        c.send(p);
        wg.done();
      });
    }
    for (int k = 0; k < 2; k++) {
      weft::go([&] {
        sum.fetch_add(c.recv());
        wg.done();
      });
    }
    wg.wait();
    check::require(sum.load() == 3, "each value received exactly once");
  }, dpor());
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, runs);
  EXPECT_LT(r.executions, 20000u) << "DPOR should exhaust this program";
}

TEST(ChanExplored, LeftBlockedOnANilChannelIsALeak) {
  auto r = check::explore([] {
    weft::go([] {
      weft::chan<int> nil;
      nil.send(1);
    });
    weft::yield();
  }, dfs(100));
  EXPECT_EQ(r.kind, check::failure::leak) << r.report();
}

TEST(ChanDeath, ReceiveOnNilChannelAloneIsADeadlock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::config c;
        c.procs = 2;
        weft::run([] {
          weft::chan<int> nil;
          nil.recv();
        }, c);
      },
      ::testing::ExitedWithCode(2), "all goroutines are asleep - deadlock!");
}

TEST(ChanDeath, UnrecoveredSendOnClosedChannelEndsTheProgram) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::config c;
        c.procs = 1;
        weft::run([] {
          weft::chan<int> ch(1);
          ch.close();
          ch.send(1);
        }, c);
      },
      ::testing::ExitedWithCode(2), "panic: send on closed channel");
}

}  // namespace
