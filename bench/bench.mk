# Benchmarks (not part of make test): BENCHMARKS.md from one run of bench/run.py.
#
#   make bench            release builds (CLI, libsfjwt, JNI library, wheel, jar, the Rust
#                         bench worker, the C bench), then every row of BENCHMARKS.md with
#                         sfjwt and its reference interleaved; BENCH_ROUNDS=5 by default;
#                         BENCH_BASELINE=3fbdfa7 by default: the commit the footprint rows
#                         (crates, libsfjwt.so, libsfjwt_jni.so, wheel) compare with, the
#                         last one whose library crate still included the CLI and the
#                         emulator; built in the same run from a git worktree
#                         (target/bench/baseline-src) in the same target directory
#   make bench-criterion  the criterion benches alone (bench/rust/core.rs: key loading per
#                         format, signing), with their statistics in target/criterion
#
# Everything the run makes is under target/bench/ (a venv with maturin, PyJWT and
# cryptography from bench/requirements.txt, the copied release artifacts).

BENCH_ROUNDS ?= 5

.PHONY: bench bench-criterion

## Every row of BENCHMARKS.md, measured in one run; rewrites BENCHMARKS.md.
bench:
	CARGO=$(CARGO) PYTHON=$(PYTHON) BENCH_ROUNDS=$(BENCH_ROUNDS) $(PYTHON) bench/run.py

## The criterion benches (key loading per keystore format, RS256 signing).
bench-criterion:
	$(CARGO) bench -p sfjwt-bench --bench core

# `make soak` (not part of make test, nor of CI): bench/soak/run.py, SOAK_SECS=120 and
# SOAK_THREADS=64 by default. It reuses the dev-profile builds of make test: the CLI (for
# its emulator), the Rust driver (an example of sfjwt-bench) and the Python wheel.
SOAK_SECS ?= 120
SOAK_THREADS ?= 64

.PHONY: soak

## sfjwt under load and faults (Rust and Python at once); fails on a late call, an
## unexpected error code, too many logins or a growing footprint.
soak: python-wheel cargo-build
	$(PY_TOOLS)/bin/pip install $(PY_PIP) --no-deps --force-reinstall $(PY_WHEELS)/sfjwt-*.whl
	SFJWT_BIN=$(CURDIR)/$(SFJWT) SOAK_RUST=$(CURDIR)/target/debug/examples/soak \
		SOAK_PYTHON=$(PY_TOOLS)/bin/python SOAK_SECS=$(SOAK_SECS) SOAK_THREADS=$(SOAK_THREADS) \
		$(PYTHON) bench/soak/run.py
