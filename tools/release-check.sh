#!/usr/bin/env bash
# `make release-check` (after `make dist`): what `npm publish` and `cargo publish` would send,
# checked without sending anything. Fails, naming what is wrong, when:
#   - the versions of Cargo.toml, tolem-core, tolem-i18n and the npm package disagree;
#   - CHANGELOG.md has no section for the version (or `Unreleased`, to be renamed at release);
#   - the npm package lacks a name, description, licence, repository, licence file or any of
#     the files it exports, or carries a file it should not;
#   - `npm publish --dry-run` refuses it, or `cargo package --list` refuses a crate meant for
#     crates.io (tolem-i18n, tolem-core: a Rust backend can use the adapters and the
#     notification check without the reference backend).
# The repository URL is a release-time setting: TOLEM_REPOSITORY_URL (or an https git remote
# named origin) when `make dist` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() {
  echo "release-check: $*" >&2
  exit 1
}
[ -f dist/npm/package.json ] || fail "no dist/npm: run make dist first (make release-check does)"

version=$(awk -F'"' '/^version/{print $2; exit}' Cargo.toml)
for manifest in crates/core/Cargo.toml crates/i18n/Cargo.toml; do
  v=$(awk -F'"' '/^version/{print $2; exit}' "$manifest")
  [ "$v" = "$version" ] || fail "$manifest says $v, Cargo.toml says $version"
done
npm_version=$(node -p 'require("./dist/npm/package.json").version')
[ "$npm_version" = "$version" ] || fail "the npm package says $npm_version, Cargo.toml says $version"
grep -Eq "^## (Unreleased|\[?$version\]?)( |$)" CHANGELOG.md || fail "CHANGELOG.md has no section for $version (nor Unreleased)"

node -e '
  const p = require("./dist/npm/package.json");
  const missing = ["name", "version", "description", "license", "repository"].filter((k) => !p[k]);
  if (missing.length) {
    console.error("release-check: dist/npm/package.json has no " + missing.join(", ") +
      (missing.includes("repository") ? " (set TOLEM_REPOSITORY_URL before make dist)" : ""));
    process.exit(1);
  }
  if (!/^(git\+)?https:\/\/[^/@\s]+\//.test(p.repository.url || "")) {
    console.error("release-check: repository.url must be an https URL without credentials: " + p.repository.url);
    process.exit(1);
  }'

# The tarball's files, exactly.
expected="LICENSE-APACHE LICENSE-MIT README.md direct.js element.d.ts element.js index.d.ts index.js package.json tolem.css tolem_bg.wasm tolem_direct_bg.wasm"
listed=$(cd dist/npm && npm pack --dry-run --json --ignore-scripts 2>/dev/null |
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s)[0].files.map((f) => f.path).sort().join(" ")))')
[ "$listed" = "$expected" ] || fail "the npm tarball holds [$listed], expected [$expected]"
(cd dist/npm && npm publish --dry-run --ignore-scripts >/dev/null 2>&1) || fail "npm publish --dry-run refused dist/npm (run it there to see why)"

for crate in tolem-i18n tolem-core; do
  files=$(cargo package --list --allow-dirty --locked -p "$crate" 2>/dev/null) || fail "cargo package refused $crate (run cargo package --list -p $crate)"
  for f in Cargo.toml LICENSE-MIT LICENSE-APACHE src/lib.rs; do
    grep -qx "$f" <<<"$files" || fail "$crate's package lacks $f"
  done
done
echo "release-check: tolem-checkout@$version (npm) and tolem-i18n, tolem-core $version (crates.io) are ready to publish"
