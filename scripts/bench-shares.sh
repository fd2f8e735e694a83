#!/usr/bin/env bash
# Where one bench_verify path's measuring thread spends its time, by sampling (perf,
# cpu-clock): the share in ring's ECDSA verification (with the hash of the signing input)
# against everything else, and the largest functions outside it, self and inclusive.
#
#   scripts/bench-shares.sh [PATH [SECONDS]]   # PATH: 0 presentation, 1 licence SD-JWT, ...
#
# Why, beside bench-instructions.sh: instructions do not say what a cache miss costs. Time
# does: ring's share here is about the ratio bench_verify prints (the floor is the same
# verification), and the rest is what there is to win. Only the measuring thread is sampled
# (the event writer's thread is off the request path), after start-up.
# Needs perf (apt-get install linux-perf) and perf_event_paranoid <= 2 (software events).
set -euo pipefail
cd "$(dirname "$0")/.."
path="${1:-0}"
secs="${2:-8}"
. scripts/bench-profile-common.sh
needs perf linux-perf
build_bench_verify
ZT_BENCH_ONLY="$path" "$bin" $((secs + 6)) >"$work/bench.out" 2>&1 &
pid=$!
sleep 4 # start-up (keys, the node, the tokens) is not what is measured
# -t: the main thread alone (its tid is the process id), where every call runs.
perf record -q -e cpu-clock -F 2000 --call-graph dwarf,65528 -t "$pid" -o "$work/perf.data" \
  -- sleep "$secs" >/dev/null 2>&1
wait "$pid"
cat "$work/bench.out"
ring='nistz256|ring::ec|ring_core|ring::limb|ring::arithmetic|p256|ecdsa|sha256_block'
perf report -i "$work/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
  grep '%' >"$work/self.txt" || true
perf report -i "$work/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
  grep '%' >"$work/inclusive.txt" || true
awk -v ring="$ring" '{ p = $1; sub("%", "", p); if ($0 ~ ring) r += p; else o += p }
  END { printf "ring (ECDSA and its hash): %.1f%%   everything else: %.1f%%\n", r, o }' \
  "$work/self.txt"
echo "largest outside ring, self time:"
grep -Ev "$ring" "$work/self.txt" | sed -n 1,15p | sed 's/  */ /g' | cut -c1-140
echo "largest of ours, inclusive (time in the function and what it calls):"
grep 'zhengtong::' "$work/inclusive.txt" | sed -n 1,25p | sed 's/  */ /g' | cut -c1-140
