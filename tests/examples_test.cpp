// tests/examples_test.cpp — the example programs' logic (examples/*.hpp) under the schedule
// explorer and on every worker count.
//
// Each example's core runs as an explored body with small inputs: random and PCT sample a few
// hundred interleavings each, DPOR covers every inequivalent one (or every one within a
// preemption bound) where the space is small. The explorer fails an execution on deadlock, on a
// goroutine left blocked after the body returns (leak), on an escaping panic, and on a failed
// check::require (a wrong total). Two broken variants must be caught, and their tokens must
// replay the same failure step for step: philosophers that all take their left fork first, and
// a pipeline consumer that forgets to close done. The same functions also run on the production
// scheduler with 1, 2, 4 and 8 workers, with larger inputs and exact answers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>

#include "../examples/bank.hpp"
#include "../examples/crawler.hpp"
#include "../examples/philosophers.hpp"
#include "../examples/pipeline.hpp"
#include "../examples/prime_sieve.hpp"
#include "../examples/worker_pool.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

#if defined(WEFT_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace check = weft::check;

namespace {

check::options with(check::strategy s, std::uint64_t executions) {
  check::options o;
  o.strat = s;
  o.executions = executions;
  return o;
}

// Random and PCT sample this many executions each. Sanitizer builds (WEFT_TSAN / WEFT_ASAN,
// defined by -DWEFT_SANITIZE=...) make each execution dearer, ThreadSanitizer most of all (its
// fiber bookkeeping costs about half a millisecond per goroutine start), so they sample fewer
// and bound the largest DPOR spaces more tightly; they are there to catch memory errors, which
// a few schedules expose as well as many.
#if defined(WEFT_TSAN)
constexpr std::uint64_t sampled = 40;
constexpr bool sanitized = true;
#elif defined(WEFT_ASAN)
constexpr std::uint64_t sampled = 100;
constexpr bool sanitized = true;
#else
constexpr std::uint64_t sampled = 300;
constexpr bool sanitized = false;
#endif

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

// abandoned_executions: a scope around explorations that are meant to fail. A failed
// execution is abandoned, not unwound (as Go ends the program), so what its goroutines
// allocated stays allocated; LeakSanitizer (ASan builds) ignores what is allocated meanwhile.
struct abandoned_executions {
#if defined(WEFT_ASAN)
  __lsan::ScopedDisabler lsan_off;
#endif
};

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
  if (take >= n) check::require(s.sum == n * (n + 1) * (2 * n + 1) / 6, "sum of squares 1..n");
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

TEST(Pipeline, CancellationStopsEveryStage) {
  // The consumer stops after 2 of 6 values and closes done; sum_of_squares then waits for every
  // stage goroutine, so one that missed the cancellation would be a deadlock. Which squares
  // arrive first depends on the schedule: several different pairs must show up.
  std::set<std::vector<std::int64_t>> firsts;
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([&] { firsts.insert(pipeline_body(6, 3, 2).values); },
                            with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
  std::printf("  [explored] %zu different first pairs of squares\n", firsts.size());
  EXPECT_GT(firsts.size(), 3u);
}

// forgetful_consumer: takes one value, forgets to close done, and waits for the stages: the
// generator and the squarers stay blocked sending values nobody will take (in Go, without the
// wait, the same mistake leaks them). The explorer must report it.
void forgetful_consumer() {
  weft::wait_group stages;
  weft::chan<example::signal> done(0);
  weft::chan<std::int64_t> nums = example::gen(stages, done, 1, 4);
  std::vector<weft::chan<std::int64_t>> outs;
  for (int i = 0; i < 2; i++) outs.push_back(example::sq(stages, done, nums));
  weft::chan<std::int64_t> merged = example::merge(stages, done, std::move(outs));
  (void)merged.recv();
  stages.wait();  // never returns: nobody closed done
}

TEST(Pipeline, ForgettingToCancelIsCaughtAndReplayed) {
  [[maybe_unused]] abandoned_executions keep;
  auto r = check::explore(forgetful_consumer, with(check::strategy::random, sampled));
  ASSERT_EQ(r.kind, check::failure::deadlock) << r.report();
  EXPECT_EQ(r.executions, 1u);  // every schedule deadlocks
  std::string rep = r.report();
  EXPECT_NE(rep.find("sync.WaitGroup.Wait"), std::string::npos) << rep;
  EXPECT_NE(rep.find("pipeline.hpp"), std::string::npos) << rep;
  auto again = check::replay(forgetful_consumer, r.token);
  EXPECT_EQ(again.kind, check::failure::deadlock) << again.report();
  EXPECT_EQ(again.trace, r.trace);
}

TEST(Pipeline, EveryScheduleOfTinyPipelines) {
  // One value through one squarer: the whole space (sanitizer builds stop at two preemptions).
  // Two values, cancelled after one: every schedule with at most two preemptions (the
  // unbounded space is far larger).
  auto r = check::explore([] { pipeline_body(1, 1, 1); }, exhaustive(sanitized ? 2 : -1));
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
  // at most two preemptions (one in sanitizer builds).
  auto r = check::explore([] {
    check::require(example::first_primes(1) == std::vector<int>{2}, "2");
  }, exhaustive());
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  explored(r, "dpor, 1 prime");
  auto b = check::explore([] {
    check::require(example::first_primes(3) == std::vector<int>{2, 3, 5}, "2, 3, 5");
  }, exhaustive(sanitized ? 1 : 2));
  ASSERT_TRUE(b.ok()) << b.report();
  EXPECT_TRUE(b.exhausted);
  explored(b, "dpor, 3 primes, bounded preemptions");
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
  [[maybe_unused]] abandoned_executions keep;
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
  [[maybe_unused]] abandoned_executions keep;
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

// ---- crawler --------------------------------------------------------------------------------

// crawl_body: a crawl of a small fake web in virtual time. Whether the deadline passes before
// the crawl is done depends on the schedule; either way the pages found must be real, and a
// crawl that met no deadline must have found every page in reach.
struct crawl_outcomes {
  int complete = 0, cut_short = 0;
};

void crawl_body(int pages, int depth, int parallel, weft::duration timeout, crawl_outcomes& seen) {
  const example::fake_web web = example::make_web(pages);
  const std::string root = example::page_url(0);
  const std::set<std::string> want = example::reachable(web, root, depth);
  example::crawl_summary s = example::crawl_web(web, root, depth, parallel, timeout);
  for (const std::string& url : s.found) check::require(want.count(url) == 1, "a real page");
  if (s.deadline_hit) {
    seen.cut_short++;
  } else {
    check::require(s.found == want, "a crawl that met no deadline found every page in reach");
    check::require(s.cancelled == 0, "nothing was cut short");
    seen.complete++;
  }
}

check::options strict_timers(check::strategy strat) {
  check::options o = with(strat, sampled);
  o.timers = check::timer_mode::strict;
  return o;
}

TEST(Crawler, GenerousDeadlineAlwaysCompletes) {
  // Strict timers fire only when every goroutine is blocked (Go's synctest order): an hour of
  // virtual time is plenty for 10 pages at 1-3 ms each, in every schedule.
  using namespace std::chrono_literals;
  crawl_outcomes seen;
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([&] { crawl_body(12, 2, 2, 1h, seen); }, strict_timers(strat));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
  EXPECT_EQ(seen.complete, static_cast<int>(2 * sampled));
  EXPECT_EQ(seen.cut_short, 0);
}

TEST(Crawler, DeadlineRacesTheCrawl) {
  // In virtual time this crawl takes 13 or 14 ms, depending on which goroutines get the two
  // fetch slots first: a 13.5 ms deadline cuts some schedules short and not others.
  using namespace std::chrono_literals;
  crawl_outcomes seen;
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([&] { crawl_body(12, 2, 2, 13500us, seen); }, strict_timers(strat));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
  std::printf("  [explored] %d crawls completed, %d cut short\n", seen.complete, seen.cut_short);
  EXPECT_GT(seen.complete, 0);
  EXPECT_GT(seen.cut_short, 0);
}

TEST(Crawler, DeadlineFiringAtAnyMoment) {
  // Exploring timers (the default): the earliest pending timer may fire at any scheduling
  // point, so the hour-long deadline also expires in the middle of the crawl, as it would on a
  // machine slow enough. Every one of those schedules must still end cleanly: no goroutine left
  // waiting for a slot or a page, only real pages found.
  using namespace std::chrono_literals;
  crawl_outcomes seen;
  for (auto strat : {check::strategy::random, check::strategy::pct}) {
    auto r = check::explore([&] { crawl_body(12, 2, 2, 1h, seen); }, with(strat, sampled));
    ASSERT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.executions, sampled);
    explored(r, check::to_string(strat));
  }
  EXPECT_GT(seen.cut_short, 0);
}

TEST(Crawler, EveryScheduleOfATinyCrawl) {
  // Three pages, one hop, one fetch at a time, the deadline free to fire at any point: every
  // schedule with at most one preemption, timer firings included. (Sanitizer builds: two pages,
  // no preemption.)
  using namespace std::chrono_literals;
  crawl_outcomes seen;
  const int pages = sanitized ? 2 : 3;
  auto r = check::explore([&] { crawl_body(pages, 1, 1, 1h, seen); },
                          exhaustive(sanitized ? 0 : 1));
  ASSERT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(r.exhausted);
  EXPECT_GT(seen.complete, 0);
  EXPECT_GT(seen.cut_short, 0);
  explored(r, "dpor, bounded preemptions");
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
  EXPECT_EQ(full.taken, 2000);
  EXPECT_EQ(cut.taken, 10);
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

TEST_P(OnWorkers, Crawler) {
  using namespace std::chrono_literals;
  const example::fake_web web = example::make_web(100);
  const std::string root = example::page_url(0);
  example::crawl_summary s;
  weft::run([&] { s = example::crawl_web(web, root, 3, 8, 1h); }, cfg());
  EXPECT_FALSE(s.deadline_hit);
  EXPECT_EQ(s.found, example::reachable(web, root, 3));
  EXPECT_EQ(s.cancelled, 0);
}

TEST_P(OnWorkers, CrawlerDeadline) {
  // A deadline in the past: every fetch and every wait for a slot is cut short at once.
  using namespace std::chrono_literals;
  const example::fake_web web = example::make_web(100);
  example::crawl_summary s;
  weft::run([&] { s = example::crawl_web(web, example::page_url(0), 3, 8, -1ms); }, cfg());
  EXPECT_TRUE(s.deadline_hit);
  EXPECT_TRUE(s.found.empty());
  EXPECT_EQ(s.fetches, 0);
  EXPECT_EQ(s.cancelled, 1);  // the root, and nothing after it
}

INSTANTIATE_TEST_SUITE_P(Procs, OnWorkers, ::testing::Values(1, 2, 4, 8),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace
