// tests/select_test.cpp — weft::select on every worker count: default, nil cases, send cases,
// the same channel in several cases, fairness among ready cases, a lost-wakeup hammer with exact
// totals, selects racing with close, and selects that block forever.
//
// Goroutines are waited for (wait_group) and use main's channel handles by reference: a goroutine
// still running or blocked when main returns is abandoned without unwinding (as in Go), so a
// handle copied into its closure would never be released and LeakSanitizer would object.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <set>

#include "weft/check/check.hpp"
#include "weft/check/shared.hpp"
#include "weft/detail/core.hpp"
#include "weft/weft.hpp"

namespace {

using wr = weft::detail::wait_reason;

int blocked(wr r) {
  struct acc {
    wr r;
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

bool wait_blocked(int n, wr r) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (blocked(r) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    weft::yield();
  }
  return true;
}

class Select : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(Select, DefaultWhenNothingIsReady) {
  weft::run([&] {
    weft::chan<int> empty(1), full(1), u(0);
    full.send(1);
    bool ran_default = false, ran_other = false;
    int i = weft::select(weft::on_recv(empty, [&](int, bool) { ran_other = true; }),
                         weft::on_send(full, 2, [&] { ran_other = true; }),
                         weft::on_recv(u, [&](int) { ran_other = true; }),
                         weft::on_send(u, 3, [&] { ran_other = true; }),
                         weft::on_default([&] { ran_default = true; }));
    EXPECT_EQ(i, 4);
    EXPECT_TRUE(ran_default);
    EXPECT_FALSE(ran_other);
    EXPECT_EQ(full.len(), 1);
    EXPECT_EQ(empty.len(), 0);
    // Only a default.
    EXPECT_EQ(weft::select(weft::on_default()), 0);
    // The default's position is its index, wherever it stands.
    EXPECT_EQ(weft::select(weft::on_default(), weft::on_recv(empty)), 0);
    empty.send(5);
    int got = 0;
    EXPECT_EQ(weft::select(weft::on_default(), weft::on_recv(empty, [&](int v) { got = v; })), 1);
    EXPECT_EQ(got, 5);
  }, cfg());
}

TEST_P(Select, ReadyCaseBeatsDefault) {
  weft::run([&] {
    weft::chan<int> a(1), b(4);
    for (int round = 0; round < 200; round++) {
      a.send(round);
      int v = -1;
      int i = weft::select(weft::on_recv(a, [&](int x, bool ok) { v = ok ? x : -2; }),
                           weft::on_send(b, round), weft::on_default());
      ASSERT_NE(i, 2);
      if (i == 0) {
        EXPECT_EQ(v, round);
      } else {
        EXPECT_EQ(b.recv(), round);
        EXPECT_EQ(a.recv(), round);
      }
    }
  }, cfg());
}

TEST_P(Select, NilCasesNeverFire) {
  weft::run([&] {
    weft::chan<int> nil, c(1);
    EXPECT_EQ(weft::select(weft::on_recv(nil), weft::on_send(nil, 1), weft::on_default()), 2);
    c.send(9);
    int got = 0;
    for (int i = 0; i < 50; i++) {
      int k = weft::select(weft::on_recv(nil), weft::on_send(nil, 1),
                           weft::on_recv(c, [&](int v) { got = v; }));
      EXPECT_EQ(k, 2);
      c.send(9);
    }
    EXPECT_EQ(got, 9);
  }, cfg());
}

TEST_P(Select, ReceiveCaseSeesValuesThenClosed) {
  weft::run([&] {
    weft::chan<std::string> c(2);
    c.send("a");
    c.send("b");
    c.close();
    std::vector<std::string> got;
    std::vector<bool> oks;
    for (int i = 0; i < 4; i++) {
      weft::select(weft::on_recv(c, [&](std::string s, bool ok) {
        got.push_back(s);
        oks.push_back(ok);
      }));
    }
    EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "", ""}));
    EXPECT_EQ(oks, (std::vector<bool>{true, true, false, false}));
    // The same with a default: a closed channel is ready, so the default is never taken.
    bool ok = true;
    EXPECT_EQ(weft::select(weft::on_recv(c, [&](std::string, bool k) { ok = k; }),
                           weft::on_default()),
              0);
    EXPECT_FALSE(ok);
  }, cfg());
}

