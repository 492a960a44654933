# Copyright sfjwt contributors. Licensed under Apache-2.0.
# Spark: proof that `token_cache_dir` gives a PySpark job ONE login for all its workers.
#
# spark/run.py starts the emulator and runs spark/job.py twice on a local[2] Spark with
# Python worker reuse off, so each of the 8 partitions runs in a fresh worker process that
# builds its own sfjwt.Client, logs in and makes one REST call:
#   with token_cache_dir     the emulator issues 1 token for the whole job
#   without it (baseline)    it issues 1 token per worker process (8)
# Needs Java (17) on PATH; figures in target/spark-test/result.json.
#
#   target/spark-venv   pyspark (spark/requirements.txt) + the sfjwt wheel

SPARK_VENV := $(CURDIR)/target/spark-venv

.PHONY: spark-test

$(SPARK_VENV)/.installed: spark/requirements.txt
	rm -rf $(SPARK_VENV)
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install $(PY_PIP) -r spark/requirements.txt
	touch $@

## The PySpark job against the emulator, with and without token_cache_dir.
spark-test: python-wheel $(SPARK_VENV)/.installed
	$(CARGO) build -p sfjwt-cli
	$(SPARK_VENV)/bin/pip install $(PY_PIP) --no-deps --force-reinstall $(PY_WHEELS)/sfjwt-*.whl
	$(SPARK_VENV)/bin/python spark/run.py
