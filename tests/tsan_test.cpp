// tests/tsan_test.cpp — ThreadSanitizer understands goroutines and weft's synchronisation.
//
// A suite of small programs written from the Go memory model, each either racy or race-free,
// over plain memory (int, std::vector: no weft::check::shared, TSan watches all memory). Every
// program is checked two ways:
//  - Production: weft::run on the work-stealing scheduler, in a child process (a death test:
//    a race makes TSan print its report and exit 66 at the end; the child's stderr must name
//    the goroutines). A race-free program must exit 0 without a word from TSan.
//  - Explorer: weft::check::explore; a race must fail the execution with failure::race, naming
//    the goroutines, with a replay token that reproduces the report in this same process; a
//    race-free program must stay ok over many random and DPOR executions.
// The verdicts need a ThreadSanitizer build (-DWEFT_SANITIZE=thread). In other builds every
// program still runs under both policies (so the suite is known to terminate, deadlock- and
// leak-free) and the TSan checks are skipped, saying so.
//
// The racy accesses of a race program both happen in every execution and are unordered by the
// Go memory model whatever the interleaving, so TSan (which checks happens-before, not timing)
// reports them every time, provided they do not happen at the same instant on two cores (see
// `apart`); a program joins all its goroutines after its racy access so that nothing leaks.
// Programs name the rule they exercise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <ostream>
#include <shared_mutex>
#include <string>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace {

namespace check = weft::check;

#if defined(WEFT_TSAN)
constexpr bool tsan = true;
#else
constexpr bool tsan = false;
#endif

// sink: a read the compiler must keep.
inline void sink(int v) { asm volatile("" : : "r"(v) : "memory"); }

// on_all_cores: set while a program runs on the production scheduler (see `apart`).
bool on_all_cores = false;

// apart: the second racy access of a race program waits, in real time, for the first. TSan
// updates a word's shadow without a lock, so when the two accesses of a race happen at the same
// instant on two cores each can miss the other and the race goes unreported: a deliberate
// trade-off in TSan (shared by Go's -race, which uses the same runtime), and one that made a
// program of this suite pass or fail by timing. `mark()` follows the first access, `wait()`
// precedes the second. A relaxed atomic orders nothing in the C++ memory model, so TSan still
// sees the accesses unordered. Under the explorer goroutines take turns on one thread, so the
// accesses cannot coincide and `apart` does nothing: DPOR explores the program as written.
struct alignas(64) apart {
  std::atomic<bool> done{false};
  void mark() {
    if (on_all_cores) done.store(true, std::memory_order_relaxed);
  }
  void wait() {
    if (!on_all_cores) return;
    while (!done.load(std::memory_order_relaxed)) weft::yield();
  }
};

// ---- channels ------------------------------------------------------------------------------

// A send happens before the matching receive completes.
void chan_unbuffered_send_recv() {
  int x = 0;
  weft::chan<int> c(0);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  c.recv();
  sink(x);
}

// On an unbuffered channel the receive happens before the send completes.
void chan_unbuffered_recv_send() {
  int x = 0;
  weft::chan<int> c(0);
  weft::wait_group wg;
  wg.add(1);
  weft::go([&, c] {
    c.send(0);
    sink(x);
    wg.done();
  });
  x = 1;
  c.recv();
  wg.wait();
}

void chan_buffered_send_recv() {
  int x = 0;
  weft::chan<int> c(1);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  c.recv();
  sink(x);
}

// Race: on a buffered channel the receive does not happen before the send (the k-th receive
// only happens before the (k+cap)-th send completes).
void chan_buffered_recv_send() {
  int x = 0;
  weft::chan<int> c(1);
  weft::wait_group wg;
  apart written;
  wg.add(1);
  weft::go([&, c] {
    c.send(0);
    written.wait();
    sink(x);
    wg.done();
  });
  x = 1;
  written.mark();
  c.recv();
  wg.wait();
}

// The 1st receive happens before the 2nd send completes on a channel of capacity 1.
void chan_buffered_kth_recv_k_plus_cap_send() {
  int x = 0;
  weft::chan<int> c(1);
  weft::wait_group wg;
  wg.add(1);
  weft::go([&, c] {
    c.send(0);
    c.send(0);
    sink(x);
    wg.done();
  });
  x = 1;
  c.recv();
  c.recv();
  wg.wait();
}

