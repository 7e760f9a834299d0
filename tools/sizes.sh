#!/usr/bin/env bash
# Prints what a shopper downloads (raw, gzip -9, brotli -q 11) and enforces the budgets on the
# brotli total of each set of files a page loads: tolem.js + tolem_bg.wasm + tolem.css for a
# page with a merchant backend (most pages), and the same plus tolem-direct.js and
# tolem_direct_bg.wasm for a page that uses the browser-direct modes (which fetches the
# backend-only wasm only when it also mounts a backend-mode widget; counted here as it would be).
# The budgets only tighten: they sit just above what the widget weighs now (docs/architecture.md,
# "Quality bars"; where the bytes go is docs/benchmarks.md, "Size work"; `make bench` compares
# with Adyen Web).
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_BROTLI=${BUDGET_BROTLI:-134144}
BUDGET_DIRECT_BROTLI=${BUDGET_DIRECT_BROTLI:-157696}
declare -A br
printf '%-22s %10s %10s %10s\n' file raw gzip brotli
for f in dist/tolem.js dist/tolem_bg.wasm dist/tolem.css dist/tolem-direct.js dist/tolem_direct_bg.wasm; do
  raw=$(stat -c %s "$f"); gz=$(gzip -9 -c "$f" | wc -c); b=$(brotli -q 11 -c "$f" | wc -c)
  br[$(basename "$f")]=$b
  printf '%-22s %10d %10d %10d\n' "$(basename "$f")" "$raw" "$gz" "$b"
done
backend=$(( br[tolem.js] + br[tolem_bg.wasm] + br[tolem.css] ))
direct=$(( br[tolem.js] + br[tolem.css] + br[tolem-direct.js] + br[tolem_direct_bg.wasm] ))
printf '%-46s %10d\n' "a page with a merchant backend, brotli" "$backend"
printf '%-46s %10d\n' "a page with a browser-direct mode, brotli" "$direct"
status=0
if [ "$backend" -gt "$BUDGET_BROTLI" ]; then
  echo "size budget exceeded: $backend bytes brotli > $BUDGET_BROTLI" >&2
  status=1
fi
if [ "$direct" -gt "$BUDGET_DIRECT_BROTLI" ]; then
  echo "size budget of the browser-direct build exceeded: $direct bytes brotli > $BUDGET_DIRECT_BROTLI" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "size budgets: $backend / $BUDGET_BROTLI and $direct / $BUDGET_DIRECT_BROTLI bytes brotli"
tgz=$(ls dist/tolem-checkout-*.tgz 2>/dev/null | head -1)
[ -n "$tgz" ] && printf 'npm tarball: %s, %d bytes\n' "$(basename "$tgz")" "$(stat -c %s "$tgz")"
exit "$status"
