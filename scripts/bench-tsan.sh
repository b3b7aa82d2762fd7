#!/usr/bin/env bash
# scripts/bench-tsan.sh — what ThreadSanitizer costs: weft's TSan build next to Go's -race.
#
# Builds weft_bench plain and with -DWEFT_SANITIZE=thread (Release), with g++ (GCC 12's libtsan)
# and, when clang++ is there, with clang++ too (compiler-rt's TSan runtime), in
# build-bench-{gcc,clang}{,-tsan}/. Then REPS interleaved rounds: every weft build, go test and
# go test -race, on the same workloads (bench/*.cpp and their twins in bench/go). Prints one
# markdown table of medians: plain and sanitized ns/op and the slowdown (sanitized / plain) for
# Go and for each compiler.
#
# Usage: scripts/bench-tsan.sh [--quick] [--filter 'A|B|...']
#   --quick      1 round, short runs (a smoke test, not numbers to publish)
#   --filter A|B names without the BM_ prefix (default: ChanPingPong|Skynet100K|Skynet1M)
# Environment: PROCS (worker threads on both sides; default: nproc), REPS (default 3).
# Needs what scripts/bench-compare.sh needs (installed when missing, from Debian packages).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WEFT_EXTRA_PACKAGES="golang-go python3 clang ${WEFT_EXTRA_PACKAGES:-}" "$root/scripts/setup.sh" deps
procs=${PROCS:-$(nproc)}
reps=${REPS:-3}
quick=0
filter='ChanPingPong|Skynet100K|Skynet1M'
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1; reps=1 ;;
    --filter) filter=$2; shift ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench-tsan: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log() { echo "== $*" >&2; }

build_one() {  # dir, compiler, extra cmake args...
  local dir=$1 cxx=$2; shift 2
  log "building weft_bench (Release, $cxx $*) in $dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
    -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_BENCH=ON "$@" \
    >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; exit 1; }
  ninja -C "$dir" -j"$(nproc)" weft_bench >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; exit 1; }
}
sides=(gcc gcc-tsan)
compilers=(g++)
command -v clang++ >/dev/null && { sides+=(clang clang-tsan); compilers+=(clang++); }
for cxx in "${compilers[@]}"; do
  name=gcc
  [[ $cxx == clang++ ]] && name=clang
  build_one "$root/build-bench-$name" "$cxx"
  build_one "$root/build-bench-$name-tsan" "$cxx" -DWEFT_SANITIZE=thread
done

export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
cpus=1
[[ $procs != 1 ]] && cpus="1,$procs"
IFS='|' read -r -a benches <<<"$filter"
weft_extra=()
go_args=(-run '^$' -bench "^Benchmark($filter)\$" -cpu "$cpus" -count 1)
if [[ $quick == 1 ]]; then
  weft_extra+=(--benchmark_min_time=0.05)
  go_args+=(-benchtime 0.05s)
fi

for ((r = 1; r <= reps; r++)); do
  for side in "${sides[@]}"; do
    # One process per benchmark: TSan's state after a million goroutines slows whatever runs
    # next in the same process, and a benchmark that dies (GCC's TSan on Skynet1M: its
    # 8128-fiber limit) takes only its own row with it.
    for b in "${benches[@]}"; do
      log "round $r/$reps: weft $side $b"
      TSAN_OPTIONS=atexit_sleep_ms=0 WEFT_BENCH_PROCS=$procs \
        "$root/build-bench-$side/bench/weft_bench" --benchmark_filter="^BM_$b(/|\$)" "${weft_extra[@]}" \
        --benchmark_out="$tmp/weft-$side.$r.$b.json" --benchmark_out_format=json >&2 ||
        log "weft_bench ($side, $b) FAILED (exit $?)"
    done
  done
  log "round $r/$reps: go test"
  (cd "$root/bench/go" && go test "${go_args[@]}") | tee -a "$tmp/go-plain.txt" >&2 ||
    log "go test FAILED"
  log "round $r/$reps: go test -race"
  (cd "$root/bench/go" && go test -race "${go_args[@]}") | tee -a "$tmp/go-race.txt" >&2 ||
    log "go test -race FAILED"
done

python3 - "$tmp" "$procs" <<'PY'
import glob, json, os, re, statistics, sys

tmp, procs = sys.argv[1], int(sys.argv[2])
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

def weft(side):
    xs = {}
    for path in glob.glob(os.path.join(tmp, f"weft-{side}.*.json")):
        try:
            data = json.load(open(path))
        except (OSError, ValueError):
            continue
        for b in data.get("benchmarks", []):
            name = re.sub(r"^BM_", "", b.get("run_name", b["name"]))
            name = "/".join(p for p in name.split("/") if p not in ("real_time", "process_time"))
            xs.setdefault(name, []).append(float(b["real_time"]) * to_ns[b.get("time_unit", "ns")])
    return {k: statistics.median(v) for k, v in xs.items()}

def go(side):
    xs = {}
    line = re.compile(r"^Benchmark(\S+?)(?:-(\d+))?\s+\d+\s+([0-9.]+) ns/op")
    try:
        lines = open(os.path.join(tmp, f"go-{side}.txt"), errors="replace").readlines()
    except OSError:
        lines = []
    for l in lines:
        m = line.match(l)
        if m:
            n = int(m.group(2) or 1)
            key = m.group(1) if n == procs else f"{m.group(1)}/procs:{n}"
            xs.setdefault(key, []).append(float(m.group(3)))
    return {k: statistics.median(v) for k, v in xs.items()}

gp, gr = go("plain"), go("race")
w = {side: weft(side) for side in ("gcc", "gcc-tsan", "clang", "clang-tsan")}

def fmt(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 1000 else f"{x:.1f}"

def slow(a, b):
    return f"{a / b:.1f}x" if a is not None and b else "-"

keys = set(gp) | set(gr)
for v in w.values():
    keys |= set(v)
print()
print(f"{procs} threads on both sides for unsuffixed rows, one for '/procs:1'; medians of the rounds.")
print()
print("| benchmark | Go | Go -race | Go slowdown | weft g++ | weft g++ TSan | g++ slowdown "
      "| weft clang | weft clang TSan | clang slowdown |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for key in sorted(keys, key=lambda k: ("/" in k, k)):
    g0, g1 = gp.get(key), gr.get(key)
    a0, a1 = w["gcc"].get(key), w["gcc-tsan"].get(key)
    c0, c1 = w["clang"].get(key), w["clang-tsan"].get(key)
    print(f"| {key} | {fmt(g0)} | {fmt(g1)} | {slow(g1, g0)} | {fmt(a0)} | {fmt(a1)} | "
          f"{slow(a1, a0)} | {fmt(c0)} | {fmt(c1)} | {slow(c1, c0)} |")
print()
print("ns/op; slowdown = sanitized / plain, each side against its own plain build.")
PY