// A buffered channel of capacity 1 as a mutex (Go's memory model example).
void chan_as_mutex() {
  int counter = 0;
  weft::chan<int> sem(1);
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&, sem] {
      sem.send(0);
      counter++;
      sem.recv();
      wg.done();
    });
  }
  wg.wait();
  sink(counter);
}

// Race: a semaphore of capacity 2 lets two goroutines in at once.
void chan_semaphore_two_in() {
  int counter = 0;
  weft::chan<int> sem(2);
  weft::wait_group wg;
  apart first;
  for (int i = 0; i < 2; i++) {
    wg.add(1);
    weft::go([&, sem, i] {
      sem.send(0);
      if (i == 1) first.wait();
      counter++;
      if (i == 0) first.mark();
      sem.recv();
      wg.done();
    });
  }
  wg.wait();
}

// A semaphore limiting concurrency over disjoint data.
void chan_semaphore_disjoint() {
  std::vector<int> v(3, 0);
  weft::chan<int> sem(2);
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&, i, sem] {
      sem.send(0);
      v[static_cast<std::size_t>(i)] = i + 1;
      sem.recv();
      wg.done();
    });
  }
  wg.wait();
  for (int e : v) sink(e);
}

// Closing a channel happens before a receive that returns because it is closed.
void chan_close_then_recv() {
  int x = 0;
  weft::chan<int> c(0);
  weft::go([&, c] {
    x = 1;
    c.close();
  });
  auto [v, ok] = c.recv_ok();
  sink(v + ok);
  sink(x);
}

void chan_range_until_closed() {
  std::vector<int> data(4, 0);
  int done = 0;
  weft::chan<int> c(2);
  weft::go([&, c] {
    for (int i = 0; i < 4; i++) {
      data[static_cast<std::size_t>(i)] = i * i;
      c.send(i);
    }
    done = 1;
    c.close();
  });
  for (int i : c) sink(data[static_cast<std::size_t>(i)]);
  sink(done);
}

// Race: len() synchronises nothing; polling it does not order the reader after the sender.
void chan_len_polling() {
  int x = 0;
  weft::chan<int> c(1);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  while (c.len() == 0) weft::yield();
  sink(x);
  c.recv();
}

// Race: neither does cap().
void chan_cap_is_no_sync() {
  int x = 0;
  weft::chan<int> c(1);
  weft::wait_group wg;
  wg.add(1);
  apart written;
  weft::go([&, c] {
    x = 1;
    written.mark();
    sink(static_cast<int>(c.cap()));
    wg.done();
  });
  sink(static_cast<int>(c.cap()));
  written.wait();
  sink(x);
  wg.wait();
}

void chan_buffered_fifo() {
  std::vector<int> a(4, 0);
  weft::chan<int> c(2);
  weft::go([&, c] {
    for (int i = 0; i < 4; i++) {
      a[static_cast<std::size_t>(i)] = i + 10;
      c.send(i);
    }
  });
  for (int k = 0; k < 4; k++) sink(a[static_cast<std::size_t>(c.recv())]);
}

// A pointer to heap data handed over a channel: the receiver owns it.
void chan_heap_handoff() {
  weft::chan<std::vector<int>*> c(0);
  weft::go([c] {
    auto* p = new std::vector<int>{1, 2, 3};
    p->push_back(4);
    c.send(p);
  });
  std::vector<int>* p = c.recv();
  p->push_back(5);
  sink(static_cast<int>(p->size()));
  delete p;
}

// Values moved through a channel (a std::vector by value, a std::string).
void chan_values_by_move() {
  weft::chan<std::vector<int>> c(1);
  weft::chan<std::string> s(0);
  weft::go([&, c, s] {
    std::vector<int> v(100, 7);
    c.send(std::move(v));
    s.send(std::string(200, 'x'));
  });
  std::vector<int> got = c.recv();
  got[0] = 1;
  std::string str = s.recv();
  str[0] = 'y';
  sink(got[99] + str[199]);
}

// ---- select --------------------------------------------------------------------------------

