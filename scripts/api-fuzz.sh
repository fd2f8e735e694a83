#!/usr/bin/env bash
# API fuzzing: schemathesis against the OpenAPI document a running debug server serves
# (/v1/openapi.json), with the admin token. Fails on any finding: a 5xx, a status code, a
# content type or a body the document does not describe.
#
#   scripts/api-fuzz.sh                 # ~50 examples per operation, at most 180 s
#   ZT_API_FUZZ_EXAMPLES=500 ZT_API_FUZZ_TIME=900 scripts/api-fuzz.sh   # a longer run
#
# Needs schemathesis (tests/interop/requirements.txt, in .venv; scripts/test.sh installs it)
# and the debug binary (built here if missing). The server runs on a free port in a temp
# folder, removed at the end; its log is printed on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

examples="${ZT_API_FUZZ_EXAMPLES:-50}"
max_time="${ZT_API_FUZZ_TIME:-180}"
st="${ZT_SCHEMATHESIS:-.venv/bin/schemathesis}"
[ -x "$st" ] || { echo "$st is missing: run scripts/test.sh (or pip install -r tests/interop/requirements.txt in .venv)" >&2; exit 2; }
[ -x target/debug/zhengtong ] || cargo build --bin zhengtong

tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RUST_LOG=warn target/debug/zhengtong serve --listen "127.0.0.1:$port" --region 440100 \
  --data "$tmp/data" --certs "$tmp/certs" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.2
done
admin=$(cat "$tmp/data/admin.token")

status=0
# tests/interop/st_hooks.py: a serializer for application/timestamp-query (POST /v1/tsa).
PYTHONPATH="tests/interop${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=st_hooks \
"$st" run "$base/v1/openapi.json" \
  --header "Authorization: Bearer $admin" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$examples" --max-time "$max_time" \
  --workers 1 --seed 9 --request-timeout 30 \
  --suppress-health-check too_slow,filter_too_much \
  --report junit --report-dir "${ZT_API_FUZZ_REPORT:-test-artifacts/api-fuzz}" \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "api-fuzz: schemathesis found problems (exit $status); server log:" >&2
  grep -iE "panic|error" "$tmp/server.log" | tail -20 >&2 || true
fi
kill -0 "$server" 2>/dev/null || { echo "api-fuzz: the server died" >&2; status=1; }
exit "$status"
