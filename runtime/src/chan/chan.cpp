// runtime/src/chan/chan.cpp — Go's channels on park/ready: make, send, receive, close, len, cap,
// and the non-blocking internal send the runtime's timers use.
//
// The structure, its invariants and its locking are described in hchan.hpp. In short: one lock
// per channel; a sender that finds a parked receiver moves its value straight into the
// receiver's storage and readies it (and a receiver that finds a parked sender takes the value
// from the sender's stack, or, when the buffer is full, takes the head of the buffer and moves
// the sender's value to the tail); otherwise the buffer is used; otherwise the goroutine puts a
// sudog on its own stack into the queue and parks, the park's unlockf releasing the lock after
// the fiber switch.
//
// Happens-before, mirroring the race annotations of Go's chan.go:
//  - Unbuffered: one sync address, the channel. Both parties release and acquire it; the party
//    that parks releases before parking and acquires after it is woken (Go's racesync).
//  - Buffered: the sync address of a transfer is its slot, chanbuf(c, i). Whoever puts or takes
//    slot i acquires then releases it (Go's racereleaseacquire), which gives "k-th send ->
//    k-th receive completes" and "k-th receive -> (k+cap)-th send completes".
//  - Buffered handoffs (a receiver parked on an empty buffer, or a sender parked on a full one):
//    Go performs the parked party's releaseacquire of the slot on its behalf (racenotify with
//    a sudog). weft can only announce edges for the running goroutine, so: the parked party
//    releases its own history on its sudog's address before parking; the waker does its own
//    releaseacquire of the slot, releases on the sudog (the parked party acquires it when it
//    wakes: the slot's history as of the handoff, exactly what Go gives it), and records the
//    sudog in pending[i]. Whoever next acquires slot i also acquires pending[i] (so it gets the
//    parked party's pre-park history even if that party has not run yet), and the woken party,
//    under the lock, releases its history on slot i and clears pending[i] before it returns to
//    user code (so the sudog address is never read after its owner may reuse it). The result is
//    Go's edges with no extra ones, except that a sudog address recycled from a dead goroutine's
//    stack may carry that goroutine's history (never a live goroutine's later history).
//  - Close releases the channel address; a receive that observes closed acquires it, and so do
//    the goroutines close wakes.
//  - len and cap announce nothing.
// Under ThreadSanitizer the element moves run in the runtime's quiet sections (invisible to TSan
// like Go's own typedmemmove), so they need no edge beyond the Go model's: the program's own
// accesses to what it sent or received are ordered by the edges above.
#include <cstdio>
#include <new>

#include "chan/hchan.hpp"
#include "weft/panic.hpp"

namespace weft::detail {

namespace {

constexpr std::int64_t max_cap = (std::int64_t{1} << 31) - 1;
constexpr std::int64_t max_buf_bytes = std::int64_t{1} << 40;

std::size_t chan_align(const elem_ops* ops) noexcept {
  return ops->align > alignof(hchan) ? ops->align : alignof(hchan);
}
std::size_t header_size(const elem_ops* ops) noexcept {
  std::size_t a = chan_align(ops);
  return (sizeof(hchan) + a - 1) / a * a;
}

/// releaseacquire_slot: a releaseacquire on slot i, after acquiring a parked party's history
/// still waiting to be published on it (see "Buffered handoffs" above). The element moves that
/// go with it are invisible to TSan, and the checker does not see memory, so which side of the
/// move it happens on makes no difference.
void releaseacquire_slot(hchan* c, std::uint32_t i) noexcept {
  if (c->pending && c->pending[i]) {
    hb_acquire(c->pending[i]);
    c->pending[i] = nullptr;
  }
  hb_acquire_release_slot(c->slot(i));
}

void set_pending(hchan* c, std::uint32_t i, const sudog* w) noexcept {
  if (!hb_on()) return;
  if (!c->pending) {
    WEFT_TSAN_QUIET();  // the allocator
    c->pending = new (std::nothrow) const void*[c->dataqsiz]();
  }
  if (!c->pending) fatal("out of memory (channel happens-before table)");
  c->pending[i] = w;
}

inline bool full(const hchan* c) noexcept {
  if (c->dataqsiz == 0) return c->recvq.first.load(std::memory_order_seq_cst) == nullptr;
  return c->qcount.load(std::memory_order_seq_cst) == c->dataqsiz;
}
inline bool empty(const hchan* c) noexcept {
  if (c->dataqsiz == 0) return c->sendq.first.load(std::memory_order_seq_cst) == nullptr;
  return c->qcount.load(std::memory_order_seq_cst) == 0;
}

g* current_or_die(const char* what) {
  g* gp = current();
  if (!gp) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "weft: %s called outside a goroutine", what);
    fatal(buf);
  }
  return gp;
}

}  // namespace

