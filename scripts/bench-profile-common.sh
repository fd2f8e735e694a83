# Sourced by bench-instructions.sh and bench-shares.sh: `needs TOOL PACKAGE`, then
# `build_bench_verify`, which builds the release example and sets `bin` (its path) and `work`
# (a temporary folder removed on exit).
needs() {
  command -v "$1" >/dev/null || { echo "needs $1 (apt-get install $2)" >&2; exit 1; }
}
build_bench_verify() {
  cargo build --release --example bench_verify >&2
  bin="${CARGO_TARGET_DIR:-target}/release/examples/bench_verify"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
}
