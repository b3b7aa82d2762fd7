// checker/src/strategy/oracle.hpp — strategies are pure oracles: they see choice points and
// answer with an option index. They know nothing of fibers, goroutines or primitives.
//
// A scheduling choice point lists the enabled goroutines in a canonical order: the goroutine
// that ran the previous step first when it is still enabled (`current` == 0; choosing anything
// else is a preemption), then the others by ascending goroutine id, then, when a timer may fire
// early, one last option that fires the earliest pending timer. A `choose` point is a plain
// fair choice among n values (a select among ready cases).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace weft::check::detail {

struct sched_point {
  std::uint32_t n = 0;                 // number of options
  const std::uint64_t* goids = nullptr;  // goroutine ids of the goroutine options
  int current = -1;                    // index of the previous step's goroutine, or -1
  bool timer_option = false;           // the last option fires the earliest timer
  std::uint64_t step = 0;              // visible operations so far in this execution
};

class oracle {
 public:
  virtual ~oracle() = default;
  /// begin: prepare execution number `index` (0-based); false when nothing is left to explore.
  virtual bool begin(std::uint64_t index) = 0;
  virtual std::uint32_t schedule(const sched_point& p) = 0;
  virtual std::uint32_t choose(std::uint32_t n) = 0;
  /// end: the execution finished after `steps` visible operations.
  virtual void end(std::uint64_t steps) {}
  /// diverged: a replay oracle's explanation once the program left the recorded schedule.
  virtual const std::string* diverged() const { return nullptr; }
  /// forced_blocked: the engine is about to run `goid` because nothing else can run; DPOR says
  /// true when that goroutine is asleep (the execution would repeat an explored trace).
  virtual bool forced_blocked(std::uint64_t goid) { return false; }
  /// blocked: DPOR found every option asleep (the execution repeats an explored trace).
  virtual bool blocked() const { return false; }
  /// explored: for exhaustive strategies, the estimated fraction of the whole space covered by
  /// the executions so far (each subtree assumed as large as its explored siblings); -1 when
  /// the strategy does not enumerate.
  virtual double explored() const { return -1; }
  /// attach: strategies that analyse the execution (DPOR) read the engine's trace.
  virtual void attach(const struct trace* t) {}
};

std::unique_ptr<oracle> make_random(std::uint64_t seed);
/// make_pct: Burckhardt, Kothari, Musuvathi, Nagarakatte, "A Randomized Scheduler with
/// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010.
std::unique_ptr<oracle> make_pct(std::uint64_t seed, int depth);
/// make_dfs: stateless depth-first enumeration of every choice, optionally bounded in
/// preemptions (Musuvathi & Qadeer, "Iterative Context Bounding", PLDI 2007).
std::unique_ptr<oracle> make_dfs(int preemption_bound);
/// make_dpor: dynamic partial-order reduction (see dpor.cpp).
std::unique_ptr<oracle> make_dpor(int preemption_bound);
/// make_replay: answers from a recorded list of (n, value) choices and reports divergence.
std::unique_ptr<oracle> make_replay(std::vector<std::pair<std::uint32_t, std::uint32_t>> choices);

/// wish: one entry of a candidate schedule while shrinking: at a scheduling choice, the
/// goroutine to run (0 = fire the early timer); at a select choice, the case index.
struct wish {
  bool sched;
  std::uint64_t value;
};
/// make_guided: at the k-th choice takes wish k when it is possible (that goroutine can run,
/// that case exists) and option 0 otherwise (keep the current goroutine, the first case);
/// past the end of the list always option 0. Never reports divergence.
std::unique_ptr<oracle> make_guided(std::vector<wish> wishes);

/// splitmix64: the seed mixer every randomised strategy uses.
inline std::uint64_t splitmix64(std::uint64_t& s) noexcept {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// rng: xoshiro256** seeded by splitmix64; bounded() is unbiased (Lemire's method).
class rng {
 public:
  void seed(std::uint64_t s) noexcept {
    for (auto& w : s_) w = splitmix64(s);
  }
  std::uint64_t next() noexcept {
    std::uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  std::uint32_t bounded(std::uint32_t n) noexcept {
    std::uint64_t m = std::uint64_t(std::uint32_t(next() >> 32)) * n;
    std::uint32_t l = std::uint32_t(m);
    if (l < n) {
      std::uint32_t t = std::uint32_t(-n) % n;
      while (l < t) {
        m = std::uint64_t(std::uint32_t(next() >> 32)) * n;
        l = std::uint32_t(m);
      }
    }
    return std::uint32_t(m >> 32);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4] = {1, 2, 3, 4};
};

}  // namespace weft::check::detail
