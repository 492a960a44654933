# Java: built and tested by Maven (in progress).
.PHONY: java-test
java-test:
	@echo "java-test: nothing yet"
