// runtime/src/chan/hchan.hpp — the channel core shared by chan.cpp and select.cpp (Go's hchan).
//
// One non-template structure serves every element type: the element's size and its move/destroy
// functions (detail::elem_ops) are all the core knows about T. The ring buffer follows the
// header in the same allocation.
//
// Invariants (c.lock held; a "live" waiter is one that is not a select entry whose goroutine was
// already won by another case — such stale entries linger until their goroutine dequeues them):
//  - At least one of c.sendq and c.recvq has no live waiter, except for an unbuffered channel
//    with goroutines blocked on it for both sending and receiving in one select statement (then
//    those goroutines' own entries sit in both queues).
//  - c.qcount > 0 implies that c.recvq has no live waiter.
//  - c.qcount < c.dataqsiz implies that c.sendq has no live waiter.
//  - c.closed implies that neither queue has a live waiter (close wakes them all; afterwards
//    nobody parks: send panics, receive returns).
//  - 0 <= qcount <= dataqsiz; sendx == (recvx + qcount) % dataqsiz; exactly the slots
//    recvx, recvx+1, ... (qcount of them, mod dataqsiz) hold constructed elements.
//  - A sudog is linked in at most one queue; an unlinked one has prev == next == nullptr and is
//    not first. Only its own goroutine puts it in a queue; anyone holding the lock may unlink it.
//  - A sudog whose goroutine is readied is never touched again by the waker: it lives on the
//    woken goroutine's stack. The waker reads gp (and the list link) before ready().
//  - pending (happens-before bookkeeping, allocated only when hb_on()): pending[i], when set,
//    is the sudog of a goroutine that was woken through slot i and has not yet published its
//    history on that slot; the next acquirer of slot i, or that goroutine when it wakes
//    (whichever comes first, both under the lock), clears it.
//
// Locking: c.lock protects everything below it. It is a short spin lock (critical sections are
// a few list operations and one element move). It is never held across visible(), ready(), or
// a fiber switch, except that a goroutine parks holding it and the park's unlockf releases it on
// the scheduler side after the switch (Go's chanparkcommit). Several channel locks are held at
// once only by select, which takes them in address order (Go's lockorder); nobody else holds
// two. Lock order: channel locks (by address) < scheduler locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include "weft/source_location.hpp"

#include "core/spin.hpp"
#include "weft/chan.hpp"
#include "weft/detail/core.hpp"

namespace weft::detail {

/// chan_lock: a test-and-test-and-set spin lock with the core's backoff.
struct chan_lock {
  std::atomic<std::uint32_t> v{0};
  void lock() noexcept {
    if (v.exchange(1, std::memory_order_acquire) == 0) return;
    lock_slow();
  }
  void unlock() noexcept { v.store(0, std::memory_order_release); }
  void lock_slow() noexcept {
    backoff bo;
    for (;;) {
      while (v.load(std::memory_order_relaxed) != 0) bo.pause();
      if (v.exchange(1, std::memory_order_acquire) == 0) return;
    }
  }
};

inline sudog* as_sudog(waiter* w) noexcept { return static_cast<sudog*>(w); }

/// live: the entry can still be taken (not a select entry whose goroutine another case won).
/// Once false it stays false while the entry is queued (select_done is reset only after its
/// goroutine dequeued all its entries, under all their locks).
inline bool live(const sudog* s) noexcept {
  return !s->is_select || s->gp->select_done.load(std::memory_order_acquire) == 0;
}

/// waitq: a FIFO of sudogs (Go's waitq). Guarded by the channel lock; `first` is atomic only so
/// the non-blocking fast paths may peek at it without the lock.
struct waitq {
  std::atomic<sudog*> first{nullptr};
  sudog* last = nullptr;

  bool empty() const noexcept { return first.load(std::memory_order_relaxed) == nullptr; }

  void enqueue(sudog* s) noexcept {
    s->next = nullptr;
    s->prev = last;
    if (last) {
      last->next = s;
    } else {
      first.store(s, std::memory_order_relaxed);
    }
    last = s;
  }

