// checker/src/engine/engine.cpp — see engine.hpp for the vocabulary and invariants.
#include "engine/engine.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "engine/tsan_report.hpp"
#include "weft/panic.hpp"
#include "weft/sync.hpp"

namespace weft::check::detail {

namespace wd = weft::detail;

namespace {

// The virtual clock starts one day past the epoch, so "deadline minus now" never underflows.
constexpr time_point virtual_epoch = time_point(std::chrono::hours(24));

}  // namespace

engine::engine(const options& o) : opt_(o) {
  controlled_ = true;
  tracks_hb_ = true;
  gs_.reserve(64);
  tr_.events.reserve(1024);
  choices_.reserve(256);
  runnable_.reserve(64);
  clock_ = virtual_epoch;
}

void engine::fail(failure k, std::string msg, std::uint64_t goid) {
  if (fail_ != failure::none) return;
  fail_ = k;
  msg_ = std::move(msg);
  fail_goid_ = goid;
}

// ---- policy -------------------------------------------------------------------------------

void engine::spawned(g* parent, g* child) noexcept {
  WEFT_TSAN_QUIET();
  if (gs_.size() <= child->id) gs_.resize(child->id + 1);
  gstate& s = gs_[child->id];
  s = gstate{};
  s.gp = child;
  s.parent = parent ? parent->id : 0;
  s.created = child->created_at;
  s.created_step = tr_.events.size();
  s.cause = cur_ev_;
  hb_.spawn(s.parent, child->id);
}

void engine::ready(g* gp) noexcept {
  WEFT_TSAN_QUIET();
  gstate& s = st(gp);
  if (s.started) {
    s.woken = true;
    s.cause = cur_ev_;
    if (cur_ev_ != UINT32_MAX && s.park_reason == wd::wait_reason::select) {
      tr_.events[cur_ev_].wild_chan = true;  // completing a select touches all its channels
    }
  }
  runnable_.push_back(gp);
}

void engine::hb_release(const void* addr) noexcept {
  WEFT_TSAN_QUIET();
  g* c = wd::current();
  hb_.release(c ? c->id : 0, addr);
}

void engine::hb_acquire(const void* addr) noexcept {
  WEFT_TSAN_QUIET();
  g* c = wd::current();
  hb_.acquire(c ? c->id : 0, addr);
}

void engine::shared_created(const void* var, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  created_[var] = where;
}

std::uint32_t engine::obj_id(const void* p) {
  if (!p) return 0;
  auto [it, fresh] = obj_ids_.try_emplace(p, static_cast<std::uint32_t>(obj_ids_.size() + 1));
  return it->second;
}

std::uint32_t engine::begin_event(std::uint64_t goid, ek kind, const op& o) {
  event e;
  e.goid = goid;
  e.o = o;
  e.kind = kind;
  e.node = pending_node_;
  pending_node_ = -1;
  if (kind == ek::start || kind == ek::cont) {
    const gstate& s = gs_[goid];
    e.cause = s.cause;
    if (kind == ek::cont) {
      e.o = s.park_op;
      e.reason = s.park_reason;
    }
  }
  if (kind == ek::op && o.kind == op_kind::select) e.wild_chan = true;
  e.obj = obj_id(e.o.object);
  tr_.events.push_back(e);
  cur_ev_ = static_cast<std::uint32_t>(tr_.events.size() - 1);
  if (kind == ek::op && (o.kind == op_kind::shared_read || o.kind == op_kind::shared_write)) {
    if (auto r = hb_.on_access(goid, o.object, o.kind == op_kind::shared_write, o.where)) {
      race_ = r;
      std::string msg = "data race: " + std::string(r->later.write ? "write" : "read") +
                        " by goroutine " + std::to_string(r->later.goid) + " at " +
                        r->later.where.file_name() + ":" + std::to_string(r->later.where.line()) +
                        " and " + (r->earlier.write ? "write" : "read") + " by goroutine " +
                        std::to_string(r->earlier.goid) + " at " + r->earlier.where.file_name() +
                        ":" + std::to_string(r->earlier.where.line()) +
                        " are not ordered by happens-before";
      fail(failure::race, msg, goid);
    }
  }
  return cur_ev_;
}

event engine::next_event(const g* gp) {
  const gstate& s = gs_[gp->id];
  event e;
  e.goid = gp->id;
  if (!s.started) {
    e.kind = ek::start;
  } else if (s.woken) {
    e.kind = ek::cont;
    e.o = s.park_op;
    e.reason = s.park_reason;
  } else {
    e.kind = ek::op;
    e.o = s.pending;
    if (e.o.kind == op_kind::select) e.wild_chan = true;
  }
  e.obj = obj_id(e.o.object);
  return e;
}

std::uint64_t engine::choose(std::uint64_t n) {
  WEFT_TSAN_QUIET();
  if (n <= 1) return 0;
  auto v = orc_->choose(static_cast<std::uint32_t>(n));
  if (const std::string* why = orc_->diverged()) {
    fail(failure::nondeterminism, "replay diverged: " + *why);
    return v < n ? v : 0;
  }
  choices_.emplace_back(static_cast<std::uint32_t>(n), v);
  tr_.node_is_sched.push_back(false);
  tr_.node_ids.emplace_back();
  tr_.node_current.push_back(false);
  return v;
}

void engine::on_panic(g* gp, std::exception_ptr e) {
  WEFT_TSAN_QUIET();
  std::string what;
  try {
    std::rethrow_exception(e);
  } catch (const assertion_signal&) {
    return;  // require() already recorded the failure
  } catch (const weft::panic_error& p) {
    what = p.what();
  } catch (const std::exception& x) {
    what = std::string(x.what()) + " (uncaught C++ exception)";
  } catch (...) {
    what = "unknown exception";
  }
  fail(failure::panic, "panic: " + what + " [goroutine " + std::to_string(gp->id) + "]", gp->id);
}

void engine::absorb_tsan_report() {
  std::string msg, details;
  std::uint64_t goid = 0;
  if (!take_tsan_report(&msg, &details, &goid)) return;
  if (fail_ == failure::none) tsan_details_ = std::move(details);
  fail(failure::race, std::move(msg), goid);
}

void engine::stop_here(g* self, const op& o) {
  gstate& me = st(self);
  me.pending = o;
  me.has_pending = true;
  // Parked with no waker: the engine abandons it. Never throws, so a visible op inside a
  // destructor (an unlock in a lock_guard) is as safe a place to stop as any.
  wd::park(wd::wait_reason::stopped, o.object, o.where, nullptr, nullptr);
  wd::fatal("explorer: a stopped goroutine was resumed");
}

std::uint64_t engine::dead_owner(const void* p) const {
  if (!p || dead_.empty()) return 0;
  auto c = static_cast<const char*>(p);
  auto it = dead_.upper_bound(c);
  if (it == dead_.begin()) return 0;
  --it;
  return c < it->second.first ? it->second.second : 0;
}

void engine::before(const op& o) {
  g* self = wd::current();
  if (!self) return;
  WEFT_TSAN_QUIET();
  absorb_tsan_report();
  if (fail_ != failure::none) stop_here(self, o);
  if (nsteps_ >= opt_.max_steps) {
    fail(failure::step_limit,
         "step limit exceeded: more than " + std::to_string(opt_.max_steps) +
             " visible operations in one execution (livelock?)",
         self->id);
    stop_here(self, o);
  }
  const bool timer_opt = opt_.timers == timer_mode::explore && !timers_.empty();
  if (!runnable_.empty() || timer_opt) {
    gstate& me = st(self);
    me.pending = o;
    me.has_pending = true;
    g* pick = decide(self, 0);
    if (fail_ != failure::none) stop_here(self, o);
    if (pick != self) {
      if (pick) next_ = pick; else fire_next_ = true;
      wd::yield_now();
      // Resumed by the engine: our op happens now.
    }
    st(self).has_pending = false;
  }
  // The op happens now: its object must still exist. (The running goroutine's own stack is
  // alive, even if a goroutine that returned earlier in this execution used it before.)
  if (!dead_.empty()) dead_.erase(self->stk.lo);
  if (std::uint64_t owner = dead_owner(o.object)) {
    const gstate& d = gs_[owner];
    fail(failure::dangling,
         std::string(weft::to_string(o.kind)) + " by goroutine " + std::to_string(self->id) +
             " at " + o.where.file_name() + ":" + std::to_string(o.where.line()) +
             " on an object that lived on goroutine " + std::to_string(owner) +
             "'s stack, and goroutine " + std::to_string(owner) +
             " has returned (created at " + d.created.file_name() + ":" +
             std::to_string(d.created.line()) + "): keep it alive until every goroutine using "
             "it is done, e.g. call wg.done() last",
         self->id);
    stop_here(self, o);
  }
  ++nsteps_;
  begin_event(self->id, ek::op, o);
  last_runner_ = self->id;
}

g* engine::decide(g* self, std::uint64_t prefer) {
  opt_gs_.clear();
  opt_ids_.clear();
  int current = -1;
  if (self) {
    opt_gs_.push_back(self);
    current = 0;
  }
  std::size_t first_other = opt_gs_.size();
  for (g* gp : runnable_) opt_gs_.push_back(gp);
  std::sort(opt_gs_.begin() + static_cast<std::ptrdiff_t>(first_other), opt_gs_.end(),
            [](const g* a, const g* b) { return a->id < b->id; });
  if (!self && prefer != 0) {
    // The goroutine interrupted by an early timer is still "current": switching is a preemption.
    for (std::size_t i = 0; i < opt_gs_.size(); i++) {
      if (opt_gs_[i]->id == prefer) {
        std::rotate(opt_gs_.begin(), opt_gs_.begin() + static_cast<std::ptrdiff_t>(i),
                    opt_gs_.begin() + static_cast<std::ptrdiff_t>(i + 1));
        current = 0;
        break;
      }
    }
  }
  for (g* gp : opt_gs_) opt_ids_.push_back(gp->id);
  const bool timer_opt = opt_.timers == timer_mode::explore && !timers_.empty();
  auto n = static_cast<std::uint32_t>(opt_gs_.size() + (timer_opt ? 1 : 0));
  if (n == 1) {
    if (!self && orc_->forced_blocked(opt_ids_[0])) redundant_ = true;
    return opt_gs_[0];
  }
  if (tr_.next.size() < gs_.size()) tr_.next.resize(gs_.size());
  for (g* gp : opt_gs_) tr_.next[gp->id] = next_event(gp);
  pending_node_ = static_cast<std::int32_t>(choices_.size());
  tr_.node_is_sched.push_back(true);
  tr_.node_ids.emplace_back(opt_ids_);
  tr_.node_current.push_back(current >= 0);
  if (timer_opt) tr_.node_ids.back().push_back(0);
  sched_point p;
  p.n = n;
  p.goids = opt_ids_.data();
  p.current = current;
  p.timer_option = timer_opt;
  p.step = nsteps_;
  std::uint32_t v = orc_->schedule(p);
  if (const std::string* why = orc_->diverged()) {
    fail(failure::nondeterminism, "replay diverged: " + *why);
    return self ? self : opt_gs_[0];
  }
  if (orc_->blocked()) redundant_ = true;  // keeps running: a real execution, not counted
  if (v >= n) v = n - 1;
  choices_.emplace_back(n, v);
  if (current >= 0 && v != static_cast<std::uint32_t>(current) && !(timer_opt && v == n - 1)) {
    preemptions_++;
  }
  if (timer_opt && v == n - 1) return nullptr;
  return opt_gs_[v];
}

void engine::fire_timers() {
  wd::timer_node* t = timers_.top();
  if (!t) return;
  if (t->when > clock_) clock_ = t->when;
  begin_event(0, ek::timer, op{op_kind::timer_start, nullptr, {}, 0});
  // Every timer due at this instant fires, in deadline then arming order.
  while ((t = timers_.top()) && t->when <= clock_) {
    timers_.pop();
    t->fire(t);
  }
  cur_ev_ = UINT32_MAX;
}

void engine::loop() {
  for (;;) {
    if (fail_ != failure::none) return;
    if (main_exited_ && stop_at_main_exit) return;
    g* gp = nullptr;
    std::uint64_t prefer = 0;
    if (fire_next_) {
      fire_next_ = false;
      fire_timers();
      prefer = last_runner_;
    }
    if (next_) {
      gp = next_;
      next_ = nullptr;
    } else {
      if (runnable_.empty()) {
        // Everyone is blocked: virtual time jumps to the next timer (Go's synctest rule), as
        // long as some goroutine is left for it to wake. Once every goroutine has exited the
        // execution is over, like a Go program whose main returned: pending timers (an
        // after_func, a ticker nobody stopped) are dropped, never fired.
        if (!timers_.empty() && any_alive()) {
          if (++idle_fires_ > opt_.max_steps) {
            fail(failure::step_limit,
                 "timers fired " + std::to_string(opt_.max_steps) +
                     " times in a row with no goroutine waking (a ticker nobody stops, while "
                     "every goroutine is blocked forever?)");
            return;
          }
          fire_timers();
          continue;
        }
        return;  // quiescent
      }
      gp = decide(nullptr, prefer);
      if (fail_ != failure::none) return;
      if (!gp) {
        fire_next_ = true;
        continue;
      }
    }
    runnable_.erase(std::find(runnable_.begin(), runnable_.end(), gp));
    idle_fires_ = 0;
    {
      gstate& s = st(gp);
      if (!s.started) {
        begin_event(gp->id, ek::start, op{op_kind::go, nullptr, gp->created_at, 0});
      } else if (s.woken) {
        begin_event(gp->id, ek::cont, op{});
      }
      s.started = true;
      s.woken = false;
    }
    last_runner_ = gp->id;
    const wd::resume_result rr = wd::resume(gp);
    absorb_tsan_report();  // a race its last step ran into
    switch (rr) {
      case wd::resume_result::yielded:
        runnable_.push_back(gp);
        break;
      case wd::resume_result::parked: {
        gstate& s = st(gp);
        if (cur_ev_ != UINT32_MAX && tr_.events[cur_ev_].goid == gp->id) {
          tr_.events[cur_ev_].parked = true;
          s.park_op = tr_.events[cur_ev_].o;
        }
        s.park_reason = gp->reason;
        break;
      }
      case wd::resume_result::exited:
        st(gp).exited = true;
        if (gp->is_main) main_exited_ = true;
        dead_[gp->stk.lo] = {gp->stk.hi, gp->id};
        wd::free_g(gp);
        break;
    }
  }
}

void engine::judge() {
  if (fail_ != failure::none) return;
  std::vector<std::uint64_t> blocked;
  for (std::size_t id = 1; id < gs_.size(); id++) {
    const gstate& s = gs_[id];
    if (s.gp && !s.exited && s.gp->status.load() == wd::gstatus::waiting) blocked.push_back(id);
  }
  if (!main_exited_) {
    fail(failure::deadlock, "all goroutines are asleep - deadlock! (" +
                                std::to_string(blocked.size()) + " blocked)");
  } else if (opt_.leaks_are_bugs && !blocked.empty() && !stop_at_main_exit) {
    std::string m = std::to_string(blocked.size()) + " goroutine" +
                    (blocked.size() == 1 ? "" : "s") + " leaked (blocked forever after the body returned):";
    for (std::size_t i = 0; i < blocked.size() && i < 4; i++) {
      const g* gp = gs_[blocked[i]].gp;
      m += " goroutine " + std::to_string(blocked[i]) + " [" + wd::to_string(gp->reason) + "]";
      if (i + 1 < blocked.size() && i < 3) m += ",";
    }
    if (blocked.size() > 4) m += " ...";
    fail(failure::leak, m, blocked.front());
  }
}

void engine::snapshot() {
  snap_.clear();
  for (std::size_t id = 1; id < gs_.size(); id++) {
    const gstate& s = gs_[id];
    if (!s.gp || s.exited) continue;
    goroutine_snapshot x{};
    x.id = id;
    x.created = s.created;
    x.parent = s.parent;
    x.has_pending = s.has_pending;
    x.pending_kind = s.pending.kind;
    wd::gstatus status = s.gp->status.load();
    if (status == wd::gstatus::waiting) {
      x.state = wd::to_string(s.gp->reason);
      x.object = s.gp->wait_object;
      x.at = s.gp->blocked_at;
      if (s.gp->reason == wd::wait_reason::wait_group_wait && x.object) {
        x.wg_count = static_cast<const weft::wait_group*>(x.object)->count();
      }
    } else {
      x.state = s.started ? "runnable" : "runnable, not yet started";
      x.object = s.has_pending ? s.pending.object : nullptr;
      x.at = s.has_pending ? s.pending.where : weft::source_location{};
    }
    snap_.push_back(std::move(x));
  }
}

void engine::cleanup() {
  // Goroutines that never started are dropped with their closures. Everything else still
  // alive (blocked, stopped at an op, or stopped by a failure) is abandoned where it is:
  // resuming it would run user code past the end of the execution, and unwinding it would
  // leave primitives pointing into a dead stack.
  for (g* gp : runnable_) {
    if (gp->id < gs_.size() && !gs_[gp->id].started) wd::discard_g(gp);
  }
  runnable_.clear();
  // Timers still pending go back to their owners before the abandoned stacks are recycled
  // (a sleeping goroutine's timer lives on its stack).
  while (wd::timer_node* t = timers_.pop()) {
    if (t->drop) t->drop(t);
  }
  wd::abandon_all();
  timers_ = wd::timer_heap{};
}

bool engine::any_alive() const {
  for (std::size_t id = 1; id < gs_.size(); id++) {
    if (gs_[id].gp && !gs_[id].exited) return true;
  }
  return false;
}

void engine::reset(oracle* orc) {
  orc_ = orc;
  orc_->attach(&tr_);
  runnable_.clear();
  gs_.clear();
  tr_.clear();
  hb_.clear();
  created_.clear();
  obj_ids_.clear();
  dead_.clear();
  race_.reset();
  tsan_details_.clear();
  pending_node_ = -1;
  cur_ev_ = UINT32_MAX;
  redundant_ = false;
  choices_.clear();
  snap_.clear();
  timers_ = wd::timer_heap{};
  clock_ = virtual_epoch;
  nsteps_ = 0;
  preemptions_ = 0;
  idle_fires_ = 0;
  last_runner_ = 0;
  next_ = nullptr;
  fire_next_ = false;
  main_exited_ = false;
  fail_ = failure::none;
  msg_.clear();
  fail_goid_ = 0;
}

void engine::install() {
  wd::active_policy = this;
  wd::controlled = true;
  wd::tracks_hb = tracks_hb_;
  wd::nprocs = 1;
  wd::reset_goids();
}

void engine::uninstall() {
  wd::active_policy = nullptr;
  wd::controlled = false;
  wd::tracks_hb = false;
  wd::nprocs = 1;
}

void engine::execute(g* main, const weft::source_location& where, oracle* orc) {
  WEFT_TSAN_QUIET();  // this thread schedules goroutines until the execution ends
  reset(orc);
  install();
  wd::scheduler_thread_init();
  main->is_main = true;
  wd::start_g(main, where);
  loop();
  orc_->end(nsteps_);
  judge();
  if (fail_ != failure::none) snapshot();
  cleanup();
  uninstall();
}

int engine::run(g* main) {
  // WEFT_SCHED mode: weft::run already installed us and started main.
  (void)main;
  WEFT_TSAN_QUIET();
  wd::scheduler_thread_init();
  loop();
  orc_->end(nsteps_);
  judge();
  if (fail_ != failure::none) {
    snapshot();
    if (on_program_failure) on_program_failure(*this);
  }
  cleanup();
  return fail_ == failure::none ? 0 : 2;
}

// ---- report ----------------------------------------------------------------------------------

namespace {

const char* object_kind(op_kind k) {
  switch (k) {
    case op_kind::chan_send: case op_kind::chan_recv: case op_kind::chan_close:
    case op_kind::chan_len: case op_kind::chan_cap: return "chan";
    case op_kind::mutex_lock: case op_kind::mutex_trylock: case op_kind::mutex_unlock:
      return "sync.Mutex";
    case op_kind::rw_lock: case op_kind::rw_trylock: case op_kind::rw_unlock:
    case op_kind::rw_rlock: case op_kind::rw_tryrlock: case op_kind::rw_runlock:
      return "sync.RWMutex";
    case op_kind::wg_add: case op_kind::wg_wait: return "sync.WaitGroup";
    case op_kind::once_call: return "sync.Once";
    case op_kind::cond_wait: case op_kind::cond_signal: case op_kind::cond_broadcast:
      return "sync.Cond";
    case op_kind::atomic_load: case op_kind::atomic_store: case op_kind::atomic_rmw:
      return "atomic";
    case op_kind::shared_read: case op_kind::shared_write: return "shared";
    case op_kind::sleep: case op_kind::timer_start: case op_kind::timer_stop:
    case op_kind::timer_reset: return "timer";
    case op_kind::ctx_cancel: case op_kind::ctx_err: return "context";
    default: return nullptr;
  }
}

std::string site(const weft::source_location& l) {
  if (l.line() == 0) return "(unknown site)";
  std::string f = l.file_name();
  return f + ":" + std::to_string(l.line());
}

}  // namespace

namespace {

// object_names: name each object by kind and order of first appearance in the execution
// ("chan#1", "sync.Mutex#2"), so reports and traces of one schedule read the same every time.
struct object_names {
  std::map<const void*, std::string> names;
  std::map<std::string, int> counters;
  std::string operator()(const void* obj, op_kind k) {
    if (!obj) return "";
    auto it = names.find(obj);
    if (it != names.end()) return it->second;
    const char* kind = object_kind(k);
    if (!kind) kind = "object";
    std::string n = std::string(kind) + "#" + std::to_string(++counters[kind]);
    names.emplace(obj, n);
    return n;
  }
};

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

}  // namespace

std::string engine::trace_text() const {
  object_names name_of;
  std::ostringstream out;
  for (std::size_t i = 0; i < tr_.events.size(); i++) {
    const event& e = tr_.events[i];
    out << "#" << (i + 1) << " goroutine " << e.goid << " ";
    switch (e.kind) {
      case ek::start: out << "starts"; break;
      case ek::cont: out << "resumes after " << wd::to_string(e.reason); break;
      case ek::timer: out << "timer fires"; break;
      case ek::op: {
        out << weft::to_string(e.o.kind);
        std::string nm = name_of(e.o.object, e.o.kind);
        if (!nm.empty()) out << " " << nm;
        if (e.o.kind == op_kind::wg_add) out << " (" << e.o.arg << ")";
        out << " at " << site(e.o.where);
        break;
      }
    }
    if (e.parked) out << ", parks";
    out << "\n";
  }
  return out.str();
}

std::string engine::chrome_trace() const {
  // Chrome trace-event JSON (Perfetto, chrome://tracing): one track per goroutine, one slice
  // per step; time is the step number (1 step = 1 us on the time axis).
  object_names name_of;
  std::ostringstream out;
  out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
  bool first = true;
  std::vector<bool> named;
  for (std::size_t i = 0; i < tr_.events.size(); i++) {
    const event& e = tr_.events[i];
    if (e.goid >= named.size()) named.resize(e.goid + 1, false);
    if (!named[e.goid]) {
      named[e.goid] = true;
      out << (first ? "" : ",") << "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":"
          << e.goid << ",\"args\":{\"name\":\""
          << (e.goid == 0 ? std::string("timers") : "goroutine " + std::to_string(e.goid))
          << "\"}}";
      first = false;
    }
    std::string label;
    switch (e.kind) {
      case ek::start: label = "start"; break;
      case ek::cont: label = std::string("resume (") + wd::to_string(e.reason) + ")"; break;
      case ek::timer: label = "timer fires"; break;
      case ek::op: {
        label = weft::to_string(e.o.kind);
        std::string nm = name_of(e.o.object, e.o.kind);
        if (!nm.empty()) label += " " + nm;
        break;
      }
    }
    out << ",{\"name\":\"" << json_escape(label) << "\",\"ph\":\"X\",\"pid\":1,\"tid\":" << e.goid
        << ",\"ts\":" << i << ",\"dur\":1,\"args\":{\"step\":" << (i + 1);
    if (e.kind == ek::op && e.o.where.line()) {
      out << ",\"site\":\"" << json_escape(site(e.o.where)) << "\"";
    }
    if (e.parked) out << ",\"parks\":true";
    out << "}}";
  }
  out << "]}\n";
  return out.str();
}

std::string engine::describe() const {
  object_names name_of;
  auto& names = name_of.names;
  std::vector<const event*> steps;
  for (const auto& e : tr_.events) {
    if (e.kind == ek::op) steps.push_back(&e);
  }
  for (const event* s : steps) name_of(s->o.object, s->o.kind);

  std::ostringstream out;
  out << "goroutines:\n";
  for (const auto& x : snap_) {
    out << "  goroutine " << x.id << " [" << x.state;
    if (x.object) {
      auto it = names.find(x.object);
      out << ", on " << (it != names.end() ? it->second : "object");
    }
    out << "]\n";
    if (x.at.line()) {
      out << "    " << (x.state.rfind("runnable", 0) == 0 ? "stopped at " : "blocked at ")
          << site(x.at) << " in " << x.at.function_name() << "\n";
    }
    if (x.parent) {
      out << "    created by goroutine " << x.parent << " at " << site(x.created) << "\n";
    } else {
      out << "    the body (goroutine 1), started at " << site(x.created) << "\n";
    }
  }
  if (fail_goid_ && fail_ == failure::panic) {
    const gstate& s = gs_[fail_goid_];
    out << "  goroutine " << fail_goid_ << " [panicked and exited]\n";
    if (s.parent) out << "    created by goroutine " << s.parent << " at " << site(s.created) << "\n";
  }

  // WaitGroups that someone waits on forever: counter, Add sites, who ended without Done.
  std::set<const void*> wgs;
  for (const auto& x : snap_) {
    if (x.wg_count >= 0) wgs.insert(x.object);
  }
  for (const void* w : wgs) {
    int count = 0;
    for (const auto& x : snap_) {
      if (x.object == w && x.wg_count >= 0) count = x.wg_count;
    }
    // Only a deadlock or a leak proves the Wait stuck for good; any other failure stopped the
    // execution while it merely waited.
    const bool stuck = fail_ == failure::deadlock || fail_ == failure::leak;
    out << "\n" << name_of(w, op_kind::wg_wait)
        << (stuck ? ": Wait can never return, counter is " : ": Wait still blocked, counter is ")
        << count << "\n";
    std::set<std::uint64_t> did_done;
    std::size_t first_add = tr_.events.size();
    for (std::size_t i = 0; i < tr_.events.size(); i++) {
      const auto& s = tr_.events[i];
      if (s.kind != ek::op || s.o.object != w || s.o.kind != op_kind::wg_add) continue;
      if (s.o.arg > 0) {
        if (first_add == tr_.events.size()) first_add = i;
        out << "    Add(" << s.o.arg << ") by goroutine " << s.goid << " at " << site(s.o.where)
            << "\n";
      } else {
        did_done.insert(s.goid);
        out << "    Add(" << s.o.arg << ") by goroutine " << s.goid << " at " << site(s.o.where)
            << "\n";
      }
    }
    for (std::size_t id = 2; id < gs_.size(); id++) {
      const gstate& s = gs_[id];
      if (s.gp && s.exited && !did_done.count(id) && s.created_step >= first_add &&
          first_add != tr_.events.size()) {
        out << "    goroutine " << id << " (created at " << site(s.created)
            << ") exited without calling Done (missed Done?)\n";
      }
    }
  }

  if (race_) {
    auto it = names.find(race_->object);
    std::string nm = it != names.end() ? it->second : "shared";
    auto cr = created_.find(race_->object);
    out << "\ndata race on " << nm;
    if (cr != created_.end()) out << " (created at " << site(cr->second) << ")";
    out << ":\n    " << (race_->later.write ? "write" : "read") << " by goroutine "
        << race_->later.goid << " at " << site(race_->later.where) << "\n    previous "
        << (race_->earlier.write ? "write" : "read") << " by goroutine " << race_->earlier.goid
        << " at " << site(race_->earlier.where) << "\n";
  }

  if (fail_ == failure::race && !tsan_details_.empty()) out << "\n" << tsan_details_;

  // The last steps of the interleaving.
  std::size_t n = steps.size();
  std::size_t from = n > 24 ? n - 24 : 0;
  out << "\nlast " << (n - from) << " of " << n << " steps:\n";
  for (std::size_t i = from; i < n; i++) {
    const auto& s = *steps[i];
    out << "  #" << (i + 1) << "  goroutine " << s.goid << "  " << weft::to_string(s.o.kind);
    std::string nm = name_of(s.o.object, s.o.kind);
    if (!nm.empty()) out << " " << nm;
    if (s.o.kind == op_kind::wg_add) out << " (" << s.o.arg << ")";
    out << "  at " << site(s.o.where) << "\n";
  }
  if (fail_ == failure::step_limit) {
    std::map<std::uint64_t, int> who;
    for (std::size_t i = from; i < n; i++) who[steps[i]->goid]++;
    out << "goroutines that kept running:";
    for (auto [id, c] : who) out << " goroutine " << id << " (" << c << " steps)";
    out << "\n";
  }
  return out.str();
}

}  // namespace weft::check::detail
