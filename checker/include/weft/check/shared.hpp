// weft/check/shared.hpp — plain data checked for data races by the explorer's built-in
// happens-before detector (vector clocks over the Go memory model).
//
//   weft::check::shared<int> x(0);
//   weft::go([&] { x.store(x.load() + 1); });
//
// Every load and store is a visible operation: under explore() two accesses that are not
// ordered by happens-before, at least one a write, fail the execution with failure::race,
// naming both goroutines, both sites and where the variable was created — on the first
// execution where both accesses happen, whether or not the interleaving went wrong. Outside the
// explorer a shared<T> is just a T (under a TSan build, TSan watches it like any memory).
#pragma once

#include "weft/source_location.hpp"
#include <utility>

#include "weft/detail/core.hpp"

namespace weft::check {

namespace detail {
/// shared_created: remember where a shared variable was made (for race reports).
void shared_created(const void* var, const weft::source_location& where) noexcept;
}  // namespace detail

template <class T>
class shared {
 public:
  explicit shared(T v = T{}, weft::source_location where = weft::source_location::current())
      : v_(std::move(v)) {
    detail::shared_created(this, where);
  }
  shared(const shared&) = delete;
  shared& operator=(const shared&) = delete;

  /// load: read the value (a visible read).
  T load(weft::source_location where = weft::source_location::current()) const {
    weft::detail::visible(op_kind::shared_read, this, where);
    return v_;
  }
  /// store: write the value (a visible write).
  void store(T v, weft::source_location where = weft::source_location::current()) {
    weft::detail::visible(op_kind::shared_write, this, where);
    v_ = std::move(v);
  }
  operator T() const { return load(); }
  shared& operator=(T v) {
    store(std::move(v));
    return *this;
  }

 private:
  T v_;
};

}  // namespace weft::check
