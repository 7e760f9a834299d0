#!/usr/bin/env bash
# `make load`: the release demo (backend + sandbox in one process) on a loopback port, driven by
# wrk (Debian's package) at a bounded load for each of start, pay, status and webhooks; prints
# requests/s, p50/p99 latency, errors and the process's memory. Then tools/load/restart.mjs
# kills the process twice in the middle of a stream of checkouts and checks nothing was lost.
# LOAD_SECONDS (default 10), LOAD_CONNECTIONS (default 16), LOAD_THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "load: installing wrk (Debian package)" >&2
  apt-get install -y wrk >/dev/null || { echo "load: wrk is missing and could not be installed" >&2; exit 1; }
fi
seconds=${LOAD_SECONDS:-10}
connections=${LOAD_CONNECTIONS:-16}
threads=${LOAD_THREADS:-2}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
state=$(mktemp -d /tmp/tolem-load-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$state"' EXIT
# Rate limits off: one wrk client would otherwise be throttled by design.
TOLEM_RATE_LIMIT_PER_MINUTE=0 PORT=$port TOLEM_CDN_PORT=0 TOLEM_STATE_DIR="$state" TOLEM_DEMO_MAX_SECONDS=900 \
  target/release/tolem-demo >"$state/demo.log" 2>&1 &
pid=$!
origin="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$origin/api/checkout/health" >/dev/null && break; sleep 0.1; done
node tools/load/prepare.mjs "$origin" 200 "$state"

rss() { awk -v f="$1" '$1 == f":" {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
printf '\n%-9s %10s %9s %9s %8s %9s\n' scenario "req/s" p50 p99 errors "RSS MiB"
run() { # name, wrk script, script args…
  local name=$1 script=$2
  shift 2
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "tools/load/$script" "$origin" -- "$@")
  echo "$out" >"$state/$name.wrk"
  local rps p50 p99 non2xx sock
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  printf '%-9s %10s %9s %9s %8s %9s\n' "$name" "$rps" "$p50" "$p99" "$(( ${non2xx:-0} + ${sock:-0} ))" "$(rss VmRSS)"
}
run start start.lua "$origin"
run pay cycle.lua "$state/pay.txt"
run status cycle.lua "$state/status.txt"
run webhooks cycle.lua "$state/webhooks.txt"
echo "peak RSS $(rss VmHWM) MiB; $threads wrk threads, $connections connections, ${seconds}s each, on $(nproc) cores"
echo "(start creates an order at the sandbox's ioka per request; status reads ioka per request; webhooks: the first"
echo " of each order moves it to paid, the rest are replays acknowledged as duplicates)"
kill "$pid"
echo
TOLEM_DEMO_BINARY=target/release/tolem-demo node tools/load/restart.mjs
