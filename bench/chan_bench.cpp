// needs: weft/chan.hpp weft/select.hpp
// bench/chan_bench.cpp — channel and select microbenchmarks, plus skynet. Each one is the twin
// of the Go benchmark of the same name in bench/go/chan_test.go.
#include <cstdint>

#include "bench.hpp"
#include "skynet.hpp"
#include "weft/chan.hpp"
#include "weft/select.hpp"
#include "weft/weft.hpp"

namespace {

using benchmark::IterationCount;

// BM_ChanSync: per op, one value handed from a sender goroutine to the receiver over an
// unbuffered channel (Go: BenchmarkChanSync).
void BM_ChanSync(benchmark::State& state) {
  const IterationCount n = state.max_iterations;
  while (state.KeepRunningBatch(n)) {
    weft::chan<int> c(0);
    weft::go([c, n]() mutable {
      for (IterationCount i = 0; i < n; i++) c.send(static_cast<int>(i));
    });
    for (IterationCount i = 0; i < n; i++) benchmark::DoNotOptimize(c.recv());
  }
}
WEFT_BENCHMARK(BM_ChanSync);

// BM_ChanPingPong: per op, one round trip: main sends on ping, a partner goroutine receives it
// and answers on pong, main receives the answer; both channels unbuffered
// (Go: BenchmarkChanPingPong).
void BM_ChanPingPong(benchmark::State& state) {
  const IterationCount n = state.max_iterations;
  while (state.KeepRunningBatch(n)) {
    weft::chan<int> ping(0), pong(0);
    weft::go([ping, pong, n]() mutable {
      for (IterationCount i = 0; i < n; i++) pong.send(ping.recv() + 1);
    });
    for (IterationCount i = 0; i < n; i++) {
      ping.send(static_cast<int>(i));
      benchmark::DoNotOptimize(pong.recv());
    }
  }
}
WEFT_BENCHMARK(BM_ChanPingPong);

// BM_ChanBuffered: per op, one value through a channel of capacity 128 from a producer
// goroutine to the receiver (Go: BenchmarkChanBuffered).
void BM_ChanBuffered(benchmark::State& state) {
  const IterationCount n = state.max_iterations;
  while (state.KeepRunningBatch(n)) {
    weft::chan<int> c(128);
    weft::go([c, n]() mutable {
      for (IterationCount i = 0; i < n; i++) c.send(static_cast<int>(i));
    });
    for (IterationCount i = 0; i < n; i++) benchmark::DoNotOptimize(c.recv());
  }
}
WEFT_BENCHMARK(BM_ChanBuffered);

// BM_SelectUncontended: per op, one two-case select that finds its receive ready plus the send
// that re-arms the other channel, by one goroutine on two channels of capacity 1 (Go's
// runtime BenchmarkSelectUncontended, on one goroutine: Go: BenchmarkSelectUncontended).
void BM_SelectUncontended(benchmark::State& state) {
  weft::chan<int> c1(1), c2(1);
  c1.send(0);
  for (auto _ : state) {
    weft::select(weft::on_recv(c1, [&](int, bool) { c2.send(0); }),
                 weft::on_recv(c2, [&](int, bool) { c1.send(0); }));
  }
}
WEFT_BENCHMARK(BM_SelectUncontended);

// skynet_iterations: per op, one whole skynet of `leaves` leaves (ten children per node, sums
// sent up over buffered channels).
void skynet_iterations(benchmark::State& state, std::int64_t leaves) {
  for (auto _ : state) {
    std::int64_t sum = weftbench::skynet_run(leaves, 10);
    if (sum != weftbench::skynet_expected(leaves)) {
      state.SkipWithError("skynet: wrong sum");
      break;
    }
  }
}

// BM_Skynet1M: 1,000,000 leaf goroutines (1,111,111 in all; Go: BenchmarkSkynet1M). The
// peak_rss_MB counter is the process's peak so far (a ceiling: earlier benchmarks count too).
void BM_Skynet1M(benchmark::State& state) {
  skynet_iterations(state, 1000000);
  state.counters["peak_rss_MB"] = weftbench::peak_rss_mb();
}
WEFT_BENCHMARK(BM_Skynet1M);

// BM_Skynet100K: the same with 100,000 leaves (111,111 goroutines; Go: BenchmarkSkynet100K).
// The size GCC 12's ThreadSanitizer runtime can run: it allows 8128 live fibers, and the 1M
// skynet keeps more goroutines started and blocked at once than that (scripts/bench-tsan.sh).
void BM_Skynet100K(benchmark::State& state) { skynet_iterations(state, 100000); }
WEFT_BENCHMARK(BM_Skynet100K);

}  // namespace
