// examples/prime_sieve.cpp — Go's concurrent prime sieve: one goroutine per prime, chained by
// unbuffered channels.
//
// Shows: goroutines as cheap building blocks (N primes take N + 1 goroutines and N + 1
// channels, every number passing through the chain hand to hand), and a clean shutdown of the
// chain through a done channel and a wait_group. The primes are checked against trial division.
// The sieve is in prime_sieve.hpp, which tests/examples_test.cpp also runs under the schedule
// explorer.
//
// Usage: prime_sieve [N]     (default: the first 100 primes, all cores)
#include <cstdio>
#include <cstdlib>

#include "prime_sieve.hpp"

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100;
  if (n < 1 || n > 100000) {
    std::fprintf(stderr, "usage: prime_sieve [1 <= N <= 100000]\n");
    return 1;
  }

  std::vector<int> primes;
  weft::run([&] { primes = example::first_primes(n); });

  std::printf("prime_sieve: the first %d primes, from a chain of %d filter goroutines\n", n, n);
  for (std::size_t i = 0; i < primes.size(); i++) {
    std::printf("%s%6d", i % 10 == 0 ? (i == 0 ? "  " : "\n  ") : " ", primes[i]);
  }
  const bool ok = primes == example::primes_by_trial_division(n);
  std::printf("\n  checked against trial division: %s\n", ok ? "OK" : "WRONG");
  return ok ? 0 : 1;
}