bool unlock_chan(void* c) noexcept {
  static_cast<hchan*>(c)->lock.unlock();
  return true;
}

void park_forever(wait_reason r, const weft::source_location& where) {
  current_or_die("a blocking channel operation");
  park(r, nullptr, where, nullptr, nullptr);
  fatal("a goroutine blocked forever was woken");
}

// ---- the transfers (c locked) ----------------------------------------------------------------

g* send_to_waiter(hchan* c, sudog* r, void* ep, bool announce) noexcept {
  const elem_ops* ops = c->ops;
  if (c->dataqsiz == 0) {
    // r released c before parking: its receive happens before our send completes; our send
    // -> r's receive completes.
    move_elem(ops, r->elem, ep);
    if (announce) hb_acquire_release(c);
    r->slot = -1;
  } else {
    // The buffer is empty (r waits on it): the value goes "through" slot recvx, as in Go.
    std::uint32_t i = c->recvx;
    move_elem(ops, r->elem, ep);
    if (announce) {
      releaseacquire_slot(c, i);
      hb_release(r);        // r acquires this when it wakes
      set_pending(c, i, r);
    }
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
    r->slot = static_cast<std::int32_t>(i);
  }
  r->success = true;
  if (r->is_select) r->gp->park_result = reinterpret_cast<std::uintptr_t>(r);
  return r->gp;
}

g* recv_from_waiter(hchan* c, sudog* s, void* ep) noexcept {
  const elem_ops* ops = c->ops;
  if (c->dataqsiz == 0) {
    // s released c before parking: its send happens before our receive completes; our receive
    // -> s's send completes.
    move_elem(ops, ep, s->elem);
    hb_acquire_release(c);
    s->slot = -1;
  } else {
    // The buffer is full (s waits on it). Take the head; s's value goes to the tail, which is
    // the same slot.
    std::uint32_t i = c->recvx;
    void* q = c->slot(i);
    releaseacquire_slot(c, i);
    move_elem(ops, ep, q);
    destroy_elem(ops, q);
    move_elem(ops, q, s->elem);
    hb_release(s);  // s acquires this when it wakes: our receive -> its send completes
    set_pending(c, i, s);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
    s->slot = static_cast<std::int32_t>(i);
  }
  s->success = true;
  if (s->is_select) s->gp->park_result = reinterpret_cast<std::uintptr_t>(s);
  return s->gp;
}