TEST_P(Select, BlockingReceiveAndSendCases) {
  constexpr int n = 3000;
  long sum = 0;
  weft::run([&] {
    weft::chan<int> in(0), out(0);
    weft::wait_group wg;
    wg.add(2);
    weft::go([&in, &wg] {
      for (int i = 0; i < n; i++) in.send(i);
      wg.done();
    });
    weft::go([&out, &wg] {
      long s = 0;
      for (int i = 0; i < n; i++) s += out.recv();
      out.send(int(s % 1000003));
      wg.done();
    });
    // Move each value from `in` to `out` through blocking selects (one case each).
    for (int i = 0; i < n; i++) {
      int v = -1;
      EXPECT_EQ(weft::select(weft::on_recv(in, [&](int x) { v = x; })), 0);
      bool sent = false;
      EXPECT_EQ(weft::select(weft::on_send(out, v, [&] { sent = true; })), 0);
      EXPECT_TRUE(sent);
      sum += v;
    }
    EXPECT_EQ(out.recv(), int(sum % 1000003));
    wg.wait();
  }, cfg());
  EXPECT_EQ(sum, long(n) * (n - 1) / 2);
}

TEST_P(Select, SendCaseWokenByReceiver) {
  bool parked = false;
  int got = 0;
  weft::run([&] {
    weft::chan<int> u(0), never(0), full(1);
    full.send(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      int k = weft::select(weft::on_recv(never), weft::on_send(u, 77), weft::on_send(full, 1));
      EXPECT_EQ(k, 1);
      wg.done();
    });
    parked = wait_blocked(1, wr::select);
    got = u.recv();
    wg.wait();
    EXPECT_EQ(full.len(), 1);
    EXPECT_EQ(full.recv(), 0);
  }, cfg());
  EXPECT_TRUE(parked);
  EXPECT_EQ(got, 77);
}

TEST_P(Select, ParkedSendCaseOnFullBufferGetsRotatedIn) {
  weft::run([&] {
    weft::chan<int> c(2), never(0);
    c.send(1);
    c.send(2);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      EXPECT_EQ(weft::select(weft::on_recv(never), weft::on_send(c, 3)), 1);
      wg.done();
    });
    EXPECT_TRUE(wait_blocked(1, wr::select));
    EXPECT_EQ(c.recv(), 1);
    EXPECT_EQ(c.recv(), 2);
    EXPECT_EQ(c.recv(), 3);
    wg.wait();
  }, cfg());
}

TEST_P(Select, SameChannelInTwoCases) {
  weft::run([&] {
    // Two receive cases on one buffered channel holding one value: exactly one fires.
    weft::chan<int> c(1);
    int hits[2] = {0, 0};
    for (int round = 0; round < 400; round++) {
      c.send(round);
      int k = weft::select(weft::on_recv(c, [&](int v) { EXPECT_EQ(v, round); }),
                           weft::on_recv(c, [&](int v) { EXPECT_EQ(v, round); }));
      hits[k]++;
      EXPECT_EQ(c.len(), 0);
    }
    EXPECT_EQ(hits[0] + hits[1], 400);
    EXPECT_GT(hits[0], 0);
    EXPECT_GT(hits[1], 0);

    // Blocking: two receive cases on one unbuffered channel, woken by one sender.
    weft::chan<int> u(0);
    weft::wait_group wg;
    wg.add(1);
    int got = 0, which = -1;
    weft::go([&] {
      which = weft::select(weft::on_recv(u, [&](int v) { got = v; }),
                           weft::on_recv(u, [&](int v) { got = v + 1000; }));
      wg.done();
    });
    EXPECT_TRUE(wait_blocked(1, wr::select));
    u.send(5);
    wg.wait();
    EXPECT_TRUE((which == 0 && got == 5) || (which == 1 && got == 1005));
    // Nothing may be left queued on u.
    EXPECT_EQ(weft::select(weft::on_send(u, 1), weft::on_default()), 1);
  }, cfg());
}

