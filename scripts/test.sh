#!/usr/bin/env bash
# scripts/test.sh — README command 2 (and exactly what CI runs, via .ci/run): install what is
# missing, then build and run every test in four builds, then the consumer test.
#
#   ./scripts/test.sh [STAGE...]     STAGEs: default tsan asan clang-tsan consumer (default: all)
#
# Stages:
#   default   build/default: -DWEFT_WERROR=ON, everything (benchmarks are built, not run) + ctest
#   tsan      build/tsan:    ThreadSanitizer (-DWEFT_SANITIZE=thread)                     + ctest
#   asan      build/asan:    AddressSanitizer + UBSan (-DWEFT_SANITIZE=address,undefined) + ctest
#   clang-tsan build/clang-tsan: the tsan build compiled by clang++, with compiler-rt's (newer)
#             ThreadSanitizer runtime                                                    + ctest
#   consumer  weft used from another CMake project: find_package against each build above
#             installed (sanitizer flags must reach the consumer) and add_subdirectory
#             (tests/consumer/run.sh)
# ctest runs with --output-on-failure -j$WEFT_JOBS, three minutes per test at most; passing tests'
# lines are left out of the console (WEFT_VERBOSE=1 shows everything; full logs are in
# build/<stage>.ctest.log).
# Every stage runs even when an earlier one failed; the exit status is non-zero if anything
# failed. The last line printed is always "<N> passed, <M> failed" summed over all stages
# (a build that fails counts as one failure; tests that skip themselves count as neither and
# are listed in the line before).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${WEFT_JOBS:-2}
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(default tsan asan clang-tsan consumer)

total_pass=0
total_fail=0
summary=()
t_all=$SECONDS

"$root/scripts/setup.sh" deps || { echo "0 passed, 1 failed"; exit 1; }

total_skip=0
record() {  # record STAGE PASSED FAILED SECONDS NOTE [SKIPPED]
  local skipped=${6:-0}
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
  total_skip=$((total_skip + skipped))
  summary+=("$(printf '  %-10s %6d passed %4d failed %4d skipped %6d s   %s' "$1" "$2" "$3" "$skipped" "$4" "$5")")
}

run_ctest() {  # run_ctest STAGE
  local stage=$1 dir="$root/build/$1" log="$root/build/$1.ctest.log" start=$SECONDS
  echo
  echo "==== $stage: building"
  if ! "$root/scripts/setup.sh" build "$stage"; then
    record "$stage" 0 1 $((SECONDS - start)) "BUILD FAILED (build/$stage.log)"
    return
  fi
  echo "==== $stage: ctest --output-on-failure -j$jobs"
  local filter='^ *Start +[0-9]+:|^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed +[0-9.]+ sec$'
  [ "${WEFT_VERBOSE:-0}" = 1 ] && filter='^$^'
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 180) 2>&1 | tee "$log" |
    grep -E -v "$filter"
  local rc=${PIPESTATUS[0]}
  local line total failed
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1)
  if [ -n "$line" ]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  else
    failed=1
    total=1
  fi
  if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi  # ctest itself failed
  # ctest counts a test that skipped itself (GTEST_SKIP) as passed; count it apart.
  local skipped
  skipped=$(grep -c -E "^[[:space:]]+[0-9]+ - .* \(Skipped\)$" "$log")
  local note="ok"
  [ "$failed" != 0 ] && note="FAILED (log: build/$stage.ctest.log)"
  local passed=$((total - failed - skipped))
  record "$stage" $((passed < 0 ? 0 : passed)) "$failed" $((SECONDS - start)) "$note" "$skipped"
}

run_consumer() {
  local start=$SECONDS log="$root/build/consumer.out" specs=() s
  echo
  echo "==== consumer: weft from other CMake projects (find_package, add_subdirectory)"
  for s in default:none tsan:thread asan:address; do
    [ -f "$root/build/${s%%:*}/CMakeCache.txt" ] && specs+=("$root/build/${s%%:*}:${s##*:}")
  done
  mkdir -p "$root/build"
  rm -rf "$root/build/consumer"
  WEFT_JOBS=$jobs bash "$root/tests/consumer/run.sh" "$root/build/consumer" "${specs[@]}" 2>&1 |
    tee "$log"
  local rc=${PIPESTATUS[0]}
  local ok
  ok=$(grep -c "^consumer: ok:" "$log")
  if [ "$rc" = 0 ]; then
    record consumer "$ok" 0 $((SECONDS - start)) "ok"
  else
    record consumer "$ok" 1 $((SECONDS - start)) "FAILED (log: build/consumer/consumer.log)"
  fi
}

for stage in "${stages[@]}"; do
  case "$stage" in
    default | tsan | asan | clang-tsan) run_ctest "$stage" ;;
    consumer) run_consumer ;;
    *) echo "test.sh: unknown stage '$stage' (default, tsan, asan, clang-tsan, consumer)"; record "$stage" 0 1 0 "unknown stage" ;;
  esac
done

echo
echo "==== summary ($((SECONDS - t_all)) s)"
printf '%s\n' "${summary[@]}"
if [ "$total_fail" = 0 ]; then echo "ALL PASSED"; else echo "SOME FAILED"; fi
echo "($total_skip skipped: the tests' own GTEST_SKIP, listed in build/<stage>.ctest.log)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
