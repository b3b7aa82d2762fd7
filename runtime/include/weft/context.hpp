// weft/context.hpp — Go's context package: cancellation, deadlines and request-scoped values
// that flow down a tree of contexts.
//
//   weft::context bg = weft::background();
//   auto [ctx, cancel] = weft::with_timeout(bg, 100ms);
//   weft::go([ctx] {
//     weft::select(weft::on_recv(ctx.done(), [] { /* cancelled or timed out */ }),
//                  weft::on_recv(work, [](job j) { ... }));
//   });
//   ...
//   cancel();   // always call it (it is copyable; a second call does nothing)
//
// Semantics are Go's:
//  - context is a value type (a reference-counted handle on an immutable node, cheap to copy);
//    a default-constructed context is background(). background() is never cancelled: done()
//    is the nil channel (a receive blocks forever, a select with a default takes the default),
//    err() is nil, deadline() is empty.
//  - with_cancel(parent) derives a cancellable child. Cancelling a context cancels its whole
//    subtree (children, grandchildren, ...): err() is set first, then done() is closed, exactly
//    once, then the children are cancelled; when cancel() returns the whole subtree is
//    cancelled. A child of a context that is already cancelled is born cancelled with the
//    parent's err(). A cancelled context unregisters from its parent, so short-lived children
//    of a long-lived context leave nothing behind (and one whose handles are all gone
//    unregisters too).
//  - with_deadline(parent, t) / with_timeout(parent, d) add a deadline: one timer per context
//    (no goroutine) cancels it with deadline_exceeded when the deadline passes. A child never
//    outlives its parent's deadline: with_deadline(parent, later) keeps the parent's (earlier)
//    deadline, and is then just a with_cancel. A deadline already past cancels at once. Calling
//    cancel() stops the timer.
//  - with_value(parent, key, v) derives a context carrying v under key; value<V>(key) walks up
//    the parents and returns the value of the nearest context with an equal key, or nullptr.
//
// err() returns a weft::error: falsy until the context is done, then weft::canceled or
// weft::deadline_exceeded, whose what() is Go's string ("context canceled", "context deadline
// exceeded").
//
// Value keys: any copyable type with ==. Keys of different types never match (Go compares
// interface values by type, then value). Character strings (const char*, std::string,
// std::string_view) are all stored and compared as std::string, so a literal "user" finds a
// value stored under std::string("user"). As in Go, prefer a key nobody else can forge, the
// address of a private object:   static const int user_key = 0;  with_value(ctx, &user_key, u);
// A null pointer key panics ("nil key"). value<V>(key) returns nullptr when the nearest
// matching key holds a value of another type than V (Go's failed type assertion); the pointer
// stays valid as long as any context derived from that node lives.
//
// Visible operations: calling a cancel function (op_kind::ctx_cancel) and err() (ctx_err, Go's
// Err takes the context's lock). Happens-before: a cancel happens before an err() that returns
// its error; closing done() gives the receivers that observe it the cancel's history (the
// channel's close edge); creating a context with a deadline happens before the timer's cancel
// is observed. Creating contexts, done(), deadline() and value() are no scheduling points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <new>
#include <optional>
#include "weft/source_location.hpp"
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/chan.hpp"
#include "weft/detail/core.hpp"
#include "weft/time.hpp"

namespace weft {

/// error: the error a context reports (Go's context.Canceled / context.DeadlineExceeded).
/// Default-constructed: nil (falsy). Compare with weft::canceled / weft::deadline_exceeded.
class error {
 public:
  enum class code : std::uint8_t { none, canceled, deadline_exceeded };
  constexpr error() noexcept = default;
  constexpr explicit error(code c) noexcept : c_(c) {}
  /// true once the context is done.
  constexpr explicit operator bool() const noexcept { return c_ != code::none; }
  /// what: Go's Error() string; "<nil>" for the nil error.
  constexpr const char* what() const noexcept {
    switch (c_) {
      case code::canceled: return "context canceled";
      case code::deadline_exceeded: return "context deadline exceeded";
      case code::none: break;
    }
    return "<nil>";
  }
  /// timeout: Go's net.Error Timeout(): true for deadline_exceeded.
  constexpr bool timeout() const noexcept { return c_ == code::deadline_exceeded; }
  constexpr code value() const noexcept { return c_; }
  friend constexpr bool operator==(error a, error b) noexcept = default;

