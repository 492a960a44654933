#!/usr/bin/env python3
"""Checks that every test the README cites is where it says: for each "`path` `name`" in
README.md (a file of the repository, then one or more names), the file exists and holds each
name.

    python3 tools/readme_refs.py     # run by `make lint`

The README's tables say which test guards which behaviour; files and tests move (issue 26 moved
many), and a stale reference would send a reader to nothing.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(
    r"`((?:src|cli|emulator|bindings|tests|testkit|python|java|bench|release|interop|tools)"
    r"/[^`\s]+\.(?:rs|py|java|c))` ((?:`[A-Za-z_][A-Za-z0-9_:]*`(?:, | and |/| ×\d)*\s*)+)")
NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_:]*)`")


def main() -> int:
    text = (ROOT / "README.md").read_text()
    problems, checked = [], 0
    for match in CITED.finditer(text):
        path = ROOT / match.group(1)
        if not path.is_file():
            problems.append(f"{match.group(1)}: no such file")
            continue
        source = path.read_text(errors="replace")
        for name in NAME.findall(match.group(2)):
            checked += 1
            if name.split("::")[-1] not in source:
                problems.append(f"{match.group(1)}: no {name}")
    for problem in problems:
        print(f"README.md cites {problem}")
    print(f"readme-refs: {checked} cited names, {len(problems)} stale")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
