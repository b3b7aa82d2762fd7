// checker/src/strategy/dpor.cpp — Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson,
// Sagonas, "Optimal Dynamic Partial Order Reduction", POPL 2014, Algorithm 1), stateless.
//
// The oracle keeps the stack of choice nodes of the current execution. After each execution it
// reads the engine's trace, computes happens-before between events (program order, spawn/wake
// causes, and the order of dependent events, see engine/trace.cpp), and for every reversible
// race e ⋖ e' adds one goroutine from the initials of notdep(e).e' to the backtrack set of the
// node before e, unless one is there already. The next execution replays the stack up to the
// deepest node with a backtrack goroutine neither explored nor asleep, and takes it.
//
// Sleep sets: a goroutine explored from a node sleeps in the nodes below it for as long as the
// events executed since are independent of its next event. When every option at a node is
// asleep the execution is redundant (it would repeat an explored trace) and is cut short;
// complete executions are then pairwise inequivalent, and together they cover every
// equivalence class (Mazurkiewicz trace) of the program.
//
// Choices that are not scheduling (a select's choose(), a node where a timer may fire early)
// are explored exhaustively: DPOR reduces only over interleavings.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/trace.hpp"
#include "hb/vclock.hpp"
#include "strategy/oracle.hpp"

namespace weft::check::detail {

namespace {

struct node {
  bool sched = true;
  bool full = false;                  // explore every option
  std::uint32_t n = 0;
  std::uint32_t chosen = 0;
  int current = -1;
  std::vector<std::uint64_t> ids;     // sched: goroutine per option (0 = timer)
  std::vector<event> next;            // sched: the next event of each option
  std::vector<std::uint64_t> backtrack;
  std::vector<std::uint64_t> done;
  std::vector<event> sleep;           // asleep here: goroutines with their next events
  std::size_t first_event = 0;        // trace index of the first event after this node
  int preemptions_before = 0;
};

bool has(const std::vector<std::uint64_t>& v, std::uint64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool asleep(const node& nd, std::uint64_t id) {
  for (const event& e : nd.sleep) {
    if (e.goid == id) return true;
  }
  return false;
}

class dpor_oracle final : public oracle {
 public:
  explicit dpor_oracle(int bound) : bound_(bound) {}

  void attach(const trace* t) override { tr_ = t; }

  bool begin(std::uint64_t index) override {
    pos_ = 0;
    blocked_ = false;
    preemptions_ = 0;
    if (index == 0) {
      stack_.clear();
      return true;
    }
    while (!stack_.empty()) {
      node& nd = stack_.back();
      if (advance(nd)) return true;
      stack_.pop_back();
    }
    return false;
  }

  std::uint32_t schedule(const sched_point& p) override {
    if (pos_ < stack_.size()) return replay(p.n);
    if (blocked_) return 0;  // redundant tail: runs to the end, adds no nodes
    node nd;
    nd.sched = true;
    nd.n = p.n;
    nd.current = p.current;
    nd.full = p.timer_option;
    nd.preemptions_before = preemptions_;
    const auto& ids = tr_->node_ids.back();
    nd.ids = ids;
    nd.next.resize(nd.n);
    for (std::uint32_t i = 0; i < nd.n; i++) {
      if (nd.ids[i] != 0 && nd.ids[i] < tr_->next.size()) nd.next[i] = tr_->next[nd.ids[i]];
    }
    inherit_sleep(nd);
    nd.first_event = tr_->events.size();
    // First choice: the current goroutine if it may run, else the first one awake.
    std::uint32_t pick = nd.n;
    for (std::uint32_t i = 0; i < nd.n; i++) {
      if (nd.ids[i] == 0 || !asleep(nd, nd.ids[i])) {
        pick = i;
        break;
      }
    }
    if (pick == nd.n) {
      block(0);
      return 0;
    }
    nd.chosen = pick;
    if (!nd.full) {
      nd.backtrack.push_back(nd.ids[pick]);
      nd.done.push_back(nd.ids[pick]);
    }
    count_preemption(nd);
    stack_.push_back(std::move(nd));
    pos_++;
    return pick;
  }

  std::uint32_t choose(std::uint32_t n) override {
    if (pos_ < stack_.size()) return replay(n);
    if (blocked_) return 0;
    node nd;
    nd.sched = false;
    nd.full = true;
    nd.n = n;
    nd.chosen = 0;
    nd.first_event = tr_->events.size();
    if (!stack_.empty()) nd.sleep = stack_.back().sleep;  // same step: nothing executed since
    stack_.push_back(std::move(nd));
    pos_++;
    return 0;
  }

  bool forced_blocked(std::uint64_t goid) override {
    if (blocked_) return true;
    // Only the nodes this execution has passed so far count.
    for (std::size_t i = std::min(pos_, stack_.size()); i-- > 0;) {
      const node& nd = stack_[i];
      if (!nd.sched) continue;
      for (const event& q : nd.sleep) {
        if (q.goid != goid) continue;
        for (std::size_t k = nd.first_event; k < tr_->events.size(); k++) {
          if (dependent(tr_->events[k], q, false)) return false;  // woke up since
        }
        block(0);
        return true;
      }
      return false;
    }
    return false;
  }

  // block: every option here is asleep; the rest of this execution repeats an explored trace.
  void block(int) {
    blocked_ = true;
    block_at_ = tr_->events.size();
  }

  void end(std::uint64_t) override {
    if (debug_) {
      std::fprintf(stderr, "exec%s:", blocked_ ? " (blocked)" : "");
      for (const event& e : tr_->events) {
        std::fprintf(stderr, " %llu:%s%s%s", (unsigned long long)e.goid,
                     e.kind == ek::op ? weft::to_string(e.o.kind) : e.kind == ek::start ? "start" : e.kind == ek::cont ? "cont" : "timer",
                     e.parked ? "(P)" : "", e.node >= 0 ? "*" : "");
      }
      std::fprintf(stderr, "\n  path:");
      for (const node& nd : stack_) {
        if (!nd.sched) continue;
        std::fprintf(stderr, " %llu[", (unsigned long long)nd.ids[nd.chosen]);
        for (const event& q : nd.sleep) std::fprintf(stderr, "z%llu", (unsigned long long)q.goid);
        std::fprintf(stderr, "]");
      }
      std::fprintf(stderr, "\n");
    }
    analyse();
  }
  // WEFT_DPOR_DEBUG=1 prints every execution's events, the chosen path with its sleep sets,
  // and each backtrack point a race adds.
  bool debug_ = std::getenv("WEFT_DPOR_DEBUG") != nullptr;
  bool blocked() const override { return blocked_; }

  double explored() const override {
    // As DFS, over the backtrack sets known so far (they only grow, so this overestimates).
    double done = 0, weight = 1;
    for (const node& nd : stack_) {
      double n = nd.full ? nd.n : static_cast<double>(std::max<std::size_t>(nd.backtrack.size(), 1));
      double before = nd.full ? nd.chosen : static_cast<double>(nd.done.size() - 1);
      done += weight * before / n;
      weight /= n;
    }
    return done + weight;
  }

 private:
  std::uint32_t replay(std::uint32_t n) {
    node& nd = stack_[pos_];
    // The prefix is deterministic: the same choices come back with the same option counts.
    std::uint32_t v = nd.chosen < n ? nd.chosen : 0;
    if (nd.sched) {
      count_preemption(nd);
      nd.first_event = tr_->events.size();
    }
    pos_++;
    return v;
  }

  void count_preemption(const node& nd) {
    if (nd.sched && nd.current >= 0 && nd.chosen != static_cast<std::uint32_t>(nd.current) &&
        nd.ids[nd.chosen] != 0) {
      preemptions_++;
    }
  }

  bool allowed(const node& nd, std::uint32_t i) const {
    if (bound_ < 0 || !nd.sched || nd.current < 0 || i == static_cast<std::uint32_t>(nd.current) ||
        nd.ids[i] == 0) {
      return true;
    }
    return nd.preemptions_before + 1 <= bound_;
  }

  // advance: move nd to its next unexplored option; false when there is none.
  bool advance(node& nd) {
    if (nd.full) {
      for (std::uint32_t v = nd.chosen + 1; v < nd.n; v++) {
        if (nd.sched && nd.ids[v] != 0 && asleep(nd, nd.ids[v])) continue;
        if (!allowed(nd, v)) continue;
        if (nd.sched) put_to_sleep(nd);
        nd.chosen = v;
        return true;
      }
      return false;
    }
    for (std::uint64_t id : nd.backtrack) {
      if (has(nd.done, id) || asleep(nd, id)) continue;
      auto it = std::find(nd.ids.begin(), nd.ids.end(), id);
      if (it == nd.ids.end()) continue;
      auto i = static_cast<std::uint32_t>(it - nd.ids.begin());
      if (!allowed(nd, i)) continue;
      put_to_sleep(nd);
      nd.chosen = i;
      nd.done.push_back(id);
      return true;
    }
    return false;
  }

  // The option just explored from nd sleeps there from now on.
  void put_to_sleep(node& nd) {
    std::uint64_t id = nd.ids[nd.chosen];
    if (id != 0 && !asleep(nd, id)) nd.sleep.push_back(nd.next[nd.chosen]);
  }

  // A new node inherits the sleepers of the node above whose next events are independent of
  // everything executed since that node, and that can still run.
  void inherit_sleep(node& nd) {
    if (stack_.empty()) return;
    const node* parent = nullptr;
    for (std::size_t i = stack_.size(); i-- > 0;) {
      if (stack_[i].sched) {
        parent = &stack_[i];
        break;
      }
    }
    if (!parent) return;
    for (const event& q : parent->sleep) {
      if (!has(nd.ids, q.goid)) continue;
      bool indep = true;
      for (std::size_t k = parent->first_event; k < tr_->events.size() && indep; k++) {
        if (dependent(tr_->events[k], q, false)) indep = false;
      }
      if (indep) nd.sleep.push_back(q);
    }
  }

  // ---- race analysis over the finished execution ----

  void analyse() {
    const auto& ev = tr_->events;
    const std::size_t m = blocked_ ? std::min(block_at_, ev.size()) : ev.size();
    clocks_.assign(m, vclock{});
    local_.assign(m, 0);
    last_of_.clear();
    std::vector<std::uint32_t> count;
    std::vector<std::size_t> cands;
    for (std::size_t j = 0; j < m; j++) {
      const event& e = ev[j];
      if (e.goid >= count.size()) count.resize(e.goid + 1, 0);
      if (e.goid >= last_of_.size()) last_of_.resize(e.goid + 1, SIZE_MAX);
      vclock c;
      if (last_of_[e.goid] != SIZE_MAX) c = clocks_[last_of_[e.goid]];
      if (e.cause != UINT32_MAX && e.cause < j) c.join(clocks_[e.cause]);
      if (e.kind == ek::timer) {
        // A timer firing when everyone is blocked comes after everything before it.
        for (std::size_t i = 0; i < j; i++) c.join(clocks_[i]);
      }
      // Dependent earlier events of other goroutines, latest first.
      cands.clear();
      for (std::size_t i = j; i-- > 0;) {
        if (ev[i].goid != e.goid && dependent(ev[i], e, true)) cands.push_back(i);
      }
      races_.clear();
      for (std::size_t i : cands) {
        if (c.get(ev[i].goid) < local_[i]) races_.push_back(i);  // not ordered via later ones
        c.join(clocks_[i]);
      }
      local_[j] = ++count[e.goid];
      c.set(e.goid, local_[j]);
      clocks_[j] = std::move(c);
      last_of_[e.goid] = j;
      for (std::size_t i : races_) on_race(i, j);  // needs clocks_[j]
    }
  }

  bool hb(std::size_t a, std::size_t b) const {  // event a happens before event b
    return clocks_[b].get(tr_->events[a].goid) >= local_[a];
  }

  void on_race(std::size_t i, std::size_t j) {
    const auto& ev = tr_->events;
    int ni = ev[i].node;
    if (ni < 0 || static_cast<std::size_t>(ni) >= stack_.size()) return;
    node& nd = stack_[static_cast<std::size_t>(ni)];
    if (!nd.sched || nd.full) return;
    // v = notdep(e_i).e_j; its initials are the goroutines whose first event in v has no
    // happens-before predecessor in v.
    initials_.clear();
    seen_.clear();
    vidx_.clear();
    auto consider = [&](std::size_t k) {
      std::uint64_t p = ev[k].goid;
      if (!has(seen_, p)) {
        seen_.push_back(p);
        bool initial = p != 0;
        for (std::size_t q : vidx_) {
          if (hb(q, k)) {
            initial = false;
            break;
          }
        }
        if (initial) initials_.push_back(p);
      }
      vidx_.push_back(k);
    };
    for (std::size_t k = i + 1; k < j; k++) {
      if (!hb(i, k)) consider(k);
    }
    consider(j);
    for (std::uint64_t p : initials_) {
      if (has(nd.backtrack, p)) return;
    }
    // Prefer e_j's own goroutine; any initial enabled at the node will do.
    std::uint64_t pick = 0;
    if (has(initials_, ev[j].goid) && has(nd.ids, ev[j].goid)) {
      pick = ev[j].goid;
    } else {
      for (std::uint64_t p : initials_) {
        if (has(nd.ids, p)) {
          pick = p;
          break;
        }
      }
    }
    if (debug_) std::fprintf(stderr, "  race %zu-%zu: node %d add %llu\n", i, j, ni, (unsigned long long)pick);
    if (pick != 0) {
      nd.backtrack.push_back(pick);
    } else {
      // No initial is enabled there (should not happen): fall back to every option.
      for (std::uint64_t id : nd.ids) {
        if (id != 0 && !has(nd.backtrack, id)) nd.backtrack.push_back(id);
      }
    }
  }

  int bound_;
  const trace* tr_ = nullptr;
  std::vector<node> stack_;
  std::size_t pos_ = 0;
  bool blocked_ = false;
  std::size_t block_at_ = 0;
  int preemptions_ = 0;
  std::vector<vclock> clocks_;
  std::vector<std::uint32_t> local_;
  std::vector<std::size_t> last_of_;
  std::vector<std::uint64_t> initials_, seen_;
  std::vector<std::size_t> vidx_;
  std::vector<std::size_t> races_;
};

}  // namespace

std::unique_ptr<oracle> make_dpor(int preemption_bound) {
  return std::make_unique<dpor_oracle>(preemption_bound);
}

}  // namespace weft::check::detail