void select_recv() {
  int x = 0;
  weft::chan<int> c(0);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  weft::select(weft::on_recv(c, [&](int) { sink(x); }));
  sink(x);
}

void select_send() {
  int x = 0;
  weft::chan<int> c(0);
  weft::wait_group wg;
  wg.add(1);
  weft::go([&, c] {
    c.recv();
    sink(x);
    wg.done();
  });
  x = 1;
  weft::select(weft::on_send(c, 0));
  wg.wait();
}

// Race: a select that takes its default case synchronises nothing.
void select_default() {
  int x = 0;
  weft::chan<int> never(0);
  weft::wait_group wg;
  apart written;
  wg.add(1);
  weft::go([&] {
    x = 1;
    written.mark();
    wg.done();
  });
  weft::select(weft::on_recv(never), weft::on_default());
  written.wait();
  sink(x);
  wg.wait();
}

// Polling with a default case is fine once a receive succeeds.
void select_default_poll() {
  int x = 0;
  weft::chan<int> c(1);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  for (bool got = false; !got;) {
    weft::select(weft::on_recv(c, [&] { got = true; }), weft::on_default([] { weft::yield(); }));
  }
  sink(x);
}

void select_two_channels() {
  int a = 0, b = 0;
  weft::chan<int> ca(0), cb(0);
  weft::go([&, ca] {
    a = 1;
    ca.send(0);
  });
  weft::go([&, cb] {
    b = 1;
    cb.send(0);
  });
  for (int k = 0; k < 2; k++) {
    weft::select(weft::on_recv(ca, [&] { sink(a); }), weft::on_recv(cb, [&] { sink(b); }));
  }
}

// A nil channel's case never fires; the other case synchronises as usual.
void select_nil_case() {
  int x = 0;
  weft::chan<int> nil;
  weft::chan<int> c(0);
  weft::go([&, c] {
    x = 1;
    c.send(0);
  });
  weft::select(weft::on_recv(nil), weft::on_recv(c));
  sink(x);
}

// ---- sync.Mutex ----------------------------------------------------------------------------

// Unlock happens before the next lock.
void mutex_counter() {
  int x = 0;
  weft::mutex mu;
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&] {
      {
        std::lock_guard<weft::mutex> lk(mu);
        x++;
      }
      wg.done();
    });
  }
  wg.wait();
  sink(x);
}

// Race: one side forgets the lock.
void mutex_one_side_unlocked() {
  int x = 0;
  weft::mutex mu;
  weft::wait_group wg;
  apart first;
  wg.add(2);
  weft::go([&] {
    mu.lock();
    x++;
    mu.unlock();
    first.mark();
    wg.done();
  });
  weft::go([&] {
    first.wait();
    x++;
    wg.done();
  });
  wg.wait();
}

// Race: two different mutexes order nothing.
void mutex_two_mutexes() {
  int x = 0;
  weft::mutex m1, m2;
  weft::wait_group wg;
  apart first;
  wg.add(2);
  weft::go([&] {
    m1.lock();
    x++;
    m1.unlock();
    first.mark();
    wg.done();
  });
  weft::go([&] {
    m2.lock();
    first.wait();
    x++;
    m2.unlock();
    wg.done();
  });
  wg.wait();
}

