// bench/skynet.cpp — weft_skynet: one skynet (1,000,000 leaves, 10 children per node,
// 1,111,111 goroutines in all) in a fresh process; prints the time and peak RSS as
// "key: value" lines like weft_million. Its Go twin is bench/go/skynet.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "skynet.hpp"
#include "weft/weft.hpp"

int main(int argc, char** argv) {
  std::int64_t leaves = argc > 1 ? std::atoll(argv[1]) : 1000000;
  if (leaves <= 0) leaves = 1000000;
  weft::config cfg;
  if (const char* s = std::getenv("WEFT_BENCH_PROCS"); s && std::atoi(s) > 0) {
    cfg.procs = std::atoi(s);
  }
  int procs = cfg.procs > 0 ? cfg.procs : static_cast<int>(std::thread::hardware_concurrency());

  std::int64_t sum = 0;
  double total_ms = 0;
  weft::run(
      [&] {
        auto t0 = std::chrono::steady_clock::now();
        sum = weftbench::skynet_run(leaves, 10);
        total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count();
      },
      cfg);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
  std::int64_t gs = 0;
  for (std::int64_t n = leaves; n >= 1; n /= 10) gs += n;
  std::printf("goroutines: %lld\n", static_cast<long long>(gs));
  std::printf("procs: %d\n", procs);
  std::printf("sum: %lld\n", static_cast<long long>(sum));
  std::printf("total_ms: %.1f\n", total_ms);
  std::printf("peak_rss_mb: %.1f\n", peak_mb);
  std::printf("bytes_per_goroutine: %.0f\n", peak_mb * 1024 * 1024 / static_cast<double>(gs));
  if (sum != weftbench::skynet_expected(leaves)) {
    std::fprintf(stderr, "skynet: wrong sum %lld\n", static_cast<long long>(sum));
    return 1;
  }
  return 0;
}
