#!/usr/bin/env bash
# `make bench`: every benchmark, then docs/benchmarks.md. Prints figures and ratios; asserts
# nothing about time. Expects `make dist` and the release demo and bench binaries (the Makefile
# builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
# Adyen Web (from npm) and the tools that bundle and drive it, pinned by bench/package-lock.json.
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "bench: npm ci in bench/" >&2
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
rm -rf target/bench && mkdir -p target/bench
# the venv of bench/guide.mjs lives beside it (target/bench-venv) and is kept between runs
bench/floor.sh
echo; node bench/size.mjs
echo; node bench/methods.mjs
echo; target/release/tolem-bench target/bench/polling.json
echo; node bench/settle.mjs
echo; bench/backend.sh
echo; node bench/guide.mjs
echo; node bench/report.mjs
