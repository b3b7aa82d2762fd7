// fuzz/chan_fuzz.cpp — differential fuzzing of channel semantics. The input is a program: a
// capacity, a schedule seed, and for each of three goroutines a list of non-blocking operations
// (try-send via select/default, try-receive via select/default, len, close). The program runs
// under the explorer with the seeded schedule; each operation is atomic at its step, so the
// order in which they ran is a sequential history, replayed through a reference model of Go's
// channel (FIFO buffer, capacity, close, "send on closed channel", "close of closed channel").
// Any difference aborts.
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace {

enum class opk : std::uint8_t { send, recv, len, close };

struct outcome {
  opk k;
  int value;   // sent value, received value, or len
  bool ok;     // send/recv succeeded (or recv's ok flag)
  bool panicked;
};

struct model {
  std::deque<int> q;
  int cap;
  bool closed = false;
  outcome apply(opk k, int v) {
    switch (k) {
      case opk::send:
        if (closed) return {k, v, false, true};
        if (static_cast<int>(q.size()) < cap) {
          q.push_back(v);
          return {k, v, true, false};
        }
        return {k, v, false, false};
      case opk::recv:
        if (!q.empty()) {
          int x = q.front();
          q.pop_front();
          return {k, x, true, false};
        }
        if (closed) return {k, 0, false, false};
        return {k, 0, false, false};  // would block: default taken
      case opk::len:
        return {k, static_cast<int>(q.size()), true, false};
      case opk::close:
        if (closed) return {k, 0, false, true};
        closed = true;
        return {k, 0, true, false};
    }
    return {};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int cap = data[0] % 4;
  const std::uint64_t seed = data[1];
  std::vector<std::vector<opk>> progs(3);
  for (std::size_t i = 2; i < size && i < 2 + 24; i++) {
    opk k = static_cast<opk>(data[i] % 4);
    if (k == opk::close && data[i] % 16 >= 4) k = opk::send;  // closes are rarer
    progs[data[i] / 4 % 3].push_back(k);
  }
  weft::check::options o;
  o.strat = weft::check::strategy::random;
  o.executions = 1;
  o.seed = seed;
  o.shrink = false;
  auto r = weft::check::explore([&] {
    weft::chan<int> c(cap);
    // The history and the value counter are the harness's, shared by every goroutine: the
    // explorer runs one goroutine at a time, but only a lock orders them for ThreadSanitizer
    // (which rightly reports unsynchronised accesses). Never held across a channel operation.
    std::mutex hist_mu;
    std::vector<std::pair<opk, outcome>> hist;  // in the order the operations ran
    weft::wait_group wg;
    wg.add(3);
    int next_value = 1;
    for (auto& prog : progs) {
      weft::go([&, prog] {
        for (opk k : prog) {
          outcome got{k, 0, false, false};
          try {
            switch (k) {
              case opk::send: {
                int v;
                {
                  std::lock_guard<std::mutex> lk(hist_mu);
                  v = next_value++;
                }
                got.value = v;
                weft::select(weft::on_send(c, v, [&] { got.ok = true; }), weft::on_default([] {}));
                break;
              }
              case opk::recv:
                weft::select(weft::on_recv(c, [&](int v, bool ok) { got.value = v; got.ok = ok; }),
                             weft::on_default([] {}));
                break;
              case opk::len:
                got.value = static_cast<int>(c.len());
                got.ok = true;
                break;
              case opk::close:
                c.close();
                got.ok = true;
                break;
            }
          } catch (const weft::panic_error&) {
            got.panicked = true;
          }
          std::lock_guard<std::mutex> lk(hist_mu);
          hist.push_back({k, got});
        }
        wg.done();
      });
    }
    wg.wait();
    model m{{}, cap};
    for (auto& [k, got] : hist) {
      outcome want = m.apply(k, got.value);
      bool same = want.panicked == got.panicked && want.ok == got.ok &&
                  (k == opk::send || want.value == got.value);
      weft::check::require(same, "channel operation differs from the reference model");
    }
  }, o);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.report().c_str());
    std::abort();
  }
  return 0;
}
