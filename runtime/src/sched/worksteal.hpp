// runtime/src/sched/worksteal.hpp — the production policy's factory (see worksteal.cpp).
#pragma once

#include <exception>
#include <memory>

#include "weft/policy.hpp"

namespace weft::detail {

/// make_worksteal: Go's G/M/P scheduler with `procs` workers.
std::unique_ptr<policy> make_worksteal(int procs);

/// print_panic: "panic: <what>" for an exception that escaped gp, on stderr.
void print_panic(g* gp, std::exception_ptr e) noexcept;

}  // namespace weft::detail
