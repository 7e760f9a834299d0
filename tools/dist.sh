#!/usr/bin/env bash
# Turns the release wasm into what merchants host and install, all from one wasm:
#   dist/tolem.js  tolem_bg.wasm  tolem.css  integrity.json   the script tag (any folder or a CDN)
#   dist/npm/                                                  the npm package tolem-checkout
#   dist/tolem-checkout-<version>.tgz                          `npm pack` of it
set -euo pipefail
cd "$(dirname "$0")/.."
wasm=target/wasm32-unknown-unknown/release/tolem.wasm
out=dist
tmp=target/tolem-bindgen
stage=target/tolem-js
version=$(awk -F'"' '/^version/{print $2; exit}' Cargo.toml)
npm_version=$(node -p 'require("./www/package.json").version')
if [ "$version" != "$npm_version" ]; then
  echo "dist: Cargo.toml says $version but www/package.json says $npm_version" >&2
  exit 1
fi
rm -rf "$tmp" "$stage" "$out" && mkdir -p "$tmp" "$stage" "$out/npm"
# One bindgen run (target web: an ES module glue) serves both the script tag and npm.
wasm-bindgen --target web --no-typescript --out-dir "$tmp" --out-name tolem "$wasm"
# Rust's wasm32 target features; wasm-opt must accept them (binaryen >= 117).
wasm-opt -Oz --converge --strip-debug --strip-producers \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  -o "$out/tolem_bg.wasm" "$tmp/tolem_bg.wasm"
# Subresource Integrity hash ("sha384-…") of a file.
sri() {
  node -e 'const c = require("crypto"), f = require("fs");
    process.stdout.write("sha384-" + c.createHash("sha384").update(f.readFileSync(process.argv[1])).digest("base64"));' "$1"
}
wasm_sri=$(sri "$out/tolem_bg.wasm")

cp www/runtime.js www/script-tag.js www/index.js "$stage/"
cp "$tmp/tolem.js" "$stage/tolem_glue.js"
defines=(--define:TOLEM_WASM_INTEGRITY="\"$wasm_sri\"" --define:TOLEM_VERSION="\"$version\"")
# The script tag: one classic script, minified, one global (window.Tolem). The glue's own
# default wasm URL uses import.meta, which a classic script lacks; the loader always passes
# the URL it found beside the script, so that default is never used.
esbuild "$stage/script-tag.js" --bundle --format=iife --minify --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent "${defines[@]}" \
  --banner:js="/*! Tolem checkout $version */" --outfile="$out/tolem.js"
cp www/tolem.css "$out/tolem.css"

# The npm package: readable ESM (the merchant's bundler minifies), the same wasm and CSS.
esbuild "$stage/index.js" --bundle --format=esm --target=es2020 --log-level=warning "${defines[@]}" \
  --banner:js="/*! tolem-checkout $version */" --outfile="$out/npm/index.js"
cp www/element.js www/index.d.ts www/element.d.ts www/package.json www/README.md LICENSE-MIT LICENSE-APACHE "$out/npm/"
cp "$out/tolem_bg.wasm" "$out/tolem.css" "$out/npm/"
(cd "$out" && npm pack ./npm --pack-destination . --silent >/dev/null)

# Subresource Integrity hashes of the script-tag files, for <script integrity=…>.
{
  echo "{"
  sep=""
  for f in tolem.js tolem_bg.wasm tolem.css; do
    printf '%s  "%s": "%s"' "$sep" "$f" "$(sri "$out/$f")"
    sep=$',\n'
  done
  printf '\n}\n'
} > "$out/integrity.json"
echo "dist: $(cd "$out" && ls | tr '\n' ' ')"
