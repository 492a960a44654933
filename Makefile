# sfjwt — the two commands a newcomer runs: `make demo` and `make test`.
# One target directory and one (dev) profile for everything: building the same
# crates twice in different profiles would double the build time on small machines.

CARGO ?= cargo
SFJWT := target/debug/sfjwt
# maturin sets this when it builds the Python extension; setting it for every cargo
# run keeps pyo3's build script from rerunning between lint and the Python build.
export PYO3_BUILD_EXTENSION_MODULE := 1

.PHONY: test demo lint dependency-guard workflows-check rust-test fixtures

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
	$(CARGO) test --workspace --exclude sfjwt-python

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