TEST_P(Select, SendAndReceiveOnOneChannelPairUp) {
  // Two goroutines each select {send on u, receive from u}: they can only pair with each other
  // (a select never pairs with itself), so sends == receives.
  constexpr int rounds = 2000;
  std::atomic<int> sends{0}, recvs{0};
  long recv_sum = 0, send_sum = 0;
  weft::run([&] {
    weft::chan<int> u(0);
    weft::wait_group wg;
    wg.add(2);
    std::atomic<long> rs{0}, ss{0};
    for (int g = 0; g < 2; g++) {
      weft::go([&, g] {
        for (int i = 0; i < rounds; i++) {
          int v = g * rounds + i;
          weft::select(weft::on_send(u, v, [&] {
                         sends++;
                         ss += v;
                       }),
                       weft::on_recv(u, [&](int x) {
                         recvs++;
                         rs += x;
                       }));
        }
        wg.done();
      });
    }
    wg.wait();
    recv_sum = rs.load();
    send_sum = ss.load();
  }, cfg());
  EXPECT_EQ(sends.load(), rounds);
  EXPECT_EQ(recvs.load(), rounds);
  EXPECT_EQ(recv_sum, send_sum);
}

TEST_P(Select, FairAmongReadyCases) {
  // Three always-ready cases, 30000 selects: each should win about 10000 times.
  constexpr int rounds = 30000;
  int hits[3] = {0, 0, 0};
  int default_hits = 0;
  weft::run([&] {
    weft::chan<int> a(1), b(1), c(1);
    a.send(0);
    b.send(1);
    c.send(2);
    for (int i = 0; i < rounds; i++) {
      int k = weft::select(weft::on_recv(a, [&](int v) { a.send(v); }),
                           weft::on_recv(b, [&](int v) { b.send(v); }),
                           weft::on_recv(c, [&](int v) { c.send(v); }));
      hits[k]++;
    }
    // With a default present and every case ready, the default is never taken.
    for (int i = 0; i < 3000; i++) {
      int k = weft::select(weft::on_recv(a, [&](int v) { a.send(v); }),
                           weft::on_recv(b, [&](int v) { b.send(v); }), weft::on_default());
      default_hits += k == 2;
    }
  }, cfg());
  for (int k = 0; k < 3; k++) {
    EXPECT_GT(hits[k], 7000) << "case " << k;
    EXPECT_LT(hits[k], 13000) << "case " << k;
  }
  EXPECT_EQ(hits[0] + hits[1] + hits[2], rounds);
  EXPECT_EQ(default_hits, 0);
}

TEST_P(Select, FairBetweenSendAndReceive) {
  // A send case with room and a receive case with a value are both ready.
  int hits[2] = {0, 0};
  weft::run([&] {
    weft::chan<int> in(1), out(1);
    for (int i = 0; i < 10000; i++) {
      in.send(i);
      int k = weft::select(weft::on_recv(in), weft::on_send(out, i));
      hits[k]++;
      if (k == 0) {
        EXPECT_EQ(out.len(), 0);
      } else {
        EXPECT_EQ(out.recv(), i);
        EXPECT_EQ(in.recv(), i);
      }
    }
  }, cfg());
  EXPECT_GT(hits[0], 4000);
  EXPECT_GT(hits[1], 4000);
}

