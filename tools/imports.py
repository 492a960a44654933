#!/usr/bin/env python3
"""The import graph of a Rust crate's top-level modules, and its cycles.

    python3 tools/imports.py src            # the core
    python3 tools/imports.py emulator/src   # the emulator

A module is a file or folder directly under the source folder (`cache/` with everything in
it is `cache`); an edge a -> b is a `crate::b` path written anywhere in a (in `use` lines or
inline; `super::b` in a file directly under the folder), tests included. Prints each module's imports, then every cycle (strongly connected
component of more than one module): the rooms that cannot be changed one at a time.
"""

import re
import sys
from pathlib import Path

CRATE_PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
# `use crate::{a, b::c}` names several modules in one line.
CRATE_GROUP = re.compile(r"\bcrate::\{([^}]*)\}")
# In a file directly under the source folder, `super::` is the crate root too.
SUPER_PATH = re.compile(r"\bsuper::([a-z_][a-z0-9_]*)")
SUPER_GROUP = re.compile(r"\bsuper::\{([^}]*)\}")


def modules(root: Path) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*.rs")):
        top = path.relative_to(root).parts[0].removesuffix(".rs")
        if top in ("lib", "main"):
            continue
        found.setdefault(top, []).append(path)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    mods = modules(root)
    edges: dict[str, set[str]] = {name: set() for name in mods}
    for name, paths in mods.items():
        for path in paths:
            text = path.read_text()
            top_level = path.parent == root
            paths, groups = CRATE_PATH.findall(text), CRATE_GROUP.findall(text)
            if top_level:
                paths += SUPER_PATH.findall(text)
                groups += SUPER_GROUP.findall(text)
            names = set(paths)
            for group in groups:
                names.update(part.strip().split("::")[0] for part in group.split(","))
            edges[name].update(n for n in names if n in mods and n != name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, the ones with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> None:
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        raise SystemExit("usage: tools/imports.py <crate source folder, e.g. src>")
    edges = graph(Path(sys.argv[1]))
    for name in sorted(edges):
        print(f"{name} -> {', '.join(sorted(edges[name])) or '(nothing)'}")
    found = cycles(edges)
    print(f"\n{len(found)} cycle(s)" + "".join(f"\n  {' <-> '.join(c)}" for c in found))


if __name__ == "__main__":
    main()
