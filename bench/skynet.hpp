// bench/skynet.hpp — the skynet benchmark (github.com/atemerev/skynet): a tree of goroutines,
// `div` children per node, `size` leaves; each leaf sends its number up, each inner node sums
// its children's answers from its own buffered channel (capacity div) and sends the sum up.
// Shared by weft_bench (BM_Skynet1M) and weft_skynet. Needs weft/chan.hpp.
#pragma once

#include <cstdint>

#include "weft/chan.hpp"
#include "weft/weft.hpp"

namespace weftbench {

/// skynet_node: the subtree of `size` leaves numbered from `num`; sends its sum on `up`.
/// Runs in a goroutine.
inline void skynet_node(weft::chan<std::int64_t> up, std::int64_t num, std::int64_t size,
                        std::int64_t div) {
  if (size == 1) {
    up.send(num);
    return;
  }
  weft::chan<std::int64_t> rc(static_cast<int>(div));
  const std::int64_t sub = size / div;
  for (std::int64_t i = 0; i < div; i++) {
    weft::go([rc, n = num + i * sub, sub, div] { skynet_node(rc, n, sub, div); });
  }
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < div; i++) sum += rc.recv();
  up.send(sum);
}

/// skynet_run: one whole skynet of `leaves` leaves (a power of div); returns the sum.
/// Runs in a goroutine.
inline std::int64_t skynet_run(std::int64_t leaves, std::int64_t div) {
  weft::chan<std::int64_t> c(1);
  weft::go([c, leaves, div] { skynet_node(c, 0, leaves, div); });
  return c.recv();
}

/// skynet_expected: 0 + 1 + ... + (leaves - 1).
constexpr std::int64_t skynet_expected(std::int64_t leaves) { return leaves * (leaves - 1) / 2; }

}  // namespace weftbench