TEST_P(Select, LostWakeupHammer) {
  // Consumers each block in selects over three channels; producers send to all three. Every
  // value must arrive exactly once; a lost wakeup would hang (and fail via the deadlock
  // detector), a duplicated one would break the totals.
  constexpr int producers = 6, consumers = 6, per = 3000;
  for (int cap : {0, 2}) {
    std::atomic<long> sum{0};
    std::atomic<int> count{0}, closed_seen{0};
    weft::run([&] {
      weft::chan<int> ch[3] = {weft::chan<int>(cap), weft::chan<int>(cap), weft::chan<int>(cap)};
      weft::chan<int> quit(0);
      weft::wait_group pwg, cwg;
      pwg.add(producers);
      cwg.add(consumers);
      for (int p = 0; p < producers; p++) {
        weft::go([&, p] {
          for (int i = 0; i < per; i++) {
            int v = p * per + i;
            if (i % 4 == 3) {
              // A select sender too: offer the value to two channels at once.
              weft::select(weft::on_send(ch[(p + i) % 3], v), weft::on_send(ch[(p + i + 1) % 3], v));
            } else {
              ch[(p + i) % 3].send(v);
            }
          }
          pwg.done();
        });
      }
      for (int k = 0; k < consumers; k++) {
        weft::go([&] {
          bool done = false;
          auto take = [&](int v, bool ok) {
            if (!ok) return;
            sum += v;
            count++;
          };
          while (!done) {
            weft::select(weft::on_recv(ch[0], take), weft::on_recv(ch[1], take),
                         weft::on_recv(ch[2], take), weft::on_recv(quit, [&](int, bool ok) {
                           EXPECT_FALSE(ok);
                           done = true;
                         }));
          }
          closed_seen++;
          cwg.done();
        });
      }
      pwg.wait();
      // Every value sent has been received by now only if the consumers drained them: wait for
      // the count before telling the consumers to stop.
      while (count.load() < producers * per) weft::yield();
      quit.close();
      cwg.wait();
    }, cfg());
    const long n = long(producers) * per;
    EXPECT_EQ(count.load(), n) << "cap " << cap;
    EXPECT_EQ(sum.load(), n * (n - 1) / 2) << "cap " << cap;
    EXPECT_EQ(closed_seen.load(), consumers);
  }
}

TEST_P(Select, CloseWakesParkedSelects) {
  constexpr int n = 30;
  std::atomic<int> right{0}, wrong{0};
  bool parked = false;
  weft::run([&] {
    weft::chan<int> never(0), c(0);
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&] {
        int k = weft::select(weft::on_recv(never), weft::on_recv(c, [&](int v, bool ok) {
                               if (v == 0 && !ok) right++; else wrong++;
                             }));
        if (k != 1) wrong++;
        wg.done();
      });
    }
    parked = wait_blocked(n, wr::select);
    c.close();
    wg.wait();
    // Nothing is left queued on `never` either.
    EXPECT_EQ(weft::select(weft::on_send(never, 1), weft::on_default()), 1);
  }, cfg());
  EXPECT_TRUE(parked);
  EXPECT_EQ(right.load(), n);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_P(Select, SendCaseOnClosedChannelPanics) {
  std::string ready_msg, parked_msg;
  bool parked = false;
  weft::run([&] {
    weft::chan<int> c(0), never(0);
    c.close();
    try {
      weft::select(weft::on_recv(never), weft::on_send(c, 1));
    } catch (const weft::panic_error& e) {
      ready_msg = e.what();
    }
    weft::chan<int> d(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      try {
        weft::select(weft::on_recv(never), weft::on_send(d, 1));
      } catch (const weft::panic_error& e) {
        parked_msg = e.what();
      }
      wg.done();
    });
    parked = wait_blocked(1, wr::select);
    d.close();
    wg.wait();
  }, cfg());
  EXPECT_EQ(ready_msg, "send on closed channel");
  EXPECT_TRUE(parked);
  EXPECT_EQ(parked_msg, "send on closed channel");
}

