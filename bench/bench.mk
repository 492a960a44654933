# Benchmarks (not part of make test).
.PHONY: bench
## Criterion benchmarks: key loading per format and RS256 signing throughput.
bench:
	$(CARGO) bench --bench core
