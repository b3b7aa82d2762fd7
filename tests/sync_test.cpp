// tests/sync_test.cpp — Go's sync package on every worker count: rw_mutex (exact counts,
// shared readers, writer priority, turns, misuse, std lock adapters), once (exactly once, every
// caller after f, a panicking f counts as done), cond (signal wakes one in FIFO order,
// broadcast wakes all, a bounded queue with exact totals, no lost signal), atomic<T>, and
// lifetime hammers that destroy a primitive right after the handoff that released it (the
// ASan/TSan builds turn any touch after the last one into a failure).
//
// Orderings are forced without sleeping: parked_on() reads the goroutine registry to learn that
// a goroutine is blocked on a given object with a given wait reason; a test polls it (yielding)
// only while no goroutine it inspects can be woken concurrently.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/check/shared.hpp"
#include "weft/weft.hpp"

namespace {

using weft::detail::wait_reason;

// parked_on: how many goroutines wait on obj for reason r.
int parked_on(const void* obj, wait_reason r) {
  struct acc {
    const void* obj;
    wait_reason r;
    int n;
  } a{obj, r, 0};
  weft::detail::for_each_g(
      [](weft::detail::g* gp, void* p) {
        auto* a = static_cast<acc*>(p);
        if (gp->status.load(std::memory_order_acquire) == weft::detail::gstatus::waiting &&
            gp->wait_object == a->obj && gp->reason == a->r) {
          a->n++;
        }
      },
      &a);
  return a.n;
}

// await_parked: yield until at least n goroutines wait on obj for r; false after 20 s (a bug,
// not a slow machine: the goroutines it waits for only need to run a few steps).
bool await_parked(const void* obj, wait_reason r, int n) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (parked_on(obj, r) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    weft::yield();
  }
  return true;
}

template <class F>
std::string panic_of(F&& f) {
  try {
    f();
  } catch (const weft::panic_error& e) {
    return e.what();
  }
  return "(no panic)";
}

class Sync : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

// ---- rw_mutex ------------------------------------------------------------------------------

TEST_P(Sync, RwMutexCountsExactly) {
  constexpr int writers = 4, readers = 8, witers = 2000, riters = 2000;
  long a = 0, b = 0;  // plain: written only under the write lock, always equal outside it
  long torn = 0, reads = 0;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::mutex stats;
    weft::wait_group wg;
    wg.add(writers + readers);
    for (int w = 0; w < writers; w++) {
      weft::go([&] {
        for (int i = 0; i < witers; i++) {
          std::unique_lock<weft::rw_mutex> lk(rw);
          a++;
          if (i % 32 == 0) weft::yield();  // hold the write lock across a switch
          b++;
        }
        wg.done();
      });
    }
    for (int r = 0; r < readers; r++) {
      weft::go([&] {
        long my_torn = 0;
        for (int i = 0; i < riters; i++) {
          std::shared_lock<weft::rw_mutex> lk(rw);
          long x = a;
          if (i % 16 == 0) weft::yield();  // hold the read lock across a switch
          if (x != a || a != b) my_torn++;
        }
        {
          std::lock_guard<weft::mutex> g(stats);
          torn += my_torn;
          reads += riters;
        }
        wg.done();  // last touch: main may destroy everything once all are done
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(a, long(writers) * witers);
  EXPECT_EQ(b, long(writers) * witers);
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(reads, long(readers) * riters);
}

TEST_P(Sync, ReadersHoldTheLockTogether) {
  constexpr int n = 16;
  int most = 0;
  bool try_lock_failed = false, try_shared_ok = false;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::mutex mu;
    int holding = 0;
    weft::wait_group inside, release, finished;
    inside.add(n);
    release.add(1);
    finished.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&] {
        rw.lock_shared();
        {
          std::lock_guard<weft::mutex> g(mu);
          holding++;
          if (holding > most) most = holding;
        }
        inside.done();
        release.wait();  // every reader holds the read lock here at the same time
        {
          std::lock_guard<weft::mutex> g(mu);
          holding--;
        }
        rw.unlock_shared();
        finished.done();
      });
    }
    inside.wait();
    try_lock_failed = !rw.try_lock();
    try_shared_ok = rw.try_lock_shared();
    if (try_shared_ok) rw.unlock_shared();
    release.done();
    finished.wait();
    EXPECT_TRUE(rw.try_lock());  // everyone is out
    rw.unlock();
  }, cfg());
  EXPECT_EQ(most, n);
  EXPECT_TRUE(try_lock_failed);
  EXPECT_TRUE(try_shared_ok);
}

