# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make bench` in parts: common (settings), build, workers, rows, measure, report;
bench/run.py puts them in order."""
