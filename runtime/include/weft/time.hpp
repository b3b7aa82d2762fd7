// weft/time.hpp — Go's time package for goroutines: sleep, now, after, timer, ticker,
// after_func.
//
// Time is the policy's clock (weft::clock): the steady clock under weft::run, virtual time under
// the explorer (a test that sleeps an hour runs in microseconds; see weft::check). Durations are
// weft::duration (int64 nanoseconds, like Go's time.Duration); every function also takes any
// std::chrono::duration (converted toward zero, saturating at +-292 years), so 10ms, 1h or
// std::chrono::duration<double>(0.5) all work.
//
// Timer semantics are Go's before 1.23 (GODEBUG asynctimerchan=1), the ones most Go code and
// documentation describe:
//  - a timer's channel has capacity 1. When the timer fires, the current time is sent without
//    blocking; a value nobody received stays in the channel (len() == 1), also across stop()
//    and reset(). stop() returns false when the timer had already fired (or was stopped) and
//    leaves that value where it is; to reuse such a timer, drain the channel first, as in Go:
//        if (!t.stop()) weft::select(weft::on_recv(t.c()), weft::on_default());
//    Once stop() has returned false for a timer that fired, its value is already in the
//    channel (weft sends under the timer's lock), so the non-blocking drain above is reliable.
//  - reset(d) re-arms the timer and returns whether it was still pending.
//  - a ticker's channel also has capacity 1: a receiver too slow for the period misses ticks,
//    it never finds a backlog.
//  - a timer fires whether or not a handle still names it (after() returns none at all). A
//    ticker, which would otherwise tick forever, stops when its last handle is destroyed (C++
//    ownership; Go 1.23 likewise collects an unreferenced ticker).
//
// Visible operations (scheduling points under the explorer): sleep (op_kind::sleep), creating
// or resetting a timer/ticker/after (timer_start, timer_reset), stop (timer_stop). Firing is no
// goroutine's operation: it happens on the scheduler side (production: the policy's timer
// thread; explorer: when every goroutine is blocked, or earlier as a choice of the strategy).
// Happens-before: creating or resetting an after_func timer happens before its callback starts
// (as Go's race annotations say). A timer's or ticker's send synchronises nothing (the runtime,
// not a goroutine, is the sender), as in Go.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include "weft/source_location.hpp"
#include <type_traits>
#include <utility>

#include "weft/chan.hpp"
#include "weft/detail/core.hpp"

