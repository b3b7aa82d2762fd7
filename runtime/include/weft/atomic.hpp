// weft/atomic.hpp — weft::atomic<T>: Go's sync/atomic as a std::atomic look-alike.
//
// Every operation is sequentially consistent (Go's memory model makes all atomics seq-cst
// synchronising operations) and is a visible operation under the explorer (atomic_load,
// atomic_store or atomic_rmw on this object), so interleavings around atomics are explored.
// Happens-before is announced like Go's race annotations for sync/atomic: a load acquires, a
// store releases, a read-modify-write does both (release, then acquire); a failed
// compare-exchange writes nothing and only acquires.
//
// T: bool, an integral type, a pointer, or any trivially copyable type (load/store/exchange/
// compare_exchange only; types that std::atomic cannot make lock-free need libatomic, and
// compare_exchange compares object representations, padding included, as std::atomic does).
// The arithmetic/bitwise members exist for integral T (not bool); fetch_add/fetch_sub and
// ++/-- also for pointers.
//
// Call-site capture: every named member takes a defaulted weft::source_location. Operators
// cannot, so `x++`, `x = v`, `T(x)` report this header's own line as their site.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include "weft/source_location.hpp"
#include <type_traits>

#include "weft/detail/core.hpp"

namespace weft {

template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T> && std::is_copy_constructible_v<T> &&
                    std::is_move_constructible_v<T> && std::is_copy_assignable_v<T> &&
                    std::is_move_assignable_v<T>,
                "weft::atomic<T> needs a trivially copyable T (as std::atomic does)");

  static constexpr bool integral = std::integral<T> && !std::same_as<T, bool>;
  static constexpr bool pointer = std::is_pointer_v<T> && std::is_object_v<std::remove_pointer_t<T>>;

 public:
  using value_type = T;
  using loc = weft::source_location;

  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  /// atomic: value-initialised (0, nullptr, false, T{}), like C++20's std::atomic.
  constexpr atomic() noexcept(std::is_nothrow_default_constructible_v<T>) : a_(T()) {}
  constexpr atomic(T v) noexcept : a_(v) {}  // NOLINT: implicit, like std::atomic
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;

  /// load: the current value (Go's Load). Acquires.
  T load(loc where = loc::current()) const {
    detail::visible(op_kind::atomic_load, this, where);
    T v = a_.load(std::memory_order_seq_cst);
    detail::hb_acquire(this);
    return v;
  }
  /// store: sets the value (Go's Store). Releases.
  void store(T v, loc where = loc::current()) {
    detail::visible(op_kind::atomic_store, this, where);
    detail::hb_release(this);
    a_.store(v, std::memory_order_seq_cst);
  }
  /// exchange: sets the value, returns the old one (Go's Swap).
  T exchange(T v, loc where = loc::current()) {
    return rmw(where, [&] { return a_.exchange(v, std::memory_order_seq_cst); });
  }
  /// compare_exchange_strong: if the value equals `expected`, sets it to `desired` and returns
  /// true; otherwise stores the current value into `expected` and returns false (Go's
  /// CompareAndSwap, plus the observed value).
  bool compare_exchange_strong(T& expected, T desired, loc where = loc::current()) {
    detail::visible(op_kind::atomic_rmw, this, where);
    bool ok = a_.compare_exchange_strong(expected, desired, std::memory_order_seq_cst);
    return cas_done(ok);
  }
  /// compare_exchange_weak: like compare_exchange_strong but may fail spuriously (use in a
  /// loop).
  bool compare_exchange_weak(T& expected, T desired, loc where = loc::current()) {
    detail::visible(op_kind::atomic_rmw, this, where);
    bool ok = a_.compare_exchange_weak(expected, desired, std::memory_order_seq_cst);
    return cas_done(ok);
  }

  /// fetch_add / fetch_sub / fetch_and / fetch_or / fetch_xor: apply and return the old value
  /// (Go's Add returns the new one: x.fetch_add(d) + d). Signed overflow wraps.
  T fetch_add(T d, loc where = loc::current()) requires integral {
    return rmw(where, [&] { return a_.fetch_add(d, std::memory_order_seq_cst); });
  }
  T fetch_sub(T d, loc where = loc::current()) requires integral {
    return rmw(where, [&] { return a_.fetch_sub(d, std::memory_order_seq_cst); });
  }
  T fetch_and(T d, loc where = loc::current()) requires integral {
    return rmw(where, [&] { return a_.fetch_and(d, std::memory_order_seq_cst); });
  }
  T fetch_or(T d, loc where = loc::current()) requires integral {
    return rmw(where, [&] { return a_.fetch_or(d, std::memory_order_seq_cst); });
  }
  T fetch_xor(T d, loc where = loc::current()) requires integral {
    return rmw(where, [&] { return a_.fetch_xor(d, std::memory_order_seq_cst); });
  }
  T fetch_add(std::ptrdiff_t d, loc where = loc::current()) requires pointer {
    return rmw(where, [&] { return a_.fetch_add(d, std::memory_order_seq_cst); });
  }
  T fetch_sub(std::ptrdiff_t d, loc where = loc::current()) requires pointer {
    return rmw(where, [&] { return a_.fetch_sub(d, std::memory_order_seq_cst); });
  }

  /// Operators, as std::atomic: conversion loads, assignment stores and returns the value
  /// stored, the compound ones return the new value.
  operator T() const { return load(); }  // NOLINT: implicit, like std::atomic
  T operator=(T v) {
    store(v);
    return v;
  }
  T operator++() requires(integral || pointer) { return step(fetch_add(1), 1); }
  T operator--() requires(integral || pointer) { return step(fetch_sub(1), -1); }
  T operator++(int) requires(integral || pointer) { return fetch_add(1); }
  T operator--(int) requires(integral || pointer) { return fetch_sub(1); }
  T operator+=(T d) requires integral { return wrap_add(fetch_add(d), d); }
  T operator-=(T d) requires integral { return wrap_sub(fetch_sub(d), d); }
  T operator+=(std::ptrdiff_t d) requires pointer { return fetch_add(d) + d; }
  T operator-=(std::ptrdiff_t d) requires pointer { return fetch_sub(d) - d; }
  T operator&=(T d) requires integral { return fetch_and(d) & d; }
  T operator|=(T d) requires integral { return fetch_or(d) | d; }
  T operator^=(T d) requires integral { return fetch_xor(d) ^ d; }

  /// is_lock_free: whether std::atomic<T> is lock-free for this T.
  bool is_lock_free() const noexcept { return a_.is_lock_free(); }

 private:
  template <class Op>
  T rmw(const loc& where, Op op) {
    detail::visible(op_kind::atomic_rmw, this, where);
    detail::hb_release(this);
    T old = op();
    detail::hb_acquire(this);
    return old;
  }
  bool cas_done(bool ok) {
    // Announced after the fact (no scheduling point in between): only a successful exchange
    // wrote, so only it releases.
    if (ok) detail::hb_release(this);
    detail::hb_acquire(this);
    return ok;
  }
  // Wrapping arithmetic for the values the compound operators return (the stored value wraps
  // inside std::atomic; the returned copy must wrap too, without signed overflow).
  static T wrap_add(T a, T b) noexcept {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  }
  static T wrap_sub(T a, T b) noexcept {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  }
  static T step(T old, int dir) noexcept {
    if constexpr (pointer) {
      return old + dir;
    } else {
      return dir > 0 ? wrap_add(old, T(1)) : wrap_sub(old, T(1));
    }
  }

  std::atomic<T> a_;
};

}  // namespace weft
