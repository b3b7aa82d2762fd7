// runtime/src/sched/worksteal.cpp — the production policy: Go's G/M/P work-stealing scheduler.
//
// Vocabulary: a G is a goroutine; a P is a processor with a run queue; an M is the OS thread
// that runs a P's goroutines. Here Ms and Ps are paired one to one for the life of a run (weft
// has no blocking syscalls to hand a P off around), so "worker" names the pair.
//
// Each P has a bounded lock-free ring (256 slots; the owner pushes at the tail and pops at the
// head, thieves take half from the head with one CAS) and a runnext slot: a goroutine readied or
// spawned by the running one runs next on the same P, which keeps producer/consumer pairs on one
// cache and keeps spawn trees depth-first (skynet stays small). Overflow and goroutines readied
// off the workers (timers) go to a global queue under a mutex, which every P checks once per 61
// schedules so nothing starves there.
//
// Idle workers: a worker out of work becomes "spinning" (at most half of the busy workers spin)
// and tries to steal from random victims; if that fails it stops spinning, rechecks, registers
// as idle and sleeps on a futex. wakep() (after every ready/spawn) wakes one idle worker only
// when nobody is spinning, and a spinner that finds work wakes a replacement if it was the last
// spinner. This is Go's protocol: no thundering herd, and no lost wakeup, because "push work"
// then "read nidle/nspinning" and "register idle/stop spinning" then "recheck queues" are each
// ordered by sequentially consistent atomics.
//
// Invariants:
//  - Only the owner writes a P's tail and pushes into its ring; so an idle P's ring is empty.
//  - A worker is in idle_list iff it is counted in nidle (both under idle_mu).
//  - All workers idle, the global queue empty and no timer pending or firing means no goroutine
//    can ever run again: that is Go's global deadlock.
//
// Locking order: idle_mu before tmu (the deadlock check); gq_mu is a leaf. No lock is held
// across resume().
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <typeinfo>
#include <cxxabi.h>
#include <vector>

#include "core/rt_lock.hpp"
#include "core/spin.hpp"
#include "sched/worksteal.hpp"
#include "weft/detail/core.hpp"
#include "weft/detail/timer.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

namespace {

constexpr std::uint32_t ring_size = 256;

struct alignas(64) proc {
  // Ring: head is CAS'd by the owner and thieves; tail is written by the owner only.
  std::atomic<std::uint32_t> head{0};
  alignas(64) std::atomic<std::uint32_t> tail{0};
  std::atomic<g*> runnext{nullptr};
  std::atomic<g*> ring[ring_size];

  // Owner-only state.
  alignas(64) int id = 0;
  std::uint64_t rng = 0;
  // Goroutines scheduled so far. Written by the owner only; read by a thief to tell a P that
  // is making progress from one stuck in a long-running goroutine.
  std::atomic<std::uint32_t> tick{0};
  int next_streak = 0;  // consecutive goroutines taken from runnext
  bool spinning = false;
  // Set while the owner is busy: running goroutines and switching between them, as Go's
  // _Prunning (cleared only when its own queues are empty and it goes looking for work). Read
  // (racily, as a hint) by thieves: a goroutine in runnext of a busy P is about to run there.
  std::atomic<bool> running{false};
  // Futex word: 1 = woken (by wakep or stop), 0 = sleeping/awake.
  std::atomic<std::uint32_t> wake{0};
  std::thread thread;

  proc() {
    for (auto& s : ring) s.store(nullptr, std::memory_order_relaxed);
  }
  bool runq_empty() const noexcept {
    return head.load(std::memory_order_acquire) == tail.load(std::memory_order_acquire) &&
           runnext.load(std::memory_order_acquire) == nullptr;
  }
};

thread_local proc* tls_proc = nullptr;
thread_local std::uint64_t tls_rng = 0;

std::uint64_t next_rand(std::uint64_t& s) noexcept {
  if (s == 0) {
    s = std::random_device{}() | (std::uint64_t(std::random_device{}()) << 32) | 1;
  }
  s ^= s >> 12;
  s ^= s << 25;
  s ^= s >> 27;
  return s * 0x2545F4914F6CDD1Dull;
}

class worksteal final : public policy {
 public:
  explicit worksteal(int procs) : nprocs_(procs), procs_(static_cast<std::size_t>(procs)) {
    for (int i = 0; i < procs; i++) {
      procs_[static_cast<std::size_t>(i)].id = i;
      procs_[static_cast<std::size_t>(i)].rng = std::uint64_t(i) * 0x9E3779B97F4A7C15ull + 1;
    }
  }
  ~worksteal() override = default;

