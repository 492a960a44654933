#!/usr/bin/env python3
# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make dist-host` and `make dist-check-host`: the release artifacts of the machine that runs
it, built natively (cargo, maturin, Maven), and their checks against the emulator.

For the hosted runners of .github/workflows/release.yml (macOS x86_64 and arm64, Windows
x86_64, Linux aarch64), where nothing is cross-built; `make dist` cross-builds Linux and
Windows from one Linux x86_64 machine instead. Standard library only, any OS.

    host.py build --dist DIR   writes DIR/: the CLI and C archives, the wheel, the JNI library
                               as native/<platform>/<file> (for the multi-platform jar) and a
                               jar carrying it alone
    host.py check --dist DIR   the CLI, the wheel in a fresh venv, the jar in a fresh JVM and
                               the C example, each against `sfjwt emulator`; prints
                               `N passed, N failed`
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from checks.common import conn_properties, fresh_venv, last_line, start_emulator

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve()
CARGO = os.environ.get("CARGO", "cargo")
MVN = os.environ.get("MVN", "mvn")
PLATFORMS = {
    "x86_64-unknown-linux-gnu": "linux-x86_64",
    "aarch64-unknown-linux-gnu": "linux-aarch64",
    "x86_64-apple-darwin": "macos-x86_64",
    "aarch64-apple-darwin": "macos-aarch64",
    "x86_64-pc-windows-msvc": "windows-x86_64",
    "x86_64-pc-windows-gnu": "windows-x86_64",
}
WINDOWS = os.name == "nt"


def run(cmd: Sequence[object], expect: int = 0, **kwargs: object) -> str:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=3600,
                       **kwargs)  # type: ignore[call-overload]
    if p.returncode != expect:
        raise RuntimeError(f"exit {p.returncode}, expected {expect}:\n{(p.stdout + p.stderr)[-3000:]}")
    return p.stdout + p.stderr


def version() -> str:
    for line in (ROOT / "Cargo.toml").read_text().splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise SystemExit("no version in Cargo.toml")


def host() -> str:
    triple = next(line.split()[1] for line in run(["rustc", "-vV"]).splitlines()
                  if line.startswith("host:"))
    if triple not in PLATFORMS:
        raise SystemExit(f"no release platform for {triple}")
    return PLATFORMS[triple]


def files(plat: str) -> Dict[str, str]:
    """What cargo writes for this platform, by role."""
    if plat.startswith("windows"):
        return {"cli": "sfjwt.exe", "cdylib": "sfjwt.dll", "implib": "sfjwt.dll.lib",
                "staticlib": "sfjwt.lib", "jni": "sfjwt_jni.dll"}
    suffix = "dylib" if plat.startswith("macos") else "so"
    return {"cli": "sfjwt", "cdylib": f"libsfjwt.{suffix}", "staticlib": "libsfjwt.a",
            "jni": f"libsfjwt_jni.{suffix}"}


def archive(directory: Path, into: Path) -> Path:
    """A .zip on Windows, else a .tar.gz, of `directory` (its name as the top entry)."""
    if WINDOWS:
        out = into / f"{directory.name}.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(directory.rglob("*")):
                z.write(path, path.relative_to(directory.parent))
    else:
        out = into / f"{directory.name}.tar.gz"
        with tarfile.open(out, "w:gz") as t:
            t.add(directory, arcname=directory.name)
    return out


