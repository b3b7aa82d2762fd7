// examples/crawler.cpp — a bounded concurrent web crawler with a deadline, over a fake web.
//
// Shows: a goroutine per link joined by a wait_group, a buffered channel as a counting
// semaphore bounding the fetches in flight, a visited map under a mutex, simulated network
// latency with weft::timer raced against ctx.done() in a select, and weft::with_timeout: one
// context deadline that stops every fetch and every wait for a slot. Run 1 has time to spare and
// must find exactly the pages within the depth limit (checked by a breadth-first search); run 2
// gets a deadline far too short and stops early with what it has. The crawler is in crawler.hpp,
// which tests/examples_test.cpp also runs under the schedule explorer (in virtual time, where
// the deadline fires early or late as the explorer chooses).
//
// Usage: crawler [pages] [depth] [parallel]   (defaults: 300 pages, depth 4, 8 fetches at once)
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "crawler.hpp"

namespace {

using namespace std::chrono_literals;

struct timed_crawl {
  example::crawl_summary s;
  weft::duration took{};
};

bool report(const char* name, weft::duration timeout, const timed_crawl& c,
            const std::set<std::string>& want) {
  bool subset = true;
  for (const std::string& url : c.s.found) subset = subset && want.count(url) == 1;
  // Without the deadline the crawl must be complete; with it, whatever it found must be real.
  const bool ok = subset && (c.s.deadline_hit || c.s.found == want);
  const auto ms = [](weft::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  std::printf("  %s (deadline %.0f ms): found %zu of the %zu pages in %.1f ms; %d fetches, %d dead "
              "links, %d cut short; deadline hit: %s %s\n",
              name, ms(timeout), c.s.found.size(), want.size(), ms(c.took), c.s.fetches,
              c.s.dead_links, c.s.cancelled, c.s.deadline_hit ? "yes" : "no", ok ? "OK" : "WRONG");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const int pages = argc > 1 ? std::atoi(argv[1]) : 300;
  const int depth = argc > 2 ? std::atoi(argv[2]) : 4;
  const int parallel = argc > 3 ? std::atoi(argv[3]) : 8;
  if (pages < 1 || depth < 0 || parallel < 1) {
    std::fprintf(stderr, "usage: crawler [pages >= 1] [depth >= 0] [parallel >= 1]\n");
    return 1;
  }

  const example::fake_web web = example::make_web(pages);
  const std::string root = example::page_url(0);
  const std::set<std::string> want = example::reachable(web, root, depth);
  const weft::duration generous = 2s, tight = 10ms;

  timed_crawl full, cut;
  weft::run([&] {
    weft::time_point t0 = weft::now();
    full.s = example::crawl_web(web, root, depth, parallel, generous);
    full.took = weft::since(t0);
    t0 = weft::now();
    cut.s = example::crawl_web(web, root, depth, parallel, tight);
    cut.took = weft::since(t0);
  });

  std::printf("crawler: a %d-page fake web from %s, depth %d, at most %d fetches at once\n", pages,
              root.c_str(), depth, parallel);
  bool ok = report("run 1", generous, full, want);
  ok = report("run 2", tight, cut, want) && ok;
  return ok ? 0 : 1;
}
