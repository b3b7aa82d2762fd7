// bench/million.cpp — weft_million: the cost of one million live goroutines.
//
// Spawns N goroutines (default 1,000,000; first argument overrides) that each block on the
// wait_group `start`; once every one of them is running (so all N are live at once, each with
// its stack), main releases them and waits until each has called done.done(). Prints, one "key: value" per line (scripts/bench-compare.sh parses them): the
// worker count, the spawn time, the total time, the peak RSS before spawning and at the end
// (getrusage ru_maxrss), the page tables at the end (VmPTE: not part of RSS, but memory all the
// same), and the peak RSS per goroutine. Its Go twin is bench/go/million.
//
// Expect a one-time warning from the runtime past ~28k live goroutines: vm.max_map_count
// (65530 by default) bounds the number of guard-page mappings, so later stacks are
// canary-checked instead.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "weft/weft.hpp"

namespace {

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

// status_mb: a "VmXxx:   N kB" line of /proc/self/status, in MiB (0 when absent).
double status_mb(const char* key) {
  double mb = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    std::size_t n = std::strlen(key);
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, key, n) == 0 && line[n] == ':') {
        mb = std::atof(line + n + 1) / 1024.0;
        break;
      }
    }
    std::fclose(f);
  }
  return mb;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  if (n <= 0) n = 1000000;
  weft::config cfg;
  if (const char* s = std::getenv("WEFT_BENCH_PROCS"); s && std::atoi(s) > 0) {
    cfg.procs = std::atoi(s);
  }
  int procs = cfg.procs > 0 ? cfg.procs : static_cast<int>(std::thread::hardware_concurrency());

  double base_mb = 0, spawn_ms = 0, total_ms = 0, pte_mb = 0;
  weft::run(
      [&] {
        base_mb = peak_rss_mb();
        auto t0 = std::chrono::steady_clock::now();
        weft::wait_group running, start, done;
        running.add(static_cast<int>(n));
        start.add(1);
        done.add(static_cast<int>(n));
        for (long i = 0; i < n; i++) {
          weft::go([&running, &start, &done] {
            running.done();  // this goroutine is live (it has a stack) and about to block
            start.wait();
            done.done();
          });
        }
        running.wait();  // all n are live at once before any is released
        spawn_ms = ms_since(t0);
        start.done();
        done.wait();
        total_ms = ms_since(t0);
        pte_mb = status_mb("VmPTE");
      },
      cfg);

  double peak_mb = peak_rss_mb();
  std::printf("goroutines: %ld\n", n);
  std::printf("procs: %d\n", procs);
  std::printf("spawn_ms: %.1f\n", spawn_ms);
  std::printf("total_ms: %.1f\n", total_ms);
  std::printf("baseline_rss_mb: %.1f\n", base_mb);
  std::printf("peak_rss_mb: %.1f\n", peak_mb);
  std::printf("page_tables_mb: %.1f\n", pte_mb);
  std::printf("bytes_per_goroutine: %.0f\n", peak_mb * 1024 * 1024 / static_cast<double>(n));
  std::printf("bytes_per_goroutine_over_baseline: %.0f\n",
              (peak_mb - base_mb) * 1024 * 1024 / static_cast<double>(n));
  return 0;
}
