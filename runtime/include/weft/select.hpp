// weft/select.hpp — Go's select statement: weft::select(on_recv(...), on_send(...), on_default(...)).
//
//   int i = weft::select(
//       weft::on_recv(jobs, [&](job j, bool ok) { ... }),   // also [](job j) or [] {}
//       weft::on_send(results, r, [&] { ... }),             // the callback is optional
//       weft::on_default([&] { ... }));                     // at most one; makes it non-blocking
//
// select blocks until one case can proceed, performs exactly that communication, then runs that
// case's callback (after every channel lock is released) and returns the case's position among
// the arguments (the default case included). When several cases are ready one is chosen
// uniformly at random, through current_policy()->choose() (one choice over the ready cases, so
// the explorer records and replays it). Cases on a nil channel never fire; a select with no
// cases, or only nil ones and no default, blocks forever. A send case on a closed channel that is
// chosen panics "send on closed channel", as in Go. The same channel may appear in several cases.
//
// select is one visible operation (op_kind::select, object nullptr since it may involve several
// channels; arg = the number of cases, default included), announced before anything else; its
// source location is the first case's (captured by on_recv/on_send/on_default).
// Cost when it blocks: one park; a sudog per case lives in select's own frame (no allocation).
#pragma once

#include <cstdint>
#include <functional>
#include "weft/source_location.hpp"
#include <type_traits>
#include <utility>

#include "weft/chan.hpp"

namespace weft {

namespace detail {

/// scase: one communication case as the core sees it.
struct scase {
  hchan* c = nullptr;   // nullptr: a nil channel (never fires)
  void* elem = nullptr;  // send: the value; receive: uninitialised storage
  bool is_send = false;
  sudog w;              // this case's queue entry while the select is parked
};

/// selectgo: Go's selectgo over cases[0, n). scratch has room for 2n entries. Returns the index
/// of the case performed, or -1 when nothing was ready and block is false (the default case).
/// For a receive case *recv_ok says whether a value was constructed at its elem.
int selectgo(scase* cases, int n, std::uint16_t* scratch, bool block, bool* recv_ok,
             const weft::source_location& where);

struct noop_callback {
  void operator()() const noexcept {}
};

// The received value is passed as an rvalue when the callback accepts one (T, const T&, T&&),
// else as an lvalue (T&).
template <class T, class F>
void call_recv_callback(F& f, T&& v, bool ok) {
  if constexpr (std::is_invocable_v<F&, T&&, bool>) {
    std::invoke(f, std::move(v), ok);
  } else if constexpr (std::is_invocable_v<F&, T&, bool>) {
    std::invoke(f, v, ok);
  } else if constexpr (std::is_invocable_v<F&, T&&>) {
    std::invoke(f, std::move(v));
  } else if constexpr (std::is_invocable_v<F&, T&>) {
    std::invoke(f, v);
  } else {
    static_assert(std::is_invocable_v<F&>,
                  "weft::on_recv: the callback must take (T, bool), (T) or nothing");
    std::invoke(f);
  }
}

}  // namespace detail

/// recv_case / send_case / default_case: what on_recv / on_send / on_default return; pass them
/// straight to select (they hold the received value's storage and the value to send).
template <class T, class F>
struct recv_case {
  static constexpr bool is_default = false;
  detail::hchan* c;
  F f;
  weft::source_location where;
  alignas(T) unsigned char buf[sizeof(T)];  // left uninitialised: the core constructs into it

  template <class G>
  recv_case(detail::hchan* ch, G&& g, const weft::source_location& w)
      : c(ch), f(std::forward<G>(g)), where(w) {}

  void fill(detail::scase& s) noexcept {
    s.c = c;
    s.elem = buf;
    s.is_send = false;
  }
  void fire(bool ok) {
    static_assert(std::is_default_constructible_v<T>, "weft::on_recv needs T{}");
    if (ok) {
      T* p = std::launder(reinterpret_cast<T*>(buf));
      T v(std::move(*p));
      p->~T();
      detail::call_recv_callback<T>(f, std::move(v), true);
    } else {
      detail::call_recv_callback<T>(f, T{}, false);
    }
  }
};

template <class T, class F>
struct send_case {
  static constexpr bool is_default = false;
  detail::hchan* c;
  T v;
  F f;
  weft::source_location where;

