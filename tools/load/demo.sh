# Sourced by tools/load.sh (`make load`) and bench/backend.sh (`make bench`): the release demo
# process on a free loopback port, rate limits off (one wrk client would otherwise be throttled
# by design), with 200 prepared ioka attempts; and the figures of a wrk run.
# Usage: load_demo NAME  — sets state (a temporary folder), pid and origin; stops it on exit.

load_demo() {
  local name=$1 port
  if ! command -v wrk >/dev/null; then
    echo "$name: installing wrk (Debian package)" >&2
    apt-get install -y wrk >/dev/null || { echo "$name: wrk is missing and could not be installed" >&2; exit 1; }
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  state=$(mktemp -d "${LOAD_STATE_ROOT:-/tmp}/tolem-$name-XXXXXX")
  pid=""
  # (an `if`, not `&&`: under `set -e` a failed kill of a process already stopped would end the
  # trap, and the script, with status 1)
  trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$state"' EXIT
  TOLEM_RATE_LIMIT_PER_MINUTE=0 PORT=$port TOLEM_CDN_PORT=0 TOLEM_STATE_DIR="$state" TOLEM_DEMO_MAX_SECONDS=900 \
    target/release/tolem-demo >"$state/demo.log" 2>&1 &
  pid=$!
  origin="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -fs "$origin/api/checkout/health" >/dev/null && break; sleep 0.1; done
  node tools/load/prepare.mjs "$origin" 200 "$state" >/dev/null
}

# Usage: wrk_figures "$(wrk … --latency …)"  — sets rps, p50 and p99 (as wrk prints them) and
# errors (non-2xx answers plus socket errors).
wrk_figures() {
  local out=$1 non2xx sock
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  errors=$(( ${non2xx:-0} + ${sock:-0} ))
}
