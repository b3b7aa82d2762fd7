// weft/detail/timer.hpp — the timer record and the one timer structure every policy keeps:
// a binary min-heap ordered by (when, arming order). Not synchronised: the owning policy guards
// it (production: its timer mutex; the explorer: single-threaded).
#pragma once

#include <cstdint>
#include <vector>

#include "weft/policy.hpp"

namespace weft::detail {

/// timer_node: one armed timer. `fire` runs on the scheduler side when the timer is due (see
/// the ground rules in policy.hpp: it may ready goroutines and use non-blocking internals).
/// `drop`, when set, is called instead of `fire` for a timer still armed when its policy's run
/// ends (the policy has already taken it out of its heap): it lets the timer's owner release
/// what the armed timer holds. It runs on the scheduler side with no goroutine left running,
/// and must not call back into the policy.
struct timer_node {
  time_point when{};
  void (*fire)(timer_node*) = nullptr;
  void* arg = nullptr;
  void (*drop)(timer_node*) = nullptr;
  std::int32_t heap_index = -1;  // owned by the heap: -1 when not armed
  std::uint64_t seq = 0;         // owned by the heap: arming order breaks ties
};

class timer_heap {
 public:
  bool empty() const noexcept { return h_.empty(); }
  std::size_t size() const noexcept { return h_.size(); }
  timer_node* top() const noexcept { return h_.empty() ? nullptr : h_.front(); }

  void push(timer_node* t) {
    t->seq = ++seq_;
    t->heap_index = static_cast<std::int32_t>(h_.size());
    h_.push_back(t);
    up(h_.size() - 1);
  }
  /// remove: disarm t; false when it was not armed.
  bool remove(timer_node* t) noexcept {
    if (t->heap_index < 0) return false;
    std::size_t i = static_cast<std::size_t>(t->heap_index);
    std::size_t last = h_.size() - 1;
    if (i != last) {
      h_[i] = h_[last];
      h_[i]->heap_index = static_cast<std::int32_t>(i);
      h_.pop_back();
      if (!up(i)) down(i);
    } else {
      h_.pop_back();
    }
    t->heap_index = -1;
    return true;
  }
  timer_node* pop() noexcept {
    timer_node* t = top();
    if (t) remove(t);
    return t;
  }
  /// at: the i-th armed timer in heap order (for policies that enumerate pending timers).
  timer_node* at(std::size_t i) const noexcept { return h_[i]; }

 private:
  static bool less(const timer_node* a, const timer_node* b) noexcept {
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
  }
  bool up(std::size_t i) noexcept {
    bool moved = false;
    while (i > 0) {
      std::size_t p = (i - 1) / 2;
      if (!less(h_[i], h_[p])) break;
      swap(i, p);
      i = p;
      moved = true;
    }
    return moved;
  }
  void down(std::size_t i) noexcept {
    for (;;) {
      std::size_t l = 2 * i + 1, r = l + 1, m = i;
      if (l < h_.size() && less(h_[l], h_[m])) m = l;
      if (r < h_.size() && less(h_[r], h_[m])) m = r;
      if (m == i) return;
      swap(i, m);
      i = m;
    }
  }
  void swap(std::size_t a, std::size_t b) noexcept {
    std::swap(h_[a], h_[b]);
    h_[a]->heap_index = static_cast<std::int32_t>(a);
    h_[b]->heap_index = static_cast<std::int32_t>(b);
  }
  std::vector<timer_node*> h_;
  std::uint64_t seq_ = 0;
};

}  // namespace weft::detail
