// checker/src/report/token.hpp — the replay token: versioned, compact, copy-pasteable.
//
// Format: "weft1:" + base64url (no padding) of
//   [kind byte: 1] [strategy] [flags] [failure kind] varint(seed) varint(execution index)
//   varint(site hash) varint(choice count) choices... [fnv-1a 16-bit checksum, 2 bytes]
// Each choice (n options, value v < n) is one varint of n(n-1)/2 + v: one byte while n <= 15.
// flags: bit 0 strict timers, bit 1 leaks not reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::check::detail {

struct schedule_token {
  std::uint8_t strat = 0;
  std::uint8_t flags = 0;
  std::uint8_t fail = 0;
  std::uint64_t seed = 0;
  std::uint64_t execution = 0;
  std::uint32_t site = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> choices;  // (n, value)
};

std::string encode_token(const schedule_token& t);
/// decode_token: the token, or nullopt with *err saying what is wrong with it.
std::optional<schedule_token> decode_token(std::string_view text, std::string* err);

/// site_hash: identity of an explore() call site (file and line), stored in the token so
/// WEFT_REPLAY applies only where the token came from.
std::uint32_t site_hash(const char* file, unsigned line) noexcept;

}  // namespace weft::check::detail