void mutex_try_lock() {
  int x = 0;
  weft::mutex mu;
  weft::wait_group wg;
  wg.add(2);
  for (int i = 0; i < 2; i++) {
    weft::go([&] {
      if (mu.try_lock()) {
        x++;
        mu.unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  std::lock_guard<weft::mutex> lk(mu);
  sink(x);
}

// Go lets another goroutine unlock: its unlock still happens before the next lock.
void mutex_unlocked_by_another() {
  int x = 0;
  weft::mutex mu;
  mu.lock();
  weft::go([&] {
    x = 1;
    mu.unlock();
  });
  mu.lock();
  sink(x);
  mu.unlock();
}

// ---- sync.RWMutex --------------------------------------------------------------------------

void rw_readers_and_writer() {
  int x = 0;
  weft::rw_mutex rw;
  weft::wait_group wg;
  wg.add(3);
  weft::go([&] {
    rw.lock();
    x = 1;
    rw.unlock();
    wg.done();
  });
  for (int i = 0; i < 2; i++) {
    weft::go([&] {
      {
        std::shared_lock<weft::rw_mutex> lk(rw);
        sink(x);
      }
      wg.done();
    });
  }
  wg.wait();
}

// Race: readers do not synchronise with each other, so writing under a read lock races.
void rw_readers_write() {
  int x = 0;
  weft::rw_mutex rw;
  weft::wait_group wg;
  apart first;
  wg.add(2);
  for (int i = 0; i < 2; i++) {
    weft::go([&, i] {
      rw.lock_shared();
      if (i == 1) first.wait();
      x++;
      if (i == 0) first.mark();
      rw.unlock_shared();
      wg.done();
    });
  }
  wg.wait();
}

// Race: a reader that takes no lock.
void rw_reader_without_lock() {
  int x = 0;
  weft::rw_mutex rw;
  weft::wait_group wg;
  wg.add(2);
  apart written;
  weft::go([&] {
    rw.lock();
    x = 1;
    rw.unlock();
    written.mark();
    wg.done();
  });
  weft::go([&] {
    written.wait();
    sink(x);
    wg.done();
  });
  wg.wait();
}

// Every RUnlock happens before the next Lock.
void rw_runlock_then_lock() {
  std::vector<int> v(4, 1);
  weft::rw_mutex rw;
  weft::wait_group wg;
  wg.add(3);
  for (int i = 0; i < 2; i++) {
    weft::go([&] {
      rw.lock_shared();
      sink(v[0] + v[3]);
      rw.unlock_shared();
      wg.done();
    });
  }
  weft::go([&] {
    {
      std::lock_guard<weft::rw_mutex> lk(rw);
      v.assign(4, 2);
    }
    wg.done();
  });
  wg.wait();
}

// ---- sync.WaitGroup ------------------------------------------------------------------------

// Done happens before the Wait it releases returns.
void wg_done_then_wait() {
  std::vector<int> v(3, 0);
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&, i] {
      v[static_cast<std::size_t>(i)] = i + 1;
      wg.done();
    });
  }
  wg.wait();
  for (int e : v) sink(e);
}

// Race: a write after Done is not ordered before Wait's return.
void wg_write_after_done() {
  int x = 0;
  weft::wait_group wg;
  weft::chan<int> fin(0);
  apart written;
  wg.add(1);
  weft::go([&, fin] {
    wg.done();
    x = 1;
    written.mark();
    fin.send(0);
  });
  wg.wait();
  written.wait();
  sink(x);
  fin.recv();
}

// Race (misuse, as Go's race detector reports it): an Add that brings the counter from zero
// while a Wait is blocked (the group is reused before the previous Wait has returned).
void wg_add_during_wait() {
  weft::wait_group wg;
  weft::chan<int> handoff(0), fin(0);
  wg.add(1);
  weft::go([&, handoff] {
    wg.done();
    handoff.send(0);
  });
  weft::go([&, fin, handoff] {
    handoff.recv();
    wg.add(1);
    wg.done();
    fin.send(0);
  });
  wg.wait();
  fin.recv();
}

// ---- sync.Once -----------------------------------------------------------------------------

// once's function happens before every call returns.
void once_initialises() {
  int x = 0;
  weft::once o;
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&] {
      o.call([&] { x = 42; });
      sink(x);
      wg.done();
    });
  }
  wg.wait();
}

// Race: a goroutine that reads without going through the once.
void once_bypassed() {
  int x = 0;
  weft::once o;
  weft::wait_group wg;
  wg.add(2);
  apart written;
  weft::go([&] {
    o.call([&] { x = 42; });
    written.mark();
    wg.done();
  });
  weft::go([&] {
    written.wait();
    sink(x);
    wg.done();
  });
  wg.wait();
}

// ---- sync.Cond -----------------------------------------------------------------------------

void cond_signal() {
  int x = 0;
  bool ready = false;
  weft::mutex mu;
  weft::cond cv(mu);
  weft::wait_group wg;
  wg.add(1);
  weft::go([&] {
    {
      std::unique_lock<weft::mutex> lk(mu);
      while (!ready) cv.wait();
      sink(x);
    }
    wg.done();
  });
  {
    std::lock_guard<weft::mutex> lk(mu);
    x = 1;
    ready = true;
  }
  cv.signal();
  wg.wait();
}

