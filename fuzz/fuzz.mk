# Fuzzing (not part of make test): in progress.
.PHONY: fuzz
fuzz:
	@echo "fuzz: no targets yet"
