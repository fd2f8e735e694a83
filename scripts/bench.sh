#!/usr/bin/env bash
# Every benchmark in one run, one after the other; each prints its figures next to the
# floor it measured in the same run (so the ratios hold on a shared, noisy machine):
#   bench_verify         POST /v1/verify in process vs ring ECDSA, one core (issue 10)
#   bench_http           POST /v1/verify over loopback (wrk) vs ring on every core, p50/p99
#   bench_presentations  offline verification vs ring; minting vs the qrcode crate's encode
#   bench_bundles        start-up bundles/s, durable, vs their signatures alone
#   store_floor          the store's own flushed writes/s at 1, 8 and 64 writers
#   bench-writes.sh      durable registrations, bundles, invoices/s over HTTP at 1, 8, 64
#                        connections, each against store_floor at as many writers
#   scale                ZT_SCALE_MAX companies (default 100000): latency, RSS, disk
#
#   scripts/bench.sh [SECONDS_PER_FIGURE]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --bins --examples
dir="${CARGO_TARGET_DIR:-target}/release/examples"
for ex in bench_verify bench_http bench_presentations bench_bundles store_floor; do
  echo
  echo "## $ex"
  "$dir/$ex" "$secs"
done
echo
echo "## durable writes over HTTP (scripts/bench-writes.sh)"
ZT_BIN="${CARGO_TARGET_DIR:-target}/release/zhengtong" ZT_FLOOR_BIN="$dir/store_floor" \
  scripts/bench-writes.sh "$secs"
echo
echo "## scale"
"$dir/scale" "${ZT_SCALE_MAX:-100000}"