void cond_broadcast() {
  std::vector<int> data(8, 0);
  bool ready = false;
  weft::mutex mu;
  weft::cond cv(mu);
  weft::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    weft::go([&] {
      mu.lock();
      while (!ready) cv.wait();
      mu.unlock();
      sink(data[7]);
      wg.done();
    });
  }
  data.assign(8, 5);
  mu.lock();
  ready = true;
  mu.unlock();
  cv.broadcast();
  wg.wait();
}

// Race: the producer writes after its unlock and signal; the consumer reads without the lock.
void cond_write_after_signal() {
  int x = 0;
  bool ready = false;
  weft::mutex mu;
  weft::cond cv(mu);
  weft::wait_group wg;
  apart written;
  wg.add(1);
  weft::go([&] {
    mu.lock();
    while (!ready) cv.wait();
    mu.unlock();
    written.wait();
    sink(x);
    wg.done();
  });
  mu.lock();
  ready = true;
  cv.signal();
  mu.unlock();
  x = 1;
  written.mark();
  wg.wait();
}

// ---- atomics -------------------------------------------------------------------------------

// Go's atomics are synchronising: a store is seen by the load that observes it.
void atomic_publish() {
  int x = 0;
  weft::atomic<int> flag(0);
  weft::go([&] {
    x = 1;
    flag.store(1);
  });
  while (flag.load() == 0) weft::yield();
  sink(x);
}

// Race: the same word accessed atomically by one goroutine and plainly by another.
void atomic_mixed_with_plain() {
  int n = 0;
  weft::wait_group wg;
  apart first;
  wg.add(2);
  weft::go([&] {
    std::atomic_ref<int>(n).fetch_add(1);
    first.mark();
    wg.done();
  });
  weft::go([&] {
    first.wait();
    n++;
    wg.done();
  });
  wg.wait();
}

// Race: a write after the store that published it.
void atomic_write_after_store() {
  int x = 0;
  weft::atomic<int> flag(0);
  weft::wait_group wg;
  apart written;
  wg.add(1);
  weft::go([&] {
    flag.store(1);
    x = 1;
    written.mark();
    wg.done();
  });
  while (flag.load() == 0) weft::yield();
  written.wait();
  sink(x);
  wg.wait();
}

// Race: a relaxed std::atomic flag orders nothing (C++'s memory model, which TSan follows).
void std_atomic_relaxed_flag() {
  int x = 0;
  std::atomic<int> flag{0};
  weft::go([&] {
    x = 1;
    flag.store(1, std::memory_order_relaxed);
  });
  while (flag.load(std::memory_order_relaxed) == 0) weft::yield();
  sink(x);
}

// A release/acquire std::atomic flag does order them.
void std_atomic_release_acquire() {
  int x = 0;
  std::atomic<int> flag{0};
  weft::go([&] {
    x = 1;
    flag.store(1, std::memory_order_release);
  });
  while (flag.load(std::memory_order_acquire) == 0) weft::yield();
  sink(x);
}

// ---- plain data, go, time, context ---------------------------------------------------------

// Race: two goroutines push to one std::vector.
void vector_push_back() {
  std::vector<int> v;
  v.reserve(16);
  weft::wait_group wg;
  apart first;
  wg.add(2);
  for (int i = 0; i < 2; i++) {
    weft::go([&, i] {
      if (i == 1) first.wait();
      v.push_back(i);
      if (i == 0) first.mark();
      wg.done();
    });
  }
  wg.wait();
}

void vector_disjoint_elements() {
  std::vector<int> v(2, 0);
  weft::wait_group wg;
  wg.add(2);
  for (int i = 0; i < 2; i++) {
    weft::go([&, i] {
      v[static_cast<std::size_t>(i)] = i + 1;
      wg.done();
    });
  }
  wg.wait();
  sink(v[0] + v[1]);
}

// The go statement happens before the goroutine starts.
void go_after_write() {
  int x = 0;
  weft::wait_group wg;
  x = 1;
  wg.add(1);
  weft::go([&] {
    sink(x);
    wg.done();
  });
  wg.wait();
}

