#!/usr/bin/env bash
# `make load`: the release demo (backend + sandbox in one process) on a loopback port, driven by
# wrk (Debian's package) at a bounded load for each of start, pay, status and webhooks; prints
# requests/s, p50/p99 latency, errors and the process's memory. Then tools/load/restart.mjs
# kills the process twice in the middle of a stream of checkouts and checks nothing was lost.
# LOAD_SECONDS (default 10), LOAD_CONNECTIONS (default 16), LOAD_THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${LOAD_SECONDS:-10}
connections=${LOAD_CONNECTIONS:-16}
threads=${LOAD_THREADS:-2}
source tools/load/demo.sh
load_demo load

rss() { awk -v f="$1" '$1 == f":" {printf "%.1f", $2 / 1024}' "/proc/$pid/status"; }
printf '\n%-9s %10s %9s %9s %8s %9s\n' scenario "req/s" p50 p99 errors "RSS MiB"
run() { # name, wrk script, script args…
  local name=$1 script=$2
  shift 2
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "tools/load/$script" "$origin" -- "$@")
  echo "$out" >"$state/$name.wrk"
  wrk_figures "$out"
  printf '%-9s %10s %9s %9s %8s %9s\n' "$name" "$rps" "$p50" "$p99" "$errors" "$(rss VmRSS)"
}
run start start.lua "$origin" tolem-demo-merchant-key
run pay cycle.lua "$state/pay.txt"
run status cycle.lua "$state/status.txt"
run webhooks cycle.lua "$state/webhooks.txt"
echo "peak RSS $(rss VmHWM) MiB; $threads wrk threads, $connections connections, ${seconds}s each, on $(nproc) cores"
echo "(start creates an order at the sandbox's ioka per request; status reads ioka per request; webhooks: the first"
echo " of each order moves it to paid, the rest are replays acknowledged as duplicates)"
kill "$pid"
echo
TOLEM_DEMO_BINARY=target/release/tolem-demo node tools/load/restart.mjs
