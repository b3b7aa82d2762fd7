// tests/race_test.cpp — the built-in happens-before detector on shared<T>, one program per
// edge of the Go memory model: each race program must be reported (with both accesses and the
// variable's creation site), each race-free program must never be, under DPOR (every
// inequivalent interleaving) and under random schedules.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "weft/atomic.hpp"
#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using check::shared;

namespace {

struct program {
  const char* name;
  bool racy;
  std::function<void()> body;
};

// Each body runs as main; `x` is the variable whose accesses matter.
const program programs[] = {
    // ---- races ----
    {"unsynchronised writes", true,
     [] {
       shared<int> x(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); wg.done(); });
       x.store(2);
       wg.wait();
     }},
    {"read in parent while child writes", true,
     [] {
       shared<int> x(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); wg.done(); });
       (void)x.load();
       wg.wait();
     }},
    {"write after unlock", true,
     [] {
       shared<int> x(0);
       weft::mutex mu;
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] {
         mu.lock();
         mu.unlock();
         x.store(1);  // outside the critical section
         wg.done();
       });
       mu.lock();
       (void)x.load();
       mu.unlock();
       wg.wait();
     }},
    {"different mutexes", true,
     [] {
       shared<int> x(0);
       weft::mutex a, b;
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] {
         { std::lock_guard<weft::mutex> l(a); x.store(1); }
         wg.done();
       });
       { std::lock_guard<weft::mutex> l(b); x.store(2); }
       wg.wait();
     }},
    {"read before wait_group wait", true,
     [] {
       shared<int> x(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); wg.done(); });
       (void)x.load();  // before wg.wait()
       wg.wait();
     }},
    {"write after done", true,
     [] {
       shared<int> x(0);
       weft::wait_group wg, alive;
       wg.add(1);
       alive.add(1);  // keeps the body (and x) alive until the worker is done with them
       weft::go([&] { wg.done(); x.store(1); alive.done(); });
       wg.wait();
       (void)x.load();
       alive.wait();
     }},
    {"writes under read locks", true,
     [] {
       shared<int> x(0);
       weft::rw_mutex rw;
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { rw.lock_shared(); x.store(1); rw.unlock_shared(); wg.done(); });
       rw.lock_shared();
       x.store(2);
       rw.unlock_shared();
       wg.wait();
     }},
    {"flag on another atomic", true,
     [] {
       shared<int> x(0);
       weft::atomic<int> flag(0), other(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); flag.store(1); wg.done(); });
       if (other.load() == 0) (void)x.load();
       wg.wait();
     }},
    {"len polling synchronises nothing", true,
     [] {
       shared<int> x(0);
       weft::chan<int> c(1);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); c.send(1); wg.done(); });
       if (c.len() == 1) (void)x.load();
       wg.wait();
     }},
    {"select default takes no edge", true,
     [] {
       shared<int> x(0);
       weft::chan<int> c(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); wg.done(); });
       weft::select(weft::on_recv(c, [](int) {}), weft::on_default([] {}));
       (void)x.load();
       wg.wait();
     }},
    {"buffered send does not order an earlier recv's successor", true,
     [] {
       shared<int> x(0);
       weft::chan<int> c(2);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { c.send(1); x.store(1); wg.done(); });
       (void)c.recv();
       (void)x.load();  // the send happened before the recv, but the store after the send
       wg.wait();
     }},
    {"once body races with a caller that skips it", true,
     [] {
       shared<int> x(0);
       weft::once o;
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { o.call([&] { x.store(1); }); wg.done(); });
       x.store(2);  // not through the once
       wg.wait();
     }},
    // ---- no races ----
    {"go statement", false,
     [] {
       shared<int> x(0);
       weft::wait_group wg;
       x.store(1);
       wg.add(1);
       weft::go([&] { (void)x.load(); wg.done(); });
       wg.wait();
     }},
    {"mutex", false,
     [] {
       shared<int> x(0);
       weft::mutex mu;
       weft::wait_group wg;
       wg.add(2);
       for (int i = 0; i < 2; i++) {
         weft::go([&] {
           { std::lock_guard<weft::mutex> l(mu); x.store(x.load() + 1); }
           wg.done();
         });
       }
       wg.wait();
       (void)x.load();
     }},
    {"wait_group done then wait", false,
     [] {
       shared<int> x(0);
       weft::wait_group wg;
       wg.add(2);
       weft::go([&] { x.store(1); wg.done(); });
       weft::go([&] { wg.done(); });
       wg.wait();
       (void)x.load();
     }},
    {"unbuffered send before recv completes", false,
     [] {
       shared<int> x(0);
       weft::chan<int> c(0);
       weft::go([&x, c] { x.store(1); c.send(1); });  // handles by value: c outlives the body
       (void)c.recv();
       (void)x.load();
     }},
    {"unbuffered recv before send completes", false,
     [] {
       shared<int> x(0);
       weft::chan<int> c(0);
       weft::chan<int> done(0);
       weft::go([&x, c, done] { (void)c.recv(); (void)x.load(); done.send(1); });
       x.store(1);
       c.send(1);
       (void)done.recv();
     }},
    {"buffered k-th send before k-th recv", false,
     [] {
       shared<int> x(0);
       weft::chan<int> c(3);
       weft::go([&x, c] { c.send(0); x.store(1); c.send(1); });
       (void)c.recv();
       (void)c.recv();
       (void)x.load();
     }},
    {"buffered channel as a semaphore (k-th recv before k+cap-th send)", false,
     [] {
       shared<int> x(0);
       weft::chan<int> sem(1);
       weft::wait_group wg;
       wg.add(2);
       for (int i = 0; i < 2; i++) {
         weft::go([&] {
           sem.send(0);  // acquire
           x.store(x.load() + 1);
           (void)sem.recv();  // release
           wg.done();
         });
       }
       wg.wait();
     }},
    {"close before a recv that sees it", false,
     [] {
       shared<int> x(0);
       weft::chan<int> c(0);
       weft::go([&x, c] { x.store(1); c.close(); });
       auto [v, ok] = c.recv_ok();
       (void)v;
       (void)ok;
       (void)x.load();
     }},
    {"range over a closed channel", false,
     [] {
       shared<int> x(0);
       weft::chan<int> c(2);
       weft::go([&x, c] {
         c.send(1);
         x.store(5);
         c.close();
       });
       for (int v : c) (void)v;
       (void)x.load();
     }},
    {"rw_mutex writer then readers", false,
     [] {
       shared<int> x(0);
       weft::rw_mutex rw;
       weft::wait_group wg;
       wg.add(3);
       weft::go([&] { rw.lock(); x.store(1); rw.unlock(); wg.done(); });
       for (int i = 0; i < 2; i++) {
         weft::go([&] { rw.lock_shared(); (void)x.load(); rw.unlock_shared(); wg.done(); });
       }
       wg.wait();
     }},
    {"rw_mutex readers then writer", false,
     [] {
       shared<int> x(0);
       weft::rw_mutex rw;
       weft::wait_group wg;
       wg.add(2);
       weft::go([&] { rw.lock_shared(); (void)x.load(); rw.unlock_shared(); wg.done(); });
       weft::go([&] { rw.lock(); x.store(2); rw.unlock(); wg.done(); });
       wg.wait();
     }},
    {"once", false,
     [] {
       shared<int> x(0);
       weft::once o;
       weft::wait_group wg;
       wg.add(2);
       for (int i = 0; i < 2; i++) {
         weft::go([&] { o.call([&] { x.store(1); }); (void)x.load(); wg.done(); });
       }
       wg.wait();
     }},
    {"cond signal", false,
     [] {
       shared<int> x(0);
       weft::mutex mu;
       weft::cond cv(mu);
       bool ready = false;
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] {
         mu.lock();
         while (!ready) cv.wait();
         (void)x.load();
         mu.unlock();
         wg.done();
       });
       mu.lock();
       x.store(1);
       ready = true;
       cv.signal();
       mu.unlock();
       wg.wait();
     }},
    {"atomic flag publishes", false,
     [] {
       shared<int> x(0);
       weft::atomic<int> flag(0);
       weft::wait_group wg;
       wg.add(1);
       weft::go([&] { x.store(1); flag.store(1); wg.done(); });
       if (flag.load() == 1) (void)x.load();
       wg.wait();
     }},
    {"select receive synchronises like a receive", false,
     [] {
       shared<int> x(0);
       weft::chan<int> a(0), b(0);
       weft::go([&x, a] { x.store(1); a.send(1); });
       weft::select(weft::on_recv(a, [&](int) { (void)x.load(); }),
                    weft::on_recv(b, [](int) {}));
     }},
};

