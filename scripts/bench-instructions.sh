#!/usr/bin/env bash
# Instructions per call of one bench_verify path on its measuring thread, counted by valgrind
# (callgrind): a figure the shared machine's noise cannot move, for A/B of a change that is
# smaller than the noise of the timed rates. N calls less a run of none, so start-up cancels.
#
#   scripts/bench-instructions.sh [PATH [CALLS]]   # PATH: 0 presentation, 1 licence SD-JWT, ...
#
# Under valgrind ring takes its portable code paths (no ADX, no SHA extensions), so its share
# here is larger than on the CPU: compare builds with each other, not with the timed ratios.
# The event writer's thread is left out (its work is off the request path).
set -euo pipefail
cd "$(dirname "$0")/.."
path="${1:-0}"
calls="${2:-1000}"
. scripts/bench-profile-common.sh
needs valgrind valgrind
build_bench_verify
count() {
  ZT_BENCH_ONLY="$path" ZT_BENCH_CALLS="$1" valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$work/cg.$1" "$bin" >/dev/null 2>&1
  # Thread 1 is the one that runs the calls (a current_thread runtime).
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$1-01"
}
none="$(count 0)"
some="$(count "$calls")"
echo "path $path: $(( (some - none) / calls )) instructions per call on the measuring thread ($calls calls)"