TEST_P(Sync, WaitingWriterBlocksNewReaders) {
  std::vector<std::string> order;
  bool try_shared_while_writer_waits = true;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::wait_group wg;
    wg.add(2);
    rw.lock_shared();  // an old reader holds the lock
    weft::go([&] {
      rw.lock();
      order.push_back("writer");
      rw.unlock();
      wg.done();
    });
    ASSERT_TRUE(await_parked(&rw, wait_reason::rw_lock, 1));  // the writer announced itself
    try_shared_while_writer_waits = rw.try_lock_shared();
    weft::go([&] {
      rw.lock_shared();  // only readers hold the lock, yet this blocks behind the writer
      order.push_back("new reader");
      rw.unlock_shared();
      wg.done();
    });
    ASSERT_TRUE(await_parked(&rw, wait_reason::rw_rlock, 1));
    EXPECT_EQ(parked_on(&rw, wait_reason::rw_lock), 1);
    rw.unlock_shared();  // the old reader leaves: the writer first, then the new reader
    wg.wait();
  }, cfg());
  EXPECT_FALSE(try_shared_while_writer_waits);
  EXPECT_EQ(order, (std::vector<std::string>{"writer", "new reader"}));
}

TEST_P(Sync, WriterUnlockAdmitsBlockedReadersBeforeTheNextWriter) {
  std::vector<std::string> order;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::mutex mu;  // orders the two readers' appends
    weft::wait_group wg;
    wg.add(3);
    rw.lock();
    for (int i = 0; i < 2; i++) {
      weft::go([&] {
        rw.lock_shared();
        {
          std::lock_guard<weft::mutex> g(mu);
          order.push_back("reader");
        }
        rw.unlock_shared();
        wg.done();
      });
    }
    ASSERT_TRUE(await_parked(&rw, wait_reason::rw_rlock, 2));
    weft::go([&] {
      rw.lock();
      order.push_back("writer");
      rw.unlock();
      wg.done();
    });
    ASSERT_TRUE(await_parked(&rw, wait_reason::rw_lock, 1));
    rw.unlock();
    wg.wait();
  }, cfg());
  EXPECT_EQ(order, (std::vector<std::string>{"reader", "reader", "writer"}));
}

TEST_P(Sync, RwMutexWritersTakeTurnsInArrivalOrder) {
  constexpr int n = 6;
  std::vector<int> order;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::wait_group wg;
    wg.add(n);
    rw.lock();
    for (int i = 0; i < n; i++) {
      weft::go([&, i] {
        rw.lock();
        order.push_back(i);
        rw.unlock();
        wg.done();
      });
      ASSERT_TRUE(await_parked(&rw, wait_reason::rw_lock, i + 1));
    }
    rw.unlock();
    wg.wait();
  }, cfg());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST_P(Sync, RwMutexTryLocks) {
  std::vector<bool> got;
  weft::run([&] {
    weft::rw_mutex rw;
    got.push_back(rw.try_lock());         // free: true
    got.push_back(rw.try_lock());         // write-locked: false
    got.push_back(rw.try_lock_shared());  // write-locked: false
    rw.unlock();
    got.push_back(rw.try_lock_shared());  // true
    got.push_back(rw.try_lock_shared());  // true (readers share)
    got.push_back(rw.try_lock());         // read-locked: false
    rw.unlock_shared();
    got.push_back(rw.try_lock());  // still one reader: false
    rw.unlock_shared();
    got.push_back(rw.try_lock());  // free: true
    rw.unlock();
  }, cfg());
  EXPECT_EQ(got, (std::vector<bool>{true, false, false, true, true, false, false, true}));
}

