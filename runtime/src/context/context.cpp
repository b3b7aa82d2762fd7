// runtime/src/context/context.cpp — weft::context, Go's context package: a tree of nodes,
// cancellation propagating down it, deadlines on the policy's timers, values walking up it.
//
// Vocabulary: a *cancellable* node (with_cancel, with_deadline) has a done channel, an error
// and a list of registered children; a *value* node (with_value) holds one key and value and
// answers done/err/deadline through `canc`, its nearest cancellable ancestor. Background is the
// null node. A cancellable node registers with its nearest cancellable ancestor (`cparent`),
// skipping value nodes, as Go's propagateCancel does.
//
// Ownership: every node holds a strong reference to its parent (so a node's whole ancestry,
// `canc` and `cparent` included, lives as long as it does); handles (context, cancel_func) hold
// references; an armed deadline timer holds one. Registration is weak: a node whose last
// reference goes away unregisters itself from its cparent before it is freed, and a cancelled
// node is unregistered by whoever cancelled it (its parent's cancellation detaches it, its own
// cancel() or deadline removes it), so nothing accumulates under a long-lived context.
//
// Invariants:
//  - err goes from 0 to canceled/deadline_exceeded once, under the node's lock, and done is
//    closed right after, under the same lock: done is closed exactly once, after err is set.
//  - A node is in its cparent's child list iff registered (both under cparent's lock); nodes
//    are linked only while cparent's err is 0 (checked under that lock), and cparent's
//    cancellation detaches them all under the lock, so no child is ever left behind.
//  - A registered node's reference count is positive, or its destruction waits for cparent's
//    lock to unregister it: so the cancellation walk, which holds cparent's lock, may touch a
//    child whose last handle is going away at that very moment (it has no children of its
//    own then: they would hold references to it).
//  - timer_pending (under the node's lock) iff the deadline timer is armed and its reference not
//    yet dropped; the node is armed at most once.
//
// Locking: one spin lock per cancellable node. Order: ancestor before descendant (the
// cancellation walk holds the locks of the path from the cancelled node down to the node it
// is cancelling, like Go's recursive cancel); node lock < channel lock (done is closed under
// it) < the policy's timer lock (del_timer/add_timer). Unregistering and freeing take only
// cparent's lock, with nothing else held; references are dropped only with no lock held.
#include "weft/context.hpp"

#include <algorithm>
#include <atomic>
#include <ostream>

#include "core/spin.hpp"
#include "weft/detail/timer.hpp"
#include "weft/panic.hpp"

namespace weft {

std::ostream& operator<<(std::ostream& os, error e) { return os << e.what(); }

namespace detail {

/// ctx_spin: a cancellable context's lock (test-and-test-and-set with the core's backoff).
struct ctx_spin {
  std::atomic<std::uint32_t> v{0};
  void lock() noexcept {
    while (v.exchange(1, std::memory_order_acquire) != 0) {
      backoff bo;
      while (v.load(std::memory_order_relaxed) != 0) bo.pause();
    }
  }
  void unlock() noexcept { v.store(0, std::memory_order_release); }
};

struct ctx_node {
  std::atomic<std::uint32_t> refs{1};
  bool is_value = false;
  ctx_node* parent = nullptr;  // strong; nullptr: background
  ctx_node* canc = nullptr;    // nearest cancellable node at or above this one (nullptr: none)

  // Value nodes (immutable).
  const value_ops* vops = nullptr;
  void* key = nullptr;
  void* val = nullptr;