  int run(g* main) override;
  void ready(g* gp) noexcept override;
  void before(const op&) override {}
  std::uint64_t choose(std::uint64_t n) override { return n <= 1 ? 0 : next_rand(tls_rng) % n; }
  time_point now() noexcept override {
    return time_point(std::chrono::duration_cast<duration>(
        std::chrono::steady_clock::now().time_since_epoch()));
  }
  void add_timer(timer_node* t) override;
  bool del_timer(timer_node* t) override;
  void on_panic(g* gp, std::exception_ptr e) override;

 private:
  // ---- run queues ----
  void runqput(proc* pp, g* gp, bool next) noexcept;
  bool runqputslow(proc* pp, g* gp, std::uint32_t h, std::uint32_t t) noexcept;
  g* runqget(proc* pp, bool& from_next) noexcept;
  std::uint32_t runqgrab(proc* victim, proc* into, std::uint32_t at, bool steal_next) noexcept;
  g* runqsteal(proc* pp, proc* victim, bool steal_next) noexcept;
  void globput(g* first, g* last, std::uint32_t n) noexcept;
  g* globget(proc* pp, std::uint32_t max) noexcept;

  // ---- workers ----
  void worker_main(proc* pp);
  void schedule_loop(proc* pp);
  g* find_runnable(proc* pp, bool& from_next);
  g* steal_work(proc* pp);
  void wakep() noexcept;
  void reset_spinning(proc* pp) noexcept;
  void stop_all() noexcept;
  void check_deadlock_locked() noexcept;  // idle_mu held
  bool timers_quiet() noexcept;

  // ---- timers ----
  void timer_thread_main();

  const int nprocs_;
  std::vector<proc> procs_;

  alignas(64) rt_mutex gq_mu;  // protects gq_head/gq_tail
  g* gq_head = nullptr;
  g* gq_tail = nullptr;
  std::atomic<std::uint32_t> gq_size{0};

  alignas(64) std::atomic<int> nspinning{0};
  std::atomic<int> nidle{0};
  rt_mutex idle_mu;  // protects idle_list
  std::vector<proc*> idle_list;
  std::atomic<bool> stopping{false};

