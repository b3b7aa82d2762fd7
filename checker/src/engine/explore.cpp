// checker/src/engine/explore.cpp — weft::check's public entry points: explore, replay, require,
// the environment overrides, the report, and the WEFT_SCHED whole-program mode.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "engine/engine.hpp"
#include "report/token.hpp"
#include "weft/go.hpp"

extern "C" {
int weft_check_anchor = 0;
}

namespace weft::check {

const char* to_string(strategy s) noexcept {
  switch (s) {
    case strategy::random: return "random";
    case strategy::pct: return "pct";
    case strategy::dfs: return "dfs";
    case strategy::dpor: return "dpor";
  }
  return "?";
}

const char* to_string(failure f) noexcept {
  switch (f) {
    case failure::none: return "ok";
    case failure::deadlock: return "deadlock";
    case failure::leak: return "goroutine leak";
    case failure::panic: return "panic";
    case failure::race: return "data race";
    case failure::assertion: return "assertion failed";
    case failure::step_limit: return "step limit";
    case failure::nondeterminism: return "nondeterminism";
    case failure::bad_token: return "bad replay token";
    case failure::dangling: return "use of a dead goroutine's local";
  }
  return "?";
}

std::string result::report() const {
  if (ok()) {
    std::string s = "ok: " + std::to_string(executions) + " executions, no failure";
    if (exhausted) s += " (the whole space)";
    if (estimated_total > 0) {
      s += "; stopped by the budget, about " +
           std::to_string(static_cast<long long>(estimated_total - double(executions))) +
           " executions remain (estimate)";
    }
    return s;
  }
  return report_text.empty() ? std::string(to_string(kind)) + ": " + message : report_text;
}

namespace detail {

namespace wd = weft::detail;

namespace {

bool env_u64(const char* name, std::uint64_t& out) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long x = std::strtoull(v, &end, 0);
  if (errno || !end || *end) {
    std::fprintf(stderr, "weft: ignoring %s=%s: not a number\n", name, v);
    return false;
  }
  out = x;
  return true;
}

bool env_int(const char* name, int& out) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  char* end = nullptr;
  long x = std::strtol(v, &end, 0);
  if (!end || *end) {
    std::fprintf(stderr, "weft: ignoring %s=%s: not a number\n", name, v);
    return false;
  }
  out = static_cast<int>(x);
  return true;
}

bool parse_strategy(std::string_view s, strategy& out) {
  if (s == "random") out = strategy::random;
  else if (s == "pct") out = strategy::pct;
  else if (s == "dfs") out = strategy::dfs;
  else if (s == "dpor") out = strategy::dpor;
  else return false;
  return true;
}

std::string program_name() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string arg0;
  std::getline(f, arg0, '\0');
  return arg0.empty() ? "./the_test" : arg0;
}

std::string site(const weft::source_location& l) {
  return std::string(l.file_name()) + ":" + std::to_string(l.line());
}

std::unique_ptr<oracle> make_oracle(const options& o) {
  switch (o.strat) {
    case strategy::random: return make_random(o.seed);
    case strategy::pct: return make_pct(o.seed, o.pct_depth);
    case strategy::dfs: return make_dfs(o.preemption_bound);
    case strategy::dpor: return make_dpor(o.preemption_bound);
  }
  return make_random(o.seed);
}

std::uint8_t flags_of(const options& o) {
  return static_cast<std::uint8_t>((o.timers == timer_mode::strict ? 1 : 0) |
                                   (o.leaks_are_bugs ? 0 : 2));
}

struct body_runner {
  body_ref body;
  void operator()() const { body.call(body.obj); }
};

struct shrink_note {
  std::size_t from_choices = 0, to_choices = 0;
  std::uint32_t from_preemptions = 0, to_preemptions = 0;
  int runs = 0;
};

