// bench/main.cpp — weft_bench's main and the harness behind bench.hpp.
//
// Registration happens in static initialisers (WEFT_BENCHMARK); main adds the worker count to
// the benchmark context ("weft_procs", read back by scripts/bench-compare.sh from the JSON
// output) and hands over to Google Benchmark.
#include <sys/resource.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "bench.hpp"
#include "weft/weft.hpp"

namespace weftbench {

int default_procs() {
  if (const char* s = std::getenv("WEFT_BENCH_PROCS"); s && *s) {
    int v = std::atoi(s);
    if (v > 0) return v;
  }
  int hw = static_cast<int>(std::thread::hardware_concurrency());
  return hw > 0 ? hw : 1;
}

void in_weft(benchmark::State& state, int procs, body_fn body) {
  weft::config cfg;
  cfg.procs = procs;
  weft::run([&state, body] { body(state); }, cfg);
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

registrar::registrar(const char* name, body_fn body, bool default_only) {
  auto add = [body](const std::string& n, bool one) {
    benchmark::RegisterBenchmark(n.c_str(),
                                 [body, one](benchmark::State& st) {
                                   in_weft(st, one ? 1 : default_procs(), body);
                                 })
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  };
  add(name, false);
  if (!default_only && default_procs() != 1) add(std::string(name) + "/procs:1", true);
}

}  // namespace weftbench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("weft_procs", std::to_string(weftbench::default_procs()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
