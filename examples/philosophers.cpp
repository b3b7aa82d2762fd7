// examples/philosophers.cpp — the dining philosophers, with weft::mutex forks and a lock order
// that makes deadlock impossible.
//
// Shows: mutexes held across scheduling points by many goroutines on all cores, std::lock_guard
// over weft::mutex, and the classic cure for lock-order deadlock (take the lower-numbered fork
// first). Every philosopher eats K times; each fork must have served exactly 2K meals. The
// dinner is in philosophers.hpp; tests/examples_test.cpp runs it under the schedule explorer,
// together with the naive left-fork-first order, whose deadlock the explorer finds and replays.
//
// Usage: philosophers [K] [N]     (defaults: each of 5 philosophers eats 1000 times, all cores)
#include <cstdio>
#include <cstdlib>

#include "philosophers.hpp"

int main(int argc, char** argv) {
  const int meals = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int n = argc > 2 ? std::atoi(argv[2]) : 5;
  if (meals < 0 || n < 2) {
    std::fprintf(stderr, "usage: philosophers [K >= 0] [N >= 2]\n");
    return 1;
  }

  example::dinner_summary s;
  weft::run([&] { s = example::dine(n, meals); });

  bool ok = true;
  long total = 0;
  std::printf("philosophers: %d at the table, each eats %d times (lower-numbered fork first)\n", n,
              meals);
  std::printf("  meals eaten:");
  for (int m : s.meals) {
    std::printf(" %d", m);
    total += m;
    ok = ok && m == meals;
  }
  std::printf("\n  meals per fork:");
  for (int u : s.fork_uses) {
    std::printf(" %d", u);
    ok = ok && u == 2 * meals;
  }
  std::printf("\n  %ld meals in all, no deadlock %s\n", total, ok ? "OK" : "WRONG");
  return ok ? 0 : 1;
}
