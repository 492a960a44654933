# sfjwt — the two commands a newcomer runs: `make demo` and `make test`.
# One target directory and one (dev) profile for everything: building the same
# crates twice in different profiles would double the build time on small machines.

CARGO ?= cargo
SFJWT := target/debug/sfjwt
# maturin sets this when it builds the Python extension; setting it for every cargo
# run keeps pyo3's build script from rerunning between lint and the Python build.
export PYO3_BUILD_EXTENSION_MODULE := 1

.PHONY: test demo lint rust-test fixtures

## Every test of every language.
test: lint rust-test c-test java-test python-test

## Build the CLI and run the full flow against the built-in emulator.
demo:
	$(CARGO) build --bin sfjwt
	$(SFJWT) demo

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings

# The Python binding is an extension module: it links against the interpreter that
# loads it, so it is tested from Python (python-test), not by cargo.
rust-test:
	$(CARGO) test --workspace --exclude sfjwt-python

## Regenerate the keystore fixtures with the real keytool and openssl.
fixtures:
	tests/fixtures/make-fixtures.sh

# Each language's build and tests; benchmarks (`make bench`) and fuzzing (`make fuzz`).
include bindings/c/c.mk
include java/java.mk
include python/python.mk
include bench/bench.mk
include fuzz/fuzz.mk