// wishes_of: the last execution's choices as goroutine ids (scheduling) and case indices
// (select), so that a candidate keeps its meaning when earlier choices change.
std::vector<wish> wishes_of(const engine& eng) {
  const trace& t = eng.events();
  std::vector<wish> w;
  const auto& ch = eng.choices();
  for (std::size_t i = 0; i < ch.size() && i < t.node_is_sched.size(); i++) {
    if (t.node_is_sched[i]) {
      w.push_back({true, t.node_ids[i][ch[i].second]});
    } else {
      w.push_back({false, ch[i].second});
    }
  }
  return w;
}

// currents_of: for each choice of the last execution, the goroutine that was running when it
// was made (0 when none was: it had blocked or exited, or the choice was a select's).
std::vector<std::uint64_t> currents_of(const engine& eng) {
  const trace& t = eng.events();
  std::vector<std::uint64_t> c(t.node_ids.size(), 0);
  for (std::size_t i = 0; i < c.size(); i++) {
    if (t.node_is_sched[i] && t.node_current[i] && !t.node_ids[i].empty()) c[i] = t.node_ids[i][0];
  }
  return c;
}

// shrink: from a failing schedule, look for a simpler one that fails the same way: the
// shortest prefix after which everything runs without preemptions (a binary search), then,
// latest first, each remaining switch replaced by "keep running the current goroutine", to a
// fixpoint. Every candidate is run and kept only if it fails with the same kind, so a program
// where this is not monotone only makes shrinking less effective. Leaves `eng` holding the
// simplest failing execution found.
shrink_note shrink(body_ref body, engine& eng, const weft::source_location& where) {
  shrink_note note;
  const failure kind = eng.kind();
  note.from_choices = eng.choices().size();
  note.from_preemptions = eng.preemptions();
  std::vector<wish> best = wishes_of(eng);
  std::uint32_t best_pre = eng.preemptions();
  std::size_t best_len = eng.choices().size();
  auto fails = [&](const std::vector<wish>& w) {
    auto orc = make_guided(w);
    orc->begin(0);
    eng.execute(wd::make_g(body_runner{body}), where, orc.get());
    note.runs++;
    return eng.kind() == kind;
  };
  auto better = [&]() {
    return eng.preemptions() < best_pre ||
           (eng.preemptions() == best_pre && eng.choices().size() < best_len);
  };
  const int budget = 400;
  std::size_t lo = 0, hi = best.size();
  while (lo < hi && note.runs < budget) {
    std::size_t mid = (lo + hi) / 2;
    if (fails(std::vector<wish>(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(mid)))) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  if (hi < best.size() &&
      fails(std::vector<wish>(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(hi))) &&
      better()) {
    best = wishes_of(eng);
    best_pre = eng.preemptions();
    best_len = eng.choices().size();
  }
  // Then, to a fixpoint, latest first: drop a choice altogether (later ones slide forward), or
  // turn a switch into "keep running the current goroutine".
  std::vector<std::uint64_t> cur = currents_of(eng);
  // Fewer preemptions first (a shorter schedule with as many switches is no simpler to read).
  for (int pass = 0; pass < 2; pass++)
  for (bool improved = true; improved && note.runs < budget;) {
    improved = false;
    for (std::size_t i = best.size(); i-- > 0 && note.runs < budget && !improved;) {
      std::vector<std::vector<wish>> cands;
      cands.push_back(best);
      cands.back().erase(cands.back().begin() + static_cast<std::ptrdiff_t>(i));
      if (best[i].sched && i < cur.size() && cur[i] != 0 && cur[i] != best[i].value) {
        cands.push_back(best);
        cands.back()[i].value = cur[i];
      }
      for (auto& cand : cands) {
        if (note.runs >= budget) break;
        if (fails(cand) && (pass == 0 ? eng.preemptions() < best_pre : better())) {
          best = wishes_of(eng);
          cur = currents_of(eng);
          best_pre = eng.preemptions();
          best_len = eng.choices().size();
          improved = true;
          break;
        }
      }
    }
  }
  fails(best);  // leave the engine on the best schedule
  note.to_choices = eng.choices().size();
  note.to_preemptions = eng.preemptions();
  return note;
}

void fill_failure(result& r, const engine& eng, const options& o, std::uint64_t index,
                  std::uint32_t site_id, const weft::source_location& where,
                  const std::string& test_name, bool replayed, const shrink_note* sh = nullptr) {
  r.kind = eng.kind();
  r.message = eng.message();
  schedule_token t;
  t.strat = static_cast<std::uint8_t>(o.strat);
  t.flags = flags_of(o);
  t.fail = static_cast<std::uint8_t>(r.kind);
  t.seed = o.seed;
  t.execution = index;
  t.site = site_id;
  t.choices = eng.choices();
  r.token = encode_token(t);
  std::ostringstream out;
  // "weft: deadlock: all goroutines are asleep...", but "weft: panic: send on closed channel".
  if (r.message.rfind(std::string(to_string(r.kind)) + ":", 0) == 0) {
    out << "weft: " << r.message << "\n";
  } else {
    out << "weft: " << to_string(r.kind) << ": " << r.message << "\n";
  }
  if (replayed) {
    out << "  replayed from a token (" << t.choices.size() << " recorded choices)\n";
  } else {
    out << "  found by " << to_string(o.strat);
    if (o.strat == strategy::random || o.strat == strategy::pct) out << " (seed " << o.seed << ")";
    if (o.strat == strategy::pct) out << " depth " << o.pct_depth;
    if (o.preemption_bound >= 0 && (o.strat == strategy::dfs || o.strat == strategy::dpor)) {
      out << " (preemption bound " << o.preemption_bound << ")";
    }
    out << " in execution " << (index + 1) << ", after " << eng.steps() << " steps and "
        << t.choices.size() << " choices\n";
    if (sh) {
      out << "  shrunk from " << sh->from_choices << " choices (" << sh->from_preemptions
          << " preemptions) to " << sh->to_choices << " (" << sh->to_preemptions
          << ") in " << sh->runs << " replays\n";
    }
  }
  out << "  explored at " << site(where) << "\n\n";
  out << eng.describe();
  r.trace = eng.trace_text();
  if (const char* path = std::getenv("WEFT_TRACE"); path && *path) {
    std::ofstream f(path);
    f << eng.chrome_trace();
    out << "\ntrace of this execution written to " << path
        << (f ? " (Chrome trace-event JSON: open it in Perfetto)" : " FAILED: cannot write")
        << "\n";
  }
  out << "\nreproduce with:\n  WEFT_REPLAY=" << r.token << " " << program_name();
  if (!test_name.empty()) out << " --gtest_filter=" << test_name;
  out << "\n";
  r.report_text = out.str();
}

void check_not_nested() {
  if (wd::active_policy) {
    throw std::logic_error("weft::check::explore/replay called inside weft::run or another explore");
  }
}

result run_token(body_ref body, const schedule_token& t, options o,
                 const weft::source_location& where, const std::string& test_name) {
  o.strat = static_cast<strategy>(t.strat <= 3 ? t.strat : 0);
  o.seed = t.seed;
  o.timers = (t.flags & 1) ? timer_mode::strict : timer_mode::explore;
  o.leaks_are_bugs = !(t.flags & 2);
  wd::set_stack_size(o.stack_size);
  auto start = std::chrono::steady_clock::now();
  engine eng(o);
  auto orc = make_replay(t.choices);
  orc->begin(0);
  eng.execute(wd::make_g(body_runner{body}), where, orc.get());
  result r;
  r.executions = 1;
  r.elapsed = std::chrono::steady_clock::now() - start;
  auto expected = static_cast<failure>(t.fail);
  if (eng.kind() == failure::nondeterminism) {
    fill_failure(r, eng, o, t.execution, t.site, where, test_name, true);
    r.message += " (the program is not deterministic under weft: a raw std::thread, rand(), "
                 "the wall clock or I/O?)";
    return r;
  }
  if (const std::string* why = orc->diverged(); why && eng.kind() != expected) {
    r.kind = failure::nondeterminism;
    r.message = "replay diverged: " + *why;
    r.report_text = "weft: nondeterminism: " + r.message + "\n";
    return r;
  }
  if (eng.kind() != expected) {
    r.kind = failure::nondeterminism;
    r.message = std::string("replay diverged: the token recorded a ") + to_string(expected) +
                " but the replay ended with " + to_string(eng.kind());
    r.report_text = "weft: nondeterminism: " + r.message + "\n";
    return r;
  }
  if (eng.kind() != failure::none) fill_failure(r, eng, o, t.execution, t.site, where, test_name, true);
  return r;
}

}  // namespace

