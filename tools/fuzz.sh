#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS (default 30) each, from the
# committed seeds (fuzz/seeds/<target>) plus a scratch corpus (fuzz/corpus/<target>, not
# committed), and prints executions, speed, corpus size and crashes per target. Crashing inputs
# land in fuzz/artifacts/<target>/. Needs the nightly toolchain (libFuzzer's instrumentation);
# installs cargo-fuzz from crates.io if missing. Not part of CI: it measures, it does not gate.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${FUZZ_SECONDS:-30}
if ! command -v cargo-fuzz >/dev/null; then
  cargo install --locked cargo-fuzz
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
  exit 1
fi
targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build >/dev/null
mkdir -p logs
printf '%-20s %12s %10s %8s %8s\n' target executions "exec/s" corpus crashes
total_crashes=0
for t in $targets; do
  mkdir -p "corpus/$t"
  set +e
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 -close_fd_mask=3 >"logs/$t.log" 2>&1
  code=$?
  set -e
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "logs/$t.log" | tail -1)
  speed=$(awk '/stat::average_exec_per_sec/ {print $2}' "logs/$t.log" | tail -1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  crashes=$(find "artifacts/$t" -type f 2>/dev/null | wc -l)
  if [ "$code" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="error($code)"; total_crashes=$((total_crashes + 1)); fi
  [[ "$crashes" =~ ^[0-9]+$ ]] && total_crashes=$((total_crashes + crashes))
  printf '%-20s %12s %10s %8s %8s\n' "$t" "${runs:-?}" "${speed:-?}" "$corpus" "$crashes"
done
echo "fuzz: ${seconds}s per target; logs in fuzz/logs/; crashes: $total_crashes"
[ "$total_crashes" -eq 0 ]