TEST_P(Sync, RwMutexMisusePanics) {
  std::vector<std::string> what;
  bool usable_after = false;
  weft::run([&] {
    weft::rw_mutex rw;
    what.push_back(panic_of([&] { rw.unlock(); }));
    what.push_back(panic_of([&] { rw.unlock_shared(); }));
    rw.lock_shared();
    what.push_back(panic_of([&] { rw.unlock(); }));  // read-locked, not write-locked
    rw.unlock_shared();
    rw.lock();
    what.push_back(panic_of([&] { rw.unlock_shared(); }));  // write-locked, no reader
    rw.unlock();
    // A writer still waiting for a reader does not hold the lock either.
    rw.lock_shared();
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      rw.lock();
      rw.unlock();
      wg.done();
    });
    ASSERT_TRUE(await_parked(&rw, wait_reason::rw_lock, 1));
    what.push_back(panic_of([&] { rw.unlock(); }));
    rw.unlock_shared();
    wg.wait();
    usable_after = rw.try_lock();
    rw.unlock();
  }, cfg());
  EXPECT_EQ(what, (std::vector<std::string>{
                      "sync: Unlock of unlocked RWMutex", "sync: RUnlock of unlocked RWMutex",
                      "sync: Unlock of unlocked RWMutex", "sync: RUnlock of unlocked RWMutex",
                      "sync: Unlock of unlocked RWMutex"}));
  EXPECT_TRUE(usable_after);
}

TEST_P(Sync, RwMutexWorksWithStdLockAdapters) {
  int value = 0;
  bool shared_try = false, unique_try_while_shared = true;
  weft::run([&] {
    weft::rw_mutex rw;
    {
      std::lock_guard<weft::rw_mutex> g(rw);
      value = 1;
    }
    {
      std::unique_lock<weft::rw_mutex> u(rw);
      value++;
      u.unlock();
      u.lock();
      value++;
    }
    {
      std::shared_lock<weft::rw_mutex> s1(rw);
      std::shared_lock<weft::rw_mutex> s2(rw, std::try_to_lock);
      shared_try = s2.owns_lock();
      std::unique_lock<weft::rw_mutex> u(rw, std::try_to_lock);
      unique_try_while_shared = u.owns_lock();
    }
    std::unique_lock<weft::rw_mutex> u(rw, std::try_to_lock);
    EXPECT_TRUE(u.owns_lock());
  }, cfg());
  EXPECT_EQ(value, 3);
  EXPECT_TRUE(shared_try);
  EXPECT_FALSE(unique_try_while_shared);
}

TEST_P(Sync, RwMutexAnyGoroutineMayUnlock) {
  bool write_ok = false, read_ok = false;
  weft::run([&] {
    weft::rw_mutex rw;
    weft::wait_group wg;
    rw.lock();
    wg.add(1);
    weft::go([&] {
      rw.unlock();  // released by a goroutine that did not lock it
      wg.done();
    });
    wg.wait();
    write_ok = rw.try_lock_shared();
    wg.add(1);
    weft::go([&] {
      rw.unlock_shared();
      wg.done();
    });
    wg.wait();
    read_ok = rw.try_lock();
    rw.unlock();
  }, cfg());
  EXPECT_TRUE(write_ok);
  EXPECT_TRUE(read_ok);
}

// ---- once ----------------------------------------------------------------------------------

TEST_P(Sync, OnceRunsExactlyOnceAndEveryCallerSeesItsEffect) {
  constexpr int callers = 100;
  weft::atomic<int> runs;
  int early = 0;
  weft::run([&] {
    weft::once o;
    bool initialised = false;  // plain: written by f, read by every caller after call()
    weft::mutex mu;
    weft::wait_group wg;
    wg.add(callers);
    for (int i = 0; i < callers; i++) {
      weft::go([&] {
        o.call([&] {
          runs++;
          for (int k = 0; k < 20; k++) weft::yield();  // let the others arrive and wait
          initialised = true;
        });
        if (!initialised) {
          std::lock_guard<weft::mutex> g(mu);
          early++;
        }
        wg.done();
      });
    }
    wg.wait();
    o.call([&] { runs++; });  // done: returns without running
  }, cfg());
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(early, 0);
}

TEST_P(Sync, OncePanickingFunctionCountsAsDone) {
  constexpr int waiters = 5;
  std::string first;
  int ran = 0, after = 0, waiter_returned = 0;
  weft::run([&] {
    weft::once o;
    weft::mutex mu;
    weft::wait_group wg;
    bool started = false;
    wg.add(waiters);
    first = panic_of([&] {
      o.call([&] {
        ran++;
        started = true;
        for (int i = 0; i < waiters; i++) {
          weft::go([&] {
            o.call([&] { ran++; });  // parks until f has finished, then returns: no rerun
            {
              std::lock_guard<weft::mutex> g(mu);
              waiter_returned++;
            }
            wg.done();
          });
        }
        ASSERT_TRUE(await_parked(&o, wait_reason::once_do, waiters));
        throw weft::panic_error("boom");
      });
    });
    EXPECT_TRUE(started);
    wg.wait();
    o.call([&] { after++; });
  }, cfg());
  EXPECT_EQ(first, "boom");
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(after, 0);
  EXPECT_EQ(waiter_returned, waiters);
}