  // Cancellable nodes. Immutable:
  chan<std::monostate> done;
  std::optional<time_point> deadline;
  ctx_node* cparent = nullptr;  // the cancellable ancestor it registers with (nullptr: none)
  // err: written under lock, read by err() without it.
  std::atomic<std::uint8_t> err{0};
  ctx_spin lock;
  // Guarded by lock:
  ctx_node* first_child = nullptr;
  ctx_node* walk_up = nullptr;  // the cancellation walk's way back up
  bool timer_pending = false;
  timer_node tnode;
  // Guarded by cparent->lock:
  ctx_node* prev_sib = nullptr;
  ctx_node* next_sib = nullptr;
  bool registered = false;
  // The cancellation walk's list of timer references to drop once every lock is released.
  ctx_node* drop_next = nullptr;
};

namespace {

// ---- allocation ------------------------------------------------------------------------------

struct layout {
  std::size_t key_off = 0, val_off = 0, bytes = sizeof(ctx_node), align = alignof(ctx_node);
};

constexpr std::size_t round_up(std::size_t x, std::size_t a) { return (x + a - 1) / a * a; }

layout layout_of(const value_ops* ops) noexcept {
  layout l;
  if (!ops) return l;
  l.key_off = round_up(sizeof(ctx_node), ops->key_align);
  l.val_off = round_up(l.key_off + ops->key_size, ops->val_align);
  l.bytes = l.val_off + ops->val_size;
  l.align = std::max({alignof(ctx_node), ops->key_align, ops->val_align});
  return l;
}

ctx_node* canc_of(const ctx_node* n) noexcept { return n ? n->canc : nullptr; }

/// unlink_locked: cp->lock held; take n off cp's child list.
void unlink_locked(ctx_node* cp, ctx_node* n) noexcept {
  if (n->prev_sib) n->prev_sib->next_sib = n->next_sib; else cp->first_child = n->next_sib;
  if (n->next_sib) n->next_sib->prev_sib = n->prev_sib;
  n->prev_sib = n->next_sib = nullptr;
  n->registered = false;
}

/// unregister: take n off its cparent's list, if it is still there (Go's removeChild).
void unregister(ctx_node* n) noexcept {
  ctx_node* cp = n->cparent;
  if (!cp) return;
  cp->lock.lock();
  if (n->registered) unlink_locked(cp, n);
  cp->lock.unlock();
}

/// free_one: destroy n (refs reached zero) and return its parent, whose reference it held.
ctx_node* free_one(ctx_node* n) noexcept {
  unregister(n);
  ctx_node* parent = n->parent;
  const value_ops* ops = n->vops;
  layout l = layout_of(ops);
  if (ops) {
    ops->destroy_val(n->val);
    ops->destroy_key(n->key);
  }
  n->~ctx_node();
  ::operator delete(static_cast<void*>(n), l.bytes, std::align_val_t(l.align));
  return parent;
}

ctx_node* new_node(ctx_node* parent, const value_ops* ops) {
  layout l = layout_of(ops);
  void* mem = ::operator new(l.bytes, std::align_val_t(l.align));
  auto* n = ::new (mem) ctx_node();
  if (ops) {
    n->key = static_cast<char*>(mem) + l.key_off;
    n->val = static_cast<char*>(mem) + l.val_off;
  }
  n->parent = parent;
  return n;
}

void delete_unborn(ctx_node* n, const value_ops* ops) noexcept {
  layout l = layout_of(ops);
  n->~ctx_node();
  ::operator delete(static_cast<void*>(n), l.bytes, std::align_val_t(l.align));
}

// ---- cancellation ----------------------------------------------------------------------------

/// mark_locked: n->lock held, n not yet done. Set err, close done, stop the deadline timer.
void mark_locked(ctx_node* n, std::uint8_t e, ctx_node** drops) {
  hb_release(n);  // cancel -> an err() that returns this error
  n->err.store(e, std::memory_order_release);
  chan_close(n->done.raw());  // cancel -> the receives that observe done closed
  if (n->timer_pending && active_policy && active_policy->del_timer(&n->tnode)) {
    n->timer_pending = false;
    n->drop_next = *drops;  // its reference goes once every lock is released
    *drops = n;
  }
}

/// cancel_tree: cancel root and every registered descendant with error e (Go's cancel, without
/// the removal from the parent, which the caller does). Holds the locks of the path from root
/// to the node being cancelled, so a concurrent cancel of any node on it waits until that
/// node's whole subtree is done. Returns false if root was already done. The caller holds a
/// reference to root.
bool cancel_tree(ctx_node* root, std::uint8_t e) {
  ctx_node* drops = nullptr;
  root->lock.lock();
  if (root->err.load(std::memory_order_relaxed) != 0) {
    root->lock.unlock();
    return false;
  }
  mark_locked(root, e, &drops);
  root->walk_up = nullptr;
  ctx_node* cur = root;
  for (;;) {
    if (ctx_node* c = cur->first_child) {
      unlink_locked(cur, c);
      c->lock.lock();
      if (c->err.load(std::memory_order_relaxed) != 0) {
        // Cancelled on its own and about to unregister itself: its subtree is its business.
        c->lock.unlock();
        continue;
      }
      mark_locked(c, e, &drops);
      c->walk_up = cur;
      cur = c;
      continue;
    }
    ctx_node* up = cur->walk_up;
    cur->lock.unlock();
    if (!up) break;
    cur = up;
  }
  while (drops) {
    ctx_node* n = drops;
    drops = n->drop_next;
    ctx_release(n);
  }
  return true;
}

/// propagate: register the new cancellable node n with its nearest cancellable ancestor, or
/// cancel it at once if that ancestor is already done (Go's propagateCancel).
void propagate(ctx_node* n) {
  ctx_node* cp = canc_of(n->parent);
  n->cparent = cp;
  if (!cp) return;
  cp->lock.lock();
  if (std::uint8_t e = cp->err.load(std::memory_order_relaxed)) {
    cp->lock.unlock();
    hb_acquire(cp);  // the parent's cancel -> the child born cancelled
    cancel_tree(n, e);
    return;
  }
  n->next_sib = cp->first_child;
  if (n->next_sib) n->next_sib->prev_sib = n;
  cp->first_child = n;
  n->registered = true;
  cp->lock.unlock();
}

ctx_node* new_cancellable(ctx_node* parent) {
  ctx_node* n = new_node(parent, nullptr);
  try {
    n->done = chan<std::monostate>(0);
  } catch (...) {
    delete_unborn(n, nullptr);
    throw;
  }
  if (parent) ctx_retain(parent);
  n->canc = n;
  return n;
}

// ---- the deadline timer (scheduler side) -----------------------------------------------------

void deadline_fire(timer_node* t) {
  auto* n = static_cast<ctx_node*>(t->arg);
  n->lock.lock();
  n->timer_pending = false;  // this firing owns the timer's reference now
  n->lock.unlock();
  if (cancel_tree(n, static_cast<std::uint8_t>(error::code::deadline_exceeded))) unregister(n);
  ctx_release(n);
}

void deadline_drop(timer_node* t) {
  auto* n = static_cast<ctx_node*>(t->arg);
  n->lock.lock();
  n->timer_pending = false;
  n->lock.unlock();
  ctx_release(n);
}

}  // namespace

void ctx_retain(ctx_node* n) noexcept { n->refs.fetch_add(1, std::memory_order_relaxed); }

void ctx_release(ctx_node* n) noexcept {
  // Iterative: freeing a node drops its reference to its parent.
  while (n && n->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    WEFT_TSAN_QUIET();
    n = free_one(n);
  }
}

ctx_node* ctx_with_cancel(ctx_node* parent) {
  WEFT_TSAN_QUIET();
  ctx_node* n = new_cancellable(parent);
  n->deadline = ctx_deadline(parent);
  propagate(n);
  return n;
}

ctx_node* ctx_with_deadline(ctx_node* parent, time_point d) {
  WEFT_TSAN_QUIET();
  std::optional<time_point> cur = ctx_deadline(parent);
  if (cur && *cur < d) return ctx_with_cancel(parent);  // the parent times out first
  policy* p = active_policy;
  if (!p) fatal("weft::with_deadline/with_timeout need a running weft::run (or explore)");
  ctx_node* n = new_cancellable(parent);
  n->deadline = d;
  propagate(n);
  hb_release(n);             // creation -> an err() that reports the deadline
  hb_release(n->done.raw());  // creation -> a receive that observes the deadline's close
  if (d <= p->now()) {
    if (cancel_tree(n, static_cast<std::uint8_t>(error::code::deadline_exceeded))) unregister(n);
    return n;
  }
  n->lock.lock();
  if (n->err.load(std::memory_order_relaxed) == 0) {
    n->tnode.when = d;
    n->tnode.fire = deadline_fire;
    n->tnode.arg = n;
    n->tnode.drop = deadline_drop;
    ctx_retain(n);  // the armed timer's reference
    n->timer_pending = true;
    p->add_timer(&n->tnode);
  }
  n->lock.unlock();
  return n;
}

ctx_node* ctx_with_value(ctx_node* parent, const value_ops* ops, const void* key, void* val) {
  WEFT_TSAN_QUIET();
  ctx_node* n = new_node(parent, ops);
  try {
    ops->make_key(n->key, key);
  } catch (...) {
    delete_unborn(n, ops);
    throw;
  }
  try {
    ops->move_val(n->val, val);
  } catch (...) {
    ops->destroy_key(n->key);
    delete_unborn(n, ops);
    throw;
  }
  n->is_value = true;
  n->vops = ops;
  n->canc = canc_of(parent);
  if (parent) ctx_retain(parent);
  return n;
}

void ctx_cancel(ctx_node* n, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  visible(op_kind::ctx_cancel, n, where);
  if (cancel_tree(n, static_cast<std::uint8_t>(error::code::canceled))) unregister(n);
}

error ctx_err(const ctx_node* n, const weft::source_location& where) {
  ctx_node* c = canc_of(n);
  visible(op_kind::ctx_err, c, where);
  if (!c) return error();
  auto e = static_cast<error::code>(c->err.load(std::memory_order_acquire));
  hb_acquire(c);  // a cancel -> this err()
  return error(e);
}

chan<std::monostate> ctx_done(const ctx_node* n) noexcept {
  ctx_node* c = canc_of(n);
  return c ? c->done : chan<std::monostate>();
}

std::optional<time_point> ctx_deadline(const ctx_node* n) noexcept {
  ctx_node* c = canc_of(n);
  return c ? c->deadline : std::nullopt;
}

const void* ctx_value(const ctx_node* n, const void* key_type, const void* key,
                      const void* val_type) noexcept {
  for (; n; n = n->parent) {
    if (!n->is_value || n->vops->key_type != key_type) continue;
    if (!n->vops->key_eq(n->key, key)) continue;
    return n->vops->val_type == val_type ? n->val : nullptr;
  }
  return nullptr;
}

std::size_t ctx_registered_children(const ctx_node* n) noexcept {
  ctx_node* c = canc_of(n);
  if (!c) return 0;
  std::size_t k = 0;
  c->lock.lock();
  for (ctx_node* x = c->first_child; x; x = x->next_sib) k++;
  c->lock.unlock();
  return k;
}

}  // namespace detail
}  // namespace weft
