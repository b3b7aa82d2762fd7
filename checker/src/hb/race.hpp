// checker/src/hb/race.hpp — happens-before per the Go memory model, and the race detector for
// weft::check::shared<T>.
//
// Each goroutine has a vector clock; each sync address (a mutex, a channel slot, ...) has one
// too. release(addr) joins the goroutine's clock into the address's and ticks the goroutine;
// acquire(addr) joins the address's clock into the goroutine's. The primitives call these
// exactly at Go's race-detector annotation points (weft::detail::hb_release/hb_acquire), and
// spawn copies the parent's clock into the child (go -> child start).
//
// A shared<T> access is an epoch (goroutine, its clock component) plus its site. Two accesses
// race when at least one writes and the earlier is not in the later goroutine's clock: found on
// the first execution where both happen, whether or not the bad interleaving "manifests".
//
// Single-threaded (owned by the engine); cleared per execution, keeping capacity.
#pragma once

#include <cstdint>
#include <optional>
#include "weft/source_location.hpp"
#include <unordered_map>
#include <vector>

#include "hb/vclock.hpp"

namespace weft::check::detail {

struct access {
  std::uint64_t goid = 0;
  std::uint32_t clock = 0;
  bool write = false;
  weft::source_location where{};
};

struct race_info {
  const void* object;
  access earlier;
  access later;
};

class hb_tracker {
 public:
  void clear();
  void spawn(std::uint64_t parent, std::uint64_t child);
  void release(std::uint64_t g, const void* addr);
  void acquire(std::uint64_t g, const void* addr);
  /// access: record a shared<T> access by g; returns the first race it completes, if any.
  std::optional<race_info> on_access(std::uint64_t g, const void* var, bool write,
                                     const weft::source_location& where);
  /// happens_before: does epoch a happen before goroutine g's current point?
  bool ordered(const access& a, std::uint64_t g) const { return a.clock <= vc(g).get(a.goid); }

 private:
  vclock& vc(std::uint64_t g);
  const vclock& vc(std::uint64_t g) const;
  struct var_state {
    access last_write;
    bool has_write = false;
    std::vector<access> reads;  // last read of each goroutine since the last write
  };
  std::vector<vclock> g_;
  std::unordered_map<const void*, vclock> sync_;
  std::unordered_map<const void*, var_state> vars_;
  vclock empty_;
};

}  // namespace weft::check::detail
