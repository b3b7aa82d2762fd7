// tests/runtime_fatal_test.cpp — Go's fatal exits, checked as death tests on 1, 2 and 4 workers:
// an exception escaping a goroutine ("panic: <what>" + goroutine dump, exit 2), every goroutine
// blocked forever ("fatal error: all goroutines are asleep - deadlock!" + dump naming each
// goroutine's wait reason and the file:line where it blocked, exit 2), and a goroutine stack
// overflow ("fatal error: stack overflow" naming the goroutine, exit 2).
//
// The runtime is multi-threaded, so every death test uses the "threadsafe" style: the child
// re-executes this binary and runs only the dying test, instead of forking a process whose other
// threads would be missing.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

// ---- a matcher for the child's stderr: every regex must match somewhere --------------------
// (gtest's POSIX extended regexes: "[^\n]*" — a real newline in the brackets — stays on one line.)

class all_regexes final : public ::testing::MatcherInterface<const std::string&> {
 public:
  explicit all_regexes(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}

  bool MatchAndExplain(const std::string& text,
                       ::testing::MatchResultListener* listener) const override {
    bool ok = true;
    for (const std::string& p : patterns_) {
      ::testing::Matcher<const std::string&> m = ::testing::ContainsRegex(p);
      if (!m.Matches(text)) {
        *listener << "\n  missing: /" << p << "/";
        ok = false;
      }
    }
    return ok;
  }
  void DescribeTo(std::ostream* os) const override {
    *os << "matches all of:";
    for (const std::string& p : patterns_) *os << "\n  /" << p << "/";
  }

 private:
  std::vector<std::string> patterns_;
};

::testing::Matcher<const std::string&> stderr_has(std::vector<std::string> patterns) {
  return ::testing::MakeMatcher(new all_regexes(std::move(patterns)));
}

// ---- the programs that die -------------------------------------------------------------------

// The blocking calls of the deadlock programs sit on known lines: the dump must name them.
void park_on_wait_group(weft::wait_group& wg) {
  wg.wait();
}
constexpr unsigned wait_line = __LINE__ - 2;  // the wg.wait() above

void park_on_mutex(weft::mutex& mu) {
  mu.lock();
}
constexpr unsigned lock_line = __LINE__ - 2;  // the mu.lock() above

// main locks mu, starts goroutine 2 which blocks locking it, then waits for goroutine 2.
void deadlock_program(int procs) {
  weft::config c;
  c.procs = procs;
  weft::run([] {
    weft::mutex mu;
    weft::wait_group wg;
    mu.lock();
    wg.add(1);
    weft::go([&] {
      park_on_mutex(mu);
      wg.done();
    });
    park_on_wait_group(wg);
  }, c);
}

// Goroutine 1 alone, waiting for a done() that nobody will call.
void lonely_wait_program(int procs) {
  weft::config c;
  c.procs = procs;
  weft::run([] {
    weft::wait_group wg;
    wg.add(1);
    park_on_wait_group(wg);
  }, c);
}

// Unbounded recursion with a frame the compiler cannot elide; `limit` is never reached.
volatile int recursion_limit = 1 << 30;
int recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth >= recursion_limit) return frame[0];
  return recurse(depth + 1) + frame[0];
}

void overflow_program(int procs) {
  weft::config c;
  c.procs = procs;
  c.stack_size = 64 * 1024;
  weft::run([] {
    weft::wait_group wg;
    wg.add(1);
    weft::go([&] {
      (void)recurse(0);
      wg.done();
    });
    wg.wait();
  }, c);
}

// ---- the tests ---------------------------------------------------------------------------------

class Fatal : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  weft::config cfg() const {
    weft::config c;
    c.procs = GetParam();
    return c;
  }
};

TEST_P(Fatal, PanicErrorEscapingMainIsGoPanic) {
  weft::config c = cfg();
  EXPECT_EXIT(weft::run([] { throw weft::panic_error("boom"); }, c),
              ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)panic: boom\n\ngoroutine 1 \\[running\\]:\n",
                          "started by weft::run at [^\n]*runtime_fatal_test\\.cpp:[0-9]+\n"}));
}

