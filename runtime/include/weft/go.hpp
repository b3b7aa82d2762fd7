// weft/go.hpp — running goroutines: weft::run, weft::go, weft::yield.
#pragma once

#include <cstdint>
#include <new>
#include "weft/source_location.hpp"
#include <type_traits>
#include <utility>

#include "weft/config.hpp"
#include "weft/detail/core.hpp"

namespace weft {

namespace detail {

template <class Fn>
g* make_g(Fn&& f) {
  using D = std::decay_t<Fn>;
  static_assert(std::is_invocable_v<D&>, "weft::go needs a callable taking no arguments");
  g* gp = alloc_g(sizeof(D), alignof(D));
  // Filling in the g is the runtime's business, not the program's: under ThreadSanitizer it
  // happens quietly (the child reading its callable is ordered by go -> start anyway).
  WEFT_TSAN_QUIET();
  ::new (gp->closure) D(std::forward<Fn>(f));
  gp->invoke = [](void* p) { (*static_cast<D*>(p))(); };
  gp->destroy = [](void* p) { static_cast<D*>(p)->~D(); };
  return gp;
}

/// run_main: run gp as goroutine 1 under the policy chosen by cfg (and WEFT_SCHED).
int run_main(g* gp, const config& cfg, const weft::source_location& where);

}  // namespace detail

/// run: start the runtime with cfg.procs workers and run `main` as goroutine 1; returns when it
/// returns (like Go, goroutines still running or blocked then are abandoned, not unwound).
/// Returns the exit code: 0. Must not be called from inside a goroutine. If every goroutine
/// blocks forever the program dies with Go's "all goroutines are asleep - deadlock!" (exit 2);
/// an exception escaping any goroutine dies with "panic: ..." (exit 2).
/// WEFT_SCHED=random:<seed> in the environment runs the program on one thread under the
/// deterministic scheduler instead (see weft::check).
template <class F>
int run(F&& main, config cfg = {}, weft::source_location where = weft::source_location::current()) {
  detail::set_stack_size(cfg.stack_size);
  return detail::run_main(detail::make_g(std::forward<F>(main)), cfg, where);
}

/// go: start f (any callable, moved or copied in) in a new goroutine. Must be called from a
/// goroutine. Costs one g and stack from a per-thread cache: no allocation in steady state.
template <class F>
void go(F&& f, weft::source_location where = weft::source_location::current()) {
  detail::visible(op_kind::go, nullptr, where);
  detail::start_g(detail::make_g(std::forward<F>(f)), where);
}

/// yield: let other goroutines run; the caller stays runnable (Go's runtime.Gosched).
inline void yield(weft::source_location where = weft::source_location::current()) {
  detail::visible(op_kind::yield, nullptr, where);
  detail::yield_now();
}

/// goid: the current goroutine's id (1 for main), 0 outside a goroutine.
inline std::uint64_t goid() noexcept {
  detail::g* gp = detail::current();
  return gp ? gp->id : 0;
}

}  // namespace weft
