// fuzz/token_fuzz.cpp — the replay-token decoder against arbitrary input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "report/token.hpp"

using namespace weft::check::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (const std::string& input : {text, "weft1:" + text}) {
    std::string err;
    auto t = decode_token(input, &err);
    if (!t) {
      if (err.empty()) std::abort();  // a rejection must say why
      continue;
    }
    auto again = decode_token(encode_token(*t), &err);
    if (!again || again->choices != t->choices || again->seed != t->seed ||
        again->execution != t->execution || again->site != t->site || again->strat != t->strat ||
        again->flags != t->flags || again->fail != t->fail) {
      std::abort();
    }
  }
  return 0;
}
