// examples/demo.cpp — weft's main demo: a real program on all cores, written the way it would be
// written in Go.
//
// Part 1 counts the primes below N with a channel pipeline: a producer goroutine cuts [0, N)
// into segments and sends them on a buffered channel; a pool of sieving goroutines (four per
// worker thread) receives segments, sieves each one with the base primes up to sqrt(N), and sends
// a summary per segment (count, first and last prime, largest gap inside) on a results channel;
// a closer goroutine closes the results channel once a wait_group says every sieve is done; the
// main goroutine ranges over the results and stitches the segments together (gaps that straddle
// two segments included). The answer is checked against the known values of pi(N).
//
// Usage: demo [N] [procs]     N defaults to 100000000; procs 0 (the default) = all hardware
// threads.
//
// Part 2 runs a miniature of the same pipeline, with a bug ported from a real Go program, under
// weft::check::explore: the explorer finds the interleaving where it fails, prints the report
// (every goroutine, the last steps, the replay token) and replays the token to show the same
// failure step for step.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <vector>

#include "weft/check/check.hpp"
#include "weft/weft.hpp"

namespace {

constexpr std::uint64_t segment_size = 1 << 18;  // numbers per segment (a byte each: fits in L2)

struct segment {
  std::uint64_t index = 0, lo = 0, hi = 0;
};

struct summary {
  std::uint64_t index = 0;
  std::uint64_t count = 0;
  std::uint64_t first = 0, last = 0;        // 0 when the segment holds no prime
  std::uint64_t gap = 0, gap_after = 0;     // largest gap inside: (gap_after, gap_after + gap)
};

std::vector<std::uint32_t> base_primes(std::uint64_t limit) {
  std::vector<char> composite(limit + 1, 0);
  std::vector<std::uint32_t> primes;
  for (std::uint64_t i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    primes.push_back(static_cast<std::uint32_t>(i));
    for (std::uint64_t j = i * i; j <= limit; j += i) composite[j] = 1;
  }
  return primes;
}

summary sieve(const segment& s, const std::vector<std::uint32_t>& primes,
              std::vector<char>& composite) {
  const std::uint64_t len = s.hi - s.lo;
  composite.assign(len, 0);
  for (std::uint32_t p : primes) {
    std::uint64_t pp = std::uint64_t(p) * p;
    if (pp >= s.hi) break;
    std::uint64_t start = pp >= s.lo ? pp : (s.lo + p - 1) / p * p;
    for (std::uint64_t j = start; j < s.hi; j += p) composite[j - s.lo] = 1;
  }
  summary r;
  r.index = s.index;
  for (std::uint64_t i = 0; i < len; i++) {
    std::uint64_t n = s.lo + i;
    if (n < 2 || composite[i]) continue;
    if (r.count == 0) {
      r.first = n;
    } else if (n - r.last > r.gap) {
      r.gap = n - r.last;
      r.gap_after = r.last;
    }
    r.last = n;
    r.count++;
  }
  return r;
}

// Known values of pi(N), to check the answer.
std::uint64_t known_pi(std::uint64_t n) {
  switch (n) {
    case 1000000: return 78498;
    case 2000000: return 148933;
    case 10000000: return 664579;
    case 100000000: return 5761455;
    case 1000000000: return 50847534;
    default: return 0;
  }
}

// The pipeline in miniature, with a bug as ported from a real Go program: a sieve signals the
// wait_group before its last send ("it is only one more value"), so the closer can close the
// results channel first and that send panics. Channel handles are shared by value; the
// wait_group outlives every goroutine that touches it (the closer's wait returns before the
// close that lets this function return).
void buggy_pipeline() {
  weft::chan<int> work(4), results(4);
  weft::wait_group sieving;
  weft::go([work] {
    for (int i = 0; i < 4; i++) work.send(i);
    work.close();
  });
  sieving.add(2);
  for (int s = 0; s < 2; s++) {
    weft::go([work, results, &sieving] {
      int last = -1;
      for (int seg : work) {
        if (last >= 0) results.send(last);
        last = seg;
      }
      sieving.done();  // bug: signalled before the last send
      if (last >= 0) results.send(last);
    });
  }
  weft::go([&sieving, results] {
    sieving.wait();
    results.close();
  });
  for (int r : results) (void)r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000000;
  weft::config cfg;
  cfg.procs = argc > 2 ? std::atoi(argv[2]) : 0;
  const int procs = cfg.procs > 0 ? cfg.procs
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (n < 2) {
    std::fprintf(stderr, "usage: demo [N >= 2] [procs]\n");
    return 1;
  }

  // ---- Part 1: primes below N on every core ----------------------------------------------------
  std::printf("weft demo, part 1: counting the primes below %llu with goroutines and channels\n",
              static_cast<unsigned long long>(n));
  const int sievers = 4 * procs;
  std::uint64_t count = 0, largest = 0, gap = 0, gap_after = 0, segments = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t cpu0 = std::clock();

  weft::run([&] {
    const auto primes = base_primes(static_cast<std::uint64_t>(std::sqrt(double(n))) + 1);
    weft::chan<segment> work(64);
    weft::chan<summary> results(64);

    weft::go([&] {  // producer
      std::uint64_t index = 0;
      for (std::uint64_t lo = 0; lo < n; lo += segment_size) {
        work.send(segment{index++, lo, std::min(n, lo + segment_size)});
      }
      work.close();
    });

    weft::wait_group sieving;
    sieving.add(sievers);
    for (int i = 0; i < sievers; i++) {
      weft::go([&] {  // a sieve: one reused scratch buffer per goroutine
        std::vector<char> scratch;
        for (const segment& s : work) results.send(sieve(s, primes, scratch));
        sieving.done();
      });
    }
    weft::go([&] {  // closer: no more results once every sieve is done
      sieving.wait();
      results.close();
    });

    std::vector<summary> by_index;
    for (const summary& r : results) {
      if (r.index >= by_index.size()) by_index.resize(r.index + 1);
      by_index[r.index] = r;
    }
    // Stitch the segments in order: a gap may straddle two of them.
    std::uint64_t prev = 0;
    for (const summary& r : by_index) {
      segments++;
      if (r.count == 0) continue;
      count += r.count;
      if (prev != 0 && r.first - prev > gap) {
        gap = r.first - prev;
        gap_after = prev;
      }
      if (r.gap > gap) {
        gap = r.gap;
        gap_after = r.gap_after;
      }
      prev = r.last;
    }
    largest = prev;
  }, cfg);

  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = double(std::clock() - cpu0) / CLOCKS_PER_SEC;
  std::printf("  primes below %llu: %llu", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(count));
  const std::uint64_t expect = known_pi(n);
  if (expect != 0) std::printf(" (known value: %llu)", static_cast<unsigned long long>(expect));
  std::printf("\n  largest prime below %llu: %llu\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(largest));
  if (gap > 0) {
    std::printf("  largest gap between consecutive primes: %llu (after %llu)\n",
                static_cast<unsigned long long>(gap), static_cast<unsigned long long>(gap_after));
  }
  std::printf("  %llu segments of %llu numbers\n", static_cast<unsigned long long>(segments),
              static_cast<unsigned long long>(segment_size));
  std::printf("  goroutines: %d (main, producer, %d sieves, closer) on %d procs (worker threads)\n",
              sievers + 3, sievers, procs);
  std::printf("  wall time: %.3f s (cpu time %.3f s: %.1f cores busy on average)\n", secs, cpu,
              secs > 0 ? cpu / secs : 0.0);
  if (expect != 0 && count != expect) {
    std::printf("  WRONG: expected %llu\n", static_cast<unsigned long long>(expect));
    return 1;
  }

  // ---- Part 2: the explorer finds a real bug and replays it ------------------------------------
  std::printf("\nweft demo, part 2: the explorer on a miniature of the same pipeline, with a bug\n"
              "  (a sieve calls done() before its last send, so the closer may close the results\n"
              "  channel while that send is still to come)\n\n");
  weft::check::options o;
  o.strat = weft::check::strategy::pct;
  o.executions = 1000;
  auto found = weft::check::explore(buggy_pipeline, o);
  if (found.ok()) {
    std::printf("  the explorer found nothing in %llu executions (unexpected)\n",
                static_cast<unsigned long long>(found.executions));
    return 1;
  }
  std::printf("%s\n", found.report().c_str());
  auto again = weft::check::replay(buggy_pipeline, found.token);
  std::printf("replaying the token: %s (%s)\n", again.message.c_str(),
              again.kind == found.kind && again.trace == found.trace
                  ? "the same failure, step for step"
                  : "DIFFERENT");
  if (again.kind != found.kind || again.trace != found.trace) return 1;
  return 0;
}
