// checker/src/hb/vclock.hpp — vector clocks indexed by goroutine id (ids are small and dense
// within one execution). Vocabulary as TSan's: join (pointwise max), leq (happens-before).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace weft::check::detail {

class vclock {
 public:
  std::uint32_t get(std::size_t i) const noexcept { return i < c_.size() ? c_[i] : 0; }
  void set(std::size_t i, std::uint32_t v) {
    if (i >= c_.size()) c_.resize(i + 1, 0);
    c_[i] = v;
  }
  void tick(std::size_t i) { set(i, get(i) + 1); }
  void join(const vclock& o) {
    if (o.c_.size() > c_.size()) c_.resize(o.c_.size(), 0);
    for (std::size_t i = 0; i < o.c_.size(); i++) c_[i] = std::max(c_[i], o.c_[i]);
  }
  void clear() noexcept { c_.clear(); }
  std::size_t size() const noexcept { return c_.size(); }

 private:
  std::vector<std::uint32_t> c_;
};

}  // namespace weft::check::detail
