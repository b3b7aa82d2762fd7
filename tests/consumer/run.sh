#!/usr/bin/env bash
# tests/consumer/run.sh — weft as a dependency of another CMake project, both ways:
#   1. add_subdirectory(<weft source>) + weft::weft          (tests/consumer/subdirectory)
#   2. cmake --install, then find_package(weft) + weft::weft (tests/consumer/installed)
# Each consumer builds tests/consumer/main.cpp (goroutines, mutex, wait_group, channel) and runs it.
#
# Usage: tests/consumer/run.sh SCRATCH_DIR [WEFT_BUILD_DIR[:SANITIZER]]...
#   Every WEFT_BUILD_DIR (an already built weft tree, e.g. CI's plain, tsan and asan builds) is
#   installed into its own prefix under SCRATCH_DIR and the find_package consumer is built against
#   it; SANITIZER (none, thread or address) is what the consumer must report it was compiled with,
#   which proves -DWEFT_SANITIZE travels through weft::weft's exported interface.
#   With no WEFT_BUILD_DIR, a plain weft is configured, built and installed here first.
#   The add_subdirectory consumer is built and run plain, and configured with
#   -DWEFT_SANITIZE=address,undefined (its main.cpp must then be compiled with those flags).
# Exits non-zero on the first failure; prints one line per check.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
scratch=${1:?usage: run.sh SCRATCH_DIR [WEFT_BUILD_DIR[:SANITIZER]]...}
shift
mkdir -p "$scratch"
scratch=$(cd "$scratch" && pwd)
jobs=${WEFT_JOBS:-2}
log="$scratch/consumer.log"
: >"$log"

quiet() {  # run a command, keep its output in the log, show the log's tail if it fails
  if ! "$@" >>"$log" 2>&1; then
    echo "consumer: FAILED: $*" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
}

check_run() {  # check_run LABEL EXE EXPECTED_SANITIZER
  local out
  if ! out=$("$2" 2>&1); then
    echo "consumer: FAILED: $1: the program failed:" >&2
    echo "$out" >&2
    exit 1
  fi
  if [[ "$out" != *"compiled with sanitizer: $3"* ]]; then
    echo "consumer: FAILED: $1: expected sanitizer '$3', got: $out" >&2
    exit 1
  fi
  echo "consumer: ok: $1 (${out//$'\n'/; })"
}

cmake_gen=(-G Ninja)

builds=("$@")
if [ ${#builds[@]} -eq 0 ]; then
  quiet cmake -S "$src" -B "$scratch/weft" "${cmake_gen[@]}" -DWEFT_BUILD_TESTS=OFF \
    -DWEFT_BUILD_BENCH=OFF -DWEFT_BUILD_EXAMPLES=OFF
  quiet cmake --build "$scratch/weft" -j "$jobs"
  builds=("$scratch/weft:none")
fi

# find_package against each installed build.
n=0
for spec in "${builds[@]}"; do
  dir=${spec%%:*}
  san=none
  [[ "$spec" == *:* ]] && san=${spec##*:}
  n=$((n + 1))
  prefix="$scratch/prefix-$n"
  rm -rf "$prefix" "$scratch/installed-$n"
  # cmake --install does not build: bring the installed libraries up to date first.
  libs=(weft_runtime)
  ninja -C "$dir" -t targets all 2>/dev/null | grep -q "^weft_check:" && libs+=(weft_check)
  quiet cmake --build "$dir" -j "$jobs" --target "${libs[@]}"
  quiet cmake --install "$dir" --prefix "$prefix"
  quiet cmake -S "$src/tests/consumer/installed" -B "$scratch/installed-$n" "${cmake_gen[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix"
  quiet cmake --build "$scratch/installed-$n" -j "$jobs"
  check_run "find_package(weft) from $(basename "$dir") installed" \
    "$scratch/installed-$n/consumer" "$san"
done

# add_subdirectory, plain and sanitized.
quiet cmake -S "$src/tests/consumer/subdirectory" -B "$scratch/subdirectory" "${cmake_gen[@]}" \
  -DWEFT_SOURCE_DIR="$src"
quiet cmake --build "$scratch/subdirectory" -j "$jobs"
check_run "add_subdirectory(weft)" "$scratch/subdirectory/consumer" none

# With -DWEFT_SANITIZE the consumer's own sources must be compiled with the sanitizer flags.
# (Configured only: the installed sanitizer builds above already build and run such consumers.)
quiet cmake -S "$src/tests/consumer/subdirectory" -B "$scratch/subdirectory-asan" \
  "${cmake_gen[@]}" -DWEFT_SOURCE_DIR="$src" -DWEFT_SANITIZE=address,undefined
compile=$(ninja -C "$scratch/subdirectory-asan" -t commands consumer | grep -E -- "-c [^ ]*main\.cpp" || true)
if [[ "$compile" != *"-fsanitize=address,undefined"* || "$compile" != *"-DWEFT_ASAN=1"* ]]; then
  echo "consumer: FAILED: add_subdirectory with WEFT_SANITIZE=address,undefined: the consumer's" \
    "main.cpp is compiled without the sanitizer flags: $compile" >&2
  exit 1
fi
echo "consumer: ok: add_subdirectory(weft) with WEFT_SANITIZE=address,undefined compiles the" \
  "consumer with -fsanitize=address,undefined -DWEFT_ASAN=1"

echo "consumer: all checks passed"
