// tests/runtime_stress_test.cpp — the parking/wakeup protocol and primitive lifetimes, hammered
// on 1, 2, 4 and 8 workers with exact counts.
//
// What each hammer is after:
//  - Ping-pong handoffs: a wakeup racing with the park it is meant to end (the waker runs on
//    another worker while the sleeper is still switching off its stack) must never be lost and
//    never run the goroutine twice. A lost wakeup hangs (the runtime then dies with its deadlock
//    report); a double run breaks the strict alternation the tests assert.
//  - Gates: many goroutines parking on one wait_group while another goroutine opens it, round
//    after round, so parks and the release interleave in every order.
//  - Lifetimes: Go (and std::mutex/std::latch) allow freeing a wait_group as soon as wait()
//    returns and a mutex as soon as it is unlocked, while the goroutine that called done() /
//    unlock() is still returning from it. The primitives promise their last touch of the object
//    comes before ready(); ASan turns a broken promise into a use-after-free report.
//
// Each test runs well under a second in an optimised build. Sanitizer builds are slower, so
// WEFT_TSAN / WEFT_ASAN (defined by the build with -DWEFT_SANITIZE=...) scale iterations down:
// switch-heavy loops by 8; loops that start a goroutine per iteration by 128 under
// ThreadSanitizer, whose fiber bookkeeping (GCC 12's runtime) costs about half a millisecond per
// goroutine start.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "weft/weft.hpp"

