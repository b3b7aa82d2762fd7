// examples/philosophers.hpp — the dining philosophers of examples/philosophers.cpp, callable from
// the program and from tests/examples_test.cpp.
//
// N philosophers sit around a table with one fork (a weft::mutex) between each pair of
// neighbours; philosopher i needs forks i and (i + 1) % N to eat. If everyone picks up the left
// fork first, all N can hold one fork each and wait forever for the other: a deadlock. The cure
// is a global lock order: every philosopher picks up the lower-numbered of its two forks first,
// so the last philosopher reaches for fork 0 before fork N-1 and the cycle cannot close.
// pickup::left_first keeps the naive order on purpose: the explorer test uses it to show the
// deadlock being found and replayed.
#pragma once

#include <algorithm>
#include <mutex>
#include <vector>

#include "weft/weft.hpp"

namespace example {

enum class pickup {
  ordered,     // lower-numbered fork first: deadlock-free
  left_first,  // own left fork, then the right one: can deadlock
};

struct fork {
  weft::mutex mu;
  int uses = 0;  // guarded by mu
};

struct dinner_summary {
  std::vector<int> meals;      // meals eaten by each philosopher
  std::vector<int> fork_uses;  // meals each fork served at
};

/// dine: n philosophers (n >= 2) each eat `meals` times; returns once all of them have.
inline dinner_summary dine(int n, int meals, pickup order = pickup::ordered) {
  std::vector<fork> forks(static_cast<std::size_t>(n));
  std::vector<int> eaten(static_cast<std::size_t>(n), 0);  // eaten[i]: philosopher i only
  weft::wait_group wg;

  wg.add(n);
  for (int i = 0; i < n; i++) {
    weft::go([&, i] {
      int left = i, right = (i + 1) % n;
      int first = left, second = right;
      if (order == pickup::ordered) {
        first = std::min(left, right);
        second = std::max(left, right);
      }
      for (int m = 0; m < meals; m++) {
        {
          std::lock_guard<weft::mutex> a(forks[static_cast<std::size_t>(first)].mu);
          std::lock_guard<weft::mutex> b(forks[static_cast<std::size_t>(second)].mu);
          forks[static_cast<std::size_t>(left)].uses++;  // eat
          forks[static_cast<std::size_t>(right)].uses++;
          eaten[static_cast<std::size_t>(i)]++;
        }
        weft::yield();  // think
      }
      wg.done();
    });
  }
  wg.wait();

  dinner_summary s;
  s.meals = eaten;
  for (const fork& f : forks) s.fork_uses.push_back(f.uses);
  return s;
}

}  // namespace example
