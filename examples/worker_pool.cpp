// examples/worker_pool.cpp — a pool of worker goroutines fed by a channel.
//
// Shows: a job channel closed by its producer and ranged over by several workers, a results
// channel, and a wait_group whose wait() in a closer goroutine closes the results channel when
// the last worker is done, so the consumer simply ranges over it. The jobs (counting Collatz
// steps for 1..N) are checked against a sequential run. The pool itself is in worker_pool.hpp,
// which tests/examples_test.cpp also runs under the schedule explorer.
//
// Usage: worker_pool [jobs] [workers]     (defaults: 20000 jobs, 8 workers, all cores)
#include <cstdio>
#include <cstdlib>

#include "worker_pool.hpp"

int main(int argc, char** argv) {
  const int njobs = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int workers = argc > 2 ? std::atoi(argv[2]) : 8;
  if (njobs < 0 || workers < 1) {
    std::fprintf(stderr, "usage: worker_pool [jobs >= 0] [workers >= 1]\n");
    return 1;
  }

  example::pool_summary s;
  weft::run([&] { s = example::run_worker_pool(workers, njobs); });  // procs 0: every core

  const std::int64_t want = example::expected_total(njobs);
  std::printf("worker_pool: %d workers did %d jobs (Collatz steps of 1..%d)\n", workers, s.results,
              njobs);
  std::printf("  jobs per worker:");
  for (int n : s.jobs_per_worker) std::printf(" %d", n);
  std::printf("\n  total steps: %lld (sequential: %lld) %s\n", static_cast<long long>(s.total),
              static_cast<long long>(want), s.total == want && s.results == njobs ? "OK" : "WRONG");
  return s.total == want && s.results == njobs ? 0 : 1;
}