namespace {

#if defined(WEFT_TSAN)
constexpr int switch_scale = 8, spawn_scale = 128;
#elif defined(WEFT_ASAN)
constexpr int switch_scale = 8, spawn_scale = 8;
#else
constexpr int switch_scale = 1, spawn_scale = 1;
#endif

/// switches: an iteration count for loops that park and wake goroutines that already exist.
constexpr int switches(int n) { return n / switch_scale > 0 ? n / switch_scale : 1; }
/// spawns: an iteration count for loops that start a goroutine (or several) per iteration.
constexpr int spawns(int n) { return n / spawn_scale > 0 ? n / spawn_scale : 1; }

// in_lanes: run body(lane) in `n` concurrent goroutines and wait for all of them. Independent
// lanes keep every worker busy, so wakeups regularly cross workers (thieves take goroutines off
// a busy worker's queue) instead of staying on one worker's runnext slot.
template <class F>
void in_lanes(int n, F body) {
  weft::wait_group all;
  all.add(n);
  for (int lane = 0; lane < n; lane++) {
    weft::go([&all, &body, lane] {
      body(lane);
      all.done();
    });
  }
  all.wait();
}

constexpr int lanes = 8;

class Stress : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

// Two goroutines alternate strictly, each handing the turn over by unlocking a mutex the other
// is (often) parked on. Go allows unlocking a mutex locked by another goroutine, so the two
// mutexes act as binary semaphores: ping starts free, pong starts held. Several pairs run at
// once, one per lane.
TEST_P(Stress, MutexPingPongAlternatesStrictly) {
  const int rounds = switches(6000);  // per pair
  std::atomic<long> turns{0};
  std::atomic<int> out_of_turn{0};
  weft::run([&] {
    in_lanes(lanes, [&](int) {
      weft::mutex ping, pong;
      long turn = 0;  // plain on purpose: only the handoffs order the two goroutines' accesses
      weft::wait_group wg;
      pong.lock();
      wg.add(2);
      weft::go([&] {
        for (int i = 0; i < rounds; i++) {
          ping.lock();
          if (turn % 2 != 0) out_of_turn++;
          turn++;
          pong.unlock();
        }
        wg.done();
      });
      weft::go([&] {
        for (int i = 0; i < rounds; i++) {
          pong.lock();
          if (turn % 2 != 1) out_of_turn++;
          turn++;
          ping.unlock();
        }
        wg.done();
      });
      wg.wait();
      // The last handoff freed ping; pong stays held by the side that took it last.
      EXPECT_TRUE(ping.try_lock());
      EXPECT_FALSE(pong.try_lock());
      turns += turn;
    });
  }, cfg());
  EXPECT_EQ(turns.load(), 2L * lanes * rounds);
  EXPECT_EQ(out_of_turn.load(), 0);
}

// The same alternation through wait_groups: each round, one side waits on a fresh group that the
// other side opens, so every round is a park racing with the done() that ends it.
TEST_P(Stress, WaitGroupPingPongAlternatesStrictly) {
  const int rounds = switches(10000);  // per pair
  std::atomic<long> turns{0};
  std::atomic<int> out_of_turn{0};
  weft::run([&] {
    in_lanes(lanes, [&](int) {
      // Round i: this goroutine opens to_peer[i], the peer opens to_self[i].
      const auto n = static_cast<std::size_t>(rounds);
      std::vector<weft::wait_group> to_peer(n), to_self(n);
      for (std::size_t i = 0; i < n; i++) {
        to_peer[i].add(1);
        to_self[i].add(1);
      }
      long turn = 0;  // plain: only the wait_groups order the accesses
      weft::wait_group finished;
      finished.add(1);
      weft::go([&] {
        for (std::size_t i = 0; i < n; i++) {
          to_peer[i].wait();
          if (turn % 2 != 1) out_of_turn++;
          turn++;
          to_self[i].done();
        }
        finished.done();
      });
      for (std::size_t i = 0; i < n; i++) {
        if (turn % 2 != 0) out_of_turn++;
        turn++;
        to_peer[i].done();
        to_self[i].wait();
      }
      finished.wait();
      turns += turn;
    });
  }, cfg());
  EXPECT_EQ(turns.load(), 2L * lanes * rounds);
  EXPECT_EQ(out_of_turn.load(), 0);
}

// Many goroutines park on a gate that the main goroutine opens, round after round; each round
// every parker must pass exactly once before the next gate opens.
TEST_P(Stress, ManyParkersOnGatesReleasedByOthers) {
  const int parkers = 32;
  const int rounds = switches(1500);
  std::atomic<long> passed{0};
  int miscounted_rounds = 0;
  weft::run([&] {
    std::vector<weft::wait_group> gate(static_cast<std::size_t>(rounds));
    std::vector<weft::wait_group> through(static_cast<std::size_t>(rounds));
    for (int r = 0; r < rounds; r++) {
      gate[static_cast<std::size_t>(r)].add(1);
      through[static_cast<std::size_t>(r)].add(parkers);
    }
    weft::wait_group all;
    all.add(parkers);
    for (int p = 0; p < parkers; p++) {
      weft::go([&] {
        for (int r = 0; r < rounds; r++) {
          gate[static_cast<std::size_t>(r)].wait();
          passed.fetch_add(1, std::memory_order_relaxed);
          through[static_cast<std::size_t>(r)].done();
        }
        all.done();
      });
    }
    for (int r = 0; r < rounds; r++) {
      if (r % 3 == 0) weft::yield();  // sometimes let parkers park first, sometimes not
      gate[static_cast<std::size_t>(r)].done();
      through[static_cast<std::size_t>(r)].wait();
      if (passed.load(std::memory_order_relaxed) != long(parkers) * (r + 1)) miscounted_rounds++;
    }
    all.wait();
  }, cfg());
  EXPECT_EQ(passed.load(), long(parkers) * rounds);
  EXPECT_EQ(miscounted_rounds, 0);
}

// Several independent pairs, each a wait_group-and-mutex relay, so wakeups cross workers in both
// directions at once: the relay counter is protected by the mutex only.
TEST_P(Stress, RelayPairsCountExactly) {
  const int pairs = 8;
  const int rounds = spawns(4000);
  std::vector<long> counters(pairs, 0);
  weft::run([&] {
    weft::wait_group all;
    all.add(pairs);
    for (int p = 0; p < pairs; p++) {
      weft::go([&, p] {
        weft::mutex mu;
        long& counter = counters[static_cast<std::size_t>(p)];
        for (int r = 0; r < rounds; r++) {
          weft::wait_group step;
          step.add(1);
          weft::go([&] {
            std::lock_guard<weft::mutex> lk(mu);
            counter++;
            step.done();  // under the lock: the waiter then contends for mu as we release it
          });
          step.wait();
          std::lock_guard<weft::mutex> lk(mu);
          counter++;
        }
        all.done();
      });
    }
    all.wait();
  }, cfg());
  for (int p = 0; p < pairs; p++) EXPECT_EQ(counters[static_cast<std::size_t>(p)], 2L * rounds);
}

// A heap wait_group deleted the moment wait() returns, while the goroutine that called done()
// may still be inside done().
TEST_P(Stress, HeapWaitGroupFreedRightAfterWait) {
  const int iters = spawns(320000) / lanes;  // per lane
  std::atomic<int> done_calls{0};
  std::atomic<int> completed{0};
  weft::run([&] {
    in_lanes(lanes, [&](int) {
      for (int i = 0; i < iters; i++) {
        auto* wg = new weft::wait_group;
        wg->add(1);
        weft::go([wg, &done_calls, i] {
          if (i % 2) weft::yield();  // odd rounds: the waiter is (usually) parked first
          done_calls.fetch_add(1, std::memory_order_relaxed);
          wg->done();
        });
        wg->wait();
        delete wg;
        completed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }, cfg());
  EXPECT_EQ(completed.load(), lanes * iters);
  EXPECT_EQ(done_calls.load(), lanes * iters);
}

// A wait_group on a goroutine's own stack: the goroutine returns (its stack goes back to the
// pool and is handed to the next goroutine) as soon as wait() returns, while the helper that
// called done() may still be returning from it.
TEST_P(Stress, StackWaitGroupDiesWithItsGoroutine) {
  const int iters = spawns(20000);
  std::atomic<int> finished{0};
  weft::run([&] {
    weft::wait_group all;
    all.add(iters);
    for (int i = 0; i < iters; i++) {
      weft::go([&] {
        weft::wait_group wg;  // dies when this goroutine returns
        wg.add(2);
        weft::go([&wg] { wg.done(); });
        weft::go([&wg] { wg.done(); });
        wg.wait();
        finished.fetch_add(1, std::memory_order_relaxed);
        all.done();
      });
      if (i % 64 == 63) weft::yield();  // keep the number of live goroutines moderate
    }
    all.wait();
  }, cfg());
  EXPECT_EQ(finished.load(), iters);
}

// A heap mutex deleted as soon as the goroutine that waited for it gets it and unlocks it,
// while the other goroutine's unlock() (which handed it over) may still be returning.
TEST_P(Stress, HeapMutexFreedRightAfterUnlockByAnother) {
  const int iters = spawns(120000) / lanes;  // per lane
  std::atomic<int> unlocks{0};
  std::atomic<int> completed{0};
  weft::run([&] {
    in_lanes(lanes, [&](int) {
      for (int i = 0; i < iters; i++) {
        auto* mu = new weft::mutex;
        mu->lock();
        weft::go([mu, &unlocks, i] {
          if (i % 2) weft::yield();  // odd rounds: the locker is (usually) parked first
          unlocks.fetch_add(1, std::memory_order_relaxed);
          mu->unlock();  // hands the mutex to the goroutine blocked in lock() below
        });
        mu->lock();
        mu->unlock();
        delete mu;
        completed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }, cfg());
  EXPECT_EQ(completed.load(), lanes * iters);
  EXPECT_EQ(unlocks.load(), lanes * iters);
}

// The same with contention: several goroutines queue on a heap mutex, and the last one out
// frees it right after its unlock (a wait_group tells it that it is the last).
TEST_P(Stress, ContendedHeapMutexFreedByLastHolder) {
  const int iters = spawns(48000) / lanes;  // per lane
  const int contenders = 6;
  std::atomic<long> total{0};
  weft::run([&] {
    in_lanes(lanes, [&](int) {
    for (int i = 0; i < iters; i++) {
      auto* mu = new weft::mutex;
      auto* left = new std::atomic<int>(contenders);
      auto* tp = new long(0);  // guarded by *mu
      weft::wait_group wg;
      wg.add(contenders);
      mu->lock();
      for (int c = 0; c < contenders; c++) {
        weft::go([mu, left, tp, &wg] {
          mu->lock();
          ++*tp;
          bool last = left->fetch_sub(1, std::memory_order_acq_rel) == 1;
          mu->unlock();
          if (last) {
            delete mu;  // nobody touches mu after the last unlock
            delete left;
          }
          wg.done();
        });
      }
      mu->unlock();  // lets the queue drain (the contenders may or may not have parked yet)
      wg.wait();
      total.fetch_add(*tp, std::memory_order_relaxed);
      delete tp;
    }
    });
  }, cfg());
  EXPECT_EQ(total.load(), long(lanes) * contenders * iters);
}

INSTANTIATE_TEST_SUITE_P(Procs, Stress, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace
