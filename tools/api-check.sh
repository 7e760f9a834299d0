#!/usr/bin/env bash
# `make test`, the backend API as a contract (www/openapi.yaml):
#   1. every JSON example of www/backend-api.md is valid against the OpenAPI document
#      (tools/check_api_examples.py);
#   2. schemathesis (from PyPI, pinned in tools/api-requirements.txt, in target/api-venv)
#      generates requests from the document and sends them to the reference backend — the demo
#      process, every provider on its sandbox — and fails on any 5xx, any status or content type
#      the document does not list for the route, and any answer that does not match its schema.
# Expects target/debug/tolem-demo and dist/ (make test builds them first).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/api-venv
if [ ! -x "$venv/bin/st" ] || ! cmp -s tools/api-requirements.txt "$venv/requirements.txt"; then
  echo "api: installing schemathesis into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tools/api-requirements.txt
  cp tools/api-requirements.txt "$venv/requirements.txt"
fi
"$venv/bin/python" tools/check_api_examples.py www/backend-api.md www/openapi.yaml

binary=${TOLEM_DEMO_BINARY:-target/debug/tolem-demo}
[ -x "$binary" ] || { echo "api: missing $binary: run make test (it builds it first)" >&2; exit 1; }
free_port() { "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
cdn_port=$(free_port)
log=$(mktemp)
# The demo stops by itself after 15 minutes whatever happens here.
PORT=$port TOLEM_CDN_PORT=$cdn_port TOLEM_STATE_DIR=:memory: TOLEM_DEMO_MAX_SECONDS=900 "$binary" >"$log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null || true; rm -f "$log"' EXIT
# Up within 20 s, or its log says why not.
"$venv/bin/python" - "$port" <<'PY' || { echo "api: the demo did not come up; its log:" >&2; cat "$log" >&2; exit 1; }
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/checkout/health", timeout=1)
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
# The demo's merchant key and admin token, each where the document's security asks for it
# (tools/schemathesis.toml).
"$venv/bin/st" --config-file tools/schemathesis.toml run www/openapi.yaml \
  --url "http://127.0.0.1:$port/api/checkout" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${API_MAX_EXAMPLES:-30}" \
  --seed 20261207 \
  --generation-database none \
  --no-color
