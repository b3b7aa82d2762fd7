// checker/src/strategy/strategies.cpp — random walk, PCT, bounded DFS and replay oracles.
//
// All four are deterministic functions of their seed/path and the choice points they are shown,
// which is what makes a schedule replayable from a token.
#include <algorithm>
#include <unordered_map>

#include "strategy/oracle.hpp"

namespace weft::check::detail {

namespace {

std::uint64_t execution_seed(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t s = seed ^ (index * 0xD1B54A32D192ED03ull);
  return splitmix64(s);
}

// ---- random walk: every option equally likely at every point --------------------------------

class random_oracle final : public oracle {
 public:
  explicit random_oracle(std::uint64_t seed) : seed_(seed) {}
  bool begin(std::uint64_t index) override {
    r_.seed(execution_seed(seed_, index));
    return true;
  }
  std::uint32_t schedule(const sched_point& p) override { return r_.bounded(p.n); }
  std::uint32_t choose(std::uint32_t n) override { return r_.bounded(n); }

 private:
  std::uint64_t seed_;
  rng r_;
};

// ---- PCT ------------------------------------------------------------------------------------
// Each goroutine gets a random priority >= d when first seen; the highest-priority enabled
// goroutine runs. d-1 change points, drawn uniformly from the first k steps (k: the longest
// execution seen so far), lower the running goroutine's priority to d-i at step k_i. A bug of
// depth d is found with probability at least 1/(n k^(d-1)) per execution. A pending early timer
// is a pseudo-goroutine (id 0) with a priority of its own.

class pct_oracle final : public oracle {
 public:
  pct_oracle(std::uint64_t seed, int depth) : seed_(seed), depth_(std::max(depth, 1)) {}

  bool begin(std::uint64_t index) override {
    r_.seed(execution_seed(seed_, index));
    prio_.clear();
    change_.clear();
    next_change_ = 0;
    for (int i = 1; i < depth_; i++) change_.push_back(1 + r_.next() % std::max<std::uint64_t>(k_, 1));
    std::sort(change_.begin(), change_.end());
    return true;
  }

  std::uint32_t schedule(const sched_point& p) override {
    while (next_change_ < change_.size() && p.step >= change_[next_change_]) {
      if (p.current >= 0) {
        // Priorities below every initial one: d-1, d-2, ... as change points pass.
        prio_[p.goids[p.current]] = static_cast<std::uint64_t>(depth_ - 1 - next_change_);
      }
      next_change_++;
    }
    std::uint32_t best = 0;
    std::uint64_t best_prio = 0;
    for (std::uint32_t i = 0; i < p.n; i++) {
      std::uint64_t id = (p.timer_option && i == p.n - 1) ? 0 : p.goids[i];
      std::uint64_t pr = priority(id);
      if (i == 0 || pr > best_prio) {
        best = i;
        best_prio = pr;
      }
    }
    return best;
  }

  std::uint32_t choose(std::uint32_t n) override { return r_.bounded(n); }
  void end(std::uint64_t steps) override { k_ = std::max(k_, steps); }

 private:
  std::uint64_t priority(std::uint64_t id) {
    auto it = prio_.find(id);
    if (it != prio_.end()) return it->second;
    // Distinct with overwhelming probability; always above the change-point priorities.
    std::uint64_t pr = static_cast<std::uint64_t>(depth_) + (r_.next() >> 8);
    prio_.emplace(id, pr);
    return pr;
  }

  std::uint64_t seed_;
  int depth_;
  std::uint64_t k_ = 32;
  rng r_;
  std::unordered_map<std::uint64_t, std::uint64_t> prio_;
  std::vector<std::uint64_t> change_;
  std::size_t next_change_ = 0;
};

// ---- DFS --------------------------------------------------------------------------------------
// The path of the previous execution is kept; the next execution replays it up to the deepest
// point with an untried allowed option, takes that option, and continues with first choices.
// Option 0 is "keep running the current goroutine", so non-preemptive schedules come first.

class dfs_oracle final : public oracle {
 public:
  explicit dfs_oracle(int bound) : bound_(bound) {}

  bool begin(std::uint64_t index) override {
    pos_ = 0;
    preemptions_ = 0;
    if (index == 0) {
      path_.clear();
      return true;
    }
    while (!path_.empty()) {
      node& b = path_.back();
      std::uint32_t v = b.v + 1;
      while (v < b.n && !allowed(b, v)) v++;
      if (v < b.n) {
        b.v = v;
        return true;
      }
      path_.pop_back();
    }
    return false;
  }

  std::uint32_t schedule(const sched_point& p) override {
    return pick(p.n, p.current, p.timer_option, true);
  }

  double explored() const override {
    // Subtrees left of the current path are done; the current leaf is done too.
    double done = 0, weight = 1;
    for (const node& b : path_) {
      std::uint32_t allowed_n = 0, before = 0;
      for (std::uint32_t v = 0; v < b.n; v++) {
        if (!allowed(b, v)) continue;
        allowed_n++;
        if (v < b.v) before++;
      }
      if (allowed_n == 0) continue;
      done += weight * before / allowed_n;
      weight /= allowed_n;
    }
    return done + weight;
  }
  std::uint32_t choose(std::uint32_t n) override { return pick(n, -1, false, false); }