namespace weft {

namespace detail {

/// to_duration: d as weft::duration, truncated toward zero, saturated to the int64 range
/// (NaN becomes zero).
template <class Rep, class Period>
constexpr duration to_duration(const std::chrono::duration<Rep, Period>& d) noexcept {
  if constexpr (std::is_floating_point_v<Rep>) {
    long double ns = std::chrono::duration<long double, std::nano>(d).count();
    if (std::isnan(ns)) return duration::zero();
    if (ns >= static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
      return duration::max();
    }
    if (ns <= static_cast<long double>(std::numeric_limits<std::int64_t>::min())) {
      return duration::min();
    }
    return duration(static_cast<std::int64_t>(ns));
  } else {
    using D = std::chrono::duration<Rep, Period>;
    if constexpr (std::ratio_greater_v<Period, std::nano>) {
      constexpr D hi = std::chrono::duration_cast<D>(duration::max());
      if (d > hi) return duration::max();
      if constexpr (std::is_signed_v<Rep>) {
        constexpr D lo = std::chrono::duration_cast<D>(duration::min());
        if (d < lo) return duration::min();
      }
    }
    return std::chrono::duration_cast<duration>(d);
  }
}

/// add_saturating: t + d, clamped to the clock's range.
constexpr time_point add_saturating(time_point t, duration d) noexcept {
  const auto r = t.time_since_epoch().count();
  const auto x = d.count();
  if (x > 0 && r > std::numeric_limits<std::int64_t>::max() - x) return time_point::max();
  if (x < 0 && r < std::numeric_limits<std::int64_t>::min() - x) return time_point::min();
  return t + d;
}

struct timer_state;  // runtime/src/time/timer.cpp (opaque here)

struct adopt_t {
  explicit adopt_t() = default;
};
inline constexpr adopt_t adopt{};

/// func_ops: how the type-erased timer core moves, calls and destroys an after_func callback.
struct func_ops {
  std::size_t size;
  std::size_t align;
  void (*move)(void* dst, void* src);  // construct *dst from std::move(*src) (may throw)
  void (*invoke)(void* f);             // call the callback, as an lvalue
  void (*destroy)(void* f) noexcept;
};

template <class F>
inline constexpr func_ops func_ops_of{
    sizeof(F), alignof(F),
    [](void* dst, void* src) { ::new (dst) F(std::move(*static_cast<F*>(src))); },
    [](void* f) { (*static_cast<F*>(f))(); },
    [](void* f) noexcept { static_cast<F*>(f)->~F(); }};

void sleep_for(duration d, const weft::source_location& where);
chan<time_point> after_chan(duration d, const weft::source_location& where);

/// timer_make: a new timer (period 0) or ticker (period > 0) with a channel; one reference,
/// owned by the caller. Armed for now + d (a ticker for now + period).
timer_state* timer_make(duration d, duration period, const weft::source_location& where);
/// timer_make_func: a new after_func timer; *f is moved into it. One reference for the caller.
timer_state* timer_make_func(duration d, const func_ops* ops, void* f,
                             const weft::source_location& where);
void timer_retain(timer_state* s) noexcept;
void timer_release(timer_state* s) noexcept;
/// ticker_drop_handle: one ticker handle fewer; the last one stops the ticker. Releases the
/// handle's reference.
void ticker_drop_handle(timer_state* s) noexcept;
void ticker_add_handle(timer_state* s) noexcept;
const chan<time_point>& timer_chan(const timer_state* s) noexcept;
bool timer_stop(timer_state* s, const weft::source_location& where);
bool timer_reset(timer_state* s, duration d, const weft::source_location& where);
void ticker_stop(timer_state* s, const weft::source_location& where);
void ticker_reset(timer_state* s, duration d, const weft::source_location& where);

}  // namespace detail

/// now: the current time of the running policy (virtual under the explorer). Any goroutine;
/// outside a run, the steady clock. Not a scheduling point.
inline time_point now() noexcept { return clock::now(); }

/// since: now() - t.
inline duration since(time_point t) noexcept { return now() - t; }

/// sleep: parks the calling goroutine for at least d (Go's time.Sleep). d <= 0 returns at once,
/// but is still a scheduling point. Goroutines only. Costs one park and one timer; the timer
/// lives on the goroutine's own stack and is armed only once the goroutine is off its stack.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d,
           weft::source_location where = weft::source_location::current()) {
  detail::sleep_for(detail::to_duration(d), where);
}

/// after: a channel that receives the time once d has passed (Go's time.After). The timer
/// cannot be stopped; it is freed when it fires (or when the run ends).
template <class Rep, class Period>
chan<time_point> after(std::chrono::duration<Rep, Period> d,
                       weft::source_location where = weft::source_location::current()) {
  return detail::after_chan(detail::to_duration(d), where);
}

/// timer: Go's *time.Timer, a handle with reference semantics (copies name the same timer; a
/// default-constructed handle is nil: stop() and reset() on it panic as in Go). Semantics: see
/// the file comment (Go before 1.23). Destroying the handles does not stop the timer.
/// Like chan handles, one handle object must not be assigned while another goroutine uses it.
class timer {
 public:
  timer() noexcept = default;
  /// timer(d): Go's time.NewTimer(d): fires once, d from now, sending the time on c().
  template <class Rep, class Period>
  explicit timer(std::chrono::duration<Rep, Period> d,
                 weft::source_location where = weft::source_location::current())
      : s_(detail::timer_make(detail::to_duration(d), duration::zero(), where)) {}