// Race: but a write after the go statement is not ordered with the goroutine.
void go_then_write() {
  int x = 0;
  weft::wait_group wg;
  wg.add(1);
  apart written;
  weft::go([&] {
    written.wait();
    sink(x);
    wg.done();
  });
  x = 1;
  written.mark();
  wg.wait();
}

// Race: sleeping is not synchronisation.
void sleep_is_no_sync() {
  int x = 0;
  weft::wait_group wg;
  wg.add(1);
  apart written;
  weft::go([&] {
    x = 1;
    written.mark();
    wg.done();
  });
  weft::sleep(std::chrono::milliseconds(2));
  written.wait();  // (2 ms is long, but a loaded machine can delay the goroutine past it)
  sink(x);
  wg.wait();
}

// Arming an after_func timer happens before its callback starts.
void after_func_arming() {
  int x = 0;
  weft::wait_group wg;
  wg.add(1);
  x = 1;
  weft::timer t = weft::after_func(std::chrono::milliseconds(1), [&] {
    sink(x);
    wg.done();
  });
  wg.wait();
}

// A cancel happens before a receive that observes ctx.done() closed.
void context_cancel_done() {
  int x = 0;
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::go([&, cancel = cancel] {
    x = 1;
    cancel();
  });
  ctx.done().recv();
  sink(x);
}

// ... and before an err() that reports it.
void context_err_polling() {
  int x = 0;
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::go([&, cancel = cancel] {
    x = 1;
    cancel();
  });
  while (!ctx.err()) weft::yield();
  sink(x);
}

// Race: a goroutine writes after cancelling.
void context_write_after_cancel() {
  int x = 0;
  auto [ctx, cancel] = weft::with_cancel(weft::background());
  weft::wait_group wg;
  wg.add(1);
  apart written;
  weft::go([&, cancel = cancel] {
    cancel();
    x = 1;
    written.mark();
    wg.done();
  });
  ctx.done().recv();
  written.wait();
  sink(x);
  wg.wait();
}

// ---- the table -----------------------------------------------------------------------------

struct program {
  const char* name;
  bool race;
  void (*body)();
  int procs = 2;       // workers for the production run
  bool polls = false;  // busy-waits (with yields) for another goroutine
  // Misuse that Go panics on in some schedules ("WaitGroup is reused before previous Wait has
  // returned"): without TSan's verdict the explorer may rightly find that panic.
  bool may_panic = false;
};

const program programs[] = {
    {"chan_unbuffered_send_recv", false, chan_unbuffered_send_recv},
    {"chan_unbuffered_recv_send", false, chan_unbuffered_recv_send},
    {"chan_buffered_send_recv", false, chan_buffered_send_recv},
    {"chan_buffered_recv_send", true, chan_buffered_recv_send},
    {"chan_buffered_kth_recv_k_plus_cap_send", false, chan_buffered_kth_recv_k_plus_cap_send},
    {"chan_as_mutex", false, chan_as_mutex},
    {"chan_semaphore_two_in", true, chan_semaphore_two_in},
    {"chan_semaphore_disjoint", false, chan_semaphore_disjoint},
    {"chan_close_then_recv", false, chan_close_then_recv},
    {"chan_range_until_closed", false, chan_range_until_closed},
    {"chan_len_polling", true, chan_len_polling, 2, true},
    {"chan_cap_is_no_sync", true, chan_cap_is_no_sync},
    {"chan_buffered_fifo", false, chan_buffered_fifo},
    {"chan_heap_handoff", false, chan_heap_handoff},
    {"chan_values_by_move", false, chan_values_by_move},
    {"select_recv", false, select_recv},
    {"select_send", false, select_send},
    {"select_default", true, select_default},
    {"select_default_poll", false, select_default_poll, 2, true},
    {"select_two_channels", false, select_two_channels},
    {"select_nil_case", false, select_nil_case},
    {"mutex_counter", false, mutex_counter},
    {"mutex_one_side_unlocked", true, mutex_one_side_unlocked},
    {"mutex_two_mutexes", true, mutex_two_mutexes},
    {"mutex_try_lock", false, mutex_try_lock},
    {"mutex_unlocked_by_another", false, mutex_unlocked_by_another},
    {"rw_readers_and_writer", false, rw_readers_and_writer},
    {"rw_readers_write", true, rw_readers_write},
    {"rw_reader_without_lock", true, rw_reader_without_lock},
    {"rw_runlock_then_lock", false, rw_runlock_then_lock},
    {"wg_done_then_wait", false, wg_done_then_wait},
    {"wg_write_after_done", true, wg_write_after_done},
    // One worker: the blocked Wait must come first, as it does when main runs until it parks.
    {"wg_add_during_wait", true, wg_add_during_wait, 1, false, true},
    {"once_initialises", false, once_initialises},
    {"once_bypassed", true, once_bypassed},
    {"cond_signal", false, cond_signal},
    {"cond_broadcast", false, cond_broadcast},
    {"cond_write_after_signal", true, cond_write_after_signal},
    {"atomic_publish", false, atomic_publish, 2, true},
    {"atomic_mixed_with_plain", true, atomic_mixed_with_plain},
    {"atomic_write_after_store", true, atomic_write_after_store, 2, true},
    {"std_atomic_relaxed_flag", true, std_atomic_relaxed_flag, 2, true},
    {"std_atomic_release_acquire", false, std_atomic_release_acquire, 2, true},
    {"vector_push_back", true, vector_push_back},
    {"vector_disjoint_elements", false, vector_disjoint_elements},
    {"go_after_write", false, go_after_write},
    {"go_then_write", true, go_then_write},
    {"sleep_is_no_sync", true, sleep_is_no_sync},
    {"after_func_arming", false, after_func_arming},
    {"context_cancel_done", false, context_cancel_done},
    {"context_err_polling", false, context_err_polling, 2, true},
    {"context_write_after_cancel", true, context_write_after_cancel},
};

