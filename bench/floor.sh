#!/usr/bin/env bash
# `make bench`, size: builds bench/floor (the smallest widget on the design card's libraries)
# the way trunk builds the widget — cargo release for wasm32, wasm-bindgen --target web,
# wasm-opt with index.html's passes — and minifies its glue as tools/bundle.sh minifies
# tolem.js. Output: target/floor/out/{floor.js,floor_bg.wasm}.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/floor/out
cargo build --quiet --release --target wasm32-unknown-unknown \
  --manifest-path bench/floor/Cargo.toml --target-dir target/floor
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out/bindgen" target/floor/wasm32-unknown-unknown/release/tolem_floor.wasm
# The same passes as index.html's data-wasm-opt="z" and data-wasm-opt-params.
passes=$(sed -n '/crates\/web\/Cargo.toml/,/>/p' index.html | grep -o 'data-wasm-opt-params="[^"]*"' | cut -d'"' -f2)
# shellcheck disable=SC2086
wasm-opt -Oz $passes "$out/bindgen/tolem_floor_bg.wasm" -o "$out/floor_bg.wasm"
bench/node_modules/.bin/esbuild --minify --log-level=warning "$out/bindgen/tolem_floor.js" --outfile="$out/floor.js"
