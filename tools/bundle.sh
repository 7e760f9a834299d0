#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml). From trunk's glue/ — wasm-bindgen's ES-module glue and
# the wasm (after wasm-opt -Oz in release builds) — it makes, beside them in trunk's staging
# folder:
#   tolem/tolem.js  tolem_bg.wasm  tolem.css   the script tag: one classic script, minified
#   tolem/integrity.json                       their Subresource Integrity hashes
#   npm/index.js                               the npm package's entry: readable ESM
# Both carry the wasm's Subresource Integrity hash. tools/dist.sh packages them for merchants;
# `trunk serve` serves tolem/ to the storefront as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/e2e/node_modules/.bin:$PATH"
staging=${TRUNK_STAGING_DIR:?tools/bundle.sh is trunk post_build hook: run trunk build}
glue="$staging/glue"
version=$(awk -F'"' '/^version/{print $2; exit}' Cargo.toml)

# Subresource Integrity hash ("sha384-…") of a file.
sri() {
  node -e 'const c = require("crypto"), f = require("fs");
    process.stdout.write("sha384-" + c.createHash("sha384").update(f.readFileSync(process.argv[1])).digest("base64"));' "$1"
}

src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp www/runtime.js www/script-tag.js www/index.js "$src/"
cp "$glue/tolem.js" "$src/tolem_glue.js"
defines=(--define:TOLEM_WASM_INTEGRITY="\"$(sri "$glue/tolem_bg.wasm")\"" --define:TOLEM_VERSION="\"$version\"")
mkdir -p "$staging/tolem" "$staging/npm"
# The script tag: one global (window.Tolem). The glue's own default wasm URL uses
# import.meta, which a classic script lacks; the loader always passes the URL it found beside
# the script, so that default is never used.
esbuild "$src/script-tag.js" --bundle --format=iife --minify --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent "${defines[@]}" \
  --banner:js="/*! Tolem checkout $version */" --outfile="$staging/tolem/tolem.js"
cp "$glue/tolem_bg.wasm" "$staging/tolem/"
cp www/tolem.css "$staging/tolem/"
# The npm entry: readable (the merchant's bundler minifies).
esbuild "$src/index.js" --bundle --format=esm --target=es2020 --log-level=warning "${defines[@]}" \
  --banner:js="/*! tolem-checkout $version */" --outfile="$staging/npm/index.js"

# Subresource Integrity hashes of the script-tag files, for <script integrity=…>.
{
  echo "{"
  sep=""
  for f in tolem.js tolem_bg.wasm tolem.css; do
    printf '%s  "%s": "%s"' "$sep" "$f" "$(sri "$staging/tolem/$f")"
    sep=$',\n'
  done
  printf '\n}\n'
} > "$staging/tolem/integrity.json"
