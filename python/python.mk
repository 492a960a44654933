# Python: the abi3 wheel (maturin, dev profile), its install into an empty venv,
# pytest against the emulator (with the Java jar, for JVMs beside Python processes),
# mypy --strict and stubtest of the committed stubs.
#
#   target/py-venv/tools  maturin, pytest, mypy (python/requirements-dev.txt) + the wheel
#   target/py-venv/clean  a fresh venv with nothing but the wheel (oldest Python found)
#   target/wheels/        the wheel

PYTHON ?= python3
# The clean venv uses the oldest supported Python (3.9) when one runs, e.g. a pyenv
# install that is not the active version, to prove the abi3-py39 tag; else $(PYTHON).
PY_CLEAN_PYTHON ?= $(firstword $(shell for p in python3.9 $$(pyenv root 2>/dev/null)/versions/3.9*/bin/python3.9; do \
	"$$p" -c '' 2>/dev/null && echo "$$p"; done) $(PYTHON))
PY_VENVS := $(CURDIR)/target/py-venv
PY_TOOLS := $(PY_VENVS)/tools
PY_CLEAN := $(PY_VENVS)/clean
PY_WHEELS := $(CURDIR)/target/wheels
PY_PIP := --quiet --disable-pip-version-check

.PHONY: python-test python-wheel python-tools

$(PY_TOOLS)/.installed: python/requirements-dev.txt
	rm -rf $(PY_TOOLS)
	$(PYTHON) -m venv $(PY_TOOLS)
	$(PY_TOOLS)/bin/pip install $(PY_PIP) -r python/requirements-dev.txt
	touch $@

python-tools: $(PY_TOOLS)/.installed

## The wheel, with the test-only `testing` feature, in the dev profile and the
## workspace's target directory (cargo metadata gives maturin target/).
python-wheel: python-tools
	rm -f $(PY_WHEELS)/sfjwt-*.whl
	cd python && $(PY_TOOLS)/bin/maturin build --locked --profile dev --features testing \
		--interpreter $(PY_TOOLS)/bin/python --compatibility linux --strip --out $(PY_WHEELS)

python-test: python-wheel cargo-build
	rm -rf $(PY_CLEAN)
	$(PY_CLEAN_PYTHON) -m venv $(PY_CLEAN)
	$(PY_CLEAN)/bin/pip install $(PY_PIP) --no-index $(PY_WHEELS)/sfjwt-*.whl
	cd $(PY_VENVS) && $(PY_CLEAN)/bin/python -c \
		"import sfjwt, sys; print('clean venv: sfjwt', sfjwt.__version__, 'imports on Python', sys.version.split()[0])"
	$(PY_TOOLS)/bin/pip install $(PY_PIP) --no-deps --force-reinstall $(PY_WHEELS)/sfjwt-*.whl
	cd python && $(PY_TOOLS)/bin/mypy --cache-dir $(CURDIR)/target/py-mypy-cache sfjwt tests
	cd $(PY_VENVS) && $(PY_TOOLS)/bin/python -m mypy.stubtest sfjwt._native
	test -f $(JAVA_TEST_JAR) || $(MAKE) java-jar
	cd python && SFJWT_BIN=$(CURDIR)/$(SFJWT) SFJWT_CLEAN_PYTHON=$(PY_CLEAN)/bin/python \
		SFJWT_TEST_JAR=$(JAVA_TEST_JAR) $(PY_TOOLS)/bin/pytest
