// fuzz/driver.cpp — runs a libFuzzer target without libFuzzer (GCC builds, CI): every file
// named on the command line is one input; with no arguments it feeds WEFT_FUZZ_RUNS (default
// 20000) pseudo-random inputs from a fixed seed, so a run is reproducible. Coverage guidance is
// libFuzzer's job (clang builds); this keeps the targets exercised and regression-checked
// everywhere.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc > 1) {
    for (int i = 1; i < argc; i++) {
      std::ifstream f(argv[i], std::ios::binary);
      std::vector<std::uint8_t> in((std::istreambuf_iterator<char>(f)), {});
      LLVMFuzzerTestOneInput(in.data(), in.size());
    }
    std::printf("%d inputs ran\n", argc - 1);
    return 0;
  }
  long runs = 20000;
  if (const char* r = std::getenv("WEFT_FUZZ_RUNS")) runs = std::atol(r);
  std::uint64_t s = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  std::vector<std::uint8_t> in;
  for (long i = 0; i < runs; i++) {
    in.resize(next() % 64);
    for (auto& b : in) b = static_cast<std::uint8_t>(next());
    // Half the inputs look like tokens, so the decoder gets past its prefix check.
    if (i % 2 == 0 && in.size() >= 6) {
      const char p[] = "weft1:";
      for (int k = 0; k < 6; k++) in[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(p[k]);
    }
    LLVMFuzzerTestOneInput(in.data(), in.size());
  }
  std::printf("%ld pseudo-random inputs ran\n", runs);
  return 0;
}
