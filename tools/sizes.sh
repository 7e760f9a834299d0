#!/usr/bin/env bash
# Prints what a shopper downloads (raw, gzip -9, brotli -q 11) and enforces the budget on
# wasm + js + css brotli. The budget only tightens: it sits just above what the widget weighs
# now (docs/architecture.md, "Quality bars"; what the bytes are spent on and what would win
# them back is docs/benchmarks.md, "Size work"; `make bench` compares with Adyen Web).
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_BROTLI=${BUDGET_BROTLI:-159744}
total_raw=0; total_gz=0; total_br=0
printf '%-22s %10s %10s %10s\n' file raw gzip brotli
for f in dist/tolem_bg.wasm dist/tolem.js dist/tolem.css; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c); br=$(brotli -q 11 -c "$f" | wc -c)
  total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
  printf '%-22s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$br"
done
printf '%-22s %10d %10d %10d\n' total "$total_raw" "$total_gz" "$total_br"
if [ "$total_br" -gt "$BUDGET_BROTLI" ]; then
  echo "size budget exceeded: $total_br bytes brotli > $BUDGET_BROTLI" >&2
  exit 1
fi
echo "size budget: $total_br / $BUDGET_BROTLI bytes brotli"
tgz=$(ls dist/tolem-checkout-*.tgz 2>/dev/null | head -1)
[ -n "$tgz" ] && printf 'npm tarball: %s, %d bytes\n' "$(basename "$tgz")" "$(stat -c %s "$tgz")"
exit 0
