// checker/src/engine/tsan_report.hpp — ThreadSanitizer reports inside explored executions.
//
// In a ThreadSanitizer build (-DWEFT_SANITIZE=thread) the checker overrides TSan's report hook
// (__tsan::OnReport, GCC's and LLVM's runtime both call it before printing a report). While a
// goroutine of an explored execution runs on this thread, a report is captured (its kind, both
// accesses with their goroutines and stacks, the location), kept from being printed or counted
// (the test binary does not fail at exit for a race the explorer consumed), and the engine turns
// it into failure::race at its next step. Everywhere else (weft::run, plain threads) reports
// are left to TSan: printed, counted, exit code 66.
//
// The checker also defines __tsan_default_options, so that TSan reports a race again every time
// it happens (suppress_equal_stacks=0, suppress_equal_addresses=0): every execution, and every
// replay in the same process, must see its own races. A program that defines its own
// __tsan_default_options must include those two flags.
//
// Outside TSan builds everything here is a no-op.
#pragma once

#include <cstdint>
#include <string>

namespace weft::check::detail {

/// take_tsan_report: if a report was captured since the last call, describe it and clear it.
/// message: one line naming both accesses and their goroutines; details: the report body
/// (stacks and location), for the failure report.
bool take_tsan_report(std::string* message, std::string* details, std::uint64_t* goid);

}  // namespace weft::check::detail