  timer(const timer& o) noexcept : s_(o.s_) {
    if (s_) detail::timer_retain(s_);
  }
  timer(timer&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  timer& operator=(const timer& o) noexcept {
    if (o.s_) detail::timer_retain(o.s_);
    if (s_) detail::timer_release(s_);
    s_ = o.s_;
    return *this;
  }
  timer& operator=(timer&& o) noexcept {
    if (this != &o) {
      if (s_) detail::timer_release(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~timer() {
    if (s_) detail::timer_release(s_);
  }

  /// c: the timer's channel (Go's t.C); the nil channel for after_func timers and nil handles.
  chan<time_point> c() const noexcept {
    return s_ ? detail::timer_chan(s_) : chan<time_point>();
  }
  /// stop: prevents the timer from firing. True if that stopped it, false if it had already
  /// fired or been stopped (for an after_func timer: false means f has been started in its own
  /// goroutine). Does not drain c(). Never blocks. Panics "time: Stop called on uninitialized
  /// Timer" on a nil handle.
  bool stop(weft::source_location where = weft::source_location::current()) {
    return detail::timer_stop(s_, where);
  }
  /// reset: re-arms the timer to fire d from now; true if it was still pending. For an
  /// after_func timer that already fired, f will run again. Does not drain c(). Panics "time:
  /// Reset called on uninitialized Timer" on a nil handle.
  template <class Rep, class Period>
  bool reset(std::chrono::duration<Rep, Period> d,
             weft::source_location where = weft::source_location::current()) {
    return detail::timer_reset(s_, detail::to_duration(d), where);
  }

  explicit operator bool() const noexcept { return s_ != nullptr; }
  friend bool operator==(const timer& a, const timer& b) noexcept { return a.s_ == b.s_; }

  /// timer(s, adopt): takes over the caller's reference to s (runtime use).
  timer(detail::timer_state* s, detail::adopt_t) noexcept : s_(s) {}

 private:
  detail::timer_state* s_ = nullptr;
};

/// after_func: Go's time.AfterFunc: once d has passed, f runs in a goroutine of its own (the
/// timer's creation happens before f starts). f is moved or copied into the timer and called
/// as an lvalue each time the timer fires (reset() after firing runs it again, possibly while
/// an earlier call still runs). stop() before it fires cancels it. The returned handle may be
/// dropped: the timer still fires. Goroutines only.
template <class Rep, class Period, class F>
timer after_func(std::chrono::duration<Rep, Period> d, F&& f,
                 weft::source_location where = weft::source_location::current()) {
  using D = std::decay_t<F>;
  static_assert(std::is_invocable_v<D&>, "weft::after_func needs a callable taking no arguments");
  static_assert(std::is_move_constructible_v<D>, "weft::after_func: f must be movable");
  D fn(std::forward<F>(f));
  return timer(
      detail::timer_make_func(detail::to_duration(d), &detail::func_ops_of<D>, &fn, where),
      detail::adopt);
}

/// ticker: Go's *time.Ticker: sends the time on c() every period, dropping ticks a slow receiver
/// misses (capacity 1). A handle with reference semantics; the ticker stops when stop() is
/// called or when its last handle is destroyed. A non-positive period panics ("non-positive
/// interval for NewTicker").
class ticker {
 public:
  ticker() noexcept = default;
  template <class Rep, class Period>
  explicit ticker(std::chrono::duration<Rep, Period> period,
                  weft::source_location where = weft::source_location::current())
      : s_(make(detail::to_duration(period), where)) {}

  ticker(const ticker& o) noexcept : s_(o.s_) {
    if (s_) detail::ticker_add_handle(s_);
  }
  ticker(ticker&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  ticker& operator=(const ticker& o) noexcept {
    if (o.s_) detail::ticker_add_handle(o.s_);
    if (s_) detail::ticker_drop_handle(s_);
    s_ = o.s_;
    return *this;
  }
  ticker& operator=(ticker&& o) noexcept {
    if (this != &o) {
      if (s_) detail::ticker_drop_handle(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~ticker() {
    if (s_) detail::ticker_drop_handle(s_);
  }

  /// c: the ticker's channel (Go's t.C); nil for a nil handle.
  chan<time_point> c() const noexcept {
    return s_ ? detail::timer_chan(s_) : chan<time_point>();
  }
  /// stop: no more ticks (a tick already in c() stays there). A nil handle is a no-op, as Go's
  /// Stop on an uninitialised Ticker.
  void stop(weft::source_location where = weft::source_location::current()) {
    if (s_) detail::ticker_stop(s_, where);
  }
  /// reset: stops the ticker and restarts it with the new period; the next tick arrives one
  /// period from now. Panics "non-positive interval for Ticker.Reset" for period <= 0 and
  /// "time: Reset called on uninitialized Ticker" on a nil handle.
  template <class Rep, class Period>
  void reset(std::chrono::duration<Rep, Period> period,
             weft::source_location where = weft::source_location::current()) {
    detail::ticker_reset(s_, detail::to_duration(period), where);
  }

  explicit operator bool() const noexcept { return s_ != nullptr; }
  friend bool operator==(const ticker& a, const ticker& b) noexcept { return a.s_ == b.s_; }

 private:
  static detail::timer_state* make(duration period, const weft::source_location& where) {
    if (period <= duration::zero()) detail::panic("non-positive interval for NewTicker");
    return detail::timer_make(period, period, where);
  }
  detail::timer_state* s_ = nullptr;
};

}  // namespace weft
