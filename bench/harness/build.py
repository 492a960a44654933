# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The release artifacts the bench measures, built and copied to target/bench/, and the
baseline's for the footprint rows."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Optional


from .common import (BASELINE, BINDING_CRATES, CARGO, CC, FIXTURES, JAR, JAVAC, KEYTOOL, PYTHON,
                     ROOT, SHARED_LIBRARIES, TARGET, VENV, VENV_PY, WORK, run)


class Build:
    """The release artifacts, copied to target/bench/ so that a parallel cargo build in the
    shared target directory cannot swap them mid-run."""

    def __init__(self) -> None:
        self.times: Dict[str, float] = {}
        self.bin = WORK / "bin"
        self.lib = WORK / "lib"
        self.cli = self.bin / "sfjwt"
        self.worker = self.bin / "worker"
        self.token_bench = self.bin / "token_bench"
        self.libsfjwt = self.lib / "libsfjwt.so.0"
        self.jni = self.lib / "libsfjwt_jni.so"
        self.jar = WORK / "sfjwt-bench.jar"
        self.wheel: Optional[Path] = None
        self.java_classes = WORK / "java-bench"
        self.same_p12 = WORK / "jks-same.p12"
        self.baseline_src = WORK / "baseline-src"
        self.baseline_dir = WORK / "baseline"
        self.baseline_libsfjwt = self.baseline_dir / "libsfjwt.so"
        self.baseline_jni = self.baseline_dir / "libsfjwt_jni.so"
        self.baseline_wheel: Optional[Path] = None
        # Crates in each binding's normal dependency tree: now, and at the baseline.
        self.crates: Dict[str, int] = {}
        self.baseline_crates: Dict[str, int] = {}

    def timed(self, name: str, step: Callable[[], None]) -> None:
        start = time.monotonic()
        step()
        self.times[name] = time.monotonic() - start

    def all(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        for d in (self.bin, self.lib):
            d.mkdir(exist_ok=True)
        # The venv first: the baseline step builds its wheel with the venv's maturin. The
        # baseline before the main build: both write target/release/, which must end up
        # holding the current tree's libraries (for this run and for every later build).
        self.timed("bench venv (maturin, PyJWT, cryptography)", self.venv)
        self.timed(f"baseline ({BASELINE}) release libraries and wheel", self.baseline)
        self.timed("cargo release (CLI, libsfjwt, JNI library)", self.cargo)
        self.timed("cargo bench worker (release)", self.cargo_worker)
        self.timed("wheel (maturin --release)", self.maturin)
        self.timed("jar (javac, release JNI library)", self.java)
        self.timed("C bench (gcc)", self.c)

    def baseline(self) -> None:
        """The libraries and the wheel of the BASELINE commit, for the footprint rows."""
        self.baseline_worktree()
        shutil.rmtree(self.baseline_dir, ignore_errors=True)
        self.baseline_dir.mkdir()
        # AWS_LC_SYS_NO_JITTER_ENTROPY: the current tree sets it in .cargo/config.toml;
        # setting it for the baseline too keeps one aws-lc-sys build for both trees, so
        # that the comparison is about the split alone (and the dependencies are reused).
        env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET), AWS_LC_SYS_NO_JITTER_ENTROPY="1",
                   PYO3_BUILD_EXTENSION_MODULE="1")
        forget_shared_libraries()
        run([CARGO, "build", "--release", "-p", "sfjwt-c", "-p", "sfjwt-jni"],
            cwd=self.baseline_src, env=env)
        # Copied right away: the main build writes the same file names afterwards.
        release = TARGET / "release"
        shutil.copy2(release / "libsfjwt.so", self.baseline_libsfjwt)
        shutil.copy2(release / "libsfjwt_jni.so", self.baseline_jni)
        wheels = self.baseline_dir / "wheels"
        forget_shared_libraries()
        run([VENV / "bin" / "maturin", "build", "--release", "--interpreter", VENV_PY,
             "--compatibility", "linux", "--strip", "--out", wheels],
            cwd=self.baseline_src / "python", env=env)
        self.baseline_wheel = next(wheels.glob("sfjwt-*.whl"))
        self.baseline_crates = {c: crate_count(c, self.baseline_src) for c in BINDING_CRATES}

    def baseline_worktree(self) -> None:
        """A fresh detached worktree of BASELINE; a stale one (an earlier run's, or one
        whose directory was deleted) is removed first."""
        run(["git", "worktree", "remove", "--force", self.baseline_src], cwd=ROOT, check=False,
            stderr=subprocess.DEVNULL)
        run(["git", "worktree", "prune"], cwd=ROOT)
        shutil.rmtree(self.baseline_src, ignore_errors=True)
        run(["git", "worktree", "add", "--detach", "--force", self.baseline_src, BASELINE],
            cwd=ROOT)

    def cargo(self) -> None:
        env = dict(os.environ, PYO3_BUILD_EXTENSION_MODULE="1")
        # The baseline's libraries are still in target/release/deps/ under these names.
        forget_shared_libraries()
        run([CARGO, "build", "--release", "-p", "sfjwt-cli", "-p", "sfjwt-c", "-p", "sfjwt-jni"],
            cwd=ROOT, env=env)
        release = TARGET / "release"
        shutil.copy2(release / "sfjwt", self.cli)
        shutil.copy2(release / "libsfjwt.so", self.libsfjwt)
        link = self.lib / "libsfjwt.so"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to("libsfjwt.so.0")
        shutil.copy2(release / "libsfjwt_jni.so", self.jni)
        self.crates = {c: crate_count(c, ROOT) for c in BINDING_CRATES}

    def cargo_worker(self) -> None:
        env = dict(os.environ, PYO3_BUILD_EXTENSION_MODULE="1")
        p = run([CARGO, "bench", "-p", "sfjwt-bench", "--bench", "worker", "--no-run", "--message-format=json"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        executable = None
        for line in p.stdout.splitlines():
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if message.get("reason") == "compiler-artifact" and message.get("executable") \
                    and message["target"]["name"] == "worker":
                executable = message["executable"]
        if executable is None:
            raise SystemExit("bench: cargo did not report the worker executable")
        shutil.copy2(executable, self.worker)

    def venv(self) -> None:
        requirements = ROOT / "bench" / "requirements.txt"
        stamp = VENV / ".requirements-sha256"
        digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
        if not (stamp.exists() and stamp.read_text() == digest and VENV_PY.exists()):
            shutil.rmtree(VENV, ignore_errors=True)
            run([PYTHON, "-m", "venv", VENV])
            run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "-r", requirements])
            stamp.write_text(digest)

    def maturin(self) -> None:
        wheels = WORK / "wheels"
        shutil.rmtree(wheels, ignore_errors=True)
        forget_shared_libraries()  # the baseline's `_native` module, see forget_shared_libraries
        run([VENV / "bin" / "maturin", "build", "--locked", "--release", "--interpreter", VENV_PY,
             "--compatibility", "linux", "--strip", "--out", wheels],
            cwd=ROOT / "python", env=dict(os.environ, PYO3_BUILD_EXTENSION_MODULE="1"))
        self.wheel = next(wheels.glob("sfjwt-*.whl"))
        run([VENV_PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--force-reinstall", self.wheel])

    def java(self) -> None:
        classes = WORK / "jar-classes"
        shutil.rmtree(classes, ignore_errors=True)
        sources = sorted(str(p) for p in (ROOT / "java/src/main/java").rglob("*.java"))
        run([JAVAC, "--release", "8", "-nowarn", "-d", classes, *sources])
        native = classes / "native" / "linux-x86_64"
        native.mkdir(parents=True)
        shutil.copy2(self.jni, native / "libsfjwt_jni.so")
        self.jar.unlink(missing_ok=True)
        run([JAR, "--create", "--file", self.jar, "--main-class", "dev.sfjwt.Main",
             "-C", classes, "."])
        shutil.rmtree(self.java_classes, ignore_errors=True)
        run([JAVAC, "-nowarn", "-cp", self.jar, "-d", self.java_classes,
             ROOT / "bench/java/Bench.java"])
        if not self.same_p12.exists():
            # cryptography (PyJWT's key loader) reads PKCS#12, not JKS: the same key, converted.
            run([KEYTOOL, "-importkeystore", "-noprompt", "-srckeystore", FIXTURES / "jks-same.jks",
                 "-srcstoretype", "JKS", "-srcstorepass", "changeit1", "-destkeystore",
                 self.same_p12, "-deststoretype", "PKCS12", "-deststorepass", "changeit1"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def c(self) -> None:
        run([CC, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-I", ROOT / "include",
             ROOT / "bench/c/token_bench.c", "-L", self.lib, "-lsfjwt", "-lpthread",
             f"-Wl,-rpath,{self.lib}", "-o", self.token_bench])


def forget_shared_libraries() -> None:
    """Deletes the shared libraries of the binding crates from target/release/deps/.

    The baseline's and the current tree's `sfjwt-c`, `sfjwt-jni` and `sfjwt-python` are
    different packages to cargo (different paths), each with its own fingerprint, but they
    write the same files there. A package whose sources did not change counts as fresh
    and would ship (uplift, or hand to maturin) the other tree's library; a missing output
    makes it stale, so each build links its own again."""
    deps = TARGET / "release" / "deps"
    for name in SHARED_LIBRARIES:
        (deps / name).unlink(missing_ok=True)


def crate_count(crate: str, cwd: Path) -> int:
    """Crates in a package's normal dependency tree, counted as `make dependency-guard`
    does: one `{p}` per line, the " (*)" of repeated subtrees stripped, de-duplicated."""
    p = run([CARGO, "tree", "-q", "-p", crate, "-e", "normal", "--prefix", "none",
             "--format", "{p}"], cwd=cwd, capture_output=True, text=True)
    return len({re.sub(r" \(\*\)$", "", line) for line in p.stdout.splitlines()})


