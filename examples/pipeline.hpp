// examples/pipeline.hpp — the stages of examples/pipeline.cpp (Go's "pipelines and
// cancellation" shape), callable from the program and from tests/examples_test.cpp.
//
//   gen ──> sq ─┐
//       ├─> sq ─┼─> merge ──> consumer
//       └─> sq ─┘
//
// Every stage is a function that starts its goroutines and returns its output channel at once.
// A stage closes its output when its input is exhausted, or as soon as the shared `done`
// channel is closed: a send that nobody will ever receive is raced against `done` in a select,
// so a consumer that stops early just closes `done` and every upstream goroutine unblocks and
// exits. Goroutines capture channel handles by value (a handle keeps its channel alive), never
// references to the caller's stack, so a stage may outlive the function that started it.
#pragma once

#include <cstdint>
#include <utility>
#include <variant>
#include <vector>

#include "weft/weft.hpp"

namespace example {

/// signal: the element type of a channel that is only ever closed (Go's chan struct{}).
using signal = std::monostate;

/// gen: sends lo, lo+1, ..., hi on its output, then closes it (or stops early on done).
inline weft::chan<std::int64_t> gen(weft::chan<signal> done, std::int64_t lo,
                                    std::int64_t hi) {
  weft::chan<std::int64_t> out(0);
  weft::go([done, out, lo, hi] {
    for (std::int64_t n = lo; n <= hi; n++) {
      if (weft::select(weft::on_send(out, n), weft::on_recv(done)) == 1) break;  // cancelled
    }
    out.close();
  });
  return out;
}

/// sq: squares every value of `in` (one goroutine; start several for fan-out).
inline weft::chan<std::int64_t> sq(weft::chan<signal> done, weft::chan<std::int64_t> in) {
  weft::chan<std::int64_t> out(0);
  weft::go([done, in, out] {
    for (std::int64_t n : in) {
      if (weft::select(weft::on_send(out, n * n), weft::on_recv(done)) == 1) break;
    }
    out.close();
  });
  return out;
}

/// merge: fan-in: one goroutine per input copies it to the output; the output is closed once
/// every copier has finished (a wait_group on the closer goroutine's own stack).
inline weft::chan<std::int64_t> merge(weft::chan<signal> done,
                                      std::vector<weft::chan<std::int64_t>> cs) {
  weft::chan<std::int64_t> out(0);
  weft::go([done, out, cs = std::move(cs)] {
    weft::wait_group wg;
    wg.add(static_cast<int>(cs.size()));
    for (const auto& c : cs) {
      weft::go([done, out, c, &wg] {
        for (std::int64_t v : c) {
          if (weft::select(weft::on_send(out, v), weft::on_recv(done)) == 1) break;
        }
        wg.done();
      });
    }
    wg.wait();
    out.close();
  });
  return out;
}

struct pipeline_summary {
  std::int64_t sum = 0;       // sum of the values the consumer took
  int taken = 0;              // how many it took before it stopped
  int in_flight = 0;          // values still delivered after `done` was closed
  std::vector<std::int64_t> values;  // the values taken, in arrival order
};

/// sum_of_squares: squares 1..n with `squarers` goroutines in parallel and takes the first
/// `take` results (all of them when take >= n), then cancels the pipeline by closing `done`.
/// Before returning it drains the merged output until merge closes it, which happens only after
/// every stage has stopped: the count of values drained shows how many were in flight.
inline pipeline_summary sum_of_squares(std::int64_t n, int squarers, std::int64_t take) {
  weft::chan<signal> done(0);
  weft::chan<std::int64_t> nums = gen(done, 1, n);
  std::vector<weft::chan<std::int64_t>> outs;
  for (int i = 0; i < squarers; i++) outs.push_back(sq(done, nums));  // fan-out
  weft::chan<std::int64_t> merged = merge(done, std::move(outs));     // fan-in

  pipeline_summary s;
  while (s.taken < take) {
    auto [v, ok] = merged.recv_ok();
    if (!ok) break;  // everything delivered
    s.sum += v;
    s.taken++;
    s.values.push_back(v);
  }
  done.close();  // cancel: every stage still running sees it and returns
  for (std::int64_t v : merged) {
    (void)v;
    s.in_flight++;
  }
  return s;
}

}  // namespace example
