// weft/config.hpp — settings for weft::run.
#pragma once

#include <cstddef>

namespace weft {

struct config {
  /// procs: worker threads (Go's GOMAXPROCS). 0 = the machine's hardware threads.
  int procs = 0;
  /// stack_size: bytes of stack per goroutine, rounded up to whole pages. Only touched pages
  /// cost memory; one guard page below each stack catches overflow.
  std::size_t stack_size = 256 * 1024;
};

}  // namespace weft
