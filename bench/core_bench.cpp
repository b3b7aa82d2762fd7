// bench/core_bench.cpp — goroutine lifecycle, scheduling and sync microbenchmarks. Each one is
// the twin of the Go benchmark of the same name in bench/go/bench_test.go.
#include "bench.hpp"
#include "weft/weft.hpp"

namespace {

using benchmark::IterationCount;

// BM_SpawnJoin: per op, wg.add(1) + go a goroutine that calls wg.done(); one wg.wait() ends
// the timed batch (Go: BenchmarkSpawnJoin).
void BM_SpawnJoin(benchmark::State& state) {
  const IterationCount n = state.max_iterations;
  weft::wait_group wg;
  while (state.KeepRunningBatch(n)) {
    for (IterationCount i = 0; i < n; i++) {
      wg.add(1);
      weft::go([&wg] { wg.done(); });
    }
    wg.wait();
  }
}
WEFT_BENCHMARK(BM_SpawnJoin);

// BM_Yield: two goroutines (the benchmark's own and one more) yield in turn; per op, one yield
// (Go: BenchmarkYield, runtime.Gosched).
void BM_Yield(benchmark::State& state) {
  const IterationCount n = state.max_iterations;
  while (state.KeepRunningBatch(n)) {
    const IterationCount half = n / 2;
    weft::wait_group wg;
    wg.add(1);
    weft::go([&wg, m = n - half] {
      for (IterationCount i = 0; i < m; i++) weft::yield();
      wg.done();
    });
    for (IterationCount i = 0; i < half; i++) weft::yield();
    wg.wait();
  }
}
WEFT_BENCHMARK(BM_Yield);

// BM_MutexUncontended: per op, lock + unlock by a single goroutine
// (Go: BenchmarkMutexUncontended).
void BM_MutexUncontended(benchmark::State& state) {
  weft::mutex mu;
  for (auto _ : state) {
    mu.lock();
    mu.unlock();
  }
}
WEFT_BENCHMARK(BM_MutexUncontended);

// BM_WaitGroupAddDone: per op, add(1) + done() by a single goroutine, never reaching a waiter
// (Go: BenchmarkWaitGroupAddDone).
void BM_WaitGroupAddDone(benchmark::State& state) {
  weft::wait_group wg;
  for (auto _ : state) {
    wg.add(1);
    wg.done();
  }
}
WEFT_BENCHMARK(BM_WaitGroupAddDone);

}  // namespace
