// runtime/src/core/run.cpp — weft::run: choose the policy, run goroutine 1, tear down.
//
// WEFT_SCHED selects a deterministic policy for the whole program; the checker library provides
// it through sched_factory (the runtime never depends on the checker).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "sched/worksteal.hpp"
#include "weft/detail/core.hpp"
#include "weft/go.hpp"

namespace weft::detail {

policy_factory sched_factory = nullptr;

int run_main(g* gp, const config& cfg, const weft::source_location& where) {
  WEFT_TSAN_QUIET();  // the caller's thread schedules goroutines until the run ends
  if (active_policy) fatal("weft::run called while another run is active (nested run?)");
  int procs = cfg.procs;
  if (procs <= 0) procs = static_cast<int>(std::thread::hardware_concurrency());
  if (procs <= 0) procs = 1;

  std::unique_ptr<policy> pol;
  if (const char* spec = std::getenv("WEFT_SCHED"); spec && *spec) {
    if (!sched_factory) {
      fatal("WEFT_SCHED is set but this program is not linked with weft::check");
    }
    std::string err;
    pol = sched_factory(spec, &err);
    if (!pol) {
      std::string m = "WEFT_SCHED=" + std::string(spec) + ": " + err;
      fatal(m.c_str());
    }
    procs = 1;
  } else {
    pol = make_worksteal(procs);
  }

  reset_goids();
  active_policy = pol.get();
  controlled = pol->controlled();
  tracks_hb = pol->tracks_hb();
  nprocs = procs;
  gp->is_main = true;
  start_g(gp, where);
  int rc = pol->run(gp);
  abandon_all();
  trim_stack_cache();
  active_policy = nullptr;
  controlled = false;
  tracks_hb = false;
  nprocs = 1;
  return rc;
}

}  // namespace weft::detail
