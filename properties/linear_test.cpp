// properties/linear_test.cpp — buffered channels are linearizable FIFO queues. RapidCheck
// generates programs (capacity, producers with their values, consumers with how many they
// take); the explorer runs each under many schedules; every execution's history of send/recv
// invocations and responses must have a linearization that a capacity-bounded FIFO queue
// accepts (Wing & Gong's search). A failing program is shrunk to a minimal one by RapidCheck,
// and the failing schedule comes with a replay token.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

struct program {
  int cap = 1;
  std::vector<std::vector<int>> producers;  // values each producer sends, in order
  std::vector<int> consumers;               // how many values each consumer receives
};

struct op_rec {
  bool send;
  int value;  // sent, or received
  int inv;    // logical time of the call
  int resp;   // logical time of the return
};

// linearizable: Wing & Gong: repeatedly pick an operation that no pending response precedes,
// apply it to the model queue, backtrack on failure.
bool search(std::vector<op_rec>& ops, std::vector<bool>& done, std::deque<int>& q, int cap,
            std::size_t left) {
  if (left == 0) return true;
  int min_resp = INT32_MAX;
  for (std::size_t i = 0; i < ops.size(); i++) {
    if (!done[i]) min_resp = std::min(min_resp, ops[i].resp);
  }
  for (std::size_t i = 0; i < ops.size(); i++) {
    if (done[i] || ops[i].inv > min_resp) continue;
    const op_rec& o = ops[i];
    if (o.send) {
      if (static_cast<int>(q.size()) >= cap) continue;
      q.push_back(o.value);
      done[i] = true;
      if (search(ops, done, q, cap, left - 1)) return true;
      done[i] = false;
      q.pop_back();
    } else {
      if (q.empty() || q.front() != o.value) continue;
      q.pop_front();
      done[i] = true;
      if (search(ops, done, q, cap, left - 1)) return true;
      done[i] = false;
      q.push_front(o.value);
    }
  }
  return false;
}

bool linearizable(std::vector<op_rec> ops, int cap) {
  std::vector<bool> done(ops.size(), false);
  std::deque<int> q;
  return search(ops, done, q, cap, ops.size());
}

rc::Gen<program> programs() {
  return rc::gen::mapcat(rc::gen::inRange(1, 4), [](int cap) {
    auto lengths = rc::gen::mapcat(rc::gen::inRange(1, 3), [](int producers) {
      return rc::gen::container<std::vector<int>>(static_cast<std::size_t>(producers),
                                                  rc::gen::inRange(1, 4));
    });
    return rc::gen::mapcat(
        lengths,
        [cap](std::vector<int> lens) {
          return rc::gen::map(rc::gen::inRange(1, 3), [cap, lens](int nconsumers) {
            program p;
            p.cap = cap;
            int v = 1, total = 0;
            for (int len : lens) {
              p.producers.emplace_back();
              for (int k = 0; k < len; k++) p.producers.back().push_back(v++);
              total += len;
            }
            nconsumers = std::min(nconsumers, total);
            for (int c = 0; c < nconsumers; c++) {
              p.consumers.push_back(total / nconsumers + (c < total % nconsumers ? 1 : 0));
            }
            return p;
          });
        });
  });
}

RC_GTEST_PROP(BufferedChannel, IsALinearizableFifoQueue, ()) {
  const program p = *programs();
  check::options o;
  o.strat = *rc::gen::element(check::strategy::random, check::strategy::pct);
  o.executions = 60;
  o.seed = *rc::gen::arbitrary<std::uint32_t>();
  auto r = check::explore([&p] {
    weft::chan<int> c(p.cap);
    // The history and its clock are the harness's, shared by every goroutine: the explorer runs
    // one goroutine at a time, but only a lock orders them for ThreadSanitizer (which rightly
    // reports unsynchronised accesses). Never held across a channel operation.
    std::mutex hist_mu;
    std::vector<op_rec> hist;
    int clock = 0;
    auto tick = [&] {
      std::lock_guard<std::mutex> lk(hist_mu);
      return clock++;
    };
    auto record = [&](bool send, int v, int inv) {
      std::lock_guard<std::mutex> lk(hist_mu);
      hist.push_back({send, v, inv, clock++});
    };
    weft::wait_group wg;
    wg.add(static_cast<int>(p.producers.size() + p.consumers.size()));
    for (const auto& values : p.producers) {
      weft::go([&, values] {
        for (int v : values) {
          int inv = tick();
          c.send(v);
          record(true, v, inv);
        }
        wg.done();
      });
    }
    for (int n : p.consumers) {
      weft::go([&, n] {
        for (int k = 0; k < n; k++) {
          int inv = tick();
          int v = c.recv();
          record(false, v, inv);
        }
        wg.done();
      });
    }
    wg.wait();
    check::require(linearizable(hist, p.cap), "history is a linearizable FIFO queue");
  }, o);
  if (!r.ok()) RC_LOG() << r.report();
  RC_ASSERT(r.ok());
}

}  // namespace