  rt_mutex tmu;  // protects theap, tfiring, tstop, tthread
  rt_cond tcv;
  timer_heap theap;
  int tfiring = 0;
  bool tstop = false;
  std::thread tthread;
};

// ---- run queues (Go's runqput/runqget/runqgrab/runqsteal) ---------------------------------

void worksteal::runqput(proc* pp, g* gp, bool next) noexcept {
  if (next) {
    g* old = pp->runnext.exchange(gp, std::memory_order_acq_rel);
    if (!old) return;
    gp = old;  // kick the old runnext to the tail
  }
  for (;;) {
    std::uint32_t h = pp->head.load(std::memory_order_acquire);
    std::uint32_t t = pp->tail.load(std::memory_order_relaxed);
    if (t - h < ring_size) {
      pp->ring[t % ring_size].store(gp, std::memory_order_relaxed);
      pp->tail.store(t + 1, std::memory_order_release);
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
  }
}

// Move half of a full local ring, plus gp, to the global queue. Executed only by the owner P.
bool worksteal::runqputslow(proc* pp, g* gp, std::uint32_t h, std::uint32_t t) noexcept {
  std::uint32_t n = (t - h) / 2;
  g* batch[ring_size / 2 + 1];
  for (std::uint32_t i = 0; i < n; i++) {
    batch[i] = pp->ring[(h + i) % ring_size].load(std::memory_order_relaxed);
  }
  if (!pp->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return false;
  batch[n] = gp;
  for (std::uint32_t i = 0; i < n; i++) batch[i]->link = batch[i + 1];
  batch[n]->link = nullptr;
  globput(batch[0], batch[n], n + 1);
  return true;
}

// Executed only by the owner P.
g* worksteal::runqget(proc* pp, bool& from_next) noexcept {
  // Bound runnext chains so goroutines on the ring are not starved by a ping-pong pair.
  if (pp->next_streak < 32) {
    g* next = pp->runnext.load(std::memory_order_relaxed);
    if (next && pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acquire)) {
      from_next = true;
      pp->next_streak++;
      return next;
    }
  }
  pp->next_streak = 0;
  from_next = false;
  for (;;) {
    std::uint32_t h = pp->head.load(std::memory_order_acquire);
    std::uint32_t t = pp->tail.load(std::memory_order_relaxed);
    if (t == h) {
      g* next = pp->runnext.exchange(nullptr, std::memory_order_acquire);
      if (next) from_next = true;
      return next;
    }
    g* gp = pp->ring[h % ring_size].load(std::memory_order_relaxed);
    if (pp->head.compare_exchange_weak(h, h + 1, std::memory_order_release)) return gp;
  }
}

// Take half of victim's ring into into->ring starting at slot `at`. Any P may call it.
std::uint32_t worksteal::runqgrab(proc* victim, proc* into, std::uint32_t at,
                                  bool steal_next) noexcept {
  for (;;) {
    std::uint32_t h = victim->head.load(std::memory_order_acquire);
    std::uint32_t t = victim->tail.load(std::memory_order_acquire);
    std::uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (steal_next) {
        g* next = victim->runnext.load(std::memory_order_acquire);
        if (next && victim->running.load(std::memory_order_relaxed)) {
          // The victim is busy and one of its goroutines just readied `next` (a channel
          // handoff): give it ~3 us to switch to it on its own core before taking it away (Go
          // does the same in runqgrab, for a P that is running, in a goroutine or between two).
          // If it scheduled anything meanwhile it is making progress and whatever sits in
          // runnext now was readied just now: leave it. (Taking it would split a ping-pong
          // pair across cores every few microseconds, each time moving both goroutines' state,
          // and under ThreadSanitizer their TSan contexts, to the other core.)
          const std::uint32_t seen = victim->tick.load(std::memory_order_relaxed);
          auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(3);
          while (std::chrono::steady_clock::now() < until) cpu_relax();
          if (victim->tick.load(std::memory_order_relaxed) != seen) return 0;
          next = victim->runnext.load(std::memory_order_acquire);
        }
        if (next && victim->runnext.compare_exchange_strong(next, nullptr,
                                                            std::memory_order_acq_rel)) {
          into->ring[at % ring_size].store(next, std::memory_order_relaxed);
          return 1;
        }
      }
      return 0;
    }
    if (n > ring_size / 2) continue;  // read an inconsistent head/tail pair
    for (std::uint32_t i = 0; i < n; i++) {
      g* gp = victim->ring[(h + i) % ring_size].load(std::memory_order_relaxed);
      into->ring[(at + i) % ring_size].store(gp, std::memory_order_relaxed);
    }
    if (victim->head.compare_exchange_strong(h, h + n, std::memory_order_acq_rel)) return n;
  }
}

// Steal into pp's ring; return one goroutine to run now. Executed only by the owner of pp.
g* worksteal::runqsteal(proc* pp, proc* victim, bool steal_next) noexcept {
  std::uint32_t t = pp->tail.load(std::memory_order_relaxed);
  std::uint32_t n = runqgrab(victim, pp, t, steal_next);
  if (n == 0) return nullptr;
  n--;
  g* gp = pp->ring[(t + n) % ring_size].load(std::memory_order_relaxed);
  if (n == 0) return gp;
  std::uint32_t h = pp->head.load(std::memory_order_acquire);
  if (t - h + n >= ring_size) fatal("runqsteal: runq overflow");
  pp->tail.store(t + n, std::memory_order_release);
  return gp;
}

void worksteal::globput(g* first, g* last, std::uint32_t n) noexcept {
  {
    std::lock_guard<rt_mutex> lk(gq_mu);
    last->link = nullptr;
    if (gq_tail) gq_tail->link = first; else gq_head = first;
    gq_tail = last;
    gq_size.fetch_add(n, std::memory_order_seq_cst);
  }
}

// Take a fair share of the global queue: one to run, the rest into pp's ring.
g* worksteal::globget(proc* pp, std::uint32_t max) noexcept {
  if (gq_size.load(std::memory_order_seq_cst) == 0) return nullptr;
  std::lock_guard<rt_mutex> lk(gq_mu);
  std::uint32_t sz = gq_size.load(std::memory_order_relaxed);
  if (sz == 0) return nullptr;
  std::uint32_t n = std::min<std::uint32_t>(sz, sz / static_cast<std::uint32_t>(nprocs_) + 1);
  n = std::min(n, max);
  n = std::min(n, ring_size / 2);
  gq_size.fetch_sub(n, std::memory_order_relaxed);
  g* gp = gq_head;
  gq_head = gp->link;
  for (std::uint32_t i = 1; i < n; i++) {
    g* x = gq_head;
    gq_head = x->link;
    runqput(pp, x, false);
  }
  if (!gq_head) gq_tail = nullptr;
  gp->link = nullptr;
  return gp;
}

// ---- readiness and wakeups ------------------------------------------------------------------

void worksteal::ready(g* gp) noexcept {
  proc* pp = tls_proc;
  if (pp && pp >= procs_.data() && pp < procs_.data() + procs_.size()) {
    runqput(pp, gp, true);
  } else {
    globput(gp, gp, 1);  // readied off the workers (timer thread)
  }
  wakep();
}

void worksteal::wakep() noexcept {
  if (nidle.load(std::memory_order_seq_cst) == 0) return;
  int z = 0;
  if (nspinning.load(std::memory_order_seq_cst) != 0 ||
      !nspinning.compare_exchange_strong(z, 1, std::memory_order_seq_cst)) {
    return;
  }
  proc* pp = nullptr;
  {
    std::lock_guard<rt_mutex> lk(idle_mu);
    if (!idle_list.empty()) {
      pp = idle_list.back();
      idle_list.pop_back();
      nidle.fetch_sub(1, std::memory_order_seq_cst);
    }
  }
  if (!pp) {
    nspinning.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  pp->wake.store(1, std::memory_order_release);
  rt_futex::wake(&pp->wake, 1);
}

// A spinning worker found work: stop spinning, and if it was the last spinner, make sure
// somebody else looks for the rest (Go's resetspinning).
void worksteal::reset_spinning(proc* pp) noexcept {
  pp->spinning = false;
  if (nspinning.fetch_sub(1, std::memory_order_seq_cst) == 1) wakep();
}

void worksteal::stop_all() noexcept {
  stopping.store(true, std::memory_order_seq_cst);
  std::lock_guard<rt_mutex> lk(idle_mu);
  for (proc* pp : idle_list) {
    pp->wake.store(1, std::memory_order_release);
    rt_futex::wake(&pp->wake, 1);
  }
  idle_list.clear();
  nidle.store(0, std::memory_order_seq_cst);
}

// ---- the worker loop ------------------------------------------------------------------------

g* worksteal::steal_work(proc* pp) {
  const int n = nprocs_;
  for (int round = 0; round < 4; round++) {
    bool last = round == 3;
    int start = static_cast<int>(next_rand(pp->rng) % static_cast<std::uint64_t>(n));
    for (int k = 0; k < n; k++) {
      proc* v = &procs_[static_cast<std::size_t>((start + k) % n)];
      if (v == pp) continue;
      if (stopping.load(std::memory_order_relaxed)) return nullptr;
      if (g* gp = runqsteal(pp, v, last)) return gp;
    }
  }
  return nullptr;
}

g* worksteal::find_runnable(proc* pp, bool& from_next) {
  for (;;) {
    if (stopping.load(std::memory_order_acquire)) return nullptr;
    from_next = false;
    // Fairness: now and then look at the global queue first.
    if (pp->tick.load(std::memory_order_relaxed) % 61 == 0 &&
        gq_size.load(std::memory_order_relaxed) > 0) {
      if (g* gp = globget(pp, 1)) return gp;
    }
    if (g* gp = runqget(pp, from_next)) return gp;
    if (g* gp = globget(pp, ring_size / 2)) return gp;
    pp->running.store(false, std::memory_order_relaxed);  // out of work of its own

    if (nprocs_ > 1) {
      // Spin (steal) only while fewer than half the busy workers are spinning.
      int busy = nprocs_ - nidle.load(std::memory_order_relaxed);
      if (!pp->spinning && 2 * nspinning.load(std::memory_order_relaxed) < busy) {
        pp->spinning = true;
        nspinning.fetch_add(1, std::memory_order_seq_cst);
      }
      if (pp->spinning) {
        // A short spin before sleeping: a futex round trip costs far more than this.
        for (int attempt = 0; attempt < 8; attempt++) {
          if (g* gp = steal_work(pp)) return gp;
          if (g* gp = globget(pp, ring_size / 2)) return gp;
          for (int i = 0; i < 50; i++) cpu_relax();
        }
      }
    }
    if (pp->spinning) {
      // Stop spinning, then recheck everything (a ready() that saw us spinning skipped the
      // wakeup and relies on this recheck). With one worker too: wakep() counts the worker it
      // wakes as spinning, and that wakeup may be stale (the timer thread's ready() can reach
      // wakep() after this worker already ran the goroutine and went idle again). A worker
      // that slept while still counted would make every later wakep() return early.
      pp->spinning = false;
      nspinning.fetch_sub(1, std::memory_order_seq_cst);
      bool found = gq_size.load(std::memory_order_seq_cst) > 0;
      for (auto& v : procs_) found = found || !v.runq_empty();
      if (found) {
        pp->spinning = true;
        nspinning.fetch_add(1, std::memory_order_seq_cst);
        continue;
      }
    }

    // Go idle.
    {
      std::unique_lock<rt_mutex> lk(idle_mu);
      if (stopping.load(std::memory_order_acquire)) return nullptr;
      if (gq_size.load(std::memory_order_seq_cst) > 0) continue;
      pp->wake.store(0, std::memory_order_relaxed);
      idle_list.push_back(pp);
      int idle = nidle.fetch_add(1, std::memory_order_seq_cst) + 1;
      if (idle == nprocs_) check_deadlock_locked();
    }
    // Recheck every ring once more now that we are counted idle.
    bool found = gq_size.load(std::memory_order_seq_cst) > 0;
    for (auto& v : procs_) found = found || (&v != pp && !v.runq_empty());
    if (found) {
      std::unique_lock<rt_mutex> lk(idle_mu);
      auto it = std::find(idle_list.begin(), idle_list.end(), pp);
      if (it != idle_list.end()) {
        idle_list.erase(it);
        nidle.fetch_sub(1, std::memory_order_seq_cst);
        continue;
      }
      // Someone already woke us (and counted us spinning): consume that wakeup below.
    }
    while (pp->wake.load(std::memory_order_acquire) == 0) {
      if (stack_cache_has_excess()) {
        // Idle for a while after a burst: give its stacks' pages back (Go's scavenger does
        // this in the background too). A short idle spell keeps them for the next burst.
        if (!rt_futex::wait_for(&pp->wake, 0, std::chrono::milliseconds(200))) trim_stack_cache();
      } else {
        rt_futex::wait(&pp->wake, 0);
      }
    }
    pp->wake.store(0, std::memory_order_relaxed);
    if (stopping.load(std::memory_order_acquire)) return nullptr;
    pp->spinning = true;  // wakep counted us in nspinning
  }
}

void worksteal::schedule_loop(proc* pp) {
  for (;;) {
    bool from_next = false;
    g* gp = find_runnable(pp, from_next);
    if (!gp) return;
    if (pp->spinning) reset_spinning(pp);
    pp->tick.store(pp->tick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    pp->running.store(true, std::memory_order_relaxed);
    resume_result rr = resume(gp);
    switch (rr) {
      case resume_result::yielded:
        runqput(pp, gp, false);
        break;
      case resume_result::parked:
        break;
      case resume_result::exited: {
        bool main = gp->is_main;
        free_g(gp);
        if (main) {
          stop_all();
          return;
        }
        break;
      }
    }
  }
}

void worksteal::worker_main(proc* pp) {
  WEFT_TSAN_QUIET();  // a scheduler context: TSan ignores its accesses (its locks are invisible)
  tls_proc = pp;
  scheduler_thread_init();
  schedule_loop(pp);
  scheduler_thread_fini();
  tls_proc = nullptr;
}

int worksteal::run(g* main) {
  (void)main;  // already queued by start_g (on the global queue: no worker yet)
  for (int i = 1; i < nprocs_; i++) {
    proc* pp = &procs_[static_cast<std::size_t>(i)];
    pp->thread = std::thread([this, pp] { worker_main(pp); });
  }
  worker_main(&procs_[0]);
  for (int i = 1; i < nprocs_; i++) procs_[static_cast<std::size_t>(i)].thread.join();
  {
    std::lock_guard<rt_mutex> lk(tmu);
    tstop = true;
  }
  tcv.notify_all();
  if (tthread.joinable()) tthread.join();
  // Timers still armed when main returned never fire: hand them back to their owners (a
  // pending after(), a context's deadline) so whatever they hold is released.
  std::vector<timer_node*> left;
  {
    std::lock_guard<rt_mutex> lk(tmu);
    while (timer_node* t = theap.pop()) left.push_back(t);
  }
  for (timer_node* t : left) {
    if (t->drop) t->drop(t);
  }
  return 0;
}

// ---- deadlock --------------------------------------------------------------------------------

bool worksteal::timers_quiet() noexcept {
  std::lock_guard<rt_mutex> lk(tmu);
  return theap.empty() && tfiring == 0;
}

void worksteal::check_deadlock_locked() noexcept {
  if (stopping.load(std::memory_order_acquire)) return;
  if (gq_size.load(std::memory_order_seq_cst) > 0) return;
  if (!timers_quiet()) return;
  fatal("all goroutines are asleep - deadlock!", /*dump=*/true);
}

// ---- timers: one heap, one thread that sleeps until the earliest deadline ------------------

void worksteal::add_timer(timer_node* t) {
  std::lock_guard<rt_mutex> lk(tmu);
  if (!tthread.joinable() && !tstop) tthread = std::thread([this] { timer_thread_main(); });
  theap.push(t);
  if (theap.top() == t) tcv.notify_one();
}

bool worksteal::del_timer(timer_node* t) {
  std::lock_guard<rt_mutex> lk(tmu);
  return theap.remove(t);
}

void worksteal::timer_thread_main() {
  WEFT_TSAN_QUIET();  // a scheduler context: TSan ignores its accesses (its locks are invisible)
  std::unique_lock<rt_mutex> lk(tmu);
  while (!tstop) {
    timer_node* t = theap.top();
    if (!t) {
      tcv.wait(lk);
      continue;
    }
    time_point n = now();
    if (t->when > n) {
      // At most an hour at a time: a deadline at the end of time (a saturated duration) would
      // overflow the condition variable's own now() + d.
      auto d = std::min<duration>(t->when - n, std::chrono::hours(1));
      tcv.wait_for(lk, std::chrono::nanoseconds(d.count()));
      continue;
    }
    theap.pop();
    tfiring++;
    lk.unlock();
    t->fire(t);
    lk.lock();
    tfiring--;
    if (theap.empty() && tfiring == 0) {
      // The last timer may have readied nobody: the deadlock check is ours to make.
      lk.unlock();
      {
        std::lock_guard<rt_mutex> ilk(idle_mu);
        if (nidle.load(std::memory_order_seq_cst) == nprocs_) check_deadlock_locked();
      }
      lk.lock();
    }
  }
}

// ---- panics ------------------------------------------------------------------------------------

void worksteal::on_panic(g* gp, std::exception_ptr e) {
  print_panic(gp, e);
  std::fflush(stderr);
  dump_goroutines(2, gp);
#if defined(WEFT_TSAN)
  weft::detail::tsan_loud_begin();  // TSan refuses an exit with ignores still open
#endif
  _exit(2);
}

}  // namespace

void print_panic(g* gp, std::exception_ptr e) noexcept {
  std::fflush(stdout);
  std::string msg;
  try {
    std::rethrow_exception(e);
  } catch (const panic_error& p) {
    msg = std::string("panic: ") + p.what();
  } catch (const std::exception& x) {
    int st = 0;
    char* dm = abi::__cxa_demangle(typeid(x).name(), nullptr, nullptr, &st);
    msg = std::string("panic: ") + x.what() + " [" + (st == 0 && dm ? dm : typeid(x).name()) + "]";
    std::free(dm);
  } catch (...) {
    msg = "panic: unknown exception";
  }
  msg += "\n\n";
  (void)!write(2, msg.data(), msg.size());
  (void)gp;
}

std::unique_ptr<policy> make_worksteal(int procs) { return std::make_unique<worksteal>(procs); }

}  // namespace weft::detail
