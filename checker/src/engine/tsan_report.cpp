// checker/src/engine/tsan_report.cpp — see tsan_report.hpp. Compiled without instrumentation
// like the rest of the checker: nothing here may touch memory TSan watches while a report is
// being made (TSan holds its report lock then; a nested report would deadlock), so the hook
// only copies the report into static storage; symbolising and formatting happen later, in
// take_tsan_report, from the engine.
//
// Invariant: `pending` is set only by the hook, on the thread running the explored execution
// (the hook ignores every other thread), and cleared only by take_tsan_report on that thread.
#include "engine/tsan_report.hpp"

#if defined(WEFT_TSAN)

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/engine.hpp"

extern "C" {
void* __tsan_get_current_report();
int __tsan_get_report_data(void* report, const char** description, int* count, int* stack_count,
                           int* mop_count, int* loc_count, int* mutex_count, int* thread_count,
                           int* unique_tid_count, void** sleep_trace, unsigned long trace_size);
int __tsan_get_report_mop(void* report, unsigned long idx, int* tid, void** addr, int* size,
                          int* write, int* atomic, void** trace, unsigned long trace_size);
int __tsan_get_report_loc(void* report, unsigned long idx, const char** type, void** addr,
                          unsigned long* start, unsigned long* size, int* tid, int* fd,
                          int* suppressable, void** trace, unsigned long trace_size);
int __tsan_get_report_thread(void* report, unsigned long idx, int* tid, unsigned long* os_id,
                             int* running, const char** name, int* parent_tid, void** trace,
                             unsigned long trace_size);
void __sanitizer_symbolize_pc(void* pc, const char* fmt, char* out_buf, std::size_t out_buf_size);
void __sanitizer_symbolize_global(void* data_ptr, const char* fmt, char* out_buf,
                                  std::size_t out_buf_size);

// TSan reads its defaults from here (the program's own definition, if any, wins at link time:
// it must then include these flags). Every execution and every replay must see its races, so
// TSan must not drop a report as a repeat of an earlier one.
const char* __tsan_default_options() {
  return "suppress_equal_stacks=0:suppress_equal_addresses=0";
}
}

namespace __tsan {
struct ReportDesc;
// Called by TSan for every report before it is printed; true means "suppressed": not printed,
// not counted in the exit status.
bool OnReport(const ReportDesc* rep, bool suppressed);
}  // namespace __tsan

namespace weft::check::detail {

namespace {

constexpr int max_frames = 16;

struct captured_mop {
  int tid = -1;
  void* addr = nullptr;
  int size = 0;
  bool write = false;
  bool atomic = false;
  void* pcs[max_frames] = {};
};

struct captured_thread {
  int tid = -1;
  bool running = false;
  char name[64] = {};
};

struct captured {
  bool pending = false;
  int extra = 0;  // further reports in the same execution before the engine took the first
  std::uint64_t goid = 0;  // the goroutine whose access completed the race
  char kind[64] = {};
  int nmops = 0;
  captured_mop mops[2];
  int nthreads = 0;
  captured_thread threads[8];
  bool has_loc = false;
  char loc_type[16] = {};
  void* loc_addr = nullptr;
  unsigned long loc_start = 0;
  unsigned long loc_size = 0;
  int loc_tid = -1;
  void* loc_pcs[max_frames] = {};
};

captured cap;

void copy_str(char* dst, std::size_t n, const char* src) {
  if (!src) src = "";
  std::size_t i = 0;
  for (; i + 1 < n && src[i]; i++) dst[i] = src[i];
  dst[i] = '\0';
}

// goroutine_of: "goroutine N" -> N; 0 when tid is not a goroutine in the report, or is a fiber
// that ran other goroutines before N ("goroutine N after K earlier, ..."), any of which may
// have made the access (party() then shows the fiber's whole name).
std::uint64_t goroutine_of(int tid) {
  for (int i = 0; i < cap.nthreads; i++) {
    if (cap.threads[i].tid != tid) continue;
    unsigned long long n = 0;
    int end = 0;
    if (std::sscanf(cap.threads[i].name, "goroutine %llu%n", &n, &end) == 1 &&
        std::strncmp(cap.threads[i].name + end, " after ", 7) != 0) {
      return n;
    }
  }
  return 0;
}

std::string party(int tid, std::uint64_t known) {
  std::uint64_t id = known ? known : goroutine_of(tid);
  if (id) return "goroutine " + std::to_string(id);
  for (int i = 0; i < cap.nthreads; i++) {
    if (cap.threads[i].tid == tid && cap.threads[i].name[0]) {
      return std::string("thread '") + cap.threads[i].name + "'";
    }
  }
  return "a goroutine that has exited";
}

bool weft_internal(const std::string& frame) {
  return frame.find("weft::detail::") != std::string::npos ||
         frame.find("weft::check::detail::") != std::string::npos;
}

// frames: the symbolised stack, innermost first, without weft's own plumbing; `site` gets the
// innermost frame's file:line.
std::string frames(void* const* pcs, std::string* site) {
  std::string out;
  int shown = 0;
  for (int i = 0; i < max_frames && pcs[i]; i++) {
    char buf[512];
    // A frame's pc is a return address except the innermost (the access itself).
    __sanitizer_symbolize_pc(pcs[i], "%f %L", buf, sizeof buf);
    std::string f = buf;
    if (weft_internal(f)) continue;
    if (site && site->empty()) {
      char loc[512];
      __sanitizer_symbolize_pc(pcs[i], "%L", loc, sizeof loc);
      *site = loc;
    }
    out += "      #" + std::to_string(shown++) + " " + f + "\n";
    if (shown == 8) break;
  }
  if (shown == 0) out = "      [stack not available]\n";
  return out;
}

std::string access_words(const captured_mop& m) {
  std::string s = m.atomic ? "atomic " : "";
  s += m.write ? "write" : "read";
  return s;
}

}  // namespace

bool take_tsan_report(std::string* message, std::string* details, std::uint64_t* goid) {
  if (!cap.pending) return false;
  cap.pending = false;
  *goid = cap.goid;
  std::string kind = cap.kind;
  std::string site0, site1;
  std::string body = "ThreadSanitizer: " + kind + "\n";
  for (int i = 0; i < cap.nmops; i++) {
    const captured_mop& m = cap.mops[i];
    char head[160];
    std::snprintf(head, sizeof head, "  %s%s of size %d at %p by ", i == 0 ? "" : "previous ",
                  access_words(m).c_str(), m.size, m.addr);
    body += head + party(m.tid, i == 0 ? cap.goid : 0) + ":\n";
    body += frames(m.pcs, i == 0 ? &site0 : &site1);
  }
  if (cap.has_loc) {
    std::string t = cap.loc_type;
    char line[256];
    if (t == "global") {
      char name[256];
      __sanitizer_symbolize_global(cap.loc_addr, "'%g' (%s:%l)", name, sizeof name);
      body += std::string("  location: global ") + name + "\n";
    } else if (t == "heap") {
      std::snprintf(line, sizeof line, "  location: heap block of size %lu at %p, allocated by ",
                    cap.loc_size, reinterpret_cast<void*>(cap.loc_start));
      body += line + party(cap.loc_tid, 0) + ":\n" + frames(cap.loc_pcs, nullptr);
    } else if (t == "stack") {
      body += "  location: the stack of " + party(cap.loc_tid, 0) + "\n";
    } else {
      body += "  location: " + t + "\n";
    }
  }
  if (cap.extra > 0) {
    body += "  (and " + std::to_string(cap.extra) + " more ThreadSanitizer report" +
            (cap.extra == 1 ? "" : "s") + " in this execution)\n";
  }
  details->swap(body);
  if (kind == "data-race" && cap.nmops == 2) {
    *message = "data race: " + access_words(cap.mops[0]) + " by " +
               party(cap.mops[0].tid, cap.goid) + " at " + (site0.empty() ? "?" : site0) +
               " and " + access_words(cap.mops[1]) + " by " + party(cap.mops[1].tid, 0) +
               " at " + (site1.empty() ? "?" : site1) +
               " are not ordered by happens-before (ThreadSanitizer)";
  } else {
    *message = "ThreadSanitizer: " + kind + " in goroutine " + std::to_string(cap.goid) +
               (site0.empty() ? "" : " at " + site0);
  }
  cap.extra = 0;
  return true;
}

}  // namespace weft::check::detail

