#!/usr/bin/env python3
# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make bench`: builds what it measures in the release profile, runs every row of issue 7
with sfjwt and its reference interleaved (A B A B ...), and writes BENCHMARKS.md.

Python 3 standard library only. Everything it makes goes to target/bench/. Settings, from
the environment: BENCH_ROUNDS (default 5), BENCH_OUT (default BENCHMARKS.md), BENCH_BASELINE
(default 3fbdfa7: the commit the footprint rows compare with, the last one whose library
crate still included the CLI and the emulator), CARGO, PYTHON (the interpreter of the bench
venv, default python3), JAVA/JAVAC/JAR/KEYTOOL/CC.

Layout of a measurement: long-lived workers (a release Rust bench binary with an in-process
emulator, a JVM, a Python interpreter) answer one command per line with one JSON line, so
that each stays warm while the rounds alternate between sfjwt and the reference. Processes
measured from the outside (openssl speed, the C bench, cold starts) run once per round.
Reported figures are medians over the rounds; each ratio is the median of the per-round
ratios, oriented so that above 1 means sfjwt is better (faster, fewer, smaller).

The baseline (BENCH_BASELINE) is checked out as a git worktree in target/bench/baseline-src
and built in the same run, with the same target directory, so that the footprint rows compare
the two trees on the same toolchain and dependency builds.
"""

from __future__ import annotations

import datetime
import sys
import time

from harness.build import Build
from harness.common import OUT, START, log
from harness.measure import Bench
from harness.report import report


def main() -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    build = Build()
    build.all()
    bench = Bench(build)
    try:
        bench.start()
        bench.signing()
        bench.keystores()
        bench.tokens()
        bench.logins()
        bench.shared_cache()
        bench.spark()
        bench.cold_start()
        bench.sizes()
    finally:
        bench.stop()
    # The table's order: the issue's.
    order = ["Signing", "Keystore load", "Cached token", "Logins saved", "Cold start", "Footprint"]
    bench.rows.sort(key=lambda r: order.index(r.section))
    elapsed = time.monotonic() - START
    OUT.write_text(report(bench, build, started, elapsed))
    log(f"wrote {OUT} ({elapsed / 60:.1f} minutes)")
    print(OUT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
