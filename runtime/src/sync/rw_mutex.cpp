// runtime/src/sync/rw_mutex.cpp — weft::rw_mutex, Go's sync.RWMutex on park/ready.
//
// Go builds RWMutex from a Mutex (writers take turns), a reader count that a writer drives
// negative to announce itself, and two semaphores. Here one state word plays all those parts,
// so that every release of the lock ends with a single store that is its last touch of the
// object (Go leans on its garbage collector for that; we may be destroyed right after):
//
//   bits     | meaning
//   ---------|----------------------------------------------------------------------------
//   qlock    | the wait lists and pending_ are being edited (a short spin lock)
//   writer   | a writer has its turn: it holds the lock, or has announced itself (pending)
//   pending  | the writer whose turn it is waits for the readers still holding to finish
//   wwait    | writers wait for their turn (wq_ non-empty)
//   rwait    | readers wait for the writer to unlock (rq_ non-empty)
//   high 32  | readers holding the lock (counted in by the writer's unlock when they waited)
//
// Invariants (whenever qlock is clear, unless noted):
//  - qlock set implies writer set, at all times. So lock_shared's fast path (writer clear)
//    never races with a list edit, and try_lock/lock's fast paths only ever CAS from 0.
//  - writer set and pending clear implies no reader holds the lock (a writer holds it).
//  - pending set implies writer set, readers > 0, and pending_ is the parked writer.
//  - rwait iff rq_ is non-empty; wwait iff wq_ is non-empty; either implies writer.
//  - Only the qlock holder changes the word while qlock is set: every other path that would
//    change it spins (briefly: qlock is held for a few list operations, or from a waiter's
//    enqueue until its park commit on the scheduler side).
//
// Turns: unlock() admits all blocked readers (counting them in) and, in the same store, gives
// the next queued writer its turn; that writer stays parked until the readers it admitted have
// finished, and the last of them (unlock_shared) readies it. A writer is readied exactly once,
// when it holds the lock; a blocked reader exactly once, when it holds a read lock.
//
// Happens-before (Go's race annotations in rwmutex.go): unlock releases `this`, acquired by
// every later lock_shared and lock; unlock_shared merges into runlock_sync(), acquired by lock.
#include "core/spin.hpp"
#include "weft/detail/waiter.hpp"
#include "weft/panic.hpp"
#include "weft/sync.hpp"

