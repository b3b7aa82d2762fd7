// examples/prime_sieve.hpp — Go's concurrent prime sieve (a daisy chain of filter goroutines),
// callable from examples/prime_sieve.cpp and from tests/examples_test.cpp.
//
// A generator goroutine sends 2, 3, 4, ... down an unbuffered channel. Each prime p the main
// goroutine receives gets its own filter goroutine, which copies the numbers arriving on its
// input to a fresh output channel, dropping the multiples of p; the main goroutine then listens
// on that new channel. So the k-th number out of the chain is the k-th prime.
//
// Go's original leaves the chain running forever when main is done. Here every goroutine also
// watches a `done` channel (in a select with each send and receive), so closing `done` stops the
// whole chain, and a wait_group lets the caller return only after every goroutine has exited.
#pragma once

#include <variant>
#include <vector>

#include "weft/weft.hpp"

namespace example {

/// signal: the element type of the done channel, which is only ever closed (Go's chan struct{}).
using signal = std::monostate;

/// generate: sends 2, 3, 4, ... on ch until done is closed.
inline void generate(weft::chan<signal> done, weft::chan<int> ch) {
  for (int i = 2;; i++) {
    if (weft::select(weft::on_send(ch, i), weft::on_recv(done)) == 1) return;
  }
}

/// filter: copies the values arriving on `in` to `out`, except the multiples of `prime`, until
/// done is closed.
inline void filter(weft::chan<signal> done, weft::chan<int> in, weft::chan<int> out,
                   int prime) {
  for (;;) {
    int i = 0;
    if (weft::select(weft::on_recv(in, [&](int v) { i = v; }), weft::on_recv(done)) == 1) return;
    if (i % prime != 0) {
      if (weft::select(weft::on_send(out, i), weft::on_recv(done)) == 1) return;
    }
  }
}

/// first_primes: the first n primes, from a chain of n filter goroutines. Returns after every
/// goroutine of the chain has exited.
inline std::vector<int> first_primes(int n) {
  weft::chan<signal> done(0);
  weft::wait_group wg;
  std::vector<int> primes;

  weft::chan<int> ch(0);
  wg.add(1);
  weft::go([done, ch, &wg] {
    generate(done, ch);
    wg.done();
  });
  for (int k = 0; k < n; k++) {
    int prime = ch.recv();
    primes.push_back(prime);
    weft::chan<int> next(0);
    wg.add(1);
    weft::go([done, ch, next, prime, &wg] {
      filter(done, ch, next, prime);
      wg.done();
    });
    ch = next;
  }
  done.close();  // the chain stops: each goroutine is in a select that also watches done
  wg.wait();
  return primes;
}

/// primes_by_trial_division: the first n primes, computed plainly (to check the sieve).
inline std::vector<int> primes_by_trial_division(int n) {
  std::vector<int> primes;
  for (int c = 2; static_cast<int>(primes.size()) < n; c++) {
    bool prime = true;
    for (int p : primes) {
      if (p * p > c) break;
      if (c % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(c);
  }
  return primes;
}

}  // namespace example
