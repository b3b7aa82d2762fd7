#!/usr/bin/env bash
# scripts/demo.sh — README command 1: install what is missing, build, run the main demo.
#
#   ./scripts/demo.sh [N] [procs]     (arguments go to the demo: count primes below N on procs
#                                      worker threads; defaults 100000000 and all cores)
#
# Builds only what the demo needs, in build/default (the same tree the tests use).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh" deps
"$root/scripts/setup.sh" build default weft_example_demo
echo
exec "$root/build/default/examples/demo" "$@"
