#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml). From trunk's glue/ and glue-direct/ — wasm-bindgen's
# ES-module glue and the wasm (after wasm-opt -Oz in release builds) of the backend-only build
# (crates/web) and of the build with the browser-direct modes (crates/direct) — it makes,
# beside them in trunk's staging folder:
#   tolem/tolem.js  tolem_bg.wasm  tolem.css   the script tag: one classic script, minified
#   tolem/tolem-direct.js  tolem_direct_bg.wasm  the direct build, loaded by tolem.js on demand
#   tolem/integrity.json                       their Subresource Integrity hashes
#   npm/index.js  npm/direct.js                the npm package's entry and the direct build's
#                                              glue (its own chunk): readable ESM
# The loader carries the wasm files' (and tolem-direct.js's) Subresource Integrity hashes. tools/dist.sh packages them for merchants;
# `trunk serve` serves tolem/ to the storefront as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/e2e/node_modules/.bin:$PATH"
staging=${TRUNK_STAGING_DIR:?tools/bundle.sh is trunk post_build hook: run trunk build}
glue="$staging/glue"
glue_direct="$staging/glue-direct"
version=$(awk -F'"' '/^version/{print $2; exit}' Cargo.toml)

# Subresource Integrity hash ("sha384-…") of a file.
sri() {
  node -e 'const c = require("crypto"), f = require("fs");
    process.stdout.write("sha384-" + c.createHash("sha384").update(f.readFileSync(process.argv[1])).digest("base64"));' "$1"
}

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp www/runtime.js www/script-tag.js www/direct-tag.js www/index.js "$src/"
# The glue's default wasm name (never used: the loader passes the URL) follows the file names
# merchants host.
sed 's/tolem-web_bg\.wasm/tolem_bg.wasm/g' "$glue/tolem-web.js" > "$src/tolem_glue.js"
sed 's/tolem-direct_bg\.wasm/tolem_direct_bg.wasm/g' "$glue_direct/tolem-direct.js" > "$src/direct_glue.js"
mkdir -p "$staging/tolem" "$staging/npm"
cp "$glue/tolem-web_bg.wasm" "$staging/tolem/tolem_bg.wasm"
cp "$glue_direct/tolem-direct_bg.wasm" "$staging/tolem/tolem_direct_bg.wasm"
# The direct build's glue, as the classic script tolem.js adds to the page.
esbuild "$src/direct-tag.js" --bundle --format=iife --minify --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent \
  --banner:js="/*! Tolem checkout $version, browser-direct build */" --outfile="$staging/tolem/tolem-direct.js"
defines=(--define:TOLEM_WASM_INTEGRITY="\"$(sri "$staging/tolem/tolem_bg.wasm")\""
  --define:TOLEM_DIRECT_WASM_INTEGRITY="\"$(sri "$staging/tolem/tolem_direct_bg.wasm")\""
  --define:TOLEM_VERSION="\"$version\"")
# The script tag: one global (window.Tolem). The glue's own default wasm URL uses
# import.meta, which a classic script lacks; the loader always passes the URL it found beside
# the script, so that default is never used.
esbuild "$src/script-tag.js" --bundle --format=iife --minify --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent "${defines[@]}" \
  --define:TOLEM_DIRECT_SCRIPT_INTEGRITY="\"$(sri "$staging/tolem/tolem-direct.js")\"" \
  --banner:js="/*! Tolem checkout $version */" --outfile="$staging/tolem/tolem.js"
cp www/tolem.css "$staging/tolem/"
# The npm entry: readable (the merchant's bundler minifies); direct.js stays its own module.
esbuild "$src/index.js" --bundle --format=esm --target=es2020 --log-level=warning "${defines[@]}" \
  --external:./direct.js --banner:js="/*! tolem-checkout $version */" --outfile="$staging/npm/index.js"
esbuild "$src/direct_glue.js" --bundle --format=esm --target=es2020 --log-level=warning \
  --banner:js="/*! tolem-checkout $version, browser-direct build */" --outfile="$staging/npm/direct.js"

# Subresource Integrity hashes of the script-tag files, for <script integrity=…>.
{
  echo "{"
  sep=""
  for f in tolem.js tolem_bg.wasm tolem.css tolem-direct.js tolem_direct_bg.wasm; do
    printf '%s  "%s": "%s"' "$sep" "$f" "$(sri "$staging/tolem/$f")"
    sep=$',\n'
  done
  printf '\n}\n'
} > "$staging/tolem/integrity.json"
