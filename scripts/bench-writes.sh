#!/usr/bin/env bash
# Durable writes/s through HTTP with wrk: registrations, start-up bundles and invoices at
# 1, 8 and 64 connections, against a release server in a temporary folder, each next to the
# store's own flushed-write floor at as many writers (examples/store_floor, run first in the
# same temporary folder's file system). After each run a fresh registration must answer
# within a second (the server never hangs). Prints a table.
# Usage: scripts/bench-writes.sh [SECONDS per run, default 10]. Needs wrk and curl.
# ZT_BIN=path runs that binary instead of building target/release/zhengtong; ZT_FLOOR_BIN the
# store_floor example instead of building it.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
bin=${ZT_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release -q
  bin=${CARGO_TARGET_DIR:-target}/release/zhengtong
fi
floor_bin=${ZT_FLOOR_BIN:-}
if [ -z "$floor_bin" ]; then
  cargo build --release -q --example store_floor
  floor_bin=${CARGO_TARGET_DIR:-target}/release/examples/store_floor
fi
echo "the store's floor (small atomic batches, each flushed), $secs s per level:"
floors=$("$floor_bin" "$secs")
echo "$floors"
echo
floor_of() { echo "$floors" | awk -v c="$1" '$1 == c {print $2}'; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen 127.0.0.1:$port --data "$dir/data" --certs "$dir/certs" \
  --region 440100 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf $base/healthz >/dev/null && break; sleep 0.2; done
admin=$(cat "$dir/data/admin.token")
tok() { curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d "{\"role\":\"$1\"}" $base/v1/tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
authority=$(tok authority); tax=$(tok tax)
# USCC for company number N (GB 32100 check character).
uscc() { python3 -c '
import sys
a="0123456789ABCDEFGHJKLMNPQRTUWXY"; w=[1,3,9,27,19,26,16,17,20,29,25,13,8,24,10,30,28]
b="91440101%09d" % int(sys.argv[1]); r=(31-sum(a.index(c)*x for c,x in zip(b,w))%31)%31
print(b+a[r])' "$1"; }
company() { printf '{"uscc":"%s","name":"广州压测示例有限公司","legal_representative":{"name":"张三","id_number":"11010519491231002X"},"registered_capital_fen":100000000,"address":"广州市天河区天河路1号","business_scope":"软件开发","established_on":"2024-03-01"}' "$1"; }
post() { curl -sf -m 10 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3" "$base$2"; }
# A seller with invoicing rights, through the bundle.
seller=$(uscc 999999999)
post "$authority" /v1/establishments "{\"company\":$(company $seller),\"seals\":[],\"invoicing\":true}" >/dev/null
printf '%-9s %6s %10s %10s %9s %12s %14s\n' kind conns writes/s floor/s of-floor errors fresh-write-s
n=0
for kind in register bundle invoice; do
  tokn=$authority; [ $kind = invoice ] && tokn=$tax
  [ $kind = invoice ] && [ -z "$seller" ] && { echo "no seller for invoices: $resp" >&2; continue; }
  for c in 1 8 64; do
    n=$((n + 1))
    t=$(( c < 2 ? 1 : 2 ))
    out=$(ZT_KIND=$kind ZT_TOKEN=$tokn ZT_SELLER=$seller ZT_BASE_N=$((n * 100000000)) \
      wrk -t$t -c$c -d${secs}s --timeout 10s -s scripts/wrk/writes.lua $base)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    errs=$(echo "$out" | awk '/^ZT/ {print $5}')
    started=$(date +%s.%N)
    post "$authority" /v1/companies "$(company $(uscc $((999990000 + n))))" >/dev/null
    fresh=$(echo "$(date +%s.%N) - $started" | bc)
    floor=$(floor_of $c)
    ratio=$(echo "scale=3; $rps / $floor" | bc)
    printf '%-9s %6s %10s %10s %9s %12s %14s\n' $kind $c "$rps" "$floor" "$ratio" "$errs" "$fresh"
  done
done
