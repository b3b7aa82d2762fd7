// bench/explore_bench.cpp — explorer throughput: complete executions per second.
//
// These run on the benchmark's own thread (explore() is not a goroutine workload), so they use
// Google Benchmark's plain BENCHMARK registration. Each iteration is one exploration; the
// executions/s counter is what the targets are stated in; it is per CPU second (the explorer
// runs on one thread, so CPU time measures its work and not the machine's other load). No Go
// twin: Go has no explorer.
//   BM_ExploreSmall:   2 goroutines x 10 visible operations (random walk).
//   BM_ExploreMedium:  4 goroutines x 25 visible operations (random walk).
//   BM_DporIncrement3: the racy increment with 3 goroutines under DPOR (36 executions).
#include <benchmark/benchmark.h>

#include "weft/atomic.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace {

template <int Goroutines, int Ops>
void workers() {
  weft::atomic<int> x(0);
  weft::wait_group wg;
  wg.add(Goroutines);
  for (int g = 0; g < Goroutines; g++) {
    weft::go([&] {
      for (int i = 0; i < Ops - 1; i++) x.fetch_add(1);  // Ops - 1 atomics + the done
      wg.done();
    });
  }
  wg.wait();
}

template <int Goroutines, int Ops>
void explore_random(benchmark::State& state) {
  weft::check::options o;
  o.strat = weft::check::strategy::random;
  o.executions = 2000;
  std::uint64_t total = 0;
  for (auto _ : state) {
    auto r = weft::check::explore(workers<Goroutines, Ops>, o);
    if (!r.ok()) state.SkipWithError(r.message.c_str());
    total += r.executions;
    o.seed++;
  }
  state.counters["executions/s"] = benchmark::Counter(double(total), benchmark::Counter::kIsRate);
}

void BM_ExploreSmall(benchmark::State& state) { explore_random<2, 10>(state); }
void BM_ExploreMedium(benchmark::State& state) { explore_random<4, 25>(state); }

void increment3() {
  weft::atomic<int> x(0);
  weft::wait_group wg;
  wg.add(3);
  for (int i = 0; i < 3; i++) {
    weft::go([&] {
      int v = x.load();
      x.store(v + 1);
      wg.done();
    });
  }
  wg.wait();
}

void BM_DporIncrement3(benchmark::State& state) {
  weft::check::options o;
  o.strat = weft::check::strategy::dpor;
  o.executions = 1'000'000;
  std::uint64_t total = 0;
  for (auto _ : state) {
    auto r = weft::check::explore(increment3, o);
    if (!r.ok() || r.executions != 36) state.SkipWithError("DPOR did not explore 36 executions");
    total += r.executions;
  }
  state.counters["executions/s"] = benchmark::Counter(double(total), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_ExploreSmall)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExploreMedium)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DporIncrement3)->Unit(benchmark::kMicrosecond);

}  // namespace
