// weft/chan.hpp — Go's channels: weft::chan<T>, a typed handle on one type-erased channel core.
//
// A chan<T> is a reference, like a Go `chan T` value: copies share one channel (reference
// counted), a default-constructed handle is the nil channel, == compares identity. The channel
// itself (detail::hchan, runtime/src/chan/) is allocated once by the constructor, with its ring
// buffer in the same block; sending and receiving never allocate: a goroutine that blocks puts a
// waiter (Go's sudog) on its own stack and parks.
//
// Semantics are Go's, exactly: an unbuffered channel hands each value from a sender straight to
// a receiver (both wait for each other); a buffered one keeps up to cap() values in FIFO order;
// close() wakes every waiter (receivers get T{} and ok == false, blocked senders panic "send on
// closed channel"); receiving from a closed channel drains what is buffered, then yields T{} and
// ok == false forever; a nil channel blocks forever on send and receive. Misuse panics with Go's
// words: "send on closed channel", "close of closed channel", "close of nil channel".
//
// Happens-before (the Go memory model, announced through detail::hb_release/hb_acquire): a send
// happens before the matching receive completes; on an unbuffered channel the receive also
// happens before the send completes; on a channel of capacity C the k-th receive happens before
// the (k+C)-th send completes; close happens before a receive that observes it. len() and cap()
// synchronise nothing.
//
// Element types: T must be an object type, nothrow move constructible (values move while the
// channel's internal lock is held) and default constructible (the zero value a receive from a
// closed channel yields).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <optional>
#include "weft/source_location.hpp"
#include <type_traits>
#include <utility>

#include "weft/detail/core.hpp"
#include "weft/detail/waiter.hpp"

