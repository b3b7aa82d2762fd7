// checker/src/hb/race.cpp — see race.hpp.
#include "hb/race.hpp"

namespace weft::check::detail {

void hb_tracker::clear() {
  for (auto& c : g_) c.clear();
  sync_.clear();
  vars_.clear();
}

vclock& hb_tracker::vc(std::uint64_t g) {
  if (g >= g_.size()) g_.resize(g + 1);
  vclock& c = g_[g];
  if (c.get(g) == 0) c.set(g, 1);  // a goroutine's own component starts at 1
  return c;
}

const vclock& hb_tracker::vc(std::uint64_t g) const { return g < g_.size() ? g_[g] : empty_; }

void hb_tracker::spawn(std::uint64_t parent, std::uint64_t child) {
  if (child >= g_.size()) g_.resize(child + 1);
  g_[child].clear();
  if (parent) {
    vclock& p = vc(parent);
    g_[child] = p;
    p.tick(parent);
  }
  g_[child].set(child, 1);
}

void hb_tracker::release(std::uint64_t g, const void* addr) {
  vclock& c = vc(g);
  sync_[addr].join(c);
  c.tick(g);
}

void hb_tracker::acquire(std::uint64_t g, const void* addr) {
  auto it = sync_.find(addr);
  if (it != sync_.end()) vc(g).join(it->second);
}

std::optional<race_info> hb_tracker::on_access(std::uint64_t g, const void* var, bool write,
                                               const weft::source_location& where) {
  vclock& c = vc(g);
  access now{g, c.get(g), write, where};
  var_state& v = vars_[var];
  std::optional<race_info> found;
  if (v.has_write && v.last_write.goid != g && !ordered(v.last_write, g)) {
    found = race_info{var, v.last_write, now};
  }
  if (write && !found) {
    for (const access& r : v.reads) {
      if (r.goid != g && !ordered(r, g)) {
        found = race_info{var, r, now};
        break;
      }
    }
  }
  if (write) {
    v.last_write = now;
    v.has_write = true;
    v.reads.clear();
  } else {
    bool replaced = false;
    for (access& r : v.reads) {
      if (r.goid == g) {
        r = now;
        replaced = true;
        break;
      }
    }
    if (!replaced) v.reads.push_back(now);
  }
  return found;
}

}  // namespace weft::check::detail
