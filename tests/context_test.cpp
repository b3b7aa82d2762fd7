// tests/context_test.cpp — weft::context on every worker count: background, cancellation down a
// tree (grandchildren, through value contexts), children unregistering (no leak), deadlines
// (a child never outlives its parent's), timeouts on the timer thread, values walking up the
// parents, Go's error values and strings, and cancellation racing child creation and other
// cancels.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "weft/detail/core.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

using weft::context;

template <class T>
bool ready_now(const weft::chan<T>& c) {
  return weft::select(weft::on_recv(c), weft::on_default()) == 0;
}

bool is_done(const context& ctx) { return ready_now(ctx.done()); }

std::size_t registered(const context& ctx) { return weft::detail::ctx_registered_children(ctx.node()); }

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

bool wait_blocked(int n, weft::detail::wait_reason r) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (blocked(r) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    weft::yield();
  }
  return true;
}

class Context : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST(ContextError, ValuesAndGoStrings) {
  weft::error nil;
  EXPECT_FALSE(static_cast<bool>(nil));
  EXPECT_TRUE(static_cast<bool>(weft::canceled));
  EXPECT_TRUE(static_cast<bool>(weft::deadline_exceeded));
  EXPECT_NE(weft::canceled, weft::deadline_exceeded);
  EXPECT_NE(nil, weft::canceled);
  EXPECT_EQ(weft::error(weft::error::code::canceled), weft::canceled);
  EXPECT_STREQ(weft::canceled.what(), "context canceled");
  EXPECT_STREQ(weft::deadline_exceeded.what(), "context deadline exceeded");
  EXPECT_STREQ(nil.what(), "<nil>");
  EXPECT_TRUE(weft::deadline_exceeded.timeout());
  EXPECT_FALSE(weft::canceled.timeout());
  std::ostringstream os;
  os << weft::deadline_exceeded;
  EXPECT_EQ(os.str(), "context deadline exceeded");
}

TEST_P(Context, BackgroundIsNeverDone) {
  weft::run([&] {
    context bg = weft::background();
    EXPECT_FALSE(static_cast<bool>(bg.done()));  // the nil channel
    EXPECT_FALSE(is_done(bg));                   // a select with a default takes the default
    EXPECT_FALSE(static_cast<bool>(bg.err()));
    EXPECT_FALSE(bg.deadline().has_value());
    EXPECT_EQ(bg.value<int>(1), nullptr);
    EXPECT_EQ(context(), bg);
    EXPECT_EQ(weft::todo(), bg);
    // Values under background are never done either.
    context v = weft::with_value(bg, 1, 2);
    EXPECT_FALSE(static_cast<bool>(v.done()));
    EXPECT_FALSE(static_cast<bool>(v.err()));
  }, cfg());
}

TEST_P(Context, CancelClosesDoneOnceAndSetsErr) {
  weft::run([&] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    EXPECT_TRUE(static_cast<bool>(ctx.done()));
    EXPECT_EQ(ctx.done(), ctx.done());  // always the same channel
    EXPECT_FALSE(is_done(ctx));
    EXPECT_FALSE(static_cast<bool>(ctx.err()));
    EXPECT_FALSE(ctx.deadline().has_value());
    weft::cancel_func again = cancel;
    cancel();
    EXPECT_TRUE(is_done(ctx));
    auto [v, ok] = ctx.done().recv_ok();
    EXPECT_FALSE(ok);
    EXPECT_EQ(ctx.err(), weft::canceled);
    EXPECT_STREQ(ctx.err().what(), "context canceled");
    cancel();  // twice: nothing (closing done twice would panic)
    again();
    EXPECT_EQ(ctx.err(), weft::canceled);
    weft::cancel_func none;
    none();
  }, cfg());
}

TEST_P(Context, CancelWakesEveryWaiter) {
  constexpr int n = 50;
  std::atomic<int> woke{0};
  weft::run([&] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&, c = ctx] {
        c.done().recv();
        if (c.err() == weft::canceled) woke++;
        wg.done();
      });
    }
    ASSERT_TRUE(wait_blocked(n, weft::detail::wait_reason::chan_receive));
    cancel();
    wg.wait();
  }, cfg());
  EXPECT_EQ(woke.load(), n);
}

