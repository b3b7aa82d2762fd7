// examples/worker_pool.hpp — the worker pool of examples/worker_pool.cpp, as a function that the
// program runs on all cores and tests/examples_test.cpp runs under the explorer.
//
// Shape (Go's classic worker pool): a producer sends job numbers on `jobs` and closes it; N
// workers range over `jobs` and send one result each on `results`; a closer goroutine waits on a
// wait_group for every worker and then closes `results`; the caller ranges over `results`.
// Nothing is shared but the channels and the wait group, so the pool needs no mutex.
//
// Must be called from a goroutine (weft::run's main, or an explored body). Returns only when
// every goroutine it started has finished, except the closer, which touches nothing of the
// caller's once it has closed `results`.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/weft.hpp"

namespace example {

/// collatz_steps: the job: how many 3n+1 steps take n to 1.
inline std::int64_t collatz_steps(std::int64_t n) {
  std::int64_t steps = 0;
  while (n != 1) {
    n = n % 2 == 0 ? n / 2 : 3 * n + 1;
    steps++;
  }
  return steps;
}

struct job_result {
  int worker = 0;           // who did the job
  std::int64_t value = 0;   // collatz_steps(job)
};

struct pool_summary {
  std::int64_t total = 0;             // sum of every job's value
  int results = 0;                    // results received (one per job)
  std::vector<int> jobs_per_worker;   // how the jobs spread over the workers
};

/// run_worker_pool: jobs 1..njobs through `workers` goroutines; the caller receives every result.
inline pool_summary run_worker_pool(int workers, int njobs) {
  weft::chan<int> jobs(workers);          // a little slack so the producer runs ahead
  weft::chan<job_result> results(workers);
  weft::wait_group wg;

  weft::go([jobs, njobs] {  // producer
    for (int j = 1; j <= njobs; j++) jobs.send(j);
    jobs.close();  // the workers' range loops end once the queue is drained
  });

  wg.add(workers);
  for (int w = 0; w < workers; w++) {
    weft::go([jobs, results, &wg, w] {  // worker w
      for (int j : jobs) results.send(job_result{w, collatz_steps(j)});
      wg.done();
    });
  }

  weft::go([results, &wg] {  // closer: no more results once every worker is done
    wg.wait();
    results.close();
  });

  pool_summary s;
  s.jobs_per_worker.assign(static_cast<std::size_t>(workers), 0);
  for (const job_result& r : results) {
    s.total += r.value;
    s.results++;
    s.jobs_per_worker[static_cast<std::size_t>(r.worker)]++;
  }
  return s;
}

/// expected_total: the same sum, computed sequentially.
inline std::int64_t expected_total(int njobs) {
  std::int64_t t = 0;
  for (int j = 1; j <= njobs; j++) t += collatz_steps(j);
  return t;
}

}  // namespace example