void resolve_options(options& o) {
  if (const char* s = std::getenv("WEFT_STRATEGY"); s && *s) {
    if (!parse_strategy(s, o.strat)) {
      std::fprintf(stderr, "weft: ignoring WEFT_STRATEGY=%s: use random, pct, dfs or dpor\n", s);
    }
  }
  env_u64("WEFT_EXECUTIONS", o.executions);
  env_u64("WEFT_SEED", o.seed);
  env_int("WEFT_PCT_DEPTH", o.pct_depth);
  env_int("WEFT_PREEMPTIONS", o.preemption_bound);
}

result explore_impl(body_ref body, options o, weft::source_location where, std::string test_name) {
  check_not_nested();
  resolve_options(o);
  const std::uint32_t site_id = site_hash(where.file_name(), where.line());
  if (const char* tok = std::getenv("WEFT_REPLAY"); tok && *tok) {
    std::string err;
    auto t = decode_token(tok, &err);
    if (!t) {
      result r;
      r.kind = failure::bad_token;
      r.message = "WEFT_REPLAY: malformed replay token: " + err;
      r.report_text = "weft: " + r.message + "\n";
      return r;
    }
    if (t->site == site_id) return run_token(body, *t, o, where, test_name);
    // A token from another explore() call: this one runs normally.
  }
  wd::set_stack_size(o.stack_size);
  result r;
  auto start = std::chrono::steady_clock::now();
  engine eng(o);
  auto orc = make_oracle(o);
  auto last_note = start;
  std::uint64_t i = 0;
  for (; i < o.executions; i++) {
    auto now = std::chrono::steady_clock::now();
    if (o.time_budget.count() > 0 && now - start > o.time_budget) break;
    if (!orc->begin(i)) {
      r.exhausted = true;
      break;
    }
    if (now - last_note > std::chrono::seconds(10)) {
      // A long exploration says how far it has come.
      last_note = now;
      double f = orc->explored();
      std::fprintf(stderr, "weft: %s at %s:%u: %llu executions so far", to_string(o.strat),
                   where.file_name(), where.line(), static_cast<unsigned long long>(r.executions));
      if (f > 0 && f <= 1) {
        std::fprintf(stderr, ", about %.0f remaining (estimate)",
                     double(r.executions) / f - double(r.executions));
      }
      std::fprintf(stderr, "\n");
    }
    eng.execute(wd::make_g(body_runner{body}), where, orc.get());
    if (eng.redundant()) {
      r.redundant++;
      continue;
    }
    r.executions++;
    if (eng.kind() != failure::none) {
      if (o.shrink && (o.strat == strategy::random || o.strat == strategy::pct)) {
        shrink_note sh = shrink(body, eng, where);
        fill_failure(r, eng, o, i, site_id, where, test_name, false, &sh);
      } else {
        fill_failure(r, eng, o, i, site_id, where, test_name, false);
      }
      break;
    }
  }
  if (r.ok() && !r.exhausted && i == o.executions) {
    if (orc->begin(i)) {
      double f = orc->explored();
      if (f > 0 && f < 1) r.estimated_total = double(r.executions) / f;
    } else {
      r.exhausted = true;  // the budget ended exactly at the last schedule
    }
  }
  r.elapsed = std::chrono::steady_clock::now() - start;
  return r;
}

