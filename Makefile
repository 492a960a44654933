# sfjwt — the two commands a newcomer runs: `make demo` and `make test`.
# One target directory and one (dev) profile for everything: building the same
# crates twice in different profiles would double the build time on small machines.

CARGO ?= cargo
SFJWT := target/debug/sfjwt
# maturin sets this when it builds the Python extension; setting it for every cargo
# run keeps pyo3's build script from rerunning between lint and the Python build.
export PYO3_BUILD_EXTENSION_MODULE := 1

.PHONY: test demo lint dependency-guard workflows-check rust-test cargo-build fixtures

# One selection and one feature set for every debug build that a test runs or loads.
# Cargo unifies features over the packages and targets one command selects: a build of
# `-p sfjwt-c` alone, or without the test targets (whose dev-dependencies add features
# to serde, tokio, hyper, ...), would compile most of the tree a second time. So the
# Rust tests, libsfjwt, the JNI library and the CLI all come from this one selection.
# The Python extension is maturin's own build (python/python.mk).
CARGO_TESTED := --workspace --exclude sfjwt-python --features sfjwt-c/testing,sfjwt-jni/testing

## Every test of every language.
test: lint dependency-guard workflows-check rust-test c-test java-test python-test

## Build the CLI and run the full flow against the built-in emulator.
demo:
	$(CARGO) build -p sfjwt-cli
	$(SFJWT) demo

# tools/readme_refs.py: every test the README cites is in the file it names.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	$(PYTHON) tools/readme_refs.py

# The libraries that C, Java and Python link carry no argument parser, password prompt,
# certificate generator or HTTP server: those are the CLI's and the emulator's. Fails
# when one comes back into a binding's normal dependency tree (on any target); prints the
# size of each tree on this machine's target.
GUARDED_CRATES := sfjwt-c sfjwt-jni sfjwt-python
GUARD_PATTERN := ^(clap|rpassword|rcgen) v|^hyper feature "server"
dependency-guard:
	@status=0; for crate in $(GUARDED_CRATES); do \
	  tree=$$($(CARGO) tree -q -p $$crate -e normal,features --target all --prefix none) || exit 1; \
	  found=$$(printf '%s\n' "$$tree" | grep -E '$(GUARD_PATTERN)' | sed 's/ (\*)$$//' | sort -u); \
	  crates=$$($(CARGO) tree -q -p $$crate -e normal --prefix none --format '{p}' \
	    | sed 's/ (\*)$$//' | sort -u | wc -l); \
	  if [ -n "$$found" ]; then \
	    echo "dependency-guard: $$crate must not depend on:"; echo "$$found" | sed 's/^/  /'; status=1; \
	  else \
	    echo "dependency-guard: $$crate: $$crates crates, no CLI or emulator dependency"; \
	  fi; \
	done; exit $$status

# The workflows under .github/ parse, and every make target they call exists
# (tools/workflows.py, with the PyYAML of the Python tools venv).
workflows-check: python-tools
	$(PY_TOOLS)/bin/python tools/workflows.py

# The Python binding is an extension module: it links against the interpreter that
# loads it, so it is tested from Python (python-test), not by cargo.
rust-test:
	$(CARGO) test $(CARGO_TESTED)

## libsfjwt and the JNI library (feature `testing`), the CLI and every test target, in
## the one feature set of CARGO_TESTED: a no-op once rust-test or another has run.
cargo-build:
	$(CARGO) build $(CARGO_TESTED) --all-targets

## Regenerate the keystore fixtures with the real keytool and openssl.
fixtures:
	tests/fixtures/make-fixtures.sh

# Each language's build and tests; benchmarks (`make bench`) and fuzzing (`make fuzz`).
include bindings/c/c.mk
include java/java.mk
include python/python.mk
include interop/interop.mk
include bench/bench.mk
include fuzz/fuzz.mk
include release/dist.mk
