// weft/panic.hpp — Go's panic, as a C++ exception.
//
// Misuse of a primitive throws panic_error with Go's exact message ("send on closed channel",
// "sync: negative WaitGroup counter", ...). Catching it is Go's recover: a caught panic is no
// failure. One that escapes a goroutine ends the program like Go: "panic: <what>", a goroutine
// dump on stderr, exit code 2 (under the explorer: a failed execution with a replay token).
#pragma once

#include <stdexcept>
#include <string>

namespace weft {

class panic_error : public std::runtime_error {
 public:
  explicit panic_error(const std::string& what) : std::runtime_error(what) {}
  explicit panic_error(const char* what) : std::runtime_error(what) {}
};

}  // namespace weft