  /// dequeue: unlink and return the first live entry; stale select entries met on the way are
  /// unlinked and dropped. Winning a select entry means CASing its goroutine's select_done from
  /// 0 to 1: the caller then owns that goroutine's wakeup and must complete the operation.
  sudog* dequeue() noexcept {
    for (;;) {
      sudog* s = first.load(std::memory_order_relaxed);
      if (!s) return nullptr;
      sudog* y = as_sudog(s->next);
      if (!y) {
        first.store(nullptr, std::memory_order_relaxed);
        last = nullptr;
      } else {
        y->prev = nullptr;
        first.store(y, std::memory_order_relaxed);
        s->next = nullptr;
      }
      if (s->is_select) {
        std::uint32_t z = 0;
        if (!s->gp->select_done.compare_exchange_strong(z, 1, std::memory_order_acq_rel,
                                                        std::memory_order_acquire)) {
          continue;  // another case already won that goroutine
        }
      }
      return s;
    }
  }

  /// remove: unlink s if it is still queued (Go's dequeueSudoG); a no-op otherwise.
  void remove(sudog* s) noexcept {
    sudog* x = as_sudog(s->prev);
    sudog* y = as_sudog(s->next);
    if (x) {
      if (y) {
        x->next = y;
        y->prev = x;
        s->next = nullptr;
        s->prev = nullptr;
        return;
      }
      x->next = nullptr;
      last = x;
      s->prev = nullptr;
      return;
    }
    if (y) {
      y->prev = nullptr;
      first.store(y, std::memory_order_relaxed);
      s->next = nullptr;
      return;
    }
    if (first.load(std::memory_order_relaxed) == s) {
      first.store(nullptr, std::memory_order_relaxed);
      last = nullptr;
    }
  }

  /// has_live: some entry could be dequeued right now.
  bool has_live() const noexcept {
    for (sudog* s = first.load(std::memory_order_relaxed); s; s = as_sudog(s->next)) {
      if (live(s)) return true;
    }
    return false;
  }
};

struct hchan {
  // First: its address is the channel's sync address (hb_acquire_release works on it).
  std::atomic<std::uint32_t> refs{1};
  // Immutable after chan_make.
  const elem_ops* ops = nullptr;
  std::uint32_t dataqsiz = 0;   // capacity
  char* buf = nullptr;          // dataqsiz slots of ops->size bytes (nullptr when unbuffered)
  weft::source_location created{};

  chan_lock lock;
  // Guarded by lock. qcount and closed are atomics only so len() and the non-blocking fast
  // paths may read them without the lock; they are written only under it.
  std::atomic<std::uint32_t> qcount{0};
  std::atomic<std::uint32_t> closed{0};
  std::uint32_t sendx = 0;
  std::uint32_t recvx = 0;
  waitq recvq;
  waitq sendq;
  // Happens-before bookkeeping, used only when hb_on() (see chan.cpp, "buffered handoffs").
  const void** pending = nullptr;