TEST_P(Select, SelectsRacingWithClose) {
  // Each round: a receiver selects over {data, done}; a sender sends on data while another
  // goroutine closes done. The receiver sees either the value or the close, never both, never
  // neither; the sender's value is received exactly when the receiver reports it.
  constexpr int rounds = 300;
  int values = 0, closes = 0, bad = 0;
  weft::run([&] {
    for (int r = 0; r < rounds; r++) {
      weft::chan<int> data(0), done(0);
      weft::wait_group wg;
      wg.add(2);
      int kind = -1;
      weft::go([&] {
        kind = weft::select(weft::on_recv(data, [&](int v) { bad += v != r; }),
                            weft::on_recv(done, [&](int, bool ok) { bad += ok; }));
        wg.done();
      });
      weft::go([&done, &wg] {
        done.close();
        wg.done();
      });
      // The sender offers its value until the receiver has made up its mind.
      bool delivered =
          weft::select(weft::on_send(data, r), weft::on_recv(done, [](int, bool) {})) == 0;
      wg.wait();
      if (kind == 0) {
        values++;
        bad += !delivered;
      } else {
        closes++;
        bad += delivered;
      }
    }
  }, cfg());
  EXPECT_EQ(values + closes, rounds);
  EXPECT_EQ(bad, 0);
}

TEST_P(Select, SelectsWithNoCasesBlockForever) {
  bool parked_empty = false, parked_nil = false;
  std::atomic<bool> woke{false};
  int rc = weft::run([&] {
    weft::go([&] {
      weft::select();
      woke = true;
    });
    weft::go([&] {
      weft::chan<int> nil;
      weft::select(weft::on_recv(nil), weft::on_send(nil, 1));
      woke = true;
    });
    parked_empty = wait_blocked(1, wr::select_no_cases);
    parked_nil = wait_blocked(1, wr::select);
  }, cfg());
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(parked_empty);
  EXPECT_TRUE(parked_nil);
  EXPECT_FALSE(woke.load());
}

TEST_P(Select, CallbackForms) {
  weft::run([&] {
    weft::chan<int> c(3);
    c.send(1);
    c.send(2);
    c.send(3);
    int a = 0, b = 0, d = 0;
    weft::select(weft::on_recv(c, [&](int v, bool ok) { a = ok ? v : -1; }));
    weft::select(weft::on_recv(c, [&](const int& v) { b = v; }));
    weft::select(weft::on_recv(c, [&] { d = 1; }));  // value discarded
    c.send(4);
    c.send(5);
    int e = 0, f = 0;
    weft::select(weft::on_recv(c, [&](int& v, bool) { e = v; }));  // lvalue reference
    weft::select(weft::on_recv(c, [&](int&& v) { f = v; }));       // rvalue reference
    EXPECT_EQ(e, 4);
    EXPECT_EQ(f, 5);
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, 2);
    EXPECT_EQ(d, 1);
    EXPECT_EQ(c.len(), 0);
    weft::chan<long> l(1);
    weft::select(weft::on_send(l, 7));  // converted to long
    EXPECT_EQ(l.recv(), 7);
  }, cfg());
}

INSTANTIATE_TEST_SUITE_P(Procs, Select, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// ---- under the explorer --------------------------------------------------------------------

namespace check = weft::check;

check::options dfs(std::uint64_t executions = 20000) {
  check::options o;
  o.strat = check::strategy::dfs;
  o.executions = executions;
  return o;
}

check::options dpor(std::uint64_t executions = 20000) {
  check::options o = dfs(executions);
  o.strat = check::strategy::dpor;
  return o;
}

TEST(SelectExplored, TheChoiceAmongReadyCasesBelongsToThePolicy) {
  // One goroutine, three ready cases and a nil one: the only nondeterminism is select's single
  // choose(3), so DFS runs exactly three executions and sees every case taken.
  std::set<int> taken;
  auto r = check::explore([&] {
    weft::chan<int> a(1), b(1), c(1), nil;
    a.send(0);
    b.send(1);
    c.send(2);
    taken.insert(weft::select(weft::on_recv(a), weft::on_recv(nil), weft::on_recv(b),
                              weft::on_recv(c)));
  }, dfs());
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 3u);
  EXPECT_EQ(taken, (std::set<int>{0, 2, 3}));
}

