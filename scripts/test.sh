#!/usr/bin/env bash
# Runs every test. First installs what the interop tests need, if missing:
# Debian packages (zbar-tools, openssl, poppler-utils, libnss3-tools, mupdf-tools) and a Python venv in .venv with the reference
# libraries pinned in tests/interop/requirements.txt; and what the browser tests need:
# Debian's chromium, CJK fonts for readable screenshots, and `npm ci` in tests/browser
# (playwright-core, which downloads no browser), `npm ci` in tests/sdjwt-ts (the
# TypeScript SD-JWT VC library) and in tests/openapi-lint (Redocly's CLI). Extra arguments
# go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pdfsig >/dev/null 2>&1 || need+=(poppler-utils)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
command -v mutool >/dev/null 2>&1 || need+=(mupdf-tools)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -n "$(fc-list ':lang=zh' 2>/dev/null)" ] || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! .venv/bin/python -c "import sd_jwt, jwt, jwcrypto, cryptography, schemathesis, pkilint, pyhanko, pyhanko.cli, openapi_spec_validator" >/dev/null 2>&1; then
  echo "creating .venv with the reference libraries" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q -r tests/interop/requirements.txt
fi

lock=tests/browser/package-lock.json
installed=tests/browser/node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
  echo "installing the browser tests' node modules (npm ci)" >&2
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# Redocly's CLI, which lints the served OpenAPI document (tests/openapi.rs).
lock=tests/openapi-lint/package-lock.json
installed=tests/openapi-lint/node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
  echo "installing the OpenAPI lint's node modules (npm ci)" >&2
  (cd tests/openapi-lint && npm ci --no-audit --no-fund --loglevel=error)
fi

# The TypeScript SD-JWT VC library (@sd-jwt/sd-jwt-vc) that checks the wallet's
# presentations with key binding (tests/key_binding.rs).
lock=tests/sdjwt-ts/package-lock.json
installed=tests/sdjwt-ts/node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ "$lock" -nt "$installed" ]; then
  echo "installing the SD-JWT interop check's node modules (npm ci)" >&2
  (cd tests/sdjwt-ts && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo test --all-targets "$@"

# API fuzzing (schemathesis against the served OpenAPI document, a few minutes), then, if
# asked (ZT_FUZZ_SMOKE=1: the first nightly build of fuzz/ takes several minutes), 5 s of
# each cargo-fuzz target.
scripts/api-fuzz.sh
if [ "${ZT_FUZZ_SMOKE:-0}" = 1 ]; then
  scripts/fuzz-smoke.sh
fi
