#!/usr/bin/env python3
"""Checks the GitHub workflows: each parses as YAML, and every `make <target>` one of its steps
runs names a target the Makefile has.

    make workflows-check    # part of make test; PyYAML from python/requirements-dev.txt

The per-surface workflows (.github/workflows/{rust,c,java,python}.yml) call the make targets a
developer runs, and none of them runs on this machine: a renamed target or a YAML slip (a
`${{ }}` inside a flow mapping, which GitHub refuses) would otherwise only show on GitHub.
"""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
# `make a b` at the start of a command, or after `&&`, `;` or `|`.
MAKE_CALL = re.compile(r"(?:^|&&|;|\|)\s*(?:sudo\s+env\s+\S+\s+)?make\s+((?:[a-z][a-z0-9-]*\s*)+)")


def run_lines(workflow: Any) -> Iterator[str]:
    for job in (workflow.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            for line in str(step.get("run", "")).splitlines():
                yield line.strip()


def main() -> int:
    failures: List[str] = []
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    called = 0
    for path in workflows:
        try:
            workflow = yaml.safe_load(path.read_text())
        except yaml.YAMLError as e:
            failures.append(f"{path.name}: not valid YAML: {e}")
            continue
        for line in run_lines(workflow):
            for match in MAKE_CALL.finditer(line):
                for target in match.group(1).split():
                    called += 1
                    # -n: print what would run, run nothing.
                    probe = subprocess.run(["make", "-n", "-C", str(ROOT), target],
                                           capture_output=True, text=True)
                    if probe.returncode != 0:
                        failures.append(f"{path.name}: make {target}: {probe.stderr.strip()}")
    for failure in failures:
        print(failure)
    print(f"workflows-check: {len(workflows)} workflows, {called} make targets called, "
          f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
