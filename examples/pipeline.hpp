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
// returns.
//
// One thing Go lets a program skip and C++ does not: waiting for those goroutines. A Go
// consumer may return right after closing done and let the garbage collector clean up after the
// stages; in C++ a goroutine still running when its caller's frame (or the program) ends would
// leave its channel handles unreleased. So every stage joins a `stages` wait_group owned by the
// consumer (the role errgroup.Group plays in Go), and the consumer waits on it after cancelling.
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
inline weft::chan<std::int64_t> gen(weft::wait_group& stages, weft::chan<signal> done,
                                    std::int64_t lo, std::int64_t hi) {
  weft::chan<std::int64_t> out(0);
  stages.add(1);
  weft::go([&stages, done, out, lo, hi] {
    for (std::int64_t n = lo; n <= hi; n++) {
      if (weft::select(weft::on_send(out, n), weft::on_recv(done)) == 1) break;  // cancelled
    }
    out.close();
    stages.done();
  });
  return out;
}

/// sq: squares every value of `in` (one goroutine; start several for fan-out).
inline weft::chan<std::int64_t> sq(weft::wait_group& stages, weft::chan<signal> done,
                                   weft::chan<std::int64_t> in) {
  weft::chan<std::int64_t> out(0);
  stages.add(1);
  weft::go([&stages, done, in, out] {
    for (std::int64_t n : in) {
      if (weft::select(weft::on_send(out, n * n), weft::on_recv(done)) == 1) break;
    }
    out.close();
    stages.done();
  });
  return out;
}

/// merge: fan-in: one goroutine per input copies it to the output, and the output is closed
/// once every copier has finished. The copiers are started and waited for by one goroutine
/// that owns their wait_group on its stack, so merge counts as one stage.
inline weft::chan<std::int64_t> merge(weft::wait_group& stages, weft::chan<signal> done,
                                      std::vector<weft::chan<std::int64_t>> cs) {
  weft::chan<std::int64_t> out(0);
  stages.add(1);
  weft::go([&stages, done, out, cs = std::move(cs)] {
    weft::wait_group copiers;
    copiers.add(static_cast<int>(cs.size()));
    for (const auto& c : cs) {
      weft::go([&copiers, done, out, c] {
        for (std::int64_t v : c) {
          if (weft::select(weft::on_send(out, v), weft::on_recv(done)) == 1) break;
        }
        copiers.done();
      });
    }
    copiers.wait();
    out.close();
    stages.done();
  });
  return out;
}

struct pipeline_summary {
  std::int64_t sum = 0;              // sum of the values the consumer took
  int taken = 0;                     // how many it took before it stopped
  int goroutines = 0;                // stage goroutines started (all returned before the end)
  std::vector<std::int64_t> values;  // the values taken, in arrival order
};

/// sum_of_squares: squares 1..n with `squarers` goroutines in parallel and takes the first
/// `take` results (all of them when take >= n), then cancels the pipeline by closing `done` and
/// waits until every stage goroutine has returned.
inline pipeline_summary sum_of_squares(std::int64_t n, int squarers, std::int64_t take) {
  weft::wait_group stages;
  weft::chan<signal> done(0);
  weft::chan<std::int64_t> nums = gen(stages, done, 1, n);
  std::vector<weft::chan<std::int64_t>> outs;
  for (int i = 0; i < squarers; i++) outs.push_back(sq(stages, done, nums));  // fan-out
  weft::chan<std::int64_t> merged = merge(stages, done, std::move(outs));     // fan-in

  pipeline_summary s;
  s.goroutines = 2 + 2 * squarers;  // gen, the squarers, merge and its copiers
  while (s.taken < take) {
    auto [v, ok] = merged.recv_ok();
    if (!ok) break;  // everything delivered
    s.sum += v;
    s.taken++;
    s.values.push_back(v);
  }
  done.close();  // cancel: every stage still running sees it and returns
  stages.wait();
  return s;
}

}  // namespace example