TEST_P(Fatal, StdExceptionEscapingMainIsGoPanic) {
  weft::config c = cfg();
  EXPECT_EXIT(weft::run([] { throw std::runtime_error("disk on fire"); }, c),
              ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)panic: disk on fire \\[std::runtime_error\\]\n\n"
                          "goroutine 1 \\[running\\]:\n"}));
}

TEST_P(Fatal, MisusePanicEscapingIsGoPanic) {
  // An unrecovered misuse panic ends the program with the primitive's Go message.
  weft::config c = cfg();
  EXPECT_EXIT(weft::run([] {
                weft::wait_group wg;
                wg.done();
              }, c),
              ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)panic: sync: negative WaitGroup counter\n\n"
                          "goroutine 1 \\[running\\]:\n"}));
}

TEST_P(Fatal, PanicInOtherGoroutineEndsTheProgram) {
  // Goroutine 2 panics while main waits for it: the whole program dies, naming goroutine 2 as
  // the one running, and the dump still lists main.
  weft::config c = cfg();
  EXPECT_EXIT(weft::run([] {
                weft::wait_group wg;
                wg.add(1);
                weft::go([&] {
                  throw weft::panic_error("worker failed");
                  wg.done();
                });
                wg.wait();
              }, c),
              ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)panic: worker failed\n\ngoroutine 2 \\[running\\]:\n",
                          "created by goroutine 1 at [^\n]*runtime_fatal_test\\.cpp:[0-9]+\n",
                          "(^|\n)goroutine 1 \\["}));
}

TEST_P(Fatal, DeadlockDumpsEveryGoroutineWithWhereItBlocked) {
  const int procs = GetParam();
  const std::string wl = std::to_string(wait_line), ll = std::to_string(lock_line);
  EXPECT_EXIT(deadlock_program(procs), ::testing::ExitedWithCode(2),
              stderr_has({
                  "(^|\n)fatal error: all goroutines are asleep - deadlock!\n\n",
                  "goroutine 1 \\[sync\\.WaitGroup\\.Wait, on 0x[0-9a-f]+\\]:\n"
                  "\tblocked at [^\n]*runtime_fatal_test\\.cpp:" + wl + "\n"
                  "\t\tin [^\n]*park_on_wait_group",
                  "goroutine 2 \\[sync\\.Mutex\\.Lock, on 0x[0-9a-f]+\\]:\n"
                  "\tblocked at [^\n]*runtime_fatal_test\\.cpp:" + ll + "\n"
                  "\t\tin [^\n]*park_on_mutex[^\n]*\n"
                  "\tcreated by goroutine 1 at [^\n]*runtime_fatal_test\\.cpp:[0-9]+\n",
              }));
}

TEST_P(Fatal, LoneGoroutineWaitingForeverIsDeadlock) {
  const int procs = GetParam();
  EXPECT_EXIT(lonely_wait_program(procs), ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)fatal error: all goroutines are asleep - deadlock!\n\n"
                          "goroutine 1 \\[sync\\.WaitGroup\\.Wait, on 0x[0-9a-f]+\\]:\n"
                          "\tblocked at [^\n]*runtime_fatal_test\\.cpp:" +
                          std::to_string(wait_line) + "\n"}));
}

TEST_P(Fatal, StackOverflowNamesTheGoroutine) {
  const int procs = GetParam();
  EXPECT_EXIT(overflow_program(procs), ::testing::ExitedWithCode(2),
              stderr_has({"(^|\n)runtime: goroutine stack exceeds 65536-byte limit\n",
                          "(^|\n)fatal error: stack overflow\n\ngoroutine 2 \\[running\\]:\n"}));
}

INSTANTIATE_TEST_SUITE_P(Procs, Fatal, ::testing::Values(1, 2, 4),
                         [](const auto& info) { return "procs" + std::to_string(info.param); });

}  // namespace