bool __tsan::OnReport(const ReportDesc* rep, bool suppressed) {
  (void)rep;
  using weft::check::detail::cap;
  if (suppressed) return true;
  // Only reports raised by a goroutine of an explored execution on this thread.
  if (!dynamic_cast<weft::check::detail::engine*>(weft::detail::active_policy)) return false;
  weft::detail::g* gp = weft::detail::current();
  if (!gp) return false;
  if (cap.pending) {
    cap.extra++;
    return true;
  }
  void* r = __tsan_get_current_report();
  const char* desc = nullptr;
  int count = 0, nstacks = 0, nmops = 0, nlocs = 0, nmutexes = 0, nthreads = 0, nunique = 0;
  void* sleep_trace[1] = {};
  if (!r || !__tsan_get_report_data(r, &desc, &count, &nstacks, &nmops, &nlocs, &nmutexes,
                                    &nthreads, &nunique, sleep_trace, 1)) {
    return false;  // cannot read it: let TSan print it
  }
  weft::check::detail::copy_str(cap.kind, sizeof cap.kind, desc);
  cap.goid = gp->id;
  cap.nmops = nmops < 2 ? nmops : 2;
  for (int i = 0; i < cap.nmops; i++) {
    auto& m = cap.mops[i];
    m = {};
    int write = 0, atomic = 0;
    __tsan_get_report_mop(r, static_cast<unsigned long>(i), &m.tid, &m.addr, &m.size, &write,
                          &atomic, m.pcs, weft::check::detail::max_frames);
    m.write = write != 0;
    m.atomic = atomic != 0;
  }
  cap.nthreads = nthreads < 8 ? nthreads : 8;
  for (int i = 0; i < cap.nthreads; i++) {
    auto& t = cap.threads[i];
    t = {};
    unsigned long os_id = 0;
    int running = 0, parent = 0;
    const char* name = nullptr;
    void* trace[1] = {};
    __tsan_get_report_thread(r, static_cast<unsigned long>(i), &t.tid, &os_id, &running, &name,
                             &parent, trace, 0);
    t.running = running != 0;
    weft::check::detail::copy_str(t.name, sizeof t.name, name);
  }
  cap.has_loc = nlocs > 0;
  if (cap.has_loc) {
    const char* type = nullptr;
    int fd = 0, suppressable = 0;
    for (auto& pc : cap.loc_pcs) pc = nullptr;
    __tsan_get_report_loc(r, 0, &type, &cap.loc_addr, &cap.loc_start, &cap.loc_size, &cap.loc_tid,
                          &fd, &suppressable, cap.loc_pcs, weft::check::detail::max_frames);
    weft::check::detail::copy_str(cap.loc_type, sizeof cap.loc_type, type);
  }
  cap.pending = true;
  return true;
}

#else

namespace weft::check::detail {
bool take_tsan_report(std::string*, std::string*, std::uint64_t*) { return false; }
}  // namespace weft::check::detail

#endif  // WEFT_TSAN