TEST_P(Context, CancelPropagatesToTheWholeTree) {
  weft::run([&] {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    std::vector<context> kids, grandkids;
    std::vector<weft::cancel_func> cancels;
    for (int i = 0; i < 3; i++) {
      // Every other child goes through a value context: cancellation skips value nodes.
      context parent = i % 2 ? weft::with_value(root, "k", i) : root;
      auto [c, cc] = weft::with_cancel(parent);
      kids.push_back(c);
      cancels.push_back(cc);
      for (int j = 0; j < 2; j++) {
        auto [gc, gcc] = weft::with_cancel(weft::with_value(c, "j", j));
        grandkids.push_back(gc);
        cancels.push_back(gcc);
      }
    }
    EXPECT_EQ(registered(root), 3u);
    for (auto& c : kids) EXPECT_EQ(registered(c), 2u);
    // Cancelling one grandchild touches nobody else.
    cancels[1]();
    EXPECT_EQ(grandkids[0].err(), weft::canceled);
    EXPECT_FALSE(static_cast<bool>(kids[0].err()));
    EXPECT_FALSE(static_cast<bool>(grandkids[1].err()));
    EXPECT_EQ(registered(kids[0]), 1u);
    // Cancelling one child takes its subtree only.
    cancels[3]();
    EXPECT_EQ(kids[1].err(), weft::canceled);
    EXPECT_TRUE(is_done(grandkids[2]) && is_done(grandkids[3]));
    EXPECT_FALSE(is_done(kids[0]) || is_done(kids[2]) || is_done(root));
    EXPECT_EQ(registered(root), 2u);
    // The root takes everything that is left.
    cancel_root();
    EXPECT_EQ(root.err(), weft::canceled);
    for (auto& c : kids) EXPECT_EQ(c.err(), weft::canceled);
    for (auto& c : grandkids) {
      EXPECT_TRUE(is_done(c));
      EXPECT_EQ(c.err(), weft::canceled);
    }
    EXPECT_EQ(registered(root), 0u);
    for (auto& cc : cancels) cc();
  }, cfg());
}

TEST_P(Context, ChildOfADoneParentIsBornDone) {
  weft::run([&] {
    auto [p, cancel] = weft::with_cancel(weft::background());
    cancel();
    auto [c, cc] = weft::with_cancel(weft::with_value(p, 1, 1));
    EXPECT_TRUE(is_done(c));
    EXPECT_EQ(c.err(), weft::canceled);
    auto [t, tc] = weft::with_timeout(p, 1h);
    EXPECT_EQ(t.err(), weft::canceled);
    EXPECT_EQ(registered(p), 0u);
    cc();
    tc();
  }, cfg());
}

TEST_P(Context, ChildrenUnregisterWhenCancelledOrDropped) {
  weft::run([&] {
    auto [root, cancel_root] = weft::with_cancel(weft::background());
    for (int i = 0; i < 1000; i++) {
      auto [c, cc] = weft::with_cancel(root);
      auto [t, tc] = weft::with_timeout(c, 1h);
      tc();
      cc();
    }
    EXPECT_EQ(registered(root), 0u);
    for (int i = 0; i < 1000; i++) {
      auto [c, cc] = weft::with_cancel(weft::with_value(root, i, i));  // never cancelled
    }
    EXPECT_EQ(registered(root), 0u);  // the last handle unregistered it
    auto [kept, kc] = weft::with_cancel(root);
    EXPECT_EQ(registered(root), 1u);
    cancel_root();
    EXPECT_EQ(kept.err(), weft::canceled);
    EXPECT_EQ(registered(root), 0u);
  }, cfg());
}

TEST_P(Context, WithTimeoutFiresDeadlineExceeded) {
  weft::run([&] {
    weft::time_point t0 = weft::now();
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 2ms);
    ASSERT_TRUE(ctx.deadline().has_value());
    EXPECT_GE(*ctx.deadline() - t0, 2ms);
    ctx.done().recv();
    EXPECT_GE(weft::now(), *ctx.deadline());
    EXPECT_EQ(ctx.err(), weft::deadline_exceeded);
    EXPECT_STREQ(ctx.err().what(), "context deadline exceeded");
    cancel();  // after the timeout: nothing changes
    EXPECT_EQ(ctx.err(), weft::deadline_exceeded);
  }, cfg());
}