namespace weft {

template <class T>
class chan;

namespace detail {

/// elem_ops: how the type-erased core moves and destroys one element of type T.
struct elem_ops {
  std::size_t size;
  std::size_t align;
  bool trivial;                                // trivially copyable: the core uses memcpy
  void (*move)(void* dst, void* src) noexcept;  // construct *dst from std::move(*src)
  void (*destroy)(void* p) noexcept;            // run ~T on *p
};

template <class T>
inline constexpr elem_ops elem_ops_of{
    sizeof(T), alignof(T), std::is_trivially_copyable_v<T>,
    [](void* dst, void* src) noexcept { ::new (dst) T(std::move(*static_cast<T*>(src))); },
    [](void* p) noexcept { static_cast<T*>(p)->~T(); }};

struct hchan;  // the channel core: runtime/src/chan/hchan.hpp (opaque here)

/// sudog: a goroutine's entry in a channel's send or receive queue (Go's sudog). It lives on
/// the parked goroutine's stack (inside the blocking call's frame, or inside select's case
/// array) and is written by a waker only while the waker holds the channel lock and before it
/// readies the goroutine. Public only so select's case array can hold one.
///   waiter::elem:    the value to send, or uninitialised storage to receive into
///   waiter::data:    select: the case index
///   waiter::success: set by the waker: the operation completed (false: woken by close)
struct sudog : waiter {
  hchan* c = nullptr;       // the channel whose queue holds (or held) this entry
  std::int32_t slot = -1;   // buffered channel: the slot the transfer went through
  bool is_select = false;   // the goroutine may be won by another case (g::select_done)
};

hchan* chan_make(const elem_ops* ops, std::int64_t cap, const weft::source_location& where);

/// chan_retain / chan_release: one more / one fewer handle (the last release frees).
void chan_retain(hchan* c) noexcept;
void chan_release(hchan* c) noexcept;

/// chan_send: blocking send of *elem (moved from; the caller still destroys *elem). c == nullptr
/// blocks forever. Panics "send on closed channel". Goroutines only.
void chan_send(hchan* c, void* elem, const weft::source_location& where);
/// chan_recv: blocking receive into the uninitialised storage at elem. Returns true when a value
/// was constructed there, false when the channel is closed and drained (elem untouched).
/// c == nullptr blocks forever. Goroutines only.
bool chan_recv(hchan* c, void* elem, const weft::source_location& where);
/// chan_close: Go's close(c). Panics on nil or closed channels.
void chan_close(hchan* c);
std::int64_t chan_len(const hchan* c) noexcept;
std::int64_t chan_cap(const hchan* c) noexcept;

/// chan_try_send_internal: a send that never blocks, never parks, never panics and is no
/// visible operation: true when *elem was handed to a waiting receiver or buffered, false when
/// the channel is nil, closed, or has no room. Callable from anywhere, including timer
/// callbacks on the scheduler side (it may ready() the receiver). It announces no
/// happens-before edge, to the checker or to ThreadSanitizer (the runtime, not a goroutine, is
/// the sender).
bool chan_try_send_internal(hchan* c, void* elem) noexcept;

}  // namespace detail

/// recv_result: what recv_ok() returns: `auto [v, ok] = c.recv_ok();`
template <class T>
struct recv_result {
  T value;
  bool ok;
};

/// chan<T>: a channel handle (see the file comment). Operations are const: they act on the
/// channel, not on the handle. Handles themselves are plain C++ objects: a handle must outlive
/// every call made through it and must not be assigned while another goroutine uses it; give
/// each goroutine its own copy (copying is one atomic increment) and the channel lives as long
/// as any copy does.
template <class T>
class chan {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T>,
                "weft::chan<T>: T must be a non-const object type");
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "weft::chan<T>: T must be nothrow move constructible");

 public:
  using value_type = T;

  /// chan(): the nil channel. Sends and receives block forever; close() panics.
  chan() noexcept = default;
  /// chan(cap): make(chan T, cap). cap == 0 is unbuffered. A negative or absurd capacity
  /// panics "makechan: size out of range". One allocation (header and buffer together).
  explicit chan(std::int64_t cap, weft::source_location where = weft::source_location::current())
      : h_(detail::chan_make(&detail::elem_ops_of<T>, cap, where)) {}

  chan(const chan& o) noexcept : h_(o.h_) {
    if (h_) detail::chan_retain(h_);
  }
  chan(chan&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  chan& operator=(const chan& o) noexcept {
    if (o.h_) detail::chan_retain(o.h_);
    if (h_) detail::chan_release(h_);
    h_ = o.h_;
    return *this;
  }
  chan& operator=(chan&& o) noexcept {
    if (this != &o) {
      if (h_) detail::chan_release(h_);
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~chan() {
    if (h_) detail::chan_release(h_);
  }

  /// send: Go's `c <- v`. Blocks (parks) until a receiver takes v or the buffer has room.
  /// Panics "send on closed channel" if the channel is closed, or gets closed while we wait.
  /// Goroutines only. Cost when it blocks: one park and one ready, no allocation.
  void send(T v, weft::source_location where = weft::source_location::current()) const {
    detail::visible(op_kind::chan_send, h_, where);
    detail::chan_send(h_, &v, where);
  }

  /// recv: Go's `v := <-c`. Blocks until a value arrives; T{} once closed and drained.
  T recv(weft::source_location where = weft::source_location::current()) const {
    static_assert(std::is_default_constructible_v<T>, "weft::chan<T>::recv needs T{}");
    detail::visible(op_kind::chan_recv, h_, where);
    slot s;
    if (detail::chan_recv(h_, s.ptr(), where)) return s.take();
    return T{};
  }

  /// recv_ok: Go's `v, ok := <-c`; ok is false (and v is T{}) once closed and drained.
  recv_result<T> recv_ok(weft::source_location where = weft::source_location::current()) const {
    static_assert(std::is_default_constructible_v<T>, "weft::chan<T>::recv_ok needs T{}");
    detail::visible(op_kind::chan_recv, h_, where);
    slot s;
    if (detail::chan_recv(h_, s.ptr(), where)) return {s.take(), true};
    return {T{}, false};
  }

  /// close: Go's close(c). Wakes every blocked receiver (T{}, ok == false) and every blocked
  /// sender (which panics). Panics "close of nil channel" / "close of closed channel".
  void close(weft::source_location where = weft::source_location::current()) const {
    detail::visible(op_kind::chan_close, h_, where);
    detail::chan_close(h_);
  }

  /// len / cap: Go's len(c) / cap(c) (0 for the nil channel). len is a snapshot.
  std::int64_t len(weft::source_location where = weft::source_location::current()) const {
    detail::visible(op_kind::chan_len, h_, where);
    return detail::chan_len(h_);
  }
  std::int64_t cap(weft::source_location where = weft::source_location::current()) const {
    detail::visible(op_kind::chan_cap, h_, where);
    return detail::chan_cap(h_);
  }

  /// try_send_internal: see detail::chan_try_send_internal (for the runtime's timers: never
  /// blocks, no visible operation, callable on the scheduler side).
  bool try_send_internal(T v) const noexcept { return detail::chan_try_send_internal(h_, &v); }

  /// raw: the channel core (nullptr for nil); for the runtime's own use (timers, select).
  detail::hchan* raw() const noexcept { return h_; }

  /// Identity: two handles are equal when they name the same channel (all nil handles are).
  friend bool operator==(const chan& a, const chan& b) noexcept { return a.h_ == b.h_; }
  /// explicit bool: true for a non-nil channel.
  explicit operator bool() const noexcept { return h_ != nullptr; }

  /// Range: `for (T v : c)` receives until the channel is closed and drained (Go's range).
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    T& operator*() noexcept { return *v_; }
    iterator& operator++() {
      next();
      return *this;
    }
    void operator++(int) { next(); }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.v_.has_value();
    }

   private:
    friend class chan;
    iterator(const chan* c, const weft::source_location& where) : c_(c), where_(where) {}
    void next() {
      v_.reset();
      detail::visible(op_kind::chan_recv, c_->h_, where_);
      slot s;
      if (detail::chan_recv(c_->h_, s.ptr(), where_)) v_.emplace(s.take());
    }
    const chan* c_ = nullptr;
    weft::source_location where_{};
    std::optional<T> v_;
  };
  iterator begin(weft::source_location where = weft::source_location::current()) const {
    iterator it(this, where);
    it.next();
    return it;
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  // slot: uninitialised storage a receive constructs into.
  struct slot {
    alignas(T) unsigned char bytes[sizeof(T)];
    void* ptr() noexcept { return bytes; }
    T take() noexcept {
      T* p = std::launder(reinterpret_cast<T*>(bytes));
      T v(std::move(*p));
      p->~T();
      return v;
    }
  };

  detail::hchan* h_ = nullptr;
};

}  // namespace weft