TEST_P(Sync, OnceStdExceptionPropagatesFromTheRunningCall) {
  std::string what;
  int calls = 0;
  weft::run([&] {
    weft::once o;
    try {
      o.call([&] {
        calls++;
        throw std::runtime_error("init failed");
      });
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    o.call([&] { calls++; });
  }, cfg());
  EXPECT_EQ(what, "init failed");
  EXPECT_EQ(calls, 1);
}

// ---- cond ----------------------------------------------------------------------------------

TEST_P(Sync, CondSignalWakesExactlyOneInFifoOrder) {
  constexpr int n = 5;
  std::vector<int> order;
  std::vector<int> still_parked;
  weft::run([&] {
    weft::mutex mu;
    weft::cond c(mu);
    weft::wait_group wg;
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&, i] {
        mu.lock();
        c.wait();  // no predicate: Go's Cond has no spurious wakeups
        order.push_back(i);
        mu.unlock();
        wg.done();
      });
      ASSERT_TRUE(await_parked(&c, wait_reason::cond_wait, i + 1));  // arrival order = i
    }
    for (int k = 0; k < n; k++) {
      c.signal();
      // One waiter leaves the cond per signal, synchronously (ready() is immediate) ...
      still_parked.push_back(parked_on(&c, wait_reason::cond_wait));
      // ... and appends before the next signal.
      for (;;) {
        mu.lock();
        std::size_t got = order.size();
        mu.unlock();
        if (got == std::size_t(k) + 1) break;
        weft::yield();
      }
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(still_parked, (std::vector<int>{4, 3, 2, 1, 0}));
}

TEST_P(Sync, CondBroadcastWakesAllAndSignalsDoNotAccumulate) {
  constexpr int n = 8;
  int woken = 0;
  int parked_before = -1, parked_after_broadcast = -1;
  weft::run([&] {
    weft::mutex mu;
    weft::cond c(mu);
    bool go_ahead = false;
    weft::wait_group wg;
    c.signal();     // nobody waits: a no-op, not a banked wakeup
    c.broadcast();  // likewise
    wg.add(n);
    for (int i = 0; i < n; i++) {
      weft::go([&] {
        {
          std::unique_lock<weft::mutex> lk(mu);
          while (!go_ahead) c.wait();
          woken++;
        }
        wg.done();
      });
    }
    ASSERT_TRUE(await_parked(&c, wait_reason::cond_wait, n));
    parked_before = parked_on(&c, wait_reason::cond_wait);
    {
      std::lock_guard<weft::mutex> g(mu);
      go_ahead = true;
    }
    c.broadcast();
    parked_after_broadcast = parked_on(&c, wait_reason::cond_wait);
    wg.wait();
  }, cfg());
  EXPECT_EQ(parked_before, n);
  EXPECT_EQ(parked_after_broadcast, 0);
  EXPECT_EQ(woken, n);
}

TEST_P(Sync, CondBoundedQueueExactTotals) {
  constexpr int producers = 4, consumers = 4, items = 1000, cap = 4;
  long sum = 0, count = 0;
  std::size_t max_size = 0;
  weft::run([&] {
    weft::mutex mu;
    weft::cond not_full(mu), not_empty(mu);
    std::deque<long> q;
    bool closed = false;
    weft::wait_group prod, cons;
    prod.add(producers);
    cons.add(consumers);
    for (int p = 0; p < producers; p++) {
      weft::go([&, p] {
        for (int i = 0; i < items; i++) {
          std::unique_lock<weft::mutex> lk(mu);
          while (q.size() == cap) not_full.wait();
          q.push_back(long(p) * items + i);
          if (q.size() > max_size) max_size = q.size();
          not_empty.signal();
        }
        prod.done();
      });
    }
    for (int k = 0; k < consumers; k++) {
      weft::go([&] {
        long my_sum = 0, my_count = 0;
        for (;;) {
          std::unique_lock<weft::mutex> lk(mu);
          while (q.empty() && !closed) not_empty.wait();
          if (q.empty()) break;  // closed and drained
          my_sum += q.front();
          my_count++;
          q.pop_front();
          not_full.signal();
          if (my_count % 8 == 0) {
            lk.unlock();
            weft::yield();
          }
        }
        {
          std::lock_guard<weft::mutex> g(mu);
          sum += my_sum;
          count += my_count;
        }
        cons.done();
      });
    }
    prod.wait();
    {
      std::lock_guard<weft::mutex> g(mu);
      closed = true;
    }
    not_empty.broadcast();
    cons.wait();
  }, cfg());
  constexpr long n = long(producers) * items;
  EXPECT_EQ(count, n);
  EXPECT_EQ(sum, n * (n - 1) / 2);
  EXPECT_LE(max_size, std::size_t(cap));
}

TEST_P(Sync, CondSignalRightAfterUnlockIsNeverLost) {
  // The signal comes outside the lock, often while the waiter is between unlocking the mutex
  // and parking. A lost wakeup would leave a goroutine blocked forever: the runtime would die
  // with "all goroutines are asleep - deadlock!".
  constexpr int rounds = 2000;
  int handled = 0;
  weft::run([&] {
    weft::mutex mu;
    weft::cond c(mu);
    int posted = 0, taken = 0;
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      {
        std::unique_lock<weft::mutex> lk(mu);
        while (taken < rounds) {
          while (posted == taken) c.wait();
          taken++;
          handled++;
        }
      }
      wg.done();
    });
    for (int i = 0; i < rounds; i++) {
      mu.lock();
      posted++;
      mu.unlock();
      c.signal();
      if (i % 4 == 0) weft::yield();
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(handled, rounds);
}

TEST_P(Sync, CondWaitWithoutTheLockPanicsAndLosesNoSignal) {
  std::string what;
  bool woke = false;
  weft::run([&] {
    weft::mutex mu;
    weft::cond c(mu);
    what = panic_of([&] { c.wait(); });  // the mutex is not held
    EXPECT_EQ(parked_on(&c, wait_reason::cond_wait), 0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      {
        std::lock_guard<weft::mutex> g(mu);
        c.wait();
        woke = true;
      }
      wg.done();
    });
    ASSERT_TRUE(await_parked(&c, wait_reason::cond_wait, 1));
    c.signal();  // reaches the real waiter: the failed wait left nothing behind
    wg.wait();
  }, cfg());
  EXPECT_EQ(what, "sync: unlock of unlocked mutex");
  EXPECT_TRUE(woke);
}

// ---- atomic --------------------------------------------------------------------------------

TEST_P(Sync, AtomicFetchAddCountsExactly) {
  constexpr int workers = 16, iters = 5000;
  weft::atomic<long> n;
  weft::atomic<unsigned> bits;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(workers);
    for (int w = 0; w < workers; w++) {
      weft::go([&, w] {
        for (int i = 0; i < iters; i++) {
          switch (i % 4) {
            case 0: n.fetch_add(1); break;
            case 1: n++; break;
            case 2: ++n; break;
            default: n += 1; break;
          }
          if (i % 100 == 0) weft::yield();
        }
        bits.fetch_or(1u << w);
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(n.load(), long(workers) * iters);
  EXPECT_EQ(bits.load(), 0xffffu);
}

TEST_P(Sync, AtomicCompareExchangeLoop) {
  constexpr int workers = 8, iters = 2000;
  weft::atomic<int> x;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(workers);
    for (int w = 0; w < workers; w++) {
      weft::go([&] {
        for (int i = 0; i < iters; i++) {
          int cur = x.load();
          while (!x.compare_exchange_weak(cur, cur + 1)) {
            // cur now holds the value seen: retry from it
          }
          if (i % 50 == 0) weft::yield();
        }
        wg.done();
      });
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(x.load(), workers * iters);
  int expected = 7;
  EXPECT_FALSE(x.compare_exchange_strong(expected, 0));
  EXPECT_EQ(expected, workers * iters);  // a failed exchange reports what it saw
  EXPECT_TRUE(x.compare_exchange_strong(expected, 0));
  EXPECT_EQ(x.load(), 0);
}

TEST_P(Sync, AtomicStoreLoadExchangeAndOtherTypes) {
  struct pair {
    int a;
    int b;
  };
  int arr[4] = {10, 20, 30, 40};
  weft::run([&] {
    weft::atomic<int> i(5);
    EXPECT_EQ(i.load(), 5);
    i.store(9);
    EXPECT_EQ(int(i), 9);
    EXPECT_EQ(i = 11, 11);
    EXPECT_EQ(i.exchange(3), 11);
    EXPECT_EQ(i.fetch_sub(1), 3);
    EXPECT_EQ(i--, 2);
    EXPECT_EQ(--i, 0);
    EXPECT_EQ(i -= 5, -5);
    EXPECT_EQ(i.fetch_and(0x3), -5);
    EXPECT_EQ(i.load(), -5 & 0x3);
    EXPECT_EQ(i ^= 0x5, (-5 & 0x3) ^ 0x5);
    EXPECT_EQ(i |= 0x10, ((-5 & 0x3) ^ 0x5) | 0x10);
    EXPECT_EQ(i &= 0x11, 0x11 & (((-5 & 0x3) ^ 0x5) | 0x10));

    weft::atomic<std::int8_t> small(127);
    EXPECT_EQ(++small, std::int8_t(-128));  // wraps like std::atomic

    weft::atomic<bool> flag;
    EXPECT_FALSE(flag.load());
    EXPECT_FALSE(flag.exchange(true));
    EXPECT_TRUE(flag);
    bool want = false;
    EXPECT_FALSE(flag.compare_exchange_strong(want, false));
    EXPECT_TRUE(want);

    weft::atomic<int*> p(arr);
    EXPECT_EQ(*p.fetch_add(2), 10);
    EXPECT_EQ(*p.load(), 30);
    EXPECT_EQ(*++p, 40);
    EXPECT_EQ(*(p -= 3), 10);
    EXPECT_EQ(p++, arr);
    EXPECT_EQ(p.load(), arr + 1);

    weft::atomic<pair> s(pair{1, 2});
    pair old = s.exchange(pair{3, 4});
    EXPECT_EQ(old.a, 1);
    EXPECT_EQ(old.b, 2);
    pair exp{3, 4};
    EXPECT_TRUE(s.compare_exchange_strong(exp, pair{5, 6}));
    EXPECT_EQ(s.load().b, 6);
    pair wrong{0, 0};
    EXPECT_FALSE(s.compare_exchange_strong(wrong, pair{7, 8}));
    EXPECT_EQ(wrong.a, 5);
  }, cfg());
}

TEST_P(Sync, AtomicPublishesPlainData) {
  // Message passing through an atomic flag: the store happens before the load that sees it,
  // so the plain payload is safe to read (TSan checks this).
  constexpr int rounds = 200;
  long seen = 0;
  weft::run([&] {
    for (int r = 0; r < rounds; r++) {
      long payload = 0;
      weft::atomic<bool> ready;
      weft::wait_group wg;
      wg.add(1);
      weft::go([&] {
        while (!ready.load()) weft::yield();
        seen += payload;
        wg.done();
      });
      payload = r;
      ready.store(true);
      wg.wait();
    }
  }, cfg());
  EXPECT_EQ(seen, long(rounds) * (rounds - 1) / 2);
}

// ---- lifetime hammers: destroy right after the release that handed the object over ----------

// Sanitizer builds make every round ~50x dearer (fiber creation, registry scans); they are also
// the builds that catch a touch after the last one, so fewer rounds still do the job there.
#if defined(WEFT_TSAN) || defined(WEFT_ASAN)
constexpr int hammer_rounds = 400;
#else
constexpr int hammer_rounds = 2000;
#endif

TEST_P(Sync, MutexDestroyedRightAfterHandoff) {
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* m = new weft::mutex;
      m->lock();
      weft::go([m, &wg, &freed] {
        m->lock();  // handed over by main's unlock, which may still be returning
        m->unlock();
        delete m;
        freed++;
        wg.done();
      });
      if (i % 2 == 0) {
        ASSERT_TRUE(await_parked(m, wait_reason::mutex_lock, 1));
      }
      m->unlock();  // must not touch *m after its last store
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, RwMutexDestroyedRightAfterWriterReleasesReader) {
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* rw = new weft::rw_mutex;
      rw->lock();
      weft::go([rw, &wg, &freed] {
        rw->lock_shared();
        rw->unlock_shared();
        delete rw;
        freed++;
        wg.done();
      });
      if (i % 2 == 0) {
        ASSERT_TRUE(await_parked(rw, wait_reason::rw_rlock, 1));
      }
      rw->unlock();
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, RwMutexDestroyedRightAfterLastReaderReleasesWriter) {
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* rw = new weft::rw_mutex;
      rw->lock_shared();
      weft::go([rw, &wg, &freed] {
        rw->lock();
        rw->unlock();
        delete rw;
        freed++;
        wg.done();
      });
      if (i % 2 == 0) {
        ASSERT_TRUE(await_parked(rw, wait_reason::rw_lock, 1));
      }
      rw->unlock_shared();
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, RwMutexDestroyedRightAfterWriterToWriterTurn) {
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* rw = new weft::rw_mutex;
      rw->lock();
      weft::go([rw, &wg, &freed] {
        rw->lock();
        rw->unlock();
        delete rw;
        freed++;
        wg.done();
      });
      if (i % 2 == 0) {
        ASSERT_TRUE(await_parked(rw, wait_reason::rw_lock, 1));
      }
      rw->unlock();
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, RwMutexDestroyedAfterReadersThenWriterTurn) {
  // main unlocks, admitting a blocked reader and giving a queued writer its turn; the reader's
  // unlock_shared hands the lock to the writer, which frees the mutex as soon as it unlocks.
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(2 * hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* rw = new weft::rw_mutex;
      rw->lock();
      weft::go([rw, &wg] {
        rw->lock_shared();
        rw->unlock_shared();  // may free the writer, which deletes rw at once
        wg.done();
      });
      ASSERT_TRUE(await_parked(rw, wait_reason::rw_rlock, 1));
      weft::go([rw, &wg, &freed] {
        rw->lock();
        rw->unlock();
        delete rw;
        freed++;
        wg.done();
      });
      ASSERT_TRUE(await_parked(rw, wait_reason::rw_lock, 1));
      rw->unlock();
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, OnceDestroyedRightAfterItsFunctionFinishes) {
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* o = new weft::once;
      o->call([&, o, i] {
        weft::go([o, &wg, &freed] {
          o->call([] {});  // waits for main's f, then frees the once at once
          delete o;
          freed++;
          wg.done();
        });
        if (i % 2 == 0) {
          ASSERT_TRUE(await_parked(o, wait_reason::once_do, 1));
        }
      });
      // *o may be gone here.
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

TEST_P(Sync, CondDestroyedRightAfterSignal) {
  struct box {
    weft::mutex mu;
    weft::cond c{mu};
    bool ready = false;
  };
  weft::atomic<int> freed;
  weft::run([&] {
    weft::wait_group wg;
    wg.add(hammer_rounds);
    for (int i = 0; i < hammer_rounds; i++) {
      auto* b = new box;
      weft::go([b, &wg, &freed] {
        {
          std::unique_lock<weft::mutex> lk(b->mu);
          while (!b->ready) b->c.wait();
        }
        delete b;
        freed++;
        wg.done();
      });
      ASSERT_TRUE(await_parked(&b->c, wait_reason::cond_wait, 1));  // it waits: signal wakes it
      b->mu.lock();
      b->ready = true;
      b->mu.unlock();
      if (i % 2 == 0) {
        b->c.signal();  // *b may be gone as soon as the waiter is readied
      } else {
        b->c.broadcast();
      }
    }
    wg.wait();
  }, cfg());
  EXPECT_EQ(freed.load(), hammer_rounds);
}

INSTANTIATE_TEST_SUITE_P(Procs, Sync, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

// ---- under the explorer: every interleaving the strategies reach, and the happens-before
// edges each primitive announces (a missing edge is a false race, an extra one hides a race).

namespace check = weft::check;

check::options explored(check::strategy s, std::uint64_t executions) {
  check::options o;
  o.strat = s;
  o.executions = executions;
  return o;
}

TEST(SyncExplored, RwMutexOrdersWritersAndReadersWithoutRaces) {
  // unlock -> lock_shared, unlock -> lock and unlock_shared -> lock are all needed here.
  for (auto s : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] {
      weft::rw_mutex rw;
      check::shared<int> x(0);
      weft::wait_group wg;
      wg.add(4);
      for (int w = 0; w < 2; w++) {
        weft::go([&] {
          rw.lock();
          x.store(x.load() + 1);
          rw.unlock();
          wg.done();
        });
      }
      for (int k = 0; k < 2; k++) {
        weft::go([&] {
          std::shared_lock<weft::rw_mutex> lk(rw);
          int v = x.load();
          check::require(v >= 0 && v <= 2, "reader sees a whole number of writes");
          lk.unlock();
          wg.done();
        });
      }
      wg.wait();
      rw.lock_shared();
      check::require(x.load() == 2, "both writes counted");
      rw.unlock_shared();
    }, explored(s, 400));
    EXPECT_TRUE(r.ok()) << r.report();
  }
}

TEST(SyncExplored, RwMutexReadersDoNotSynchroniseWithEachOther) {
  // Writing under a read lock is a bug Go's race detector reports: readers are not ordered.
  auto r = check::explore([] {
    weft::rw_mutex rw;
    check::shared<int> x(0);
    weft::wait_group wg;
    wg.add(2);
    for (int k = 0; k < 2; k++) {
      weft::go([&] {
        rw.lock_shared();
        x.store(1);
        rw.unlock_shared();
        wg.done();
      });
    }
    wg.wait();
  }, explored(check::strategy::random, 200));
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

TEST(SyncExplored, OnceFunctionHappensBeforeEveryReturn) {
  auto r = check::explore([] {
    weft::once o;
    check::shared<int> x(0);
    weft::atomic<int> runs(0);
    weft::wait_group wg;
    wg.add(3);
    for (int k = 0; k < 3; k++) {
      weft::go([&] {
        o.call([&] {
          runs.fetch_add(1);
          x.store(42);
        });
        check::require(x.load() == 42, "call returned before f completed");
        wg.done();
      });
    }
    wg.wait();
    check::require(runs.load() == 1, "f ran exactly once");
  }, explored(check::strategy::random, 400));
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(SyncExplored, CondNeverLosesTheSignalExhaustively) {
  // The signal may come at any point of the waiter's wait(): before it queues, between queueing
  // and unlocking, between unlocking and parking, or after. DFS tries them all.
  std::uint64_t runs = 0;
  auto r = check::explore([&] {
    runs++;
    weft::mutex mu;
    weft::cond c(mu);
    bool flag = false;
    check::shared<int> payload(0);
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      {
        std::unique_lock<weft::mutex> lk(mu);
        while (!flag) c.wait();
        check::require(payload.load() == 7, "payload written before the flag");
      }
      wg.done();
    });
    payload.store(7);
    mu.lock();
    flag = true;
    mu.unlock();
    c.signal();
    wg.wait();
  }, explored(check::strategy::dfs, 100000));
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.executions, runs);
  EXPECT_GT(r.executions, 10u);
}

TEST(SyncExplored, CondSignalWakesWaitersInArrivalOrder) {
  auto r = check::explore([] {
    weft::mutex mu;
    weft::cond c(mu);
    int arrived = 0, turn = 0;
    std::vector<int> woke;
    weft::wait_group wg;
    wg.add(3);
    for (int k = 0; k < 3; k++) {
      weft::go([&] {
        {
          std::unique_lock<weft::mutex> lk(mu);
          int me = arrived++;
          c.wait();
          woke.push_back(me);
          turn++;
        }
        wg.done();
      });
    }
    // Signal once per waiter, each time after all three have queued (arrived counts them) and
    // the previous one has woken.
    for (int k = 0; k < 3; k++) {
      for (;;) {
        std::unique_lock<weft::mutex> lk(mu);
        if (arrived == 3 && turn == k) break;
        lk.unlock();
        weft::yield();
      }
      c.signal();
    }
    wg.wait();
    check::require(woke == std::vector<int>{0, 1, 2}, "signal wakes the longest waiter");
  }, explored(check::strategy::random, 300));
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(SyncExplored, AtomicStorePublishesToTheLoadThatSeesIt) {
  auto r = check::explore([] {
    check::shared<int> payload(0);
    weft::atomic<bool> ready;
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      if (ready.load()) check::require(payload.load() == 5, "published payload");
      wg.done();
    });
    payload.store(5);
    ready.store(true);
    wg.wait();
  }, explored(check::strategy::dfs, 1000));
  EXPECT_TRUE(r.ok()) << r.report();
}

TEST(SyncExplored, WaitEndedWhileRelockingStillLeavesTheGuardTruthful) {
  // The execution fails right after a signal; the explorer then ends the woken waiter with an
  // exception from the scheduling point of its relock. wait() must relock anyway, or the
  // waiter's guard would unlock a free mutex while unwinding (a panic there: std::terminate).
  std::uint64_t runs = 0;
  auto r = check::explore([&] {
    runs++;
    weft::mutex mu;
    weft::cond c(mu);
    std::unique_lock<weft::mutex> lk(mu);
    weft::go([&] {
      mu.lock();  // granted once main waits (its waiter is queued before the unlock)
      mu.unlock();
      c.signal();
      check::require(false, "stop here");
    });
    c.wait();
  }, explored(check::strategy::dfs, 1000));
  EXPECT_EQ(r.kind, check::failure::assertion) << r.message;
  EXPECT_EQ(runs, 1u);  // the first execution already fails
}

}  // namespace