TEST_P(Context, CancelBeforeTheDeadlineWins) {
  weft::run([&] {
    // The deadline is far enough that cancel() comes first even on a loaded machine under a
    // sanitizer (2 ms was not).
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 100ms);
    cancel();
    EXPECT_EQ(ctx.err(), weft::canceled);
    weft::timer(150ms).c().recv();  // past the deadline: the stopped timer changed nothing
    EXPECT_EQ(ctx.err(), weft::canceled);
  }, cfg());
}

TEST_P(Context, DeadlinesNeverOutliveTheParents) {
  weft::run([&] {
    weft::time_point t0 = weft::now();
    auto [p, pc] = weft::with_timeout(weft::background(), 1h);
    auto [later, lc] = weft::with_deadline(p, t0 + 2h);
    EXPECT_EQ(later.deadline(), p.deadline());  // keeps the parent's earlier deadline
    auto [sooner, sc] = weft::with_timeout(weft::with_value(p, 1, 1), 2ms);
    EXPECT_LT(*sooner.deadline(), *p.deadline());
    auto [plain, plc] = weft::with_cancel(weft::with_value(p, 1, 1));
    EXPECT_EQ(plain.deadline(), p.deadline());  // inherited
    sooner.done().recv();
    EXPECT_EQ(sooner.err(), weft::deadline_exceeded);
    EXPECT_FALSE(static_cast<bool>(p.err()));
    pc();
    EXPECT_EQ(later.err(), weft::canceled);
    EXPECT_EQ(plain.err(), weft::canceled);
    lc();
    sc();
    plc();
  }, cfg());
}

TEST_P(Context, ADeadlineAlreadyPastIsDoneAtOnce) {
  weft::run([&] {
    auto [ctx, cancel] = weft::with_deadline(weft::background(), weft::now() - 1s);
    EXPECT_TRUE(is_done(ctx));
    EXPECT_EQ(ctx.err(), weft::deadline_exceeded);
    auto [z, zc] = weft::with_timeout(weft::background(), 0ns);
    EXPECT_EQ(z.err(), weft::deadline_exceeded);
    cancel();
    zc();
  }, cfg());
}

TEST_P(Context, TimeoutPropagatesThroughValuesToChildren) {
  weft::run([&] {
    auto [p, pc] = weft::with_timeout(weft::background(), 2ms);
    context v = weft::with_value(p, std::string("user"), std::string("gopher"));
    auto [c, cc] = weft::with_cancel(v);
    c.done().recv();
    EXPECT_EQ(c.err(), weft::deadline_exceeded);  // the parent's error
    EXPECT_EQ(v.err(), weft::deadline_exceeded);
    EXPECT_EQ(v.done(), p.done());
    ASSERT_NE(c.value<std::string>("user"), nullptr);
    EXPECT_EQ(*c.value<std::string>("user"), "gopher");
    pc();
    cc();
  }, cfg());
}

TEST_P(Context, ValuesWalkUpTheParents) {
  weft::run([&] {
    static const int user_key = 0, other_key = 0;
    struct request_id {
      int v;
      bool operator==(const request_id&) const = default;
    };
    context a = weft::with_value(weft::background(), &user_key, std::string("ann"));
    context b = weft::with_value(a, request_id{7}, 42);
    auto [c, cancel] = weft::with_cancel(b);
    context d = weft::with_value(c, &user_key, std::string("bob"));  // shadows a's
    ASSERT_NE(d.value<std::string>(&user_key), nullptr);
    EXPECT_EQ(*d.value<std::string>(&user_key), "bob");
    EXPECT_EQ(*c.value<std::string>(&user_key), "ann");
    EXPECT_EQ(*d.value<int>(request_id{7}), 42);
    EXPECT_EQ(d.value<int>(request_id{8}), nullptr);
    EXPECT_EQ(d.value<std::string>(&other_key), nullptr);
    EXPECT_EQ(d.value<long>(request_id{7}), nullptr);  // another type: Go's failed assertion
    EXPECT_EQ(a.value<int>(request_id{7}), nullptr);    // values never flow up
    // Keys of different types never match; strings match whatever their spelling.
    context s = weft::with_value(weft::background(), "k", 1);
    EXPECT_EQ(*s.value<int>(std::string("k")), 1);
    EXPECT_EQ(*s.value<int>(std::string_view("k")), 1);
    EXPECT_EQ(s.value<int>('k'), nullptr);
    context n = weft::with_value(weft::background(), 5, 1);
    EXPECT_EQ(n.value<int>(5L), nullptr);
    EXPECT_EQ(*n.value<int>(5), 1);
    // Go: WithValue panics on a nil key.
    const int* nil_key = nullptr;
    try {
      weft::with_value(weft::background(), nil_key, 1);
      ADD_FAILURE() << "no panic";
    } catch (const weft::panic_error& e) {
      EXPECT_STREQ(e.what(), "nil key");
    }
    cancel();
  }, cfg());
}

