// runtime/src/chan/select.cpp — Go's selectgo on park/ready.
//
// Algorithm (Go's, with one difference in how the random choice is drawn):
//  0. lockorder: the cases on non-nil channels sorted by channel address (duplicates adjacent).
//  1. Lock every distinct channel in lockorder. Collect the cases that can proceed now; if there
//     are any, pick one with a single current_policy()->choose(#ready) and perform it. (Go shuffles
//     a poll order with n random draws and takes the first ready case; both are uniform over the
//     ready cases, but one draw over the ready set gives the explorer exactly one choice point
//     per genuinely nondeterministic select, with as many branches as there are ready cases.)
//     A chosen case can turn out not to be ready after all only in one way: the live waiter it
//     relied on was a select entry whose goroutine another channel's waker won meanwhile (that
//     waker holds a different lock). dequeue() drops such entries, so re-collecting makes
//     progress; it cannot happen under the single-threaded explorer. choose() is called with the
//     channel locks held (it never switches fibers: only before() may).
//  2. Nothing ready: with a default, unlock and return -1. Otherwise put one sudog per case (each
//     in the case's own frame slot) on its channel's queue, and park once; the park's unlockf
//     releases every lock after the fiber switch.
//  3. A waker wins the goroutine by CASing g::select_done from 0 to 1 (other wakers skip its
//     entries), completes that case's communication and records the winning sudog in
//     g::park_result before ready(). On wakeup we lock everything again, unlink our other
//     entries, reset select_done (no entry of ours is queued any more) and unlock.
//
// Invariants: while a select is parked, each of its cases has exactly one sudog queued (or
// dequeued by a waker); select_done is 0 whenever the goroutine has no queued entry.
// Locking: all channel locks of a select are taken in address order, each distinct channel once.
// No other lock is held meanwhile; callbacks run in the typed layer after everything is unlocked.
#include <functional>

#include "chan/hchan.hpp"
#include "weft/panic.hpp"
#include "weft/select.hpp"

namespace weft::detail {

namespace {

void sellock(scase* cs, const std::uint16_t* order, int n) noexcept {
  hchan* last = nullptr;
  for (int k = 0; k < n; k++) {
    hchan* c = cs[order[k]].c;
    if (c != last) {
      c->lock.lock();
      last = c;
    }
  }
}

void selunlock(scase* cs, const std::uint16_t* order, int n) noexcept {
  hchan* last = nullptr;
  for (int k = 0; k < n; k++) {
    hchan* c = cs[order[k]].c;
    if (c != last) {
      c->lock.unlock();
      last = c;
    }
  }
}

struct sel_park {
  scase* cases;
  const std::uint16_t* order;
  int n;
};

// Park commit of a select. As soon as one channel is unlocked, a waker may ready the goroutine,
// which then relocks everything (waiting for the locks still held here) and returns from select:
// so a channel is unlocked only once we have passed its last entry in lockorder, and nothing on
// the goroutine's stack is read after the final unlock (Go's selparkcommit).
bool selparkcommit(void* a) noexcept {
  auto* p = static_cast<sel_park*>(a);
  scase* cs = p->cases;
  const std::uint16_t* order = p->order;
  int n = p->n;
  hchan* last = nullptr;
  for (int k = 0; k < n; k++) {
    hchan* c = cs[order[k]].c;
    if (c != last && last) last->lock.unlock();
    last = c;
  }
  if (last) last->lock.unlock();
  return true;
}

bool case_ready(const scase& k) noexcept {
  const hchan* c = k.c;
  if (k.is_send) {
    return c->closed.load(std::memory_order_relaxed) || c->recvq.has_live() ||
           c->qcount.load(std::memory_order_relaxed) < c->dataqsiz;
  }
  return c->sendq.has_live() || c->qcount.load(std::memory_order_relaxed) > 0 ||
         c->closed.load(std::memory_order_relaxed);
}

enum class outcome { not_ready, done, closed };

// Perform case k with every lock held. On done/closed the locks are released (and a partner
// readied); on not_ready they are still held.
outcome perform(scase* cs, const std::uint16_t* order, int nl, scase& k, bool* recv_ok) {
  hchan* c = k.c;
  if (k.is_send) {
    if (c->closed.load(std::memory_order_relaxed)) {
      selunlock(cs, order, nl);
      return outcome::closed;
    }
    if (sudog* r = c->recvq.dequeue()) {
      g* rg = send_to_waiter(c, r, k.elem, true);
      selunlock(cs, order, nl);
      ready(rg);
      return outcome::done;
    }
    if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
      buf_put(c, k.elem, true);
      selunlock(cs, order, nl);
      return outcome::done;
    }
    return outcome::not_ready;
  }
  if (sudog* s = c->sendq.dequeue()) {
    g* sg = recv_from_waiter(c, s, k.elem);
    selunlock(cs, order, nl);
    ready(sg);
    *recv_ok = true;
    return outcome::done;
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    buf_take(c, k.elem);
    selunlock(cs, order, nl);
    *recv_ok = true;
    return outcome::done;
  }
  if (c->closed.load(std::memory_order_relaxed)) {
    hb_acquire(c);  // close -> a receive that observes it
    selunlock(cs, order, nl);
    *recv_ok = false;
    return outcome::done;
  }
  return outcome::not_ready;
}

}  // namespace

