// checker/src/strategy/dpor.cpp — placeholder until the DPOR oracle lands: exhaustive DFS.
#include "strategy/oracle.hpp"

namespace weft::check::detail {

std::unique_ptr<oracle> make_dpor(int preemption_bound) { return make_dfs(preemption_bound); }

}  // namespace weft::check::detail
