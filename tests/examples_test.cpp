// tests/examples_test.cpp — the example programs' logic (examples/*.hpp) under the schedule
// explorer and on every worker count.
//
// Each example's core runs as an explored body with small inputs: random and PCT sample a few
// hundred interleavings each, DPOR covers every inequivalent one where the space is small. The
// explorer fails an execution on deadlock, on a goroutine left blocked after the body returns
// (leak), on an escaping panic, and on a failed check::require (a wrong total). One broken
// variant (philosophers that all take their left fork first) must be caught, and its token must
// replay the same deadlock. The same functions also run on the production scheduler with 1, 2,
// 4 and 8 workers, with larger inputs and exact answers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>

#include "../examples/bank.hpp"
#include "../examples/philosophers.hpp"
#include "../examples/pipeline.hpp"
#include "../examples/prime_sieve.hpp"
#include "../examples/worker_pool.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

check::options with(check::strategy s, std::uint64_t executions) {
  check::options o;
  o.strat = s;
  o.executions = executions;
  return o;
}

// Random and PCT sample this many executions each.
constexpr std::uint64_t sampled = 300;

// exhaustive: DPOR over every inequivalent interleaving (within `preemptions` preemptions when
// that is not -1); the tests below keep the spaces to at most a few thousand executions, so the
// bound on executions is only a safety net and the result must say "exhausted".
check::options exhaustive(int preemptions = -1) {
  check::options o = with(check::strategy::dpor, 100'000);
  o.preemption_bound = preemptions;
  return o;
}

// explored: the result line the test log shows for each exploration.
void explored(const check::result& r, const char* what) {
  std::printf("  [explored] %s: %llu executions%s\n", what,
              static_cast<unsigned long long>(r.executions), r.exhausted ? ", exhausted" : "");
}

// ---- worker pool ----------------------------------------------------------------------------

example::pool_summary worker_pool_body(int workers, int jobs) {
  example::pool_summary s = example::run_worker_pool(workers, jobs);
  check::require(s.results == jobs, "one result per job");
  check::require(s.total == example::expected_total(jobs), "total equals the sequential sum");
  int spread = std::accumulate(s.jobs_per_worker.begin(), s.jobs_per_worker.end(), 0);
  check::require(spread == jobs, "every job done by exactly one worker");
  return s;
}

TEST(WorkerPool, RandomAndPctSchedules) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] { worker_pool_body(3, 6); }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(WorkerPool, EveryScheduleOfASmallPool) {
  // Every inequivalent interleaving of 2 workers over 2 jobs. Which worker gets which job
  // depends on the schedule: all three splits must show up, each with the right total.
  std::set<std::vector<int>> splits;
  auto r = check::explore([&] { splits.insert(worker_pool_body(2, 2).jobs_per_worker); },
                          exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(splits, (std::set<std::vector<int>>{{0, 2}, {1, 1}, {2, 0}}));
  explored(r, "dpor");
}

// ---- pipeline -------------------------------------------------------------------------------

example::pipeline_summary pipeline_body(std::int64_t n, int squarers, std::int64_t take) {
  example::pipeline_summary s = example::sum_of_squares(n, squarers, take);
  const std::int64_t want_taken = take < n ? take : n;
  check::require(s.taken == want_taken, "the consumer got what it asked for");
  std::set<std::int64_t> roots;
  for (std::int64_t v : s.values) {
    auto root = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(v))));
    check::require(root >= 1 && root <= n && root * root == v, "every value is a square");
    check::require(roots.insert(root).second, "no number is squared twice");
  }
  if (take >= n) {
    check::require(s.sum == n * (n + 1) * (2 * n + 1) / 6, "sum of squares 1..n");
    check::require(s.in_flight == 0, "nothing after the end");
  }
  check::require(s.taken + s.in_flight <= n, "no value is invented");
  return s;
}

