# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The aarch64 artifacts under qemu-user: the CLI, and the C example against libsfjwt.so."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import ROOT, Dist, last_line, run

SYSROOT = ["-L", Path("/usr/aarch64-linux-gnu")]


def cli(d: Dist) -> str:
    return last_line(run(["qemu-aarch64", *SYSROOT, d.unpacked["cli-linux-aarch64"] / "sfjwt",
                          "test-connection", "--config", d.conn["conn"]]))


def c_example(d: Dist) -> str:
    c = d.unpacked["c-linux-aarch64"]
    exe = d.work / "test_connection-aarch64"
    run([sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-linux-gnu.2.17",
         "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", c / "include",
         ROOT / "bindings/c/examples/test_connection.c", "-L", c / "lib", "-lsfjwt", "-o", exe])
    out = run(["qemu-aarch64", *SYSROOT, "-E", f"LD_LIBRARY_PATH={c / 'lib'}", exe,
               d.conn["conn"]])
    return f"linked against libsfjwt.so.0: {last_line(out)}"
