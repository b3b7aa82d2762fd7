// bench/dpor_table.cpp — weft_dpor_table: prints, for each program of the DPOR exact-count
// tests, how many executions exhaustive DFS, bounded DFS and DPOR explore, next to the known
// optimum (the number of Mazurkiewicz traces). The README's table is this program's output.
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "weft/atomic.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

std::uint64_t fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }

void increment(int n) {
  weft::atomic<int> x(0);
  std::vector<weft::chan<int>> done;
  for (int i = 0; i < n; i++) done.emplace_back(0);
  for (int i = 0; i < n; i++) {
    weft::go([&x, c = done[static_cast<std::size_t>(i)]] {
      int v = x.load();
      x.store(v + 1);
      c.send(1);
    });
  }
  for (auto& c : done) (void)c.recv();
}

void locked_increment(int n) {
  weft::mutex mu;
  weft::atomic<int> x(0);
  weft::wait_group wg;
  wg.add(n);
  for (int i = 0; i < n; i++) {
    weft::go([&] {
      mu.lock();
      x.store(x.load() + 1);
      mu.unlock();
      wg.done();
    });
  }
  wg.wait();
}

void readers_writer(int n) {
  weft::atomic<int> x(0);
  weft::wait_group wg;
  wg.add(n + 1);
  for (int i = 0; i < n; i++) weft::go([&] { (void)x.load(); wg.done(); });
  weft::go([&] { x.store(1); wg.done(); });
  wg.wait();
}

void independent(int n) {
  weft::wait_group wg;
  wg.add(n);
  for (int i = 0; i < n; i++) {
    weft::go([&] {
      weft::atomic<int> mine(0);
      mine.fetch_add(1);
      mine.fetch_add(1);
      wg.done();
    });
  }
  wg.wait();
}

void senders(int n) {
  weft::chan<int> c(0);
  for (int i = 0; i < n; i++) weft::go([c, i] { c.send(i); });
  for (int i = 0; i < n; i++) (void)c.recv();
}

std::string run(const std::function<void()>& body, check::strategy s, int bound,
                std::uint64_t cap, double* secs = nullptr) {
  check::options o;
  o.strat = s;
  o.executions = cap;
  o.preemption_bound = bound;
  auto t0 = std::chrono::steady_clock::now();
  auto r = check::explore(body, o);
  if (secs) *secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!r.ok()) return "failed: " + r.message;
  if (!r.exhausted) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "> %llu (est. %.1e)", static_cast<unsigned long long>(r.executions),
                  r.estimated_total);
    return buf;
  }
  return std::to_string(r.executions);
}

}  // namespace

int main() {
  struct row {
    std::string name;
    std::function<void()> body;
    std::uint64_t optimum;
  };
  std::vector<row> rows;
  for (int n : {2, 3, 4}) {
    rows.push_back({"racy increment, N=" + std::to_string(n), [n] { increment(n); },
                    fact(n) * fact(n)});
  }
  for (int n : {2, 3, 4}) {
    rows.push_back({"increment under a mutex, N=" + std::to_string(n),
                    [n] { locked_increment(n); }, fact(n)});
  }
  for (int n : {2, 3, 4}) {
    rows.push_back({"N readers + 1 writer, N=" + std::to_string(n), [n] { readers_writer(n); },
                    1ull << n});
  }
  for (int n : {2, 4}) {
    rows.push_back({"independent goroutines, N=" + std::to_string(n), [n] { independent(n); }, 1});
  }
  for (int n : {2, 3, 4}) {
    rows.push_back({"N senders, 1 receiver (unbuffered), N=" + std::to_string(n),
                    [n] { senders(n); }, fact(n)});
  }
  const std::uint64_t cap = 1'000'000;
  std::printf("| program | DFS | DFS, 2 preemptions | DPOR | optimum | DPOR/optimum | DPOR time |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const auto& r : rows) {
    double secs = 0;
    std::string dfs = run(r.body, check::strategy::dfs, -1, cap);
    std::string dfs2 = run(r.body, check::strategy::dfs, 2, cap);
    std::string dpor = run(r.body, check::strategy::dpor, -1, cap, &secs);
    double ratio = dpor[0] >= '0' && dpor[0] <= '9' ? std::stod(dpor) / double(r.optimum) : 0;
    if (dfs[0] == '>') dfs = dfs.substr(0, 1) + dfs.substr(2);
    std::printf("| %s | %s | %s | %s | %llu | %.2f | %.1f ms |\n", r.name.c_str(), dfs.c_str(),
                dfs2.c_str(), dpor.c_str(), static_cast<unsigned long long>(r.optimum), ratio,
                secs * 1e3);
    std::fflush(stdout);
  }
}
