// tests/runtime_core_test.cpp — the runtime core on every worker count: spawning, yielding,
// wait_group and mutex under contention with exact counts, Go's fatal exits.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "weft/weft.hpp"

namespace {

class Core : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(Core, MainRunsAsGoroutineOne) {
  std::uint64_t id = 0;
  int rc = weft::run([&] { id = weft::goid(); }, cfg());
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(id, 1u);
}

TEST_P(Core, SpawnStormWithWaitGroup) {
  constexpr int n = 20000;
  std::atomic<int> ran{0};
  weft::run([&] {
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&] {
        ran.fetch_add(1, std::memory_order_relaxed);
        wg.done();
      });
    }
    wg.wait();
    EXPECT_EQ(ran.load(), n);
  }, cfg());
  EXPECT_EQ(ran.load(), n);
}

TEST_P(Core, NestedSpawnTree) {
  // A tree of depth 5 with fan-out 6: 1 + 6 + ... + 6^5 = 9331 goroutines.
  std::atomic<int> count{0};
  struct tree {
    static void grow(int depth, std::atomic<int>& count, weft::wait_group& wg) {
      count.fetch_add(1, std::memory_order_relaxed);
      if (depth == 0) return;
      weft::wait_group kids;
      kids.add(6);
      for (int i = 0; i < 6; i++) {
        weft::go([&, depth] {
          grow(depth - 1, count, kids);
          kids.done();
        });
      }
      kids.wait();
      (void)wg;
    }
  };
  weft::run([&] {
    weft::wait_group unused;
    tree::grow(5, count, unused);
  }, cfg());
  EXPECT_EQ(count.load(), 9331);
}

TEST_P(Core, MutexCountsExactly) {
  constexpr int workers = 16, iters = 5000;
  long counter = 0;  // plain: the mutex is the only protection
  weft::run([&] {
    weft::mutex mu;
    weft::wait_group wg;
    wg.add(workers);
    for (int w = 0; w < workers; w++) {
      weft::go([&] {
        for (int i = 0; i < iters; i++) {
          std::lock_guard<weft::mutex> lk(mu);
          counter++;
          if (i % 64 == 0) weft::yield();  // hold the lock across a switch sometimes
        }
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(counter, long(workers) * iters);
}

TEST_P(Core, YieldInterleavesGoroutines) {
  std::atomic<int> turns{0};
  weft::run([&] {
    weft::wait_group wg;
    wg.add(2);
    for (int k = 0; k < 2; k++) {
      weft::go([&] {
        for (int i = 0; i < 1000; i++) {
          turns.fetch_add(1);
          weft::yield();
        }
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(turns.load(), 2000);
}

TEST_P(Core, UnlockFromAnotherGoroutine) {
  bool second_got_it = false;
  weft::run([&] {
    weft::mutex mu;
    weft::wait_group wg;
    mu.lock();
    wg.add(1);
    weft::go([&] {
      mu.unlock();  // Go allows unlocking a mutex locked by another goroutine
      wg.done();
    });
    wg.wait();
    EXPECT_TRUE(mu.try_lock());
    second_got_it = true;
    mu.unlock();
  }, cfg());
  EXPECT_TRUE(second_got_it);
}

TEST_P(Core, NegativeWaitGroupCounterPanics) {
  std::string what;
  weft::run([&] {
    weft::wait_group wg;
    try {
      wg.done();
    } catch (const weft::panic_error& e) {
      what = e.what();
    }
  }, cfg());
  EXPECT_EQ(what, "sync: negative WaitGroup counter");
}

TEST_P(Core, UnlockOfUnlockedMutexPanics) {
  std::string what;
  weft::run([&] {
    weft::mutex mu;
    try {
      mu.unlock();
    } catch (const weft::panic_error& e) {
      what = e.what();
    }
  }, cfg());
  EXPECT_EQ(what, "sync: unlock of unlocked mutex");
}

INSTANTIATE_TEST_SUITE_P(Procs, Core, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace
