#!/usr/bin/env bash
# Installs what `make demo` / `make test` need, from the package registries only, skipping
# whatever is already there at the right version. Safe to run again; quick when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# 1. Rust target for the widget.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Debian packages: Chromium + its driver (same source package), brotli for size reports,
#    faketime (the multi-instance test runs one backend with its clock 10 s ahead).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v brotli >/dev/null 2>&1 || missing+=(brotli)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

# 3. wasm-bindgen-cli at exactly the version in Cargo.lock (its own lockfile cannot be used
#    with this registry, hence no --locked; see ../shared/TOOLCHAIN.md).
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  say "cargo install wasm-bindgen-cli $wbg"
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

# 3b. cargo-deny, for the licence, ban and source checks of `make lint` (deny.toml).
deny=0.20.2
if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$deny" ]; then
  say "cargo install cargo-deny $deny"
  cargo install cargo-deny --version "$deny" --locked
fi

# 3c. trunk, which builds the widget (Trunk.toml). From crates.io at a pinned version (0.22
#     needs a newer rustc than this machine's); its tools are the ones above and below, never
#     downloaded. The longest install here: ~14 minutes on 2 cores, once.
trunk_version=0.21.14
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$trunk_version" ]; then
  say "cargo install trunk $trunk_version (about 14 minutes on 2 cores, once)"
  cargo install trunk --version "$trunk_version" --locked
fi

# 4. npm tools: binaryen's wasm-opt 132 (Debian's is too old), esbuild (builds tolem.js and the
#    npm entry), playwright-core, axe-core, and for the npm package's tests vite and typescript.
if [ ! -f e2e/node_modules/.package-lock.json ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  say "npm ci in e2e/"
  npm ci --prefix e2e --no-audit --no-fund --loglevel=error
fi

# 5. Every crate, fetched once, so the builds after this need no registry.
cargo fetch --locked >/dev/null 2>&1 || cargo fetch --locked
say "tools ready"
