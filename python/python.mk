# Python: wheel and pytest (in progress).
.PHONY: python-test
python-test:
	@echo "python-test: nothing yet"
