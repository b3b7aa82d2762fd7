// bench/bench.hpp — the harness shared by every weft benchmark: each benchmark body runs as the
// main goroutine of its own weft::run, and is registered twice, with the default worker count
// (hardware threads, or WEFT_BENCH_PROCS) under its plain name and with one worker under
// "<name>/procs:1".
//
// Rules for a benchmark body (a plain function taking benchmark::State&):
//  - It runs inside a goroutine; only that goroutine touches `state` (Google Benchmark's State is
//    not thread-safe, and a goroutine may move between OS threads, which is why every benchmark
//    measures real time and process CPU time, never one thread's CPU time).
//  - It measures the same workload as its Go twin in bench/go/bench_test.go, with the same name
//    minus the prefix (BM_X here, BenchmarkX there): scripts/bench-compare.sh pairs them so.
//  - A workload whose Go twin ends with a wait (e.g. wg.Wait() after b.N spawns) keeps that wait
//    inside the timed region: use `while (state.KeepRunningBatch(state.max_iterations))`.
//
// Adding one: write `void BM_Foo(benchmark::State&)` in some bench/<area>_bench.cpp and
// `WEFT_BENCHMARK(BM_Foo);` after it (WEFT_BENCHMARK_DEFAULT_ONLY to skip the procs:1 variant);
// if the file needs a header that may not exist yet, start it with "// needs: weft/<header>".
#pragma once

#include <benchmark/benchmark.h>

namespace weftbench {

using body_fn = void (*)(benchmark::State&);

/// default_procs: workers for the plain-named variant: WEFT_BENCH_PROCS if set and positive,
/// otherwise the machine's hardware threads (what weft::run and Go's GOMAXPROCS default to).
int default_procs();

/// in_weft: runs body(state) as goroutine 1 of a fresh weft::run with `procs` workers.
void in_weft(benchmark::State& state, int procs, body_fn body);

/// peak_rss_mb: this process's peak resident set so far (getrusage ru_maxrss), in MiB.
double peak_rss_mb();

/// registrar: registers `name` (default procs) and, unless default_only, `name/procs:1`.
struct registrar {
  registrar(const char* name, body_fn body, bool default_only = false);
};

}  // namespace weftbench

#define WEFT_BENCHMARK(fn) static const ::weftbench::registrar weft_bench_reg_##fn(#fn, fn)
#define WEFT_BENCHMARK_DEFAULT_ONLY(fn) \
  static const ::weftbench::registrar weft_bench_reg_##fn(#fn, fn, true)
