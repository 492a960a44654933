# C ABI: built and tested by the C binding (in progress).
.PHONY: c-test
c-test:
	@echo "c-test: nothing yet"