void buf_put(hchan* c, void* ep, bool announce) noexcept {
  std::uint32_t i = c->sendx;
  void* q = c->slot(i);
  // The (k-cap)-th receive -> this k-th send completes; this send -> the k-th receive.
  if (announce) releaseacquire_slot(c, i);
  move_elem(c->ops, q, ep);
  if (++c->sendx == c->dataqsiz) c->sendx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void buf_take(hchan* c, void* ep) noexcept {
  std::uint32_t i = c->recvx;
  void* q = c->slot(i);
  releaseacquire_slot(c, i);
  move_elem(c->ops, ep, q);
  destroy_elem(c->ops, q);
  if (++c->recvx == c->dataqsiz) c->recvx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

void prepark_release(hchan* c, sudog* w) noexcept {
  if (c->dataqsiz == 0) hb_release(c); else hb_release(w);
}

void postwake_acquire(hchan* c, sudog* w, bool locked) noexcept {
  if (!w->success) {
    hb_acquire(c);  // woken by close
    return;
  }
  if (c->dataqsiz == 0) {
    hb_acquire(c);
    return;
  }
  hb_acquire(w);
  if (!hb_on()) return;
  if (!locked) c->lock.lock();
  std::uint32_t i = static_cast<std::uint32_t>(w->slot);
  if (c->pending && c->pending[i] == w) {
    hb_release(c->slot(i));
    c->pending[i] = nullptr;
  }
  if (!locked) c->lock.unlock();
}

// ---- make / free -----------------------------------------------------------------------------

hchan* chan_make(const elem_ops* ops, std::int64_t cap, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  if (cap < 0 || cap > max_cap ||
      (cap > 0 && static_cast<std::int64_t>(ops->size) > max_buf_bytes / cap)) {
    panic("makechan: size out of range");
  }
  std::size_t bytes = header_size(ops) + static_cast<std::size_t>(cap) * ops->size;
  void* mem = ::operator new(bytes, std::align_val_t(chan_align(ops)));
  hchan* c = ::new (mem) hchan();
  if (static_cast<void*>(&c->refs) != static_cast<void*>(c)) fatal("hchan::refs is not first");
  c->ops = ops;
  c->dataqsiz = static_cast<std::uint32_t>(cap);
  c->buf = cap > 0 ? static_cast<char*>(mem) + header_size(ops) : nullptr;
  c->created = where;
  return c;
}

void chan_retain(hchan* c) noexcept { c->refs.fetch_add(1, std::memory_order_relaxed); }

void chan_release(hchan* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  WEFT_TSAN_QUIET();
  // The last handle: nobody can reach the channel any more (a goroutine blocked on it would
  // hold a handle, or be blocked forever on a channel nobody can name).
  std::uint32_t n = c->qcount.load(std::memory_order_relaxed);
  std::uint32_t i = c->recvx;
  for (; n > 0; n--) {
    destroy_elem(c->ops, c->slot(i));
    if (++i == c->dataqsiz) i = 0;
  }
  delete[] c->pending;
  const elem_ops* ops = c->ops;
  std::size_t bytes = header_size(ops) + std::size_t(c->dataqsiz) * ops->size;
  c->~hchan();
  ::operator delete(static_cast<void*>(c), bytes, std::align_val_t(chan_align(ops)));
}

// ---- send / receive --------------------------------------------------------------------------

/// chansend: Go's chansend. block == false is select's one-case-plus-default form.
/// Returns whether the value was sent.
bool chansend(hchan* c, void* ep, bool block, const weft::source_location& where) {
  if (!c) {
    if (!block) return false;
    park_forever(wait_reason::chan_send_nil, where);
  }
  // Non-blocking fast path, without the lock: a channel never goes from closed back to open, and
  // "full" is read from one word, so "open and full" was true at one instant (Go's argument).
  if (!block && c->closed.load(std::memory_order_seq_cst) == 0 && full(c)) return false;

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    panic("send on closed channel");
  }
  if (sudog* r = c->recvq.dequeue()) {
    g* rg = send_to_waiter(c, r, ep, true);
    c->lock.unlock();
    ready(rg);
    return true;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
    buf_put(c, ep, true);
    c->lock.unlock();
    return true;
  }
  if (!block) {
    c->lock.unlock();
    return false;
  }
  sudog w;
  w.gp = current_or_die("weft::chan::send");
  w.elem = ep;
  w.c = c;
  prepark_release(c, &w);
  c->sendq.enqueue(&w);
  park(wait_reason::chan_send, c, where, unlock_chan, c);
  // Woken by a receiver (success) or by close; either way we are off every queue.
  postwake_acquire(c, &w, false);
  if (!w.success) panic("send on closed channel");
  return true;
}

/// chanrecv: Go's chanrecv. Returns {selected, received}: selected is false only when !block
/// and nothing was ready; received says whether a value was constructed at ep.
recv_outcome chanrecv(hchan* c, void* ep, bool block, const weft::source_location& where) {
  if (!c) {
    if (!block) return {false, false};
    park_forever(wait_reason::chan_receive_nil, where);
  }
  if (!block && empty(c)) {
    // Not ready for receiving; now look at closed. The two loads must stay in this order (a
    // channel that was non-empty, then closed and drained, must not read as "open and empty").
    if (c->closed.load(std::memory_order_seq_cst) == 0) return {false, false};
    // Closed for good. Re-check emptiness: something may have been buffered before the close.
    if (empty(c)) {
      hb_acquire(c);  // close -> a receive that observes it
      return {true, false};
    }
  }

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    if (c->qcount.load(std::memory_order_relaxed) == 0) {
      hb_acquire(c);
      c->lock.unlock();
      return {true, false};
    }
    // Closed but buffered values remain: drain them first.
  } else if (sudog* s = c->sendq.dequeue()) {
    g* sg = recv_from_waiter(c, s, ep);
    c->lock.unlock();
    ready(sg);
    return {true, true};
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    buf_take(c, ep);
    c->lock.unlock();
    return {true, true};
  }
  if (!block) {
    c->lock.unlock();
    return {false, false};
  }
  sudog w;
  w.gp = current_or_die("weft::chan::recv");
  w.elem = ep;
  w.c = c;
  prepark_release(c, &w);
  c->recvq.enqueue(&w);
  park(wait_reason::chan_receive, c, where, unlock_chan, c);
  postwake_acquire(c, &w, false);
  return {true, w.success};
}