TEST(SelectExplored, OneReadyCaseMakesNoChoice) {
  auto r = check::explore([] {
    weft::chan<int> a(1), b(1);
    a.send(0);
    check::require(weft::select(weft::on_recv(a), weft::on_recv(b), weft::on_default()) == 0,
                   "the only ready case");
  }, dfs());
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, 1u);
}

TEST(SelectExplored, SelectCommunicationsCarryHappensBefore) {
  // A parked select woken through each kind of case: unbuffered receive, buffered receive (a
  // direct handoff onto an empty buffer), and a send case.
  for (int cap : {0, 1}) {
    auto r = check::explore([cap] {
      weft::chan<int> c(cap), never(0), back(cap);
      check::shared<int> x(0), y(0);
      weft::wait_group wg;
      wg.add(1);
      weft::go([&] {
        weft::select(weft::on_recv(never), weft::on_recv(c));
        check::require(x.load() == 1, "the sender's write is visible");
        y.store(1);
        weft::select(weft::on_recv(never), weft::on_send(back, 2));
        wg.done();
      });
      x.store(1);
      c.send(1);
      back.recv();
      check::require(y.load() == 1, "the select sender's write is visible");
      wg.wait();
    }, dfs());
    EXPECT_TRUE(r.ok()) << "cap " << cap << "\n" << r.report();
  }
}

TEST(SelectExplored, ParkedSelectReceiverOrdersTheKPlusCapthSend) {
  // The select receiver writes x and parks on an empty buffer; the first send hands it the
  // value directly, the second fills the buffer slot that receive freed: it must see x.
  auto r = check::explore([] {
    weft::chan<int> c(1), never(0);
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      x.store(1);
      weft::select(weft::on_recv(never), weft::on_recv(c));
      c.recv();
      wg.done();
    });
    c.send(1);
    c.send(2);
    check::require(x.load() == 1, "receive #1 happens before send #2 completes");
    wg.wait();
  }, dfs());
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(SelectExplored, NoLostWakeupAcrossTwoChannelsExhaustively) {
  // One goroutine selects over two channels twice; two senders, one per channel, race to wake
  // it. Every interleaving must deliver both values: DPOR exhausts the program, and PCT samples
  // plain interleavings as a cross-check.
  for (auto strat : {check::strategy::dpor, check::strategy::pct}) {
    std::uint64_t runs = 0;
    check::options o = dpor(strat == check::strategy::pct ? 300 : 20000);
    o.strat = strat;
    auto r = check::explore([&runs] {
      runs++;
      weft::chan<int> a(0), b(0);
      weft::wait_group wg;
      wg.add(2);
      weft::go([&] {
        a.send(1);
        wg.done();
      });
      weft::go([&] {
        b.send(2);
        wg.done();
      });
      int sum = 0;
      for (int i = 0; i < 2; i++) {
        weft::select(weft::on_recv(a, [&](int v) { sum += v; }),
                     weft::on_recv(b, [&](int v) { sum += v; }));
      }
      check::require(sum == 3, "both values received");
      wg.wait();
    }, o);
    EXPECT_TRUE(r.ok()) << check::to_string(strat) << "\n" << r.report();
    EXPECT_EQ(r.executions, runs);
    EXPECT_GT(r.executions, 3u);
    if (strat == check::strategy::dpor) {
      EXPECT_LT(r.executions, 20000u) << "DPOR should exhaust this program";
    }
  }
}

TEST(SelectExplored, DefaultSynchronisesNothing) {
  weft::chan<int> c(1);  // outside the body: the failing execution is abandoned, not unwound
  auto r = check::explore([&c] {
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      x.store(1);
      weft::select(weft::on_recv(c), weft::on_default());
      wg.done();
    });
    weft::select(weft::on_send(c, 1), weft::on_default());
    x.load();
    wg.wait();
  }, dfs());
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(SelectDeath, EmptySelectInMainIsADeadlock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        weft::config c;
        c.procs = 2;
        weft::run([] { weft::select(); }, c);
      },
      ::testing::ExitedWithCode(2), "all goroutines are asleep - deadlock!");
}

}  // namespace