class Races : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Races, DetectedExactlyWhenRacy) {
  const program& p = programs[GetParam()];
  for (auto strat : {check::strategy::dpor, check::strategy::random}) {
    check::options o;
    o.strat = strat;
    o.executions = 2000;
    auto r = check::explore(p.body, o);
    if (p.racy) {
      ASSERT_EQ(r.kind, check::failure::race) << p.name << "\n" << r.report();
      std::string rep = r.report();
      EXPECT_NE(rep.find("data race on shared#1 (created at"), std::string::npos) << rep;
      EXPECT_NE(rep.find("race_test.cpp"), std::string::npos) << rep;
      EXPECT_NE(rep.find("previous"), std::string::npos) << rep;
      // The race replays from its token.
      auto again = check::replay(p.body, r.token);
      EXPECT_EQ(again.kind, check::failure::race) << p.name << "\n" << again.report();
    } else {
      EXPECT_TRUE(r.ok()) << p.name << " (" << check::to_string(strat) << ")\n" << r.report();
    }
  }
}

std::string name_of(const ::testing::TestParamInfo<std::size_t>& info) {
  std::string n = (programs[info.param].racy ? "race_" : "ok_") + std::string(programs[info.param].name);
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Programs, Races,
                         ::testing::Range<std::size_t>(0, sizeof(programs) / sizeof(programs[0])),
                         name_of);

}  // namespace