  template <class U, class G>
  send_case(detail::hchan* ch, U&& u, G&& g, const weft::source_location& w)
      : c(ch), v(std::forward<U>(u)), f(std::forward<G>(g)), where(w) {}

  void fill(detail::scase& s) noexcept {
    s.c = c;
    s.elem = &v;
    s.is_send = true;
  }
  void fire(bool) { std::invoke(f); }
};

template <class F>
struct default_case {
  static constexpr bool is_default = true;
  F f;
  weft::source_location where;
  void fire(bool) { std::invoke(f); }
};

/// on_recv: a receive case, `case v, ok := <-c:`. The callback takes (T v, bool ok), (T v) or
/// nothing; ok is false (and v is T{}) when the channel is closed and drained.
template <class T, class F>
recv_case<T, std::decay_t<F>> on_recv(const chan<T>& c, F&& f,
                                      weft::source_location where = weft::source_location::current()) {
  return {c.raw(), std::forward<F>(f), where};
}
template <class T>
recv_case<T, detail::noop_callback> on_recv(
    const chan<T>& c, weft::source_location where = weft::source_location::current()) {
  return {c.raw(), detail::noop_callback{}, where};
}

/// on_send: a send case, `case c <- v:`; v is converted to T when the case is built.
template <class T, class U, class F>
send_case<T, std::decay_t<F>> on_send(const chan<T>& c, U&& v, F&& f,
                                      weft::source_location where = weft::source_location::current()) {
  return {c.raw(), T(std::forward<U>(v)), std::forward<F>(f), where};
}
template <class T, class U>
send_case<T, detail::noop_callback> on_send(
    const chan<T>& c, U&& v, weft::source_location where = weft::source_location::current()) {
  return {c.raw(), T(std::forward<U>(v)), detail::noop_callback{}, where};
}

/// on_default: the default case: taken when no other case is ready right now.
template <class F>
default_case<std::decay_t<F>> on_default(
    F&& f, weft::source_location where = weft::source_location::current()) {
  return {std::forward<F>(f), where};
}
inline default_case<detail::noop_callback> on_default(
    weft::source_location where = weft::source_location::current()) {
  return {{}, where};
}

/// select(): no cases: blocks the calling goroutine forever (Go's `select {}`).
inline int select(weft::source_location where = weft::source_location::current()) {
  detail::visible(op_kind::select, nullptr, where, 0);
  bool ok = false;
  return detail::selectgo(nullptr, 0, nullptr, true, &ok, where);
}

/// select(cases...): see the file comment. Goroutines only (a select with a default case never
/// parks). Returns the position of the case taken among the arguments.
template <class... Cases>
int select(Cases&&... cases) {
  constexpr int n = static_cast<int>(sizeof...(Cases));
  constexpr int ndefault = (0 + ... + int(std::remove_cvref_t<Cases>::is_default));
  static_assert(ndefault <= 1, "weft::select: at most one on_default case");
  static_assert(n - ndefault <= 32767, "weft::select: too many cases");
  constexpr int ncomm = n - ndefault;

  weft::source_location where = [](auto& first, auto&...) { return first.where; }(cases...);
  detail::visible(op_kind::select, nullptr, where, n);

  detail::scase sc[ncomm > 0 ? ncomm : 1];
  std::uint16_t scratch[ncomm > 0 ? 2 * ncomm : 1];
  int position[ncomm > 0 ? ncomm : 1] = {};
  int default_position = -1;
  {
    int k = 0, a = 0;
    auto fill = [&](auto& cs) {
      if constexpr (std::remove_cvref_t<decltype(cs)>::is_default) {
        default_position = a;
      } else {
        cs.fill(sc[k]);
        position[k++] = a;
      }
      a++;
    };
    (fill(cases), ...);
  }

  bool ok = false;
  int chosen = detail::selectgo(sc, ncomm, scratch, ndefault == 0, &ok, where);
  int index = chosen < 0 ? default_position : position[chosen];
  {
    int a = 0;
    auto fire = [&](auto& cs) {
      if (a++ == index) cs.fire(ok);
    };
    (fire(cases), ...);
  }
  return index;
}

}  // namespace weft