  void* slot(std::uint32_t i) const noexcept { return buf + std::size_t(i) * ops->size; }
};

// ---- element moves ---------------------------------------------------------------------------

/// move_elem: construct *dst from std::move(*src) (src keeps its moved-from object). Small
/// trivial elements are copied inline, which TSan never sees; the element's own move
/// constructor (instrumented user code) and a libc memcpy (intercepted by TSan) run in a quiet
/// section, like Go's typedmemmove.
inline void move_elem(const elem_ops* ops, void* dst, void* src) noexcept {
  if (ops->trivial) {
    switch (ops->size) {
      case 1: std::memcpy(dst, src, 1); return;
      case 2: std::memcpy(dst, src, 2); return;
      case 4: std::memcpy(dst, src, 4); return;
      case 8: std::memcpy(dst, src, 8); return;
      case 16: std::memcpy(dst, src, 16); return;
      default: {
        WEFT_TSAN_QUIET();
        std::memcpy(dst, src, ops->size);
        return;
      }
    }
  }
  WEFT_TSAN_QUIET();
  ops->move(dst, src);
}

inline void destroy_elem(const elem_ops* ops, void* p) noexcept {
  if (ops->trivial) return;
  WEFT_TSAN_QUIET();
  ops->destroy(p);
}

// ---- happens-before helpers ------------------------------------------------------------------

/// hb_acquire_release: hb_acquire(c) then hb_release(c) with nothing TSan sees in between (an
/// unbuffered handoff's waker: the element move is invisible to TSan). With clang's TSan, one
/// operation on the channel's first word, its reference count (the sync address of c is that
/// word).
inline void hb_acquire_release(hchan* c) noexcept {
#if defined(WEFT_TSAN) && defined(__clang__)
  tsan_acquire_release(&c->refs);  // compiler-rt's TSan: 5% of a round trip saved
  if (tracks_hb) {
    active_policy->hb_acquire(c);
    active_policy->hb_release(c);
  }
#else
  // (GCC 12's older TSan runtime makes an atomic read-modify-write from uninstrumented code far
  // dearer than the two plain edges: a round trip took 760 ns instead of 500.)
  hb_acquire(c);
  hb_release(c);
#endif
}

/// hb_acquire_release_slot: hb_acquire(q) then hb_release(q) on a buffer slot (Go's
/// racereleaseacquire of chanbuf(c, i)), c locked. With clang's TSan, one operation on the
/// slot's first byte, which only the runtime touches (the element moves are invisible to TSan)
/// and only under c's lock; with GCC's, two plain edges, as in hb_acquire_release.
inline void hb_acquire_release_slot(void* q) noexcept {
#if defined(WEFT_TSAN) && defined(__clang__)
  tsan_acquire_release_byte(q);
  if (tracks_hb) {
    active_policy->hb_acquire(q);
    active_policy->hb_release(q);
  }
#else
  hb_acquire(q);
  hb_release(q);
#endif
}

/// hb_on: whether happens-before announcements reach anybody (the checker or TSan).
inline bool hb_on() noexcept {
#if defined(WEFT_TSAN)
  return true;
#else
  return tracks_hb;
#endif
}

/// unlock_chan: park commit for a goroutine blocked on a single channel.
bool unlock_chan(void* c) noexcept;

/// handoff results of the locked helpers below: the goroutine to ready() after unlocking.
/// send_to_waiter: c locked, r dequeued from c.recvq: move *ep to r (Go's send()).
g* send_to_waiter(hchan* c, sudog* r, void* ep, bool announce) noexcept;
/// recv_from_waiter: c locked, s dequeued from c.sendq: receive into ep, from s directly
/// (unbuffered) or from the head of the full buffer, s's value going to its tail (Go's recv()).
g* recv_from_waiter(hchan* c, sudog* s, void* ep) noexcept;
/// buf_put / buf_take: c locked, room / a value in the buffer.
void buf_put(hchan* c, void* ep, bool announce) noexcept;
void buf_take(hchan* c, void* ep) noexcept;
/// prepark_release: before parking on c with entry w (c locked).
void prepark_release(hchan* c, sudog* w) noexcept;
/// postwake_acquire: after w's goroutine was woken by c; c must be locked iff `locked`.
void postwake_acquire(hchan* c, sudog* w, bool locked) noexcept;
/// chansend / chanrecv: Go's chansend / chanrecv, shared by the blocking operations
/// (block == true) and select's one-case-plus-default form (block == false). chansend returns
/// whether the value was sent; chanrecv whether a case was selected and whether a value was
/// constructed at ep (false: closed and drained).
struct recv_outcome {
  bool selected;
  bool received;
};
bool chansend(hchan* c, void* ep, bool block, const weft::source_location& where);
recv_outcome chanrecv(hchan* c, void* ep, bool block, const weft::source_location& where);
/// park_forever: block the current goroutine for good (nil channels, empty select).
[[noreturn]] void park_forever(wait_reason r, const weft::source_location& where);

}  // namespace weft::detail