// What ctest lists for each test: the program's name, not its bytes.
void PrintTo(const program& p, std::ostream* os) { *os << p.name; }

std::string program_name(const ::testing::TestParamInfo<program>& info) {
  return std::string(info.param.race ? "race_" : "ok_") + info.param.name;
}

class Tsan : public ::testing::TestWithParam<program> {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// The whole program under weft::run in a fresh process: TSan's verdict is its exit status (66
// after any report) and its report on stderr.
void run_in_child(const program& p) {
  weft::config cfg;
  cfg.procs = p.procs;
  on_all_cores = true;
  weft::run(p.body, cfg);
  std::exit(0);
}

TEST(TsanSuite, HasFortyProgramsOfEachKindMixed) {
  int races = 0, clean = 0;
  for (const program& p : programs) (p.race ? races : clean)++;
  EXPECT_GE(races + clean, 40);
  EXPECT_GE(races, 15);
  EXPECT_GE(clean, 15);
}

TEST_P(Tsan, Production) {
  const program& p = GetParam();
  if (!tsan) {
    weft::config cfg;
    cfg.procs = p.procs;
    on_all_cores = true;
    weft::run(p.body, cfg);  // at least: it terminates
    on_all_cores = false;
    GTEST_SKIP() << "race verdicts need a ThreadSanitizer build (-DWEFT_SANITIZE=thread)";
  }
  if (p.race) {
    // The report names both parties by goroutine, with where and by whom each was created
    // (each fiber's name: "goroutine N, go at FILE:LINE in goroutine P", with "after K earlier"
    // after N when its fiber ran K goroutines before it).
    EXPECT_EXIT(run_in_child(p), ::testing::ExitedWithCode(66),
                ::testing::AllOf(::testing::HasSubstr("WARNING: ThreadSanitizer: data race"),
                                 ::testing::ContainsRegex("by thread T[0-9]+"),
                                 ::testing::ContainsRegex("Thread T[0-9]+ 'goroutine [0-9]+"
                                                         "( after [0-9]+ earlier)?, go at "
                                                         "tsan_test.cpp:[0-9]+"
                                                         "( in goroutine [0-9]+)?'")));
  } else {
    EXPECT_EXIT(run_in_child(p), ::testing::ExitedWithCode(0),
                ::testing::Not(::testing::HasSubstr("ThreadSanitizer")));
  }
}

TEST_P(Tsan, Explorer) {
  const program& p = GetParam();
  check::options o;
  o.strat = check::strategy::random;
  o.executions = p.race ? 200 : 100;
  check::result r = check::explore(p.body, o);
  if (!tsan) {
    if (!(p.may_panic && r.kind == check::failure::panic)) {
      EXPECT_TRUE(r.ok()) << r.report();
    }
    GTEST_SKIP() << "race verdicts need a ThreadSanitizer build (-DWEFT_SANITIZE=thread)";
  }
  if (!p.race) {
    EXPECT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, 100u);
    return;
  }
  ASSERT_EQ(r.kind, check::failure::race) << r.report();
  EXPECT_FALSE(r.token.empty());
  EXPECT_THAT(r.message, ::testing::ContainsRegex("goroutine [0-9]+"));
  EXPECT_THAT(r.report(), ::testing::HasSubstr("ThreadSanitizer:"));
  EXPECT_THAT(r.report(), ::testing::HasSubstr("WEFT_REPLAY="));
  // The token replays the same race, in this same process.
  check::result again = check::replay(p.body, r.token);
  EXPECT_EQ(again.kind, check::failure::race) << again.report();
  EXPECT_EQ(again.message, r.message);
}