namespace weft {

namespace {

bool release_qlock(void* a) {
  static_cast<std::atomic<std::uint64_t>*>(a)->fetch_and(~std::uint64_t{1},
                                                        std::memory_order_release);
  return true;
}

detail::g* self(const char* what) {
  detail::g* gp = detail::current();
  if (!gp) detail::fatal(what);
  return gp;
}

}  // namespace

bool rw_mutex::try_lock(weft::source_location where) {
  detail::visible(op_kind::rw_trylock, this, where);
  std::uint64_t z = 0;
  if (!state_.compare_exchange_strong(z, writer, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
    return false;
  }
  detail::hb_acquire(this);
  detail::hb_acquire(runlock_sync());
  return true;
}

bool rw_mutex::try_lock_shared(weft::source_location where) {
  detail::visible(op_kind::rw_tryrlock, this, where);
  std::uint64_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    if (s & writer) return false;
    if (state_.compare_exchange_weak(s, s + reader, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      detail::hb_acquire(this);
      return true;
    }
  }
}

void rw_mutex::lock_slow(const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  detail::waiter w;
  w.gp = self("weft::rw_mutex::lock called outside a goroutine");
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!(s & writer)) {
      if (s < reader) {  // free (no flag can be set without writer): take it
        if (state_.compare_exchange_weak(s, s | writer, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
          return;
        }
        continue;
      }
      // Readers hold it: announce ourselves (new readers now block) and wait for the last
      // of these readers to hand us the lock.
      if (!state_.compare_exchange_weak(s, s | writer | pending | qlock,
                                        std::memory_order_acquire, std::memory_order_relaxed)) {
        continue;
      }
      pending_ = w.gp;
      detail::park(detail::wait_reason::rw_lock, this, where, release_qlock, &state_);
      return;  // readied by the last reader: we hold the lock
    }
    // Another writer has its turn: queue for ours.
    if (!state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    w.next = nullptr;
    if (wq_tail_) wq_tail_->next = &w; else wq_head_ = &w;
    wq_tail_ = &w;
    state_.store(s | qlock | wwait, std::memory_order_relaxed);  // still holding qlock
    detail::park(detail::wait_reason::rw_lock, this, where, release_qlock, &state_);
    return;  // readied by unlock (or by the last reader it admitted): we hold the lock
  }
}

void rw_mutex::lock_shared_slow(const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    if (!(s & writer)) {
      if (state_.compare_exchange_weak(s, s + reader, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (!state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
      continue;
    }
    detail::waiter w;
    w.gp = self("weft::rw_mutex::lock_shared called outside a goroutine");
    if (rq_tail_) rq_tail_->next = &w; else rq_head_ = &w;
    rq_tail_ = &w;
    state_.store(s | qlock | rwait, std::memory_order_relaxed);  // still holding qlock
    detail::park(detail::wait_reason::rw_rlock, this, where, release_qlock, &state_);
    return;  // counted in by the writer's unlock: we hold a read lock
  }
}

void rw_mutex::unlock_shared_slow() {
  WEFT_TSAN_QUIET();
  detail::backoff bo;
  for (;;) {
    std::uint64_t s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();
      continue;
    }
    if (s < reader) detail::panic("sync: RUnlock of unlocked RWMutex");  // Go: fatal error
    if ((s & pending) && s < 2 * reader) {
      // The last reader out while a writer waits: hand it the lock.
      if (!state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
        continue;
      }
      detail::g* gp = pending_;
      pending_ = nullptr;
      state_.store((s - reader) & ~pending, std::memory_order_release);  // last touch of *this
      detail::ready(gp);
      return;
    }
    if (state_.compare_exchange_weak(s, s - reader, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

void rw_mutex::unlock_slow() {
  WEFT_TSAN_QUIET();
  detail::backoff bo;
  std::uint64_t s;
  for (;;) {
    s = state_.load(std::memory_order_relaxed);
    if (s & qlock) {
      bo.pause();
      continue;
    }
    // Not write-locked: free, read-locked, or a writer still waiting for readers.
    if (!(s & writer) || (s & pending)) detail::panic("sync: Unlock of unlocked RWMutex");
    if (!(s & (wwait | rwait))) {
      if (state_.compare_exchange_weak(s, s & ~writer, std::memory_order_release,
                                       std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    if (state_.compare_exchange_weak(s, s | qlock, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  if (s >= reader) detail::fatal("sync: RWMutex write-locked with readers inside (state corrupted)");
  // qlock held by a write-locked mutex: the word is ours until the store below.
  detail::waiter* readers = rq_head_;
  rq_head_ = rq_tail_ = nullptr;
  std::uint64_t admitted = 0;
  for (detail::waiter* r = readers; r; r = r->next) admitted++;
  detail::waiter* next_writer = wq_head_;
  std::uint64_t ns = admitted * reader;
  detail::g* writer_gp = nullptr;
  bool ready_writer = false;
  if (next_writer) {
    wq_head_ = next_writer->next;
    if (!wq_head_) wq_tail_ = nullptr;
    writer_gp = next_writer->gp;
    ns |= writer;
    if (wq_head_) ns |= wwait;
    if (admitted) {
      ns |= pending;  // its turn starts now; it runs once the admitted readers are done
      pending_ = writer_gp;
    } else {
      ready_writer = true;
    }
  }
  state_.store(ns, std::memory_order_release);  // last touch of *this
  while (readers) {
    detail::waiter* next = readers->next;  // read before ready: the waiter lives on its stack
    detail::ready(readers->gp);
    readers = next;
  }
  if (ready_writer) detail::ready(writer_gp);
}

}  // namespace weft