 private:
  struct node {
    std::uint32_t n;
    std::uint32_t v;
    int current;
    bool timer_option;
    bool sched;
    int preemptions_before;
  };

  bool is_preemption(const node& b, std::uint32_t v) const {
    return b.sched && b.current >= 0 && v != static_cast<std::uint32_t>(b.current) &&
           !(b.timer_option && v == b.n - 1);
  }
  bool allowed(const node& b, std::uint32_t v) const {
    return bound_ < 0 || !is_preemption(b, v) || b.preemptions_before + 1 <= bound_;
  }

  std::uint32_t pick(std::uint32_t n, int current, bool timer_option, bool sched) {
    std::uint32_t v;
    if (pos_ < path_.size()) {
      node& b = path_[pos_];
      // A deterministic program offers the same choices along the same path.
      if (b.n != n) {
        b.n = n;
        if (b.v >= n) b.v = n - 1;
      }
      v = b.v;
      if (is_preemption(b, v)) preemptions_++;
    } else {
      node b{n, 0, current, timer_option, sched, preemptions_};
      v = 0;
      while (v < n && !allowed(b, v)) v++;
      if (v == n) v = 0;  // cannot happen: option 0 is never a preemption
      b.v = v;
      if (is_preemption(b, v)) preemptions_++;
      path_.push_back(b);
    }
    pos_++;
    return v;
  }

  int bound_;
  std::vector<node> path_;
  std::size_t pos_ = 0;
  int preemptions_ = 0;
};

// ---- replay -------------------------------------------------------------------------------------

class replay_oracle final : public oracle {
 public:
  explicit replay_oracle(std::vector<std::pair<std::uint32_t, std::uint32_t>> c)
      : choices_(std::move(c)) {}
  bool begin(std::uint64_t index) override {
    pos_ = 0;
    return index == 0;
  }
  std::uint32_t schedule(const sched_point& p) override { return next(p.n, "scheduling"); }
  std::uint32_t choose(std::uint32_t n) override { return next(n, "select"); }
  void end(std::uint64_t) override {
    if (!diverged_ && pos_ < choices_.size()) {
      diverged_ = true;
      why_ = "the program finished after " + std::to_string(pos_) + " of the " +
             std::to_string(choices_.size()) + " recorded choices";
    }
  }
  const std::string* diverged() const override { return diverged_ ? &why_ : nullptr; }

 private:
  std::uint32_t next(std::uint32_t n, const char* what) {
    if (diverged_) return 0;
    if (pos_ >= choices_.size()) {
      diverged_ = true;
      why_ = "at choice " + std::to_string(pos_ + 1) + " (" + what +
             ") the program asked for more choices than the token recorded (" +
             std::to_string(choices_.size()) + ")";
      return 0;
    }
    auto [rn, rv] = choices_[pos_];
    if (rn != n) {
      diverged_ = true;
      why_ = "at choice " + std::to_string(pos_ + 1) + " (" + what + ") the token recorded " +
             std::to_string(rn) + " options but the program offered " + std::to_string(n);
      return rv < n ? rv : 0;
    }
    pos_++;
    return rv;
  }

  std::vector<std::pair<std::uint32_t, std::uint32_t>> choices_;
  std::size_t pos_ = 0;
  bool diverged_ = false;
  std::string why_;
};

// ---- guided (shrinking) ------------------------------------------------------------------------

class guided_oracle final : public oracle {
 public:
  explicit guided_oracle(std::vector<wish> w) : wishes_(std::move(w)) {}
  bool begin(std::uint64_t index) override {
    pos_ = 0;
    return index == 0;
  }
  std::uint32_t schedule(const sched_point& p) override {
    std::uint32_t v = 0;
    if (pos_ < wishes_.size() && wishes_[pos_].sched) {
      std::uint64_t want = wishes_[pos_].value;
      if (want == 0 && p.timer_option) {
        v = p.n - 1;
      } else {
        std::uint32_t gor = p.n - (p.timer_option ? 1 : 0);
        for (std::uint32_t i = 0; i < gor; i++) {
          if (p.goids[i] == want) v = i;
        }
      }
    }
    pos_++;
    return v;
  }
  std::uint32_t choose(std::uint32_t n) override {
    std::uint32_t v = 0;
    if (pos_ < wishes_.size() && !wishes_[pos_].sched && wishes_[pos_].value < n) {
      v = static_cast<std::uint32_t>(wishes_[pos_].value);
    }
    pos_++;
    return v;
  }

 private:
  std::vector<wish> wishes_;
  std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<oracle> make_guided(std::vector<wish> w) {
  return std::make_unique<guided_oracle>(std::move(w));
}

std::unique_ptr<oracle> make_random(std::uint64_t seed) {
  return std::make_unique<random_oracle>(seed);
}
std::unique_ptr<oracle> make_pct(std::uint64_t seed, int depth) {
  return std::make_unique<pct_oracle>(seed, depth);
}
std::unique_ptr<oracle> make_dfs(int preemption_bound) {
  return std::make_unique<dfs_oracle>(preemption_bound);
}
std::unique_ptr<oracle> make_replay(std::vector<std::pair<std::uint32_t, std::uint32_t>> c) {
  return std::make_unique<replay_oracle>(std::move(c));
}

}  // namespace weft::check::detail
