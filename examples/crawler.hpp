// examples/crawler.hpp — the web crawler of examples/crawler.cpp, callable from the program and
// from tests/examples_test.cpp.
//
// The web is fake and in memory (a map from url to the links on that page); fetching a page
// costs a simulated network latency, spent in a timer raced against the context's done()
// channel, so a fetch in progress gives up as soon as the deadline passes. The crawl is Go
// Tour's recursive one, made production-shaped:
//  - one goroutine per link, joined by a wait_group;
//  - at most `parallel` fetches at once: a buffered channel used as a counting semaphore (a
//    send takes a slot, a receive gives it back);
//  - a visited map under a mutex, recording the shallowest depth at which each url was
//    reached. A page first reached by a long path and later by a shorter one is crawled again
//    from the shorter one, so with no deadline the pages found are exactly those within
//    max_depth links of the root, whatever order the goroutines run in;
//  - one context with a deadline (with_timeout) shared by every goroutine: waiting for a
//    semaphore slot and waiting for a page both stop when it expires.
//
// Locking: crawl_state::mu guards depth and found. No lock is held across a blocking call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace example {

/// fake_web: url -> the links on that page. A url missing from the map is a dead link (404).
using fake_web = std::map<std::string, std::vector<std::string>>;

inline std::string page_url(int i) { return "https://weft.example/page/" + std::to_string(i); }

/// make_web: pages 0..n-1 (page 0 is the root). Page i links to its children 3i+1..3i+3, to a
/// far page (a cross link, so pages are reached by paths of different lengths), back to the
/// root, and every seventh page to a page that does not exist.
inline fake_web make_web(int n) {
  fake_web web;
  for (int i = 0; i < n; i++) {
    std::vector<std::string> links;
    for (int c = 3 * i + 1; c <= 3 * i + 3 && c < n; c++) links.push_back(page_url(c));
    links.push_back(page_url(static_cast<int>((std::int64_t{i} * i + 7) % n)));
    links.push_back(page_url(0));
    if (i % 7 == 3) links.push_back("https://weft.example/missing/" + std::to_string(i));
    web[page_url(i)] = std::move(links);
  }
  return web;
}

/// latency: the simulated time to fetch url: 1 to 3 ms, fixed per url.
inline weft::duration latency(const std::string& url) {
  return std::chrono::milliseconds(1 + std::hash<std::string>{}(url) % 3);
}

/// fetch_status: how a fetch ended.
enum class fetch_status { ok, not_found, cancelled };

/// fetch: the links on url after its simulated latency, or cancelled if ctx is done first.
inline fetch_status fetch(const weft::context& ctx, const fake_web& web, const std::string& url,
                          std::vector<std::string>& links) {
  // Already past the deadline: do not start (select would pick at random between a ready
  // done() and a latency timer that a slow machine has already let fire).
  if (ctx.err()) return fetch_status::cancelled;
  weft::timer t(latency(url));  // the "network"
  if (weft::select(weft::on_recv(t.c()), weft::on_recv(ctx.done())) == 1) {
    t.stop();  // nobody will wait for this page any more
    return fetch_status::cancelled;
  }
  auto it = web.find(url);
  if (it == web.end()) return fetch_status::not_found;
  links = it->second;
  return fetch_status::ok;
}

struct crawl_summary {
  std::set<std::string> found;  // pages fetched
  int fetches = 0;              // fetches completed (a page crawled again counts again)
  int dead_links = 0;           // fetches that found nothing
  int cancelled = 0;            // fetches or waits for a slot cut short by the deadline
  bool deadline_hit = false;    // the deadline had passed when the crawl ended (only then
                                // may pages within reach be missing from `found`)
};