TEST(Pipeline, RandomAndPctSchedulesRunToTheEnd) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] { pipeline_body(5, 2, 5); }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(Pipeline, CancellationLeavesNoGoroutineBehind) {
  // The consumer stops after 2 of 6 values and closes done; the explorer's leak check fails
  // any execution that leaves a stage blocked. Values still in flight when done closed reach
  // the drain in some schedules and not in others: both must happen.
  int with_stragglers = 0, without = 0;
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([&] {
      example::pipeline_summary s = pipeline_body(6, 3, 2);
      (s.in_flight > 0 ? with_stragglers : without)++;
    }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
  EXPECT_GT(with_stragglers, 0);
  EXPECT_GT(without, 0);
}

// go_blog_consumer: Go's blog shape exactly: take one value, close done, return without
// draining anything. Every stage must still return on its own.
void go_blog_consumer() {
  weft::chan<example::signal> done(0);
  weft::chan<std::int64_t> nums = example::gen(done, 1, 4);
  std::vector<weft::chan<std::int64_t>> outs;
  for (int i = 0; i < 2; i++) outs.push_back(example::sq(done, nums));
  weft::chan<std::int64_t> merged = example::merge(done, std::move(outs));
  std::int64_t v = merged.recv();
  check::require(v == 1 || v == 4 || v == 9 || v == 16, "a square of 1..4");
  done.close();
}

TEST(Pipeline, ConsumerThatJustLeavesLeaksNothing) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(go_blog_consumer, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(Pipeline, EveryScheduleOfTinyPipelines) {
  // One value through one squarer: the whole space. Two values, cancelled after one: every
  // schedule with at most two preemptions (the unbounded space has about a quarter million).
  auto r = check::explore([] { pipeline_body(1, 1, 1); }, exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  explored(r, "dpor, n=1");
  auto c = check::explore([] { pipeline_body(2, 1, 1); }, exhaustive(2));
  ASSERT_TRUE(c.ok()) << c.report();
  EXPECT_TRUE(c.exhausted);
  explored(c, "dpor, n=2 cancelled, <= 2 preemptions");
}

// ---- prime sieve ----------------------------------------------------------------------------

TEST(PrimeSieve, RandomAndPctSchedules) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] {
      check::require(example::first_primes(6) == std::vector<int>{2, 3, 5, 7, 11, 13},
                     "the first six primes");
    }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(PrimeSieve, EveryScheduleOfShortChains) {
  // One prime: the whole space. Three primes (a chain of four goroutines): every schedule with
  // at most two preemptions.
  auto r = check::explore([] {
    check::require(example::first_primes(1) == std::vector<int>{2}, "2");
  }, exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  explored(r, "dpor, 1 prime");
  auto b = check::explore([] {
    check::require(example::first_primes(3) == std::vector<int>{2, 3, 5}, "2, 3, 5");
  }, exhaustive(2));
  ASSERT_TRUE(b.ok()) << b.report();
  EXPECT_TRUE(b.exhausted);
  explored(b, "dpor, 3 primes, <= 2 preemptions");
}

// ---- philosophers ---------------------------------------------------------------------------

void dine_body(int n, int meals, example::pickup order) {
  example::dinner_summary s = example::dine(n, meals, order);
  for (int m : s.meals) check::require(m == meals, "everyone ate");
  for (int u : s.fork_uses) check::require(u == 2 * meals, "every fork served two per meal");
}

TEST(Philosophers, OrderedForksNeverDeadlock) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] { dine_body(4, 2, example::pickup::ordered); },
                            with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(Philosophers, OrderedForksNeverDeadlockInAnySchedule) {
  auto r = check::explore([] { dine_body(3, 2, example::pickup::ordered); }, exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  explored(r, "dpor");
}

void naive_dinner() { dine_body(3, 1, example::pickup::left_first); }

TEST(Philosophers, LeftForkFirstDeadlockIsFoundAndReplayed) {
  // The deadlock needs all three to hold their left fork before any takes its right one: a
  // few percent of random schedules, so 2000 executions miss it with odds far below one in a
  // million; PCT's priority changes find it quickly too.
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore(naive_dinner, with(strat, 2000));
    ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
    EXPECT_NE(r.message.find("all goroutines are asleep - deadlock!"), std::string::npos)
        << r.message;
    std::string rep = r.report();
    EXPECT_NE(rep.find("sync.Mutex.Lock"), std::string::npos) << rep;
    EXPECT_NE(rep.find("philosophers.hpp"), std::string::npos) << rep;
    EXPECT_NE(rep.find("WEFT_REPLAY=" + r.token), std::string::npos) << rep;
    ASSERT_FALSE(r.token.empty());
    std::printf("  [explored] %s found the deadlock after %llu executions: %s\n",
                check::to_string(strat), static_cast<unsigned long long>(r.executions),
                r.token.c_str());

    auto again = check::replay(naive_dinner, r.token);
    EXPECT_EQ(again.kind, check::failure::deadlock) << again.report();
    EXPECT_EQ(again.message, r.message);
    EXPECT_EQ(again.token, r.token);
    EXPECT_EQ(again.trace, r.trace);  // step for step the same execution
  }
}

TEST(Philosophers, LeftForkFirstDeadlockIsFoundExhaustively) {
  auto r = check::explore(naive_dinner, exhaustive());
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  auto again = check::replay(naive_dinner, r.token);
  EXPECT_EQ(again.kind, check::failure::deadlock) << again.report();
}

// ---- bank -----------------------------------------------------------------------------------

void bank_body(int accounts, int tellers, int per_teller, int audits) {
  example::bank_summary s = example::run_bank(accounts, tellers, per_teller, audits);
  check::require(s.closing_total == s.opening_total, "money is conserved");
  check::require(s.audits == audits && s.audits_balanced == audits, "every audit balanced");
  check::require(s.transfers + s.rejected == tellers * per_teller, "every attempt counted");
}

TEST(Bank, RandomAndPctSchedules) {
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([] { bank_body(3, 3, 3, 2); }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
}

TEST(Bank, EveryScheduleOfConcurrentTransfers) {
  // Two accounts, two tellers with one transfer each (opposite directions in some runs: the
  // classic AB-BA deadlock without the lock order), one audit; then three accounts, two
  // tellers with two transfers each.
  auto r = check::explore([] { bank_body(2, 2, 1, 1); }, exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  explored(r, "dpor, 2 accounts");
  auto b = check::explore([] { bank_body(3, 2, 2, 1); }, exhaustive());
  ASSERT_TRUE(b.ok()) << b.report();
  EXPECT_TRUE(b.exhausted);
  explored(b, "dpor, 3 accounts");
}

// ---- the same code on the production scheduler ----------------------------------------------

class OnWorkers : public ::testing::TestWithParam<int> {
 protected:
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(OnWorkers, WorkerPool) {
  example::pool_summary s;
  weft::run([&] { s = example::run_worker_pool(8, 5000); }, cfg());
  EXPECT_EQ(s.results, 5000);
  EXPECT_EQ(s.total, example::expected_total(5000));
}

TEST_P(OnWorkers, Pipeline) {
  example::pipeline_summary full, cut;
  weft::run([&] {
    full = example::sum_of_squares(2000, 4, 2000);
    cut = example::sum_of_squares(2000, 4, 10);
  }, cfg());
  EXPECT_EQ(full.sum, std::int64_t{2000} * 2001 * 4001 / 6);
  EXPECT_EQ(full.in_flight, 0);
  EXPECT_EQ(cut.taken, 10);
  EXPECT_LE(cut.taken + cut.in_flight, 2000);
}

TEST_P(OnWorkers, PrimeSieve) {
  std::vector<int> primes;
  weft::run([&] { primes = example::first_primes(200); }, cfg());
  EXPECT_EQ(primes, example::primes_by_trial_division(200));
  EXPECT_EQ(primes.back(), 1223);
}

TEST_P(OnWorkers, Philosophers) {
  example::dinner_summary s;
  weft::run([&] { s = example::dine(5, 500); }, cfg());
  EXPECT_EQ(s.meals, std::vector<int>(5, 500));
  EXPECT_EQ(s.fork_uses, std::vector<int>(5, 1000));
}

TEST_P(OnWorkers, Bank) {
  example::bank_summary s;
  weft::run([&] { s = example::run_bank(10, 8, 1000, 50); }, cfg());
  EXPECT_EQ(s.closing_total, s.opening_total);
  EXPECT_EQ(s.audits_balanced, 50);
  EXPECT_EQ(s.transfers + s.rejected, 8000);
}

INSTANTIATE_TEST_SUITE_P(Procs, OnWorkers, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace
