#!/usr/bin/env bash
# scripts/bench-compare.sh — weft vs Go, side by side.
#
# Builds weft_bench (Release, in build-bench/), runs it and the Go twins in bench/go with the same
# number of worker threads, takes the MEDIAN of the repetitions on each side and prints one
# markdown table: benchmark, weft ns/op, Go ns/op, weft/Go. Names are paired by dropping the
# BM_ / Benchmark prefix; Google Benchmark's "/process_time/real_time" decorations are dropped;
# Go's one-thread runs (-cpu 1) pair with weft's "<name>/procs:1". A benchmark present on one
# side only gets "-" on the other. Then it runs the 1M-goroutine programs (bench/million.cpp,
# bench/go/million) and, when built, skynet (bench/skynet.cpp, bench/go/skynet) in fresh
# processes and prints their times and peak RSS.
#
# Usage: scripts/bench-compare.sh [--quick] [--batch] [--all] [--no-programs] [--filter REGEX]
#   --quick        1 repetition, short runs (a smoke test, not numbers to publish)
#   --batch        all weft repetitions, then all Go runs (default: REPS interleaved rounds of
#                  one weft run and one Go run each, fairer on a shared, noisy machine)
#   --all          also run weft benchmarks that have no Go twin (by default only pairs run)
#   --no-programs  skip the 1M-goroutine / skynet programs
#   --filter RE    only benchmarks whose name without prefix matches RE (e.g. 'Spawn|Yield')
# Environment: PROCS (worker threads on both sides; default: nproc), REPS (default 5),
#   BUILD_DIR (default <repo>/build-bench), KEEP=1 keeps the raw outputs (their dir is printed),
#   MILLION (goroutines in the million programs, default 1000000; weft needs ~8 KiB RSS each).
# Needs: cmake, ninja, a C++20 compiler, libbenchmark-dev, Go >= 1.19 (offline is fine), python3.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The Go side and the report need golang-go and python3 (Debian packages, installed if missing).
WEFT_EXTRA_PACKAGES="golang-go python3 ${WEFT_EXTRA_PACKAGES:-}" "$root/scripts/setup.sh" deps
build=${BUILD_DIR:-$root/build-bench}
procs=${PROCS:-$(nproc)}
million=${MILLION:-1000000}
reps=${REPS:-5}
quick=0
interleave=1
all=0
programs=1
filter=.

while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1; reps=1 ;;
    --batch) interleave=0 ;;
    --all) all=1 ;;
    --no-programs) programs=0 ;;
    --filter) filter=$2; shift ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench-compare: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

tmp=$(mktemp -d)
if [[ ${KEEP:-0} == 1 ]]; then
  echo "raw outputs kept in $tmp" >&2
else
  trap 'rm -rf "$tmp"' EXIT
fi

log() { echo "== $*" >&2; }

# ---- build -----------------------------------------------------------------------------------
log "building weft_bench (Release) in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_BENCH=ON >"$tmp/cmake.log" 2>&1 ||
  { cat "$tmp/cmake.log" >&2; exit 1; }
targets=(weft_bench weft_million)
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^weft_skynet:'; then
  targets+=(weft_skynet)
fi
ninja -C "$build" -j"$(nproc)" "${targets[@]}" >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log" >&2; exit 1; }

export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
cpus=1
[[ $procs != 1 ]] && cpus="1,$procs"

# ---- weft and Go -----------------------------------------------------------------------------
# Interleaved (default): REPS rounds, each one weft_bench repetition then one go test run, so a
# load spike from elsewhere on a shared machine hits both sides alike; medians over the rounds.
# --batch: weft_bench --benchmark_repetitions=REPS (aggregates only), then go test -count REPS.
# Only the benchmarks with a Go twin run by default (weft_bench also holds weft-only ones, e.g.
# the explorer's throughput); --all runs every weft benchmark too, listed with "-" for Go.
twins=$(cd "$root/bench/go" && go test -list '^Benchmark' 2>/dev/null |
          sed -n 's/^Benchmark\([A-Za-z0-9_]*\)$/\1/p' | grep -E -- "$filter" | paste -sd'|' -) || twins=
if [[ $all == 1 ]]; then
  weft_args=(--benchmark_filter="^BM_($filter)")
elif [[ -n $twins ]]; then
  weft_args=(--benchmark_filter="^BM_($twins)(/|\$)")
else
  log "no Go benchmark matches '$filter' (or go test -list failed): running weft's"
  weft_args=(--benchmark_filter="^BM_($filter)")
fi
go_args=(-run '^$' -bench "^Benchmark($filter)" -cpu "$cpus")
if [[ $quick == 1 ]]; then
  weft_args+=(--benchmark_min_time=0.05)
  go_args+=(-benchtime 0.05s)
fi
run_weft() {  # json file, extra args
  local out=$1; shift
  WEFT_BENCH_PROCS=$procs "$build/bench/weft_bench" "${weft_args[@]}" "$@" \
    --benchmark_out="$out" --benchmark_out_format=json >&2 ||
    log "weft_bench FAILED (exit $?): its rows show what finished before the failure"
}
run_go() {  # extra args
  (cd "$root/bench/go" && go test "${go_args[@]}" "$@") | tee -a "$tmp/go.txt" >&2 ||
    log "go test FAILED: its rows show what finished before the failure"
}
: >"$tmp/go.txt"
if [[ $interleave == 1 ]]; then
  for ((r = 1; r <= reps; r++)); do
    log "round $r/$reps: weft_bench (procs=$procs and 1)"
    run_weft "$tmp/weft.$r.json"
    log "round $r/$reps: go test (GOMAXPROCS=$cpus)"
    run_go -count 1
  done
else
  log "weft_bench: procs=$procs and 1, $reps repetitions"
  run_weft "$tmp/weft.1.json" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true
  log "go test: GOMAXPROCS=$cpus, $reps runs"
  run_go -count "$reps"
fi

# ---- programs --------------------------------------------------------------------------------
: >"$tmp/programs.txt"
run_program() {  # label, then the command; appends "label<TAB>key: value" lines
  local label=$1; shift
  log "$label: $*"
  if "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    sed "s/^/$label\t/" "$tmp/out.txt" >>"$tmp/programs.txt"
  else
    echo "$label	failed: exit $?" >>"$tmp/programs.txt"
  fi
  if [[ -s $tmp/err.txt ]]; then
    cat "$tmp/err.txt" >&2
    sed "s/^/$label\tstderr: /" "$tmp/err.txt" >>"$tmp/programs.txt"
  fi
}
if [[ $programs == 1 ]]; then
  run_program "weft million" env WEFT_BENCH_PROCS="$procs" "$build/bench/weft_million" "$million"
  (cd "$root/bench/go" && go build -o "$tmp/go_million" ./million) &&
    run_program "Go million" env GOMAXPROCS="$procs" "$tmp/go_million" "$million"
  if [[ -x $build/bench/weft_skynet ]]; then
    run_program "weft skynet" env WEFT_BENCH_PROCS="$procs" "$build/bench/weft_skynet"
  fi
  (cd "$root/bench/go" && go build -o "$tmp/go_skynet" ./skynet) &&
    run_program "Go skynet" env GOMAXPROCS="$procs" "$tmp/go_skynet"
fi

# ---- report ----------------------------------------------------------------------------------
python3 - "$tmp" "$procs" <<'PY'
import glob, json, os, re, statistics, sys

tmp, procs = sys.argv[1], int(sys.argv[2])
weft_paths = sorted(glob.glob(os.path.join(tmp, "weft.*.json")))
go_path, prog_path = os.path.join(tmp, "go.txt"), os.path.join(tmp, "programs.txt")
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

def weft_key(name):
    name = re.sub(r"^BM_", "", name)
    parts = [p for p in name.split("/") if p not in ("real_time", "process_time", "manual_time")]
    return "/".join(parts)

# Go first: its order (bench_test.go, then chan_test.go) is the table's order.
go_samples, go_procs, order = {}, set(), []
line_re = re.compile(r"^Benchmark(\S+?)(?:-(\d+))?\s+\d+\s+([0-9.]+) ns/op")
with open(go_path, errors="replace") as f:
    for line in f:
        m = line_re.match(line)
        if not m:
            continue
        name, n, ns = m.group(1), int(m.group(2) or 1), float(m.group(3))
        go_procs.add(n)
        key = name if n == procs else f"{name}/procs:{n}"
        go_samples.setdefault(key, []).append(ns)
        if key not in order:
            order.append(key)
go = {k: statistics.median(v) for k, v in go_samples.items()}

weft, weft_procs, samples = {}, "?", {}
for path in weft_paths:
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"note: no usable weft_bench JSON in {os.path.basename(path)} ({e})")
        continue
    weft_procs = data.get("context", {}).get("weft_procs", weft_procs)
    for b in data.get("benchmarks", []):
        key = weft_key(b.get("run_name", b["name"]))
        ns = float(b["real_time"]) * to_ns[b.get("time_unit", "ns")]
        if key not in order:
            order.append(key)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                weft[key] = ns
        else:
            samples.setdefault(key, []).append(ns)
for key, xs in samples.items():  # interleaved rounds: the median over the rounds
    weft.setdefault(key, statistics.median(xs))
nrounds = max([len(v) for v in samples.values()] + [len(v) for v in go_samples.values()] + [0])

def fmt(x):
    if x is None:
        return "-"
    return f"{x:,.0f}" if x >= 1000 else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")

print()
print(f"weft procs: {weft_procs} (WEFT_BENCH_PROCS)  |  Go GOMAXPROCS: "
      f"{','.join(str(p) for p in sorted(go_procs)) or '-'} (go test -cpu)  |  "
      f"unsuffixed rows use {procs} threads on both sides, '/procs:1' rows one thread")
if str(weft_procs) != str(procs):
    print(f"WARNING: weft ran with {weft_procs} workers, Go with {procs}")
print()
print("| benchmark | weft ns/op | Go ns/op | weft/Go |")
print("|---|---:|---:|---:|")
bases = []
for key in order:
    if key.split("/")[0] not in bases:
        bases.append(key.split("/")[0])
rows = sorted(order, key=lambda k: (bases.index(k.split("/")[0]), "/" in k, k))
for key in rows:
    w, g = weft.get(key), go.get(key)
    ratio = f"{w / g:.2f}" if w is not None and g else "-"
    print(f"| {key} | {fmt(w)} | {fmt(g)} | {ratio} |")
print()
print(f"Medians of {nrounds} runs per side; ns/op is wall time per operation; weft/Go < 1 means weft is faster.")

progs, notes = {}, []
with open(prog_path) as f:
    for line in f:
        label, _, rest = line.rstrip("\n").partition("\t")
        if rest.startswith("stderr: ") or rest.startswith("failed"):
            notes.append(f"{label}: {rest}")
            continue
        k, _, v = rest.partition(": ")
        progs.setdefault(label, {})[k] = v
if progs or notes:
    print()
    print("| program | goroutines | procs | spawn ms | total ms | peak RSS MB | bytes/goroutine (peak RSS / N) | page tables MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, kv in progs.items():
        print(f"| {label} | {kv.get('goroutines', '-')} | {kv.get('procs', '-')} | "
              f"{kv.get('spawn_ms', '-')} | {kv.get('total_ms', '-')} | {kv.get('peak_rss_mb', '-')} | "
              f"{kv.get('bytes_per_goroutine', '-')} | {kv.get('page_tables_mb', '-')} |")
    for n in notes:
        print(f"\nnote: {n}")
PY