namespace crawler_detail {

struct crawl_state {
  const fake_web& web;
  weft::context ctx;
  weft::chan<std::monostate> slots;  // counting semaphore: one buffered value per fetch
  int max_depth;
  weft::wait_group wg;
  weft::mutex mu;
  std::map<std::string, int> depth;  // guarded by mu: shallowest depth each url was reached
  crawl_summary out;                 // guarded by mu
};

inline void crawl(crawl_state& st, const std::string& url, int depth);

/// claim: records that url is being crawled from `depth`, unless it already was from as close
/// to the root; returns whether the caller should crawl it.
inline bool claim(crawl_state& st, const std::string& url, int depth) {
  std::lock_guard<weft::mutex> lk(st.mu);
  auto [it, fresh] = st.depth.try_emplace(url, depth);
  if (!fresh && it->second <= depth) return false;
  it->second = depth;
  return true;
}

/// visit: fetches url (holding a semaphore slot meanwhile), records the outcome, and starts a
/// crawl goroutine for each link while the depth allows.
inline void visit(crawl_state& st, const std::string& url, int depth) {
  std::vector<std::string> links;
  fetch_status status = fetch_status::cancelled;
  // Take a slot, or give up when the deadline passes while waiting for one (or has passed: with
  // both cases ready, select would choose at random).
  if (!st.ctx.err() && weft::select(weft::on_send(st.slots, std::monostate{}), weft::on_recv(st.ctx.done())) == 0) {
    status = fetch(st.ctx, st.web, url, links);
    st.slots.recv();  // give the slot back
  }
  {
    std::lock_guard<weft::mutex> lk(st.mu);
    switch (status) {
      case fetch_status::ok:
        st.out.found.insert(url);
        st.out.fetches++;
        break;
      case fetch_status::not_found:
        st.out.dead_links++;
        st.out.fetches++;
        break;
      case fetch_status::cancelled:
        st.out.cancelled++;
        break;
    }
  }
  if (status == fetch_status::ok && depth < st.max_depth) {
    st.wg.add(static_cast<int>(links.size()));  // before this crawl's own done(): see crawl
    for (std::string& link : links) {
      weft::go([&st, link = std::move(link), depth] { crawl(st, link, depth + 1); });
    }
  }
}

/// crawl: the body of the goroutine for one (url, depth). Its wg.done() must be its very last
/// touch of st: once the counter reaches zero, crawl_web returns and st is gone (calling done()
/// inside a lock_guard's scope, for instance, would unlock a destroyed mutex).
inline void crawl(crawl_state& st, const std::string& url, int depth) {
  if (claim(st, url, depth)) visit(st, url, depth);
  st.wg.done();
}

}  // namespace crawler_detail

/// crawl_web: crawls `web` from `root`, following links up to max_depth hops, with at most
/// `parallel` fetches at once, and gives up when `timeout` has passed. Returns after every
/// goroutine it started has finished.
inline crawl_summary crawl_web(const fake_web& web, const std::string& root, int max_depth,
                               int parallel, weft::duration timeout) {
  auto [ctx, cancel] = weft::with_timeout(weft::background(), timeout);
  crawler_detail::crawl_state st{web, ctx, weft::chan<std::monostate>(parallel), max_depth, {},
                                 {}, {}, {}};
  st.wg.add(1);
  weft::go([&st, root] { crawler_detail::crawl(st, root, 0); });
  st.wg.wait();
  st.out.deadline_hit = ctx.err() == weft::deadline_exceeded;
  cancel();  // always release the context (and its deadline timer)
  return st.out;
}

/// reachable: the pages within max_depth links of root, by a plain breadth-first search (what
/// a crawl that meets no deadline must find).
inline std::set<std::string> reachable(const fake_web& web, const std::string& root,
                                       int max_depth) {
  std::set<std::string> seen{root}, found;
  std::vector<std::string> level{root};
  for (int d = 0; d <= max_depth && !level.empty(); d++) {
    std::vector<std::string> next;
    for (const std::string& url : level) {
      auto it = web.find(url);
      if (it == web.end()) continue;
      found.insert(url);
      for (const std::string& link : it->second) {
        if (seen.insert(link).second) next.push_back(link);
      }
    }
    level = std::move(next);
  }
  return found;
}

}  // namespace example