int selectgo(scase* cs, int n, std::uint16_t* scratch, bool block, bool* recv_ok,
             const weft::source_location& where) {
  // No quiet section: see chan_send.
  *recv_ok = false;
  // lockorder: non-nil cases by channel address (insertion sort: selects are small).
  std::uint16_t* order = scratch;
  int nl = 0;
  std::less<const hchan*> before;
  for (int i = 0; i < n; i++) {
    if (!cs[i].c) continue;
    int j = nl++;
    while (j > 0 && before(cs[i].c, cs[order[j - 1]].c)) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = static_cast<std::uint16_t>(i);
  }
  if (nl == 0) {
    if (!block) return -1;
    park_forever(n == 0 ? wait_reason::select_no_cases : wait_reason::select, where);
  }

  // One case and a default: Go compiles this to a non-blocking send or receive, which has a
  // lock-free fast path.
  if (!block && nl == 1) {
    int i = order[0];
    scase& k = cs[i];
    if (k.is_send) return chansend(k.c, k.elem, false, where) ? i : -1;
    recv_outcome r = chanrecv(k.c, k.elem, false, where);
    if (!r.selected) return -1;
    *recv_ok = r.received;
    return i;
  }

  g* gp = block ? current() : nullptr;
  if (block && !gp) fatal("weft::select called outside a goroutine");

  // Pass 1: is something ready now?
  std::uint16_t* readyv = scratch + n;
  sellock(cs, order, nl);
  for (;;) {
    // Collected in case order (not address order) so that a recorded choice does not depend
    // on where the channels happen to be allocated.
    int nr = 0;
    for (int i = 0; i < n; i++) {
      if (cs[i].c && case_ready(cs[i])) readyv[nr++] = static_cast<std::uint16_t>(i);
    }
    if (nr == 0) break;
    int i = readyv[nr == 1 ? 0 : static_cast<int>(current_policy()->choose(
                                     static_cast<std::uint64_t>(nr)))];
    switch (perform(cs, order, nl, cs[i], recv_ok)) {
      case outcome::done:
        return i;
      case outcome::closed:
        panic("send on closed channel");
      case outcome::not_ready:
        break;  // its partner was a select another case won meanwhile: look again
    }
  }
  if (!block) {
    selunlock(cs, order, nl);
    return -1;
  }

  // Pass 2: enqueue on every channel, park once.
  gp->park_result = 0;
  for (int k = 0; k < nl; k++) {
    scase& sk = cs[order[k]];
    sudog& w = sk.w;
    w.gp = gp;
    w.next = w.prev = nullptr;
    w.elem = sk.elem;
    w.data = order[k];
    w.success = false;
    w.c = sk.c;
    w.slot = -1;
    w.is_select = true;
    prepark_release(sk.c, &w);
    if (sk.is_send) {
      sk.c->sendq.enqueue(&w);
    } else {
      sk.c->recvq.enqueue(&w);
    }
  }
  sel_park sp{cs, order, nl};
  park(wait_reason::select, nullptr, where, selparkcommit, &sp);

  // Pass 3: one case won us; withdraw the others.
  auto* win = reinterpret_cast<sudog*>(gp->park_result);
  if (!win) fatal("select woken without a winning case");
  sellock(cs, order, nl);
  for (int k = 0; k < nl; k++) {
    scase& sk = cs[order[k]];
    if (&sk.w == win) continue;
    if (sk.is_send) {
      sk.c->sendq.remove(&sk.w);
    } else {
      sk.c->recvq.remove(&sk.w);
    }
  }
  gp->select_done.store(0, std::memory_order_relaxed);
  gp->park_result = 0;
  postwake_acquire(win->c, win, /*locked=*/true);
  selunlock(cs, order, nl);

  int i = static_cast<int>(win->data);
  if (cs[i].is_send) {
    if (!win->success) panic("send on closed channel");
  } else {
    *recv_ok = win->success;
  }
  return i;
}

}  // namespace weft::detail
