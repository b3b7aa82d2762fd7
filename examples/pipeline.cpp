// examples/pipeline.cpp — a channel pipeline with fan-out, fan-in and early cancellation, in the
// shape of Go's "Go Concurrency Patterns: Pipelines and cancellation".
//
// Shows: stages that are functions returning their output channel; fan-out (several squarer
// goroutines reading one channel) and fan-in (merge, closed by a wait_group); a `done` channel
// that is only ever closed, raced against every send with select, so a consumer that stops early
// shuts the whole pipeline down; and a wait_group the consumer waits on until every stage
// goroutine has returned. Run 1 squares 1..N and checks the sum against the formula; run 2 takes
// only the first few squares and cancels. The stages are in pipeline.hpp, which
// tests/examples_test.cpp also runs under the schedule explorer.
//
// Usage: pipeline [N] [squarers]     (defaults: N = 10000, 4 squarers, all cores)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "pipeline.hpp"

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 10000;
  const int squarers = argc > 2 ? std::atoi(argv[2]) : 4;
  if (n < 1 || n > 1'000'000 || squarers < 1) {
    std::fprintf(stderr, "usage: pipeline [1 <= N <= 1000000] [squarers >= 1]\n");
    return 1;
  }
  const std::int64_t take = n < 10 ? n : 10;

  example::pipeline_summary full, cut;
  weft::run([&] {
    full = example::sum_of_squares(n, squarers, n);
    cut = example::sum_of_squares(n, squarers, take);
  });

  bool ok = true;
  const std::int64_t want = n * (n + 1) * (2 * n + 1) / 6;
  ok = ok && full.sum == want && full.taken == n;
  std::printf("pipeline: gen -> %d x sq -> merge over 1..%lld\n", squarers,
              static_cast<long long>(n));
  std::printf("  run 1: %d squares received, sum %lld (formula n(n+1)(2n+1)/6 = %lld) %s\n",
              full.taken, static_cast<long long>(full.sum), static_cast<long long>(want),
              full.sum == want && full.taken == n ? "OK" : "WRONG");

  // Run 2: every value taken is the square of a distinct number in 1..N.
  std::set<std::int64_t> roots;
  for (std::int64_t v : cut.values) {
    auto r = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(v))));
    if (r < 1 || r > n || r * r != v || !roots.insert(r).second) ok = false;
  }
  ok = ok && cut.taken == take;
  std::printf("  run 2: took %d squares, then closed done:", cut.taken);
  for (std::int64_t v : cut.values) std::printf(" %lld", static_cast<long long>(v));
  std::printf("\n         all %d stage goroutines returned %s\n", cut.goroutines,
              ok ? "OK" : "WRONG");
  return ok ? 0 : 1;
}
