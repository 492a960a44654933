# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The checks of the release artifacts, one module per kind of artifact, each check a function
of the run's `Dist` that returns what it saw (release/check.py lists them in order)."""
