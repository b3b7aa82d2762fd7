// weft/source_location.hpp — weft::source_location: std::source_location where the standard
// library provides it, and an equivalent built on the compiler's __builtin_FILE / LINE /
// FUNCTION / COLUMN where it does not (libstdc++ 12's <source_location> needs
// __builtin_source_location, which clang 14 lacks). Every weft API that records where it was
// called takes a weft::source_location defaulted to current(), so both compilers build weft.
#pragma once

#include <cstdint>
#if __has_include(<source_location>)
#include <source_location>
#endif

namespace weft {

#if defined(__cpp_lib_source_location)
using source_location = std::source_location;
#else
/// source_location: the call site of the function whose default argument is current().
class source_location {
 public:
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           const char* function = __builtin_FUNCTION(),
                                           std::uint_least32_t line = __builtin_LINE(),
                                           std::uint_least32_t column = __builtin_COLUMN()) noexcept {
    source_location l;
    l.file_ = file;
    l.function_ = function;
    l.line_ = line;
    l.column_ = column;
    return l;
  }
  constexpr source_location() noexcept = default;
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return column_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
  std::uint_least32_t column_ = 0;
};
#endif

}  // namespace weft
