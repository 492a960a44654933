#!/usr/bin/env python3
"""The import graph of a Rust crate's modules, and its cycles.

    python3 tools/imports.py src                       # the core
    python3 tools/imports.py emulator/src              # the emulator
    python3 tools/imports.py --depth 2 emulator/src    # its layers' files: store/soql, ...

A module is a file or folder directly under the source folder (`cache/` with everything in
it is `cache`); with `--depth 2`, a file or folder one level down is one too (`store/soql`,
while `store/mod.rs` is `store`). An edge a -> b is a path to b written anywhere in a (in
`use` lines or inline), tests included: `crate::b`, `super::b` (from the module above a's
file), or `b::` where a's file declares `mod b;`. Prints each module's imports, then every
cycle (strongly connected component of more than one module): the rooms that cannot be
changed one at a time.
"""

import argparse
import re
from pathlib import Path

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# `crate::a::b::c`: the longest prefix that names a module is the one imported.
CRATE_PATH = re.compile(rf"\bcrate::((?:{IDENT}::)*{IDENT})")
# `use crate::{a, b::c}` or `crate::a::{self, b}` name several modules in one line.
CRATE_GROUP = re.compile(rf"\bcrate::((?:{IDENT}::)*)\{{([^}}]*)\}}")
SUPER_PATH = re.compile(rf"\bsuper::((?:{IDENT}::)*{IDENT})")
SUPER_GROUP = re.compile(rf"\bsuper::((?:{IDENT}::)*)\{{([^}}]*)\}}")
# A file's inline `mod tests`, where `super::` is the file's own module.
TESTS = re.compile(r"^#\[cfg\(test\)\]\s*\nmod \w+ \{", re.MULTILINE)
CHILD = re.compile(rf"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+({IDENT})\s*;", re.MULTILINE)

Module = tuple[str, ...]


def module_of(root: Path, path: Path) -> Module:
    """`store/soql.rs` -> (store, soql); `store/mod.rs` -> (store,); `lib.rs` -> ()."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts.pop()
    return tuple(parts)


def named(text: str, path_re: re.Pattern, group_re: re.Pattern) -> list[list[str]]:
    """The paths after `crate::` (or `super::`), split at `::`, groups expanded."""
    found = [m.split("::") for m in path_re.findall(text)]
    for prefix, group in group_re.findall(text):
        for part in group.split(","):
            part = part.strip()
            if part:
                found.append(prefix.split("::")[:-1] + part.split("::"))
    return found


def graph(root: Path, depth: int = 1) -> dict[str, set[str]]:
    files = {path: module_of(root, path) for path in sorted(root.rglob("*.rs"))}
    known = set(files.values())

    def node(module: Module) -> str | None:
        return "/".join(module[:depth]) or None

    def target(base: Module, names: list[str]) -> str | None:
        # `super::Item` imports the module above, when it is one (not the crate root).
        longest = base or None
        for end in range(1, len(names) + 1):
            if base + tuple(names[:end]) in known:
                longest = base + tuple(names[:end])
        return node(longest) if longest else None

    edges: dict[str, set[str]] = {n: set() for m in known if (n := node(m))}
    for path, module in files.items():
        name = node(module)
        if name is None:
            continue
        text = path.read_text()
        targets = [target((), names) for names in named(text, CRATE_PATH, CRATE_GROUP)]
        if module:
            tests = TESTS.search(text)
            code, test_code = (text[: tests.start()], text[tests.start() :]) if tests else (text, "")
            for base, part in ((module[:-1], code), (module, test_code)):
                targets += [target(base, n) for n in named(part, SUPER_PATH, SUPER_GROUP)]
        for child in CHILD.findall(text):
            if re.search(rf"(?<![\w:]){child}::", text):
                targets.append(target(module, [child]))
        edges[name].update(t for t in targets if t and t != name)
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
    parser = argparse.ArgumentParser(description="The import graph of a Rust crate.")
    parser.add_argument("source", type=Path, help="the crate's source folder, e.g. src")
    parser.add_argument(
        "--depth", type=int, default=1, help="module levels shown (1: top-level modules)"
    )
    args = parser.parse_args()
    if not args.source.is_dir() or args.depth < 1:
        parser.error("needs a source folder and a depth of at least 1")
    edges = graph(args.source, args.depth)
    for name in sorted(edges):
        print(f"{name} -> {', '.join(sorted(edges[name])) or '(nothing)'}")
    found = cycles(edges)
    print(f"\n{len(found)} cycle(s)" + "".join(f"\n  {' <-> '.join(c)}" for c in found))


if __name__ == "__main__":
    main()