TEST_P(Tsan, Dpor) {
  const program& p = GetParam();
  if (p.polls) {
    // DPOR starts from the schedule that never preempts, where a busy-wait spins forever
    // (a step-limit failure); the random explorer covers these programs.
    GTEST_SKIP() << "busy-waits: not a program for DPOR";
  }
  check::options o;
  o.strat = check::strategy::dpor;
  o.executions = 100;
  check::result r = check::explore(p.body, o);
  if (!tsan || !p.race) {
    if (!(p.may_panic && r.kind == check::failure::panic)) {
      EXPECT_TRUE(r.ok()) << r.report();
    }
    if (!tsan) GTEST_SKIP() << "race verdicts need a ThreadSanitizer build";
    return;
  }
  EXPECT_EQ(r.kind, check::failure::race) << r.report();
}

INSTANTIATE_TEST_SUITE_P(Go, Tsan, ::testing::ValuesIn(programs), program_name);

// A race with a goroutine that has exited, after its fiber went on (with its stack) to run other
// goroutines: TSan names a thread by its name when it reports, so the fiber's name must not pin
// the earlier goroutine's access on the goroutine it runs now. One worker makes the fiber reuse
// deterministic; the goroutines in between synchronise with nobody (a relaxed counter), so the
// reader is not ordered after the writer. (Each variable on a cache line of its own: the counter
// taken 401 times would push the write out of TSan's four shadow cells of a shared word.)
alignas(64) long exited_writer_x = 0;
alignas(64) std::atomic<int> exited_writer_steps{0};

void exited_writer_program() {
  weft::go([] {
    exited_writer_x = 1;  // the write, by a goroutine that then exits
    exited_writer_steps.fetch_add(1, std::memory_order_relaxed);
  });
  while (exited_writer_steps.load(std::memory_order_relaxed) < 1) weft::yield();
  for (int i = 0; i < 400; i++) {  // more exits than the stack quarantine holds
    weft::go([] { exited_writer_steps.fetch_add(1, std::memory_order_relaxed); });
  }
  while (exited_writer_steps.load(std::memory_order_relaxed) < 401) weft::yield();
  weft::chan<long> c(0);
  weft::go([c] { c.send(exited_writer_x); });  // the racy read
  (void)c.recv();
}

TEST(TsanNames, ExitedGoroutineIsNotPinnedOnItsFibersNextGoroutine) {
  if (!tsan) GTEST_SKIP() << "needs a ThreadSanitizer build (-DWEFT_SANITIZE=thread)";
  EXPECT_EXIT(
      {
        weft::config cfg;
        cfg.procs = 1;
        weft::run(exited_writer_program, cfg);
        std::exit(0);
      },
      ::testing::ExitedWithCode(66),
      ::testing::AllOf(
          ::testing::HasSubstr("WARNING: ThreadSanitizer: data race"),
          // The writer's fiber went on to run goroutines after it: its name says so (and
          // keeps only whole clauses within TSan's 63 characters).
          ::testing::ContainsRegex("Thread T[0-9]+ 'goroutine [0-9]+ after [0-9]+ earlier, go at "
                                   "tsan_test.cpp:[0-9]+( in goroutine 1)?'")));
}

}  // namespace
