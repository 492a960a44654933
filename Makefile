# sfjwt — the two commands a newcomer runs: `make demo` and `make test`.
# One target directory and one (dev) profile for everything: building the same
# crates twice in different profiles would double the build time on small machines.

CARGO ?= cargo

.PHONY: test demo bench lint rust-test fixtures

## Every test of every language.
test: lint rust-test

## Build the CLI and run the full flow against the built-in emulator.
demo:
	$(CARGO) build --bin sfjwt
	target/debug/sfjwt demo

## Criterion benchmarks: key loading per format and RS256 signing throughput.
bench:
	$(CARGO) bench --bench core

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace

## Regenerate the keystore fixtures with the real keytool and openssl.
fixtures:
	tests/fixtures/make-fixtures.sh