TEST_P(Context, CancelRacesChildCreationAndOtherCancels) {
  // Children created while their parent is being cancelled (by several goroutines at once) all
  // end cancelled, done is closed exactly once (a second close would panic), and nothing stays
  // registered.
  constexpr int makers = 8, per = 100;
  std::atomic<int> done_children{0};
  weft::run([&] {
    for (int round = 0; round < 3; round++) {
      auto [root, cancel_root] = weft::with_cancel(weft::background());
      weft::wait_group wg;
      wg.add(makers + 4);
      for (int m = 0; m < makers; m++) {
        weft::go([&, m, r = root] {
          for (int i = 0; i < per; i++) {
            auto [c, cc] = weft::with_cancel(weft::with_value(r, i, m));
            auto [g, gc] = weft::with_cancel(c);
            g.done().recv();  // returns only once the root's cancellation reached it
            if (g.err() == weft::canceled && c.err() == weft::canceled) done_children++;
          }
          wg.done();
        });
      }
      for (int k = 0; k < 4; k++) {
        weft::go([&, cancel = cancel_root] {
          weft::yield();
          cancel();
          wg.done();
        });
      }
      wg.wait();
      EXPECT_EQ(root.err(), weft::canceled);
      EXPECT_EQ(registered(root), 0u);
    }
  }, cfg());
  EXPECT_EQ(done_children.load(), 3 * makers * per);
}

TEST_P(Context, ManyTimeoutsOnTheTimerThread) {
  // Deadlines firing on the timer thread while goroutines cancel the same contexts: every
  // context ends done; those nobody cancelled say deadline_exceeded.
  constexpr int n = 300;
  int bad = 0;
  weft::run([&] {
    std::vector<context> ctxs;
    std::vector<weft::cancel_func> cancels;
    for (int i = 0; i < n; i++) {
      auto [c, cc] = weft::with_timeout(weft::background(), std::chrono::microseconds(i % 900));
      ctxs.push_back(c);
      cancels.push_back(cc);
    }
    for (int i = 0; i < n; i += 2) cancels[i]();
    for (int i = 0; i < n; i++) {
      ctxs[i].done().recv();
      weft::error e = ctxs[i].err();
      if (i % 2 == 1 && e != weft::deadline_exceeded) bad++;
      if (i % 2 == 0 && e != weft::canceled && e != weft::deadline_exceeded) bad++;
    }
    for (auto& cc : cancels) cc();
  }, cfg());
  EXPECT_EQ(bad, 0);
}

TEST_P(Context, WorkersStopWhenTheContextIsCancelled) {
  constexpr int n = 16;
  std::atomic<int> jobs{0}, stopped{0};
  weft::run([&] {
    auto [ctx, cancel] = weft::with_cancel(weft::background());
    weft::chan<int> work(0);
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&, c = ctx] {
        for (bool running = true; running;) {
          weft::select(weft::on_recv(work, [&](int) { jobs++; }),
                       weft::on_recv(c.done(), [&] { running = false; }));
        }
        stopped++;
        wg.done();
      });
    }
    for (int i = 0; i < 1000; i++) work.send(i);
    cancel();
    wg.wait();
  }, cfg());
  EXPECT_EQ(jobs.load(), 1000);
  EXPECT_EQ(stopped.load(), n);
}

INSTANTIATE_TEST_SUITE_P(Procs, Context, ::testing::Values(1, 2, 4, 8),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "procs" + std::to_string(i.param);
                         });

}  // namespace