def build(dist: Path) -> None:
    plat, v, names = host(), version(), files(host())
    shutil.rmtree(dist, ignore_errors=True)
    dist.mkdir(parents=True)
    work = TARGET / "dist-host"
    shutil.rmtree(work, ignore_errors=True)
    run([CARGO, "build", "--profile", "dist", "-p", "sfjwt-cli", "-p", "sfjwt-c", "-p", "sfjwt-jni"],
        cwd=ROOT)
    out = TARGET / "dist"

    cli = work / f"sfjwt-cli-{v}-{plat}"
    cli.mkdir(parents=True)
    shutil.copy2(out / names["cli"], cli)
    shutil.copy2(ROOT / "LICENSE", cli)
    archive(cli, dist)

    c = work / f"sfjwt-{v}-{plat}"
    for sub in ("include", "lib", "bin"):
        (c / sub).mkdir(parents=True)
    shutil.copy2(ROOT / "include" / "sfjwt.h", c / "include")
    shutil.copy2(out / names["staticlib"], c / "lib")
    if WINDOWS:
        shutil.copy2(out / names["cdylib"], c / "bin")
        shutil.copy2(out / names["implib"], c / "lib")
    else:
        # Under the name the loader looks for (the SONAME, or macOS's install name), with
        # the links that `-lsfjwt` and versioned installs expect.
        lib = c / "lib"
        if plat.startswith("linux"):
            names_and_links = [(f"libsfjwt.so.{v}", "libsfjwt.so.0"), ("libsfjwt.so.0", "libsfjwt.so")]
        else:
            names_and_links = [("libsfjwt.0.dylib", "libsfjwt.dylib")]
        shutil.copy2(out / names["cdylib"], lib / names_and_links[0][0])
        for target, link in names_and_links:
            os.symlink(target, lib / link)
    for doc, name in ((ROOT / "bindings/c/README.md", "README.md"), (ROOT / "LICENSE", "LICENSE")):
        shutil.copy2(doc, c / name)
    archive(c, dist)

    native = dist / "native" / plat
    native.mkdir(parents=True)
    shutil.copy2(out / names["jni"], native)

    maturin = shutil.which("maturin") or "maturin"
    run([maturin, "build", "--locked", "--profile", "dist", "--out", dist], cwd=ROOT / "python")
    run([MVN, "-B", "-ntp", "-Pdist", f"-Dsfjwt.dist.natives={dist}", "clean", "package"],
        cwd=ROOT / "java", shell=WINDOWS)
    shutil.copy2(ROOT / "java" / "target" / f"sfjwt-{v}.jar", dist / f"sfjwt-{v}-{plat}-only.jar")


def check(dist: Path) -> int:
    plat, v, names = host(), version(), files(host())
    work = TARGET / "dist-host-check"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    results: List[bool] = []

    def case(name: str, step: Callable[[], str]) -> None:
        try:
            print(f"ok   {name}: {step()}", flush=True)
            results.append(True)
        except Exception as e:  # reported; the other checks still run
            print(f"FAIL {name}: {e}", flush=True)
            results.append(False)

    def unpack(stem: str) -> Path:
        source = dist / (stem + (".zip" if WINDOWS else ".tar.gz"))
        shutil.unpack_archive(str(source), str(work))
        return work / stem

    cli_dir, c_dir = unpack(f"sfjwt-cli-{v}-{plat}"), unpack(f"sfjwt-{v}-{plat}")
    cli = cli_dir / names["cli"]
    if not WINDOWS:
        cli.chmod(0o755)
    emulator = start_emulator(cli, work / "emulator")
    # Java's .properties format: the backslashes of Windows paths are doubled.
    conn = conn_properties(emulator, work / "conn.properties", escape=True)
    try:
        case("CLI test-connection",
             lambda: last_line(run([cli, "test-connection", "--config", conn])))

        def wheel() -> str:
            wheel_file = next(dist.glob(f"sfjwt-{v}-*.whl"))
            python = fresh_venv(work / "venv")
            run([python, "-m", "pip", "install", "--quiet", "--no-index", wheel_file])
            out = run([python, "-m", "sfjwt", "test-connection", "--config", conn], cwd=work)
            return f"{wheel_file.name}: {last_line(out)}"

        def jar() -> str:
            return last_line(run(["java", "-jar", dist / f"sfjwt-{v}-{plat}-only.jar",
                                  "test-connection", conn], cwd=work))

        def c_example() -> str:
            exe = work / ("test_connection.exe" if WINDOWS else "test_connection")
            compiler = shutil.which("cc") or shutil.which("gcc") or "cc"
            if WINDOWS:  # link against the DLL itself; it must sit beside the program
                link = [c_dir / "bin" / names["cdylib"]]
                shutil.copy2(c_dir / "bin" / names["cdylib"], work)
            else:
                link = ["-L", c_dir / "lib", "-lsfjwt", f"-Wl,-rpath,{c_dir / 'lib'}"]
            run([compiler, "-std=c99", "-I", c_dir / "include",
                 ROOT / "bindings/c/examples/test_connection.c", *link, "-o", exe])
            return last_line(run([exe, conn], cwd=work))

        case("wheel in a fresh venv: python -m sfjwt test-connection", wheel)
        case("jar in a fresh JVM: java -jar test-connection", jar)
        case("C example linked against the shared library", c_example)
    finally:
        emulator.stop()
    print(f"{results.count(True)} passed, {results.count(False)} failed ({plat}, {platform.platform()})")
    return 0 if all(results) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("--dist", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "build":
        build(args.dist.resolve())
        return 0
    return check(args.dist.resolve())


if __name__ == "__main__":
    sys.exit(main())