// No quiet section around a whole operation: the core is uninstrumented, and only its calls
// into code TSan watches (a non-trivial or large element move, the allocator, a panic) are made
// quiet, each on its own. (Entering one records a stack in TSan's depot: a tenth of a channel
// round trip's cost.)
void chan_send(hchan* c, void* elem, const weft::source_location& where) {
  chansend(c, elem, true, where);
}

bool chan_recv(hchan* c, void* elem, const weft::source_location& where) {
  return chanrecv(c, elem, true, where).received;
}

// ---- close / len / cap -----------------------------------------------------------------------

void chan_close(hchan* c) {
  WEFT_TSAN_QUIET();
  if (!c) panic("close of nil channel");
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    panic("close of closed channel");
  }
  hb_release(c);  // close -> every receive that observes it
  c->closed.store(1, std::memory_order_seq_cst);

  // Collect every waiter (receivers get the zero value, senders will panic), then ready them
  // after unlocking. The list is linked through the dequeued sudogs themselves.
  sudog* list = nullptr;
  for (waitq* q : {&c->recvq, &c->sendq}) {
    while (sudog* s = q->dequeue()) {
      s->success = false;
      s->slot = -1;
      if (s->is_select) s->gp->park_result = reinterpret_cast<std::uintptr_t>(s);
      s->next = list;
      list = s;
    }
  }
  c->lock.unlock();
  while (list) {
    sudog* s = list;
    list = as_sudog(s->next);  // read before ready: s lives on the woken goroutine's stack
    ready(s->gp);
  }
}

std::int64_t chan_len(const hchan* c) noexcept {
  return c ? c->qcount.load(std::memory_order_relaxed) : 0;
}

std::int64_t chan_cap(const hchan* c) noexcept { return c ? c->dataqsiz : 0; }

// ---- the runtime's internal send -------------------------------------------------------------

bool chan_try_send_internal(hchan* c, void* ep) noexcept {
  WEFT_TSAN_QUIET();
  if (!c) return false;
  if (c->closed.load(std::memory_order_seq_cst) == 0 && full(c)) return false;
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed)) {
    c->lock.unlock();
    return false;
  }
  if (sudog* r = c->recvq.dequeue()) {
    g* rg = send_to_waiter(c, r, ep, false);
    c->lock.unlock();
    ready(rg);
    return true;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
    buf_put(c, ep, false);
    c->lock.unlock();
    return true;
  }
  c->lock.unlock();
  return false;
}

}  // namespace weft::detail
