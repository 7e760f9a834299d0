# Tolem: two commands. `make demo` serves the whole round trip on 127.0.0.1:8080;
# `make test` runs everything CI runs. Both install missing tools first (tools/setup.sh).
SHELL := /bin/bash
export PATH := $(CURDIR)/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CARGO_TERM_COLOR ?= never
PORT ?= 8080

.PHONY: demo serve test setup dist lint test-native test-wasm test-e2e test-api sizes bench fuzz load clean release-check

demo: setup dist
	cargo build --release -p tolem-demo
	PORT=$(PORT) target/release/tolem-demo

# The widget's dev loop (README, "Working on the widget"): trunk serve on 127.0.0.1:8090, in
# front of a `make demo` on :8080 started with TOLEM_ALLOWED_ORIGINS=http://127.0.0.1:8090.
serve: setup
	trunk serve

test: setup lint test-native test-wasm dist test-e2e test-api
	@echo "make test: all green"

setup:
	@tools/setup.sh

# What merchants host and install: trunk builds the widget twice (Trunk.toml, index.html:
# crates/web, the backend-only build, and crates/direct, with the browser-direct modes; each
# through wasm-bindgen and wasm-opt -Oz, then tools/bundle.sh), tools/dist.sh packages
# dist/tolem.js (classic script), tolem_bg.wasm, tolem.css, tolem-direct.js,
# tolem_direct_bg.wasm, integrity.json, dist/npm/ and its tarball. Prints the sizes and fails
# over the budgets (tools/sizes.sh).
dist:
	trunk build --release
	tools/dist.sh
	tools/sizes.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p tolem -p tolem-core --all-targets --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p tolem-direct --all-targets --target wasm32-unknown-unknown -- -D warnings
	cargo deny --offline check licenses bans sources

# Native tests, with a throw-away PostgreSQL for the store and multi-instance tests
# (tools/pg.sh installs it from the Debian packages when missing, and stops it after).
test-native:
	tools/pg.sh run cargo test --workspace

# Browser tests of the widget in headless Chromium (wasm-bindgen-test-runner + chromedriver).
test-wasm:
	cargo test -p tolem --target wasm32-unknown-unknown

test-e2e:
	cargo build -p tolem-demo
	node --test --test-concurrency=1 e2e/

# The backend API as a contract: www/backend-api.md's examples against www/openapi.yaml, and
# schemathesis (PyPI) against the demo's backend (tools/api-check.sh).
test-api:
	cargo build -p tolem-demo
	tools/api-check.sh

sizes:
	@tools/sizes.sh

# Not part of `make test`: measurements. `make bench` puts Tolem next to Adyen Web Drop-in
# (size, time to methods) and Adyen's and Hyperswitch's polling, measures the backend, and
# writes docs/benchmarks.md (bench/run.sh).
bench: setup dist
	cargo build --release -p tolem-demo -p tolem-bench
	@bench/run.sh

# Not part of `make test` either: what `npm publish` and `cargo publish` would send, checked
# without sending (tools/release-check.sh). Set TOLEM_REPOSITORY_URL for the npm package.
release-check: setup dist
	@tools/release-check.sh

# Also not part of `make test`: `make fuzz` runs every fuzz target (FUZZ_SECONDS each,
# default 30; nightly); `make load` drives the backend and sandbox with wrk and prints
# throughput, latency, errors and memory.
fuzz:
	@tools/fuzz.sh

load: setup
	cargo build --release -p tolem-demo
	@tools/load.sh

clean:
	cargo clean
	rm -rf dist .state
