#!/usr/bin/env bash
# Packages trunk's release build (`trunk build --release` into target/trunk: Trunk.toml, and
# tools/bundle.sh, its post-build hook) into what merchants host and install:
#   dist/tolem.js  tolem_bg.wasm  tolem.css  integrity.json   the script tag (any folder or a CDN)
#   dist/tolem-direct.js  tolem_direct_bg.wasm                 beside it: the browser-direct build,
#                                                              fetched only by pages that use it
#   dist/npm/                                                  the npm package tolem-checkout
#   dist/tolem-checkout-<version>.tgz                          `npm pack` of it
set -euo pipefail
cd "$(dirname "$0")/.."
built=target/trunk
out=dist
version=$(awk -F'"' '/^version/{print $2; exit}' Cargo.toml)
npm_version=$(node -p 'require("./www/package.json").version')
if [ "$version" != "$npm_version" ]; then
  echo "dist: Cargo.toml says $version but www/package.json says $npm_version" >&2
  exit 1
fi
for f in tolem/tolem.js tolem/tolem_bg.wasm tolem/tolem-direct.js tolem/tolem_direct_bg.wasm tolem/integrity.json npm/index.js npm/direct.js; do
  [ -f "$built/$f" ] || { echo "dist: $built/$f is missing: run trunk build --release first (make dist does)" >&2; exit 1; }
done
rm -rf "$out" && mkdir -p "$out/npm"
cp "$built"/tolem/{tolem.js,tolem_bg.wasm,tolem.css,tolem-direct.js,tolem_direct_bg.wasm,integrity.json} "$out/"

# The npm package: its entry, the direct build's glue, and the same wasm files and CSS as the
# script tag.
cp "$built/npm/index.js" "$built/npm/direct.js" "$out/npm/"
cp www/element.js www/index.d.ts www/element.d.ts www/package.json www/README.md LICENSE-MIT LICENSE-APACHE "$out/npm/"
cp "$out/tolem_bg.wasm" "$out/tolem_direct_bg.wasm" "$out/tolem.css" "$out/npm/"
# The repository the package names is a release-time setting: TOLEM_REPOSITORY_URL, else the
# `origin` remote when it is an https URL without credentials (never written otherwise).
repository=${TOLEM_REPOSITORY_URL:-$(git remote get-url origin 2>/dev/null || true)}
if [[ "$repository" =~ ^https://[^/@[:space:]]+/ ]]; then
  node -e '
    const fs = require("fs");
    const file = process.argv[1];
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    p.repository = { type: "git", url: "git+" + process.argv[2] };
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");' "$out/npm/package.json" "$repository"
fi
(cd "$out" && npm pack ./npm --pack-destination . --silent >/dev/null)
echo "dist: $(cd "$out" && ls | tr '\n' ' ')"
