#!/usr/bin/env bash
# `make bench`, backend: requests per second and p50/p99 latency of `start` (a new ioka order
# at the sandbox every time) and `status` (a provider read every time) at several concurrency
# levels, with the process's memory. One release demo process (backend + sandbox, talking over
# loopback HTTP) driven by wrk (Debian's package); both share this machine's cores.
# BENCH_SECONDS per level (default 5), BENCH_CONCURRENCY (default "1 8 32 64").
# Writes target/bench/backend.json.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${BENCH_SECONDS:-5}
levels=${BENCH_CONCURRENCY:-"1 8 32 64"}
source tools/load/demo.sh
load_demo bench

kib() { awk -v f="$1" '$1 == f":" {print $2}' "/proc/$pid/status"; }
# wrk prints latencies as 950.00us, 1.23ms or 1.02s: in ms.
ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}' <<<"$1"; }
rows=()
printf 'backend: %s s per level, wrk on the same %s cores\n' "$seconds" "$(nproc)"
printf '%-7s %11s %10s %9s %9s %7s %9s\n' route concurrency "req/s" "p50 ms" "p99 ms" errors "RSS MiB"
for route in start status; do
  for c in $levels; do
    threads=$(( c < 2 ? 1 : 2 ))
    if [ "$route" = start ]; then
      out=$(wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s tools/load/start.lua "$origin" -- "$origin" tolem-demo-merchant-key)
    else
      out=$(wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s tools/load/cycle.lua "$origin" -- "$state/status.txt")
    fi
    wrk_figures "$out"
    p50=$(ms "$p50")
    p99=$(ms "$p99")
    rss=$(kib VmRSS)
    printf '%-7s %11d %10s %9s %9s %7d %9.1f\n' "$route" "$c" "$rps" "$p50" "$p99" "$errors" "$(awk -v k="$rss" 'BEGIN {print k/1024}')"
    rows+=("{\"route\":\"$route\",\"concurrency\":$c,\"rps\":$rps,\"p50Ms\":$p50,\"p99Ms\":$p99,\"errors\":$errors,\"rssKiB\":$rss}")
  done
done
peak=$(kib VmHWM)
printf 'peak RSS %.1f MiB\n' "$(awk -v k="$peak" 'BEGIN {print k/1024}')"
mkdir -p target/bench
{
  printf '{"seconds":%s,"cores":%s,"wrk":"%s","peakRssKiB":%s,"rows":[' "$seconds" "$(nproc)" "$(wrk -v 2>&1 | head -1 | awk '{print $2}')" "$peak"
  (IFS=,; printf '%s' "${rows[*]}")
  printf ']}\n'
} > target/bench/backend.json
