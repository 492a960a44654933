# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The Linux x86_64 artifacts as users run them, against `sfjwt emulator` served by the dist
CLI itself: the CLI, the C tarball through pkg-config, the wheel and the sdist in fresh
venvs, the jar in a fresh JVM."""

from __future__ import annotations

import os
import shutil

from .common import ROOT, UNAPPROVED, Dist, conn_properties, fresh_venv, last_line, run, \
    start_emulator

C_EXAMPLE = ROOT / "bindings/c/examples/test_connection.c"
STRICT_C = ["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror"]


def emulator(d: Dist) -> str:
    """The dist CLI's `sfjwt emulator`, and the conn.properties files of the checks after it."""
    d.emulator = start_emulator(d.unpacked["cli-linux-x86_64"] / "sfjwt", d.work / "emulator")
    d.conn["conn"] = conn_properties(d.emulator, d.work / "conn.properties")
    d.conn["unapproved"] = conn_properties(d.emulator, d.work / "unapproved.properties",
                                           subject=UNAPPROVED)
    return d.emulator.base_url


def cli(d: Dist) -> str:
    return last_line(run([d.unpacked["cli-linux-x86_64"] / "sfjwt", "test-connection",
                          "--config", d.conn["conn"]]))


def c_with_pkg_config(d: Dist) -> str:
    """The C example built as the README says, from the unpacked tarball's relocatable
    sfjwt.pc: shared (with an rpath) and static."""
    c = d.unpacked["c-linux-x86_64"]
    env = dict(os.environ, PKG_CONFIG_PATH=str(c / "lib" / "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", "sfjwt"], env=env).split()
    static = run(["pkg-config", "--static", "--cflags", "--libs", "sfjwt"], env=env).split()
    shared_exe, static_exe = d.work / "test_connection-shared", d.work / "test_connection-static"
    run([*STRICT_C, C_EXAMPLE, *flags, f"-Wl,-rpath,{c / 'lib'}", "-o", shared_exe])
    run([*STRICT_C, C_EXAMPLE, "-static-libgcc",
         *[f if f != "-lsfjwt" else str(c / "lib" / "libsfjwt.a") for f in static],
         "-o", static_exe])
    if "libsfjwt.so.0" not in run(["readelf", "-d", shared_exe]):
        raise RuntimeError("the shared build does not need libsfjwt.so.0")
    conn = d.conn["conn"]
    shared, linked = last_line(run([shared_exe, conn])), last_line(run([static_exe, conn]))
    return f"pkg-config {' '.join(flags)}: shared {shared}; static {linked}"


def wheel(d: Dist) -> str:
    wheel_file = d.artifact("sfjwt-{v}-cp39-abi3-*manylinux*x86_64.whl")
    python = fresh_venv(d.work / "venv-wheel")
    run([python, "-m", "pip", "install", "--quiet", "--no-index", wheel_file])
    out = run([python, "-m", "sfjwt", "test-connection", "--config", d.conn["conn"]], cwd=d.work)
    return f"{wheel_file.name} in a fresh venv: {last_line(out)}"


def sdist(d: Dist) -> str:
    sdist_file = d.artifact("sfjwt-{v}.tar.gz")
    python = fresh_venv(d.work / "venv-sdist")
    # A target directory of its own, kept between runs: the first build starts from nothing,
    # as a user's pip does.
    target = ROOT / "target" / "dist-work" / "sdist-target"
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    run([python, "-m", "pip", "install", "--quiet", "--no-binary", "sfjwt", sdist_file], env=env)
    out = run([python, "-m", "sfjwt", "test-connection", "--config", d.conn["conn"]], cwd=d.work)
    return f"built from {sdist_file.name} in a fresh venv: {last_line(out)}"


def jar(d: Dist) -> str:
    java = shutil.which("java") or "java"
    jar_file = d.artifact("sfjwt-{v}.jar")
    out = run([java, "-jar", jar_file, "test-connection", d.conn["conn"]], cwd=d.work)
    refused = run([java, "-jar", jar_file, "test-connection", d.conn["unapproved"]], expect=30,
                  cwd=d.work)
    if "hasn't approved this consumer" not in refused:
        raise RuntimeError(refused)
    return f"{last_line(out)}; unapproved user: exit 30"
