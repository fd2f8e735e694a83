#!/usr/bin/env bash
# Fuzz smoke run: builds the cargo-fuzz targets in fuzz/ with nightly and runs each for a few
# seconds from its committed seed corpus (fuzz/corpus/<target>/seed-*). Fails on any crash
# (the input is left in fuzz/artifacts/<target>/). Installs cargo-fuzz if missing.
# A target uses the libFuzzer dictionary fuzz/dict/<target>.dict, or else the one named by
# its prefix (pdf_read and pdf_validate: fuzz/dict/pdf.dict), if there is one. A single
# input running over ZT_FUZZ_TIMEOUT seconds (default 5) is a failure like a crash.
#
#   scripts/fuzz-smoke.sh                 # every target, 5 s each
#   ZT_FUZZ_SECONDS=3600 scripts/fuzz-smoke.sh verify   # a long run of one target
#
# The first build of the fuzz crate takes several minutes (all dependencies, instrumented).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${ZT_FUZZ_SECONDS:-5}"
timeout="${ZT_FUZZ_TIMEOUT:-5}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
# -s none: no AddressSanitizer (the code under test is safe Rust; ASan doubles the build and
# halves the speed); -a: debug assertions and overflow checks, so arithmetic overflow crashes.
flags=(-a -s none)
cargo +nightly fuzz build "${flags[@]}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
for t in "${targets[@]}"; do
  work="$(mktemp -d)"
  cp corpus/"$t"/seed-* "$work"/ 2>/dev/null || true
  extra=()
  for d in "$PWD"/dict/"$t".dict "$PWD"/dict/"${t%%_*}".dict; do
    if [ -f "$d" ]; then extra=(-dict="$d"); break; fi
  done
  echo "fuzz $t: ${seconds}s" >&2
  # The working corpus is a temp copy: the committed seeds stay as they are.
  log="$(mktemp)"
  set +e
  cargo +nightly fuzz run "${flags[@]}" "$t" "$work" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout="$timeout" \
    -print_final_stats=1 "${extra[@]}" >"$log" 2>&1
  status=$?
  set -e
  grep -E "^(stat::|#[0-9]+[[:space:]]+DONE|Dictionary:|==[0-9]+==|SUMMARY|thread '|Done)" "$log" || true
  [ "$status" -eq 0 ] || tail -40 "$log" >&2
  rm -rf "$work" "$log"
  [ "$status" -eq 0 ] || { echo "fuzz $t: crashed (exit $status); the input is in fuzz/artifacts/$t/" >&2; exit 1; }
done
