// checker/src/engine/trace.hpp — the execution as DPOR sees it: a sequence of events.
//
// An event is one step of one goroutine: its visible op and the invisible code after it (ek::op),
// the code a new goroutine runs before its first op (ek::start), the rest of a blocking op after
// the goroutine was woken (ek::cont), or a timer firing on the scheduler side (ek::timer).
// `cause` is the event that made the goroutine runnable (its spawn, or its waker); `node` is the
// index of the recorded choice that picked it (-1 when nobody else could run).
//
// Owned and written by the engine; strategies only read it.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/detail/g.hpp"
#include "weft/policy.hpp"

namespace weft::check::detail {

enum class ek : std::uint8_t { op, start, cont, timer };

struct event {
  std::uint64_t goid = 0;
  op o{op_kind::yield, nullptr, {}, 0};
  ek kind = ek::op;
  bool parked = false;      // the step ended with the goroutine parking
  bool wild_chan = false;   // touches every channel (a select, or it completed one)
  weft::detail::wait_reason reason = weft::detail::wait_reason::none;  // ek::cont: why it had parked
  std::int32_t node = -1;
  std::uint32_t cause = UINT32_MAX;
  /// obj: the object's identity across executions: objects are numbered by first appearance
  /// (addresses change from one execution to the next; the order of first use does not,
  /// along the same schedule prefix). 0 = no object.
  std::uint32_t obj = 0;
};

struct trace {
  std::vector<event> events;
  /// next[goid]: the event goroutine goid would perform if picked now (valid while runnable).
  std::vector<event> next;
  /// node_is_sched[i]: choice i picked a goroutine (else it was a select's choose()).
  std::vector<bool> node_is_sched;
  /// node_ids[i]: for a scheduling choice, the goroutine id of each option (0 = timer).
  std::vector<std::vector<std::uint64_t>> node_ids;
  /// node_current[i]: option 0 of scheduling choice i was the goroutine already running (so
  /// picking anything else preempted it).
  std::vector<bool> node_current;

  void clear() {
    events.clear();
    next.clear();
    node_is_sched.clear();
    node_ids.clear();
    node_current.clear();
  }
};

/// dependent: may events a (earlier) and b (later), of different goroutines, not be swapped
/// without changing the outcome? Conservative where unsure. `exact` is false when b's parked
/// flag is not known yet (sleep sets), which only ever makes more pairs dependent.
bool dependent(const event& a, const event& b, bool exact);

}  // namespace weft::check::detail
