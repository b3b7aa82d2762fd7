#!/usr/bin/env bash
# scripts/setup.sh — make a Debian 12 machine ready for weft, then configure and build it.
#
#   scripts/setup.sh                        deps, then build everything in build/default
#   scripts/setup.sh deps                   install the missing Debian packages (only those)
#   scripts/setup.sh build NAME [TARGET...] configure build/NAME with NAME's options (below) and
#                                           build TARGETs (default: everything)
#
# Builds (CMake + Ninja, separate trees under build/):
#   default   -DWEFT_WERROR=ON                                   tests, examples, benchmarks
#   tsan      -DWEFT_WERROR=ON -DWEFT_SANITIZE=thread            tests and examples
#   asan      -DWEFT_WERROR=ON -DWEFT_SANITIZE=address,undefined tests and examples (at -O1)
#   clang-tsan  the tsan build with clang++ (compiler-rt's TSan runtime) tests and examples
#
# Packages come from Debian's own archive through apt-get, nothing else is downloaded. When
# everything is already installed apt-get is not run at all (so CI can rerun this freely). It
# never prompts (DEBIAN_FRONTEND=noninteractive) and needs root (or sudo) only when something is
# missing. Build output goes to build/NAME.log; on failure its relevant part is printed.
# Environment: WEFT_JOBS (parallel jobs, default 2), WEFT_EXTRA_PACKAGES (more Debian packages).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${WEFT_JOBS:-2}

# What building and testing weft needs on Debian 12. (GCC's sanitizer runtimes come with g++;
# clang's are only recommended by clang, so they are named.)
packages=(g++ cmake ninja-build libboost-context-dev libgtest-dev libbenchmark-dev
          librapidcheck-dev libgmock-dev clang libclang-rt-14-dev)
# shellcheck disable=SC2206
packages+=(${WEFT_EXTRA_PACKAGES:-})

say() { echo "setup: $*"; }

deps() {
  local missing=() p
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#packages[@]} packages already installed"
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then
      sudo=(sudo)
    else
      say "missing packages (${missing[*]}) and not root: run as root or install sudo" >&2
      exit 1
    fi
  fi
  say "installing ${missing[*]} (apt-get, Debian archive)"
  local log="${TMPDIR:-/tmp}/weft-apt.log"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo[@]}" apt-get update -q &&
         "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
           --no-install-recommends "${missing[@]}"; } </dev/null >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    say "apt-get failed (full log: $log)" >&2
    exit 1
  fi
  say "installed ${#missing[@]} packages"
}

cmake_args_for() {  # sets cmake_args for build $1
  case "$1" in
    default) cmake_args=(-DWEFT_WERROR=ON) ;;
    tsan) cmake_args=(-DWEFT_WERROR=ON -DWEFT_SANITIZE=thread -DWEFT_BUILD_BENCH=OFF) ;;
    # -O1: UBSan's checks make -O2 compiles of the tests about 40% slower, for little gain.
    asan) cmake_args=(-DWEFT_WERROR=ON -DWEFT_SANITIZE=address,undefined -DWEFT_BUILD_BENCH=OFF
                      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g -DNDEBUG") ;;
    clang-tsan) cmake_args=(-DWEFT_WERROR=ON -DWEFT_SANITIZE=thread -DWEFT_BUILD_BENCH=OFF
                            -DCMAKE_CXX_COMPILER=clang++) ;;
    *) say "unknown build '$1' (default, tsan, asan, clang-tsan)" >&2; exit 2 ;;
  esac
}

build() {
  local name=$1
  shift
  local dir="$root/build/$name" log="$root/build/$name.log" start=$SECONDS
  mkdir -p "$root/build"
  local cmake_args=()
  cmake_args_for "$name"
  if ! cmake -S "$root" -B "$dir" -G Ninja "${cmake_args[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "configuring build/$name FAILED (log: $log)" >&2
    return 1
  fi
  local what="everything"
  [ $# -gt 0 ] && what="$*"
  say "building build/$name ($what, -j$jobs)..."
  if ! ninja -C "$dir" -j "$jobs" "$@" >>"$log" 2>&1; then
    grep -E -A12 "^FAILED:|error:" "$log" | head -n 80 >&2 || true
    say "building build/$name FAILED (log: $log)" >&2
    return 1
  fi
  say "built build/$name in $((SECONDS - start)) s"
}

case "${1:-all}" in
  deps) deps ;;
  build) shift; build "$@" ;;
  all) deps; build default ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
