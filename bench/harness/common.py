# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""What every part of the bench shares: its settings (from the environment), paths and
the way it runs commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")).resolve()
WORK = TARGET / "bench"
FIXTURES = ROOT / "tests" / "fixtures"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
OUT = ROOT / os.environ.get("BENCH_OUT", "BENCHMARKS.md")
# The commit before the split of the CLI and the emulator out of the library crate.
BASELINE = os.environ.get("BENCH_BASELINE", "3fbdfa7")
CARGO = os.environ.get("CARGO", "cargo")
PYTHON = os.environ.get("PYTHON", "python3")
JAVA = os.environ.get("JAVA", "java")
JAVAC = os.environ.get("JAVAC", "javac")
JAR = os.environ.get("JAR", "jar")
KEYTOOL = os.environ.get("KEYTOOL", "keytool")
CC = os.environ.get("CC", "gcc")
CORES = os.cpu_count() or 1
FORMATS = ["jks", "jceks", "pkcs12_keytool", "pkcs12_openssl", "pem"]
FORMAT_NAMES = {
    "jks": "JKS (`jks-diffkey.jks`)",
    "jceks": "JCEKS (`jceks.jceks`)",
    "pkcs12_keytool": "PKCS#12, keytool (`p12-keytool.p12`)",
    "pkcs12_openssl": "PKCS#12, openssl (`p12-openssl.p12`)",
    "pem": "PEM PKCS#8 (`pem-pkcs8.pem`)",
}
VENV = WORK / "venv"
VENV_PY = VENV / "bin" / "python"
# The crates whose dependency trees the footprint rows count (as `make dependency-guard`).
BINDING_CRATES = ["sfjwt-c", "sfjwt-jni", "sfjwt-python"]
# The shared libraries that path packages of both trees write under the same names in
# target/release/deps/ (cargo adds no hash to a local cdylib's file name).
SHARED_LIBRARIES = ["libsfjwt.so", "libsfjwt_jni.so", "lib_native.so"]
START = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - START:6.1f}s] {message}", file=sys.stderr, flush=True)


def run(cmd: Sequence[Any], **kwargs: Any) -> subprocess.CompletedProcess:
    cmd = [str(c) for c in cmd]
    log("$ " + " ".join(cmd))
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, **kwargs)


def output(cmd: Sequence[Any]) -> str:
    try:
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not available ({e})"


# ---------------------------------------------------------------------------- builds