result replay_impl(body_ref body, std::string_view token, options o, weft::source_location where,
                   std::string test_name) {
  check_not_nested();
  std::string err;
  auto t = decode_token(token, &err);
  if (!t) {
    result r;
    r.kind = failure::bad_token;
    r.message = "malformed replay token: " + err;
    r.report_text = "weft: " + r.message + "\n";
    return r;
  }
  return run_token(body, *t, o, where, test_name);
}

// ---- WEFT_SCHED: a whole program under the deterministic policy --------------------------------

namespace {

class program_engine_holder {
 public:
  std::unique_ptr<oracle> orc;
  schedule_token tok;
};
program_engine_holder program_state;

std::unique_ptr<weft::policy> make_program_policy(const char* spec, std::string* err) {
  std::string_view s(spec);
  options o;
  o.timers = timer_mode::strict;
  o.leaks_are_bugs = false;
  program_state.tok = schedule_token{};
  auto colon = s.find(':');
  std::string_view kind = s.substr(0, colon);
  std::string_view arg = colon == std::string_view::npos ? "" : s.substr(colon + 1);
  if (kind == "replay") {
    auto t = decode_token(arg, err);
    if (!t) {
      *err = "malformed replay token: " + *err;
      return nullptr;
    }
    program_state.tok = *t;
    program_state.orc = make_replay(t->choices);
  } else if (kind == "random" || kind == "pct") {
    std::uint64_t seed = 0;
    if (!arg.empty()) {
      char* end = nullptr;
      std::string a(arg);
      seed = std::strtoull(a.c_str(), &end, 0);
      if (!end || *end) {
        *err = "the seed must be a number, as in WEFT_SCHED=random:42";
        return nullptr;
      }
    }
    program_state.tok.strat = kind == "pct" ? 1 : 0;
    program_state.tok.seed = seed;
    program_state.orc = kind == "pct" ? make_pct(seed, 3) : make_random(seed);
  } else {
    *err = "unknown scheduler; use random:<seed>, pct:<seed> or replay:<token>";
    return nullptr;
  }
  program_state.tok.flags = flags_of(o);
  program_state.orc->begin(0);
  auto eng = std::make_unique<engine>(o);
  eng->stop_at_main_exit = true;
  eng->reset(program_state.orc.get());
  eng->on_program_failure = [](const engine& e) {
    schedule_token t = program_state.tok;
    t.fail = static_cast<std::uint8_t>(e.kind());
    t.choices = e.choices();
    std::string text;
    if (e.kind() == failure::deadlock) {
      text = "fatal error: all goroutines are asleep - deadlock!\n\n";
    } else if (e.kind() == failure::panic) {
      text = e.message().substr(0, e.message().rfind(" [goroutine")) + "\n\n";
    } else {
      text = std::string("weft: ") + to_string(e.kind()) + ": " + e.message() + "\n\n";
    }
    text += e.describe();
    text += "\nreproduce with:\n  WEFT_SCHED=replay:" + encode_token(t) + " " + program_name() + "\n";
    std::fflush(stdout);
    (void)!write(2, text.data(), text.size());
#if defined(WEFT_TSAN)
    weft::detail::tsan_loud_begin();  // TSan refuses an exit with ignores still open
#endif
    _exit(2);
  };
  return eng;
}

// Registered when weft::check is linked into the program (weft::check's link interface
// references weft_check_anchor so this object is always linked in).
[[maybe_unused]] const bool registered = [] {
  weft::detail::sched_factory = make_program_policy;
  return true;
}();

}  // namespace

}  // namespace detail

namespace detail {
void shared_created(const void* var, const weft::source_location& where) noexcept {
  if (auto* e = dynamic_cast<engine*>(weft::detail::active_policy)) e->shared_created(var, where);
}
}  // namespace detail

void require(bool cond, std::string_view what, weft::source_location where) {
  if (cond) return;
  WEFT_TSAN_QUIET();
  auto* eng = dynamic_cast<detail::engine*>(weft::detail::active_policy);
  weft::detail::g* gp = weft::detail::current();
  std::string msg = "require failed: " + std::string(what) + " at " + detail::site(where);
  if (eng && gp) {
    eng->fail(failure::assertion, msg, gp->id);
    throw detail::assertion_signal{};
  }
  throw std::logic_error("weft::check::" + msg);
}

}  // namespace weft::check