 private:
  code c_ = code::none;
};
std::ostream& operator<<(std::ostream& os, error e);

/// canceled: Go's context.Canceled, the error of a context whose cancel function was called.
inline constexpr error canceled{error::code::canceled};
/// deadline_exceeded: Go's context.DeadlineExceeded, the error of a context past its deadline.
inline constexpr error deadline_exceeded{error::code::deadline_exceeded};

namespace detail {

struct ctx_node;  // runtime/src/context/context.cpp (opaque here)

void ctx_retain(ctx_node* n) noexcept;
void ctx_release(ctx_node* n) noexcept;

/// type_id: one address per type (identity of key and value types without RTTI).
template <class T>
struct type_id {
  static constexpr char id = 0;
};

/// ctx_key: how a key of type K is stored (stored) and probed (probe): strings as std::string,
/// probed as std::string_view; anything else as itself.
template <class K, class = void>
struct ctx_key {
  using stored = K;
  using probe = K;
};
template <class K>
inline constexpr bool is_string_key =
    std::is_same_v<K, std::string> || std::is_same_v<K, std::string_view> ||
    std::is_same_v<K, const char*> || std::is_same_v<K, char*>;
template <class K>
struct ctx_key<K, std::enable_if_t<is_string_key<K>>> {
  using stored = std::string;
  using probe = std::string_view;
};

/// value_ops: how the type-erased context core stores a key of type K and a value of type V.
struct value_ops {
  const void* key_type;
  const void* val_type;
  std::size_t key_size, key_align, val_size, val_align;
  void (*make_key)(void* dst, const void* probe);  // construct a stored key from a probe key
  void (*move_val)(void* dst, void* src);          // construct *dst from std::move(*src)
  void (*destroy_key)(void* key) noexcept;
  void (*destroy_val)(void* val) noexcept;
  bool (*key_eq)(const void* stored, const void* probe);
};

template <class S, class P, class V>
inline constexpr value_ops value_ops_of{
    &type_id<S>::id, &type_id<V>::id, sizeof(S), alignof(S), sizeof(V), alignof(V),
    [](void* dst, const void* probe) { ::new (dst) S(*static_cast<const P*>(probe)); },
    [](void* dst, void* src) { ::new (dst) V(std::move(*static_cast<V*>(src))); },
    [](void* key) noexcept { static_cast<S*>(key)->~S(); },
    [](void* val) noexcept { static_cast<V*>(val)->~V(); },
    [](const void* stored, const void* probe) -> bool {
      return *static_cast<const S*>(stored) == *static_cast<const P*>(probe);
    }};

ctx_node* ctx_with_value(ctx_node* parent, const value_ops* ops, const void* key, void* val);
const void* ctx_value(const ctx_node* n, const void* key_type, const void* key,
                      const void* val_type) noexcept;
chan<std::monostate> ctx_done(const ctx_node* n) noexcept;
error ctx_err(const ctx_node* n, const weft::source_location& where);
std::optional<time_point> ctx_deadline(const ctx_node* n) noexcept;
ctx_node* ctx_with_cancel(ctx_node* parent);
ctx_node* ctx_with_deadline(ctx_node* parent, time_point d);
void ctx_cancel(ctx_node* n, const weft::source_location& where);
/// ctx_registered_children: how many children are registered for cancellation under n
/// (diagnostics and tests: a cancelled or destroyed child must not stay registered).
std::size_t ctx_registered_children(const ctx_node* n) noexcept;

}  // namespace detail

/// context: Go's context.Context (see the file comment). Copy it freely, pass it by value or
/// const reference; every operation is safe from any number of goroutines at once.
class context {
 public:
  /// context(): background().
  context() noexcept = default;
  context(const context& o) noexcept : n_(o.n_) {
    if (n_) detail::ctx_retain(n_);
  }
  context(context&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
  context& operator=(const context& o) noexcept {
    if (o.n_) detail::ctx_retain(o.n_);
    if (n_) detail::ctx_release(n_);
    n_ = o.n_;
    return *this;
  }
  context& operator=(context&& o) noexcept {
    if (this != &o) {
      if (n_) detail::ctx_release(n_);
      n_ = std::exchange(o.n_, nullptr);
    }
    return *this;
  }
  ~context() {
    if (n_) detail::ctx_release(n_);
  }

  /// done: a channel closed when the context is cancelled (Go's Done); the nil channel for a
  /// context that can never be cancelled (background and its values). Always the same channel.
  chan<std::monostate> done() const noexcept { return detail::ctx_done(n_); }
  /// err: nil until done() is closed, then canceled or deadline_exceeded (set before the close,
  /// never changed after). A visible operation.
  error err(weft::source_location where = weft::source_location::current()) const {
    return detail::ctx_err(n_, where);
  }
  /// deadline: when the context will be cancelled by itself, if ever.
  std::optional<time_point> deadline() const noexcept { return detail::ctx_deadline(n_); }
  /// value: the value stored under key by the nearest with_value up the parents, if it holds a
  /// V; nullptr otherwise (see the file comment for keys).
  template <class V, class K>
  const V* value(const K& key) const noexcept {
    using S = typename detail::ctx_key<std::decay_t<K>>::stored;
    using P = typename detail::ctx_key<std::decay_t<K>>::probe;
    const P probe(key);
    return static_cast<const V*>(
        detail::ctx_value(n_, &detail::type_id<S>::id, &probe, &detail::type_id<V>::id));
  }

  /// Identity: two handles are equal when they name the same context.
  friend bool operator==(const context& a, const context& b) noexcept { return a.n_ == b.n_; }

  /// context(n, adopt): takes over the caller's reference to n (runtime use).
  context(detail::ctx_node* n, detail::adopt_t) noexcept : n_(n) {}
  /// node: the context's node (nullptr for background); runtime and test use.
  detail::ctx_node* node() const noexcept { return n_; }

 private:
  detail::ctx_node* n_ = nullptr;
};

/// background: the root of every context tree; never cancelled, no deadline, no values.
inline context background() noexcept { return context(); }
/// todo: Go's context.TODO: the same as background, for code not yet given a context.
inline context todo() noexcept { return context(); }

/// cancel_func: Go's context.CancelFunc: cancels its context (and the whole subtree) with
/// weft::canceled. Copyable; calling it again, or after the context timed out, does nothing
/// (but is still a visible operation). Never blocks. A default-constructed one does nothing.
class cancel_func {
 public:
  cancel_func() noexcept = default;
  cancel_func(const cancel_func& o) noexcept : n_(o.n_) {
    if (n_) detail::ctx_retain(n_);
  }
  cancel_func(cancel_func&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
  cancel_func& operator=(const cancel_func& o) noexcept {
    if (o.n_) detail::ctx_retain(o.n_);
    if (n_) detail::ctx_release(n_);
    n_ = o.n_;
    return *this;
  }
  cancel_func& operator=(cancel_func&& o) noexcept {
    if (this != &o) {
      if (n_) detail::ctx_release(n_);
      n_ = std::exchange(o.n_, nullptr);
    }
    return *this;
  }
  ~cancel_func() {
    if (n_) detail::ctx_release(n_);
  }
  void operator()(weft::source_location where = weft::source_location::current()) const {
    if (n_) detail::ctx_cancel(n_, where);
  }

  /// cancel_func(n, adopt): takes over the caller's reference to n (runtime use).
  cancel_func(detail::ctx_node* n, detail::adopt_t) noexcept : n_(n) {}

 private:
  detail::ctx_node* n_ = nullptr;
};

/// with_cancel_result: what with_cancel / with_timeout / with_deadline return:
///   auto [ctx, cancel] = weft::with_cancel(parent);
struct with_cancel_result {
  context ctx;
  cancel_func cancel;
};

namespace detail {
inline with_cancel_result make_cancel_result(ctx_node* n) noexcept {
  ctx_retain(n);
  return {context(n, adopt), cancel_func(n, adopt)};
}
}  // namespace detail

/// with_cancel: a child of parent that cancel (or the parent's cancellation) cancels (Go's
/// WithCancel). Any goroutine; never blocks.
inline with_cancel_result with_cancel(const context& parent) {
  return detail::make_cancel_result(detail::ctx_with_cancel(parent.node()));
}

/// with_deadline: like with_cancel, and cancelled with deadline_exceeded at t, unless the
/// parent's deadline is no later (then the child is a plain with_cancel child and times out
/// with its parent). Costs one timer; t already past cancels at once (Go's WithDeadline).
inline with_cancel_result with_deadline(const context& parent, time_point t) {
  return detail::make_cancel_result(detail::ctx_with_deadline(parent.node(), t));
}

/// with_timeout: with_deadline(parent, now() + d) (Go's WithTimeout).
template <class Rep, class Period>
with_cancel_result with_timeout(const context& parent, std::chrono::duration<Rep, Period> d) {
  return with_deadline(parent, detail::add_saturating(now(), detail::to_duration(d)));
}

/// with_value: a child of parent carrying v under key (Go's WithValue); see the file comment
/// for keys. K must be copyable and equality-comparable; v is moved or copied in.
template <class K, class V>
context with_value(const context& parent, const K& key, V&& v) {
  using S = typename detail::ctx_key<std::decay_t<K>>::stored;
  using P = typename detail::ctx_key<std::decay_t<K>>::probe;
  using D = std::decay_t<V>;
  static_assert(std::is_copy_constructible_v<S>, "weft::with_value: keys must be copyable");
  static_assert(std::is_convertible_v<decltype(std::declval<const S&>() == std::declval<const P&>()),
                                      bool>,
                "weft::with_value: keys must be comparable with ==");
  if constexpr (std::is_pointer_v<K> || std::is_null_pointer_v<K>) {
    if (key == nullptr) detail::panic("nil key");
  }
  const P probe(key);
  D val(std::forward<V>(v));
  return context(detail::ctx_with_value(parent.node(), &detail::value_ops_of<S, P, D>, &probe, &val),
                 detail::adopt);
}

}  // namespace weft
