#!/usr/bin/env python3
# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make bench`: builds what it measures in the release profile, runs every row of issue 7
with sfjwt and its reference interleaved (A B A B ...), and writes BENCHMARKS.md.

Python 3 standard library only. Everything it makes goes to target/bench/. Settings, from
the environment: BENCH_ROUNDS (default 5), BENCH_OUT (default BENCHMARKS.md), BENCH_BASELINE
(default 3fbdfa7: the commit the footprint rows compare with, the last one whose library
crate still included the CLI and the emulator), CARGO, PYTHON (the interpreter of the bench
venv, default python3), JAVA/JAVAC/JAR/KEYTOOL/CC.

Layout of a measurement: long-lived workers (a release Rust bench binary with an in-process
emulator, a JVM, a Python interpreter) answer one command per line with one JSON line, so
that each stays warm while the rounds alternate between sfjwt and the reference. Processes
measured from the outside (openssl speed, the C bench, cold starts) run once per round.
Reported figures are medians over the rounds; each ratio is the median of the per-round
ratios, oriented so that above 1 means sfjwt is better (faster, fewer, smaller).

The baseline (BENCH_BASELINE) is checked out as a git worktree in target/bench/baseline-src
and built in the same run, with the same target directory, so that the footprint rows compare
the two trees on the same toolchain and dependency builds.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
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


# ---------------------------------------------------------------------------- workers


class Worker:
    """A long-lived measuring process: one command line in, one JSON line out."""

    def __init__(self, name: str, cmd: Sequence[Any], **kwargs: Any) -> None:
        self.name = name
        self.process = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1, **kwargs)
        ready = self.read()
        if not ready.get("ready"):
            raise SystemExit(f"bench: {name} did not start: {ready}")

    def read(self) -> Dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench: {self.name} exited ({self.process.wait()})")
        return json.loads(line)

    def ask(self, command: str) -> Dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.read()
        if "error" in answer:
            raise SystemExit(f"bench: {self.name} {command}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                assert self.process.stdin is not None
                self.process.stdin.write("quit\n")
                self.process.stdin.close()
                self.process.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class EmulatorProcess:
    """`sfjwt emulator` for the rows measured through other processes."""

    def __init__(self, cli: Path) -> None:
        directory = WORK / "emulator"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir()
        config = {
            "apps": [{"consumer_key": "3MVG9bench",
                      "certificate_file": str(FIXTURES / "certs/jks-same.talend_certificate.crt")}],
            "users": [{"username": "etl@example.com"}],
            "login_rate_limit_per_hour": 1000000,
        }
        (directory / "org.json").write_text(json.dumps(config))
        self.port_file = directory / "port"
        self.ca = directory / "ca.pem"
        self.log = directory / "requests.jsonl"
        self.process = subprocess.Popen(
            [str(cli), "emulator", "--config", str(directory / "org.json"), "--port", "0",
             "--port-file", str(self.port_file), "--ca-out", str(self.ca), "--log", str(self.log)],
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not self.port_file.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("bench: the emulator did not start")
            time.sleep(0.05)
        self.url = f"https://127.0.0.1:{self.port_file.read_text().strip()}"
        self.properties = directory / "conn.properties"
        self.properties.write_text("\n".join([
            "issuer=3MVG9bench",
            "subject=etl@example.com",
            f"login_url={self.url}",
            f"ca_file={self.ca}",
            f"keystore_path={FIXTURES / 'jks-same.jks'}",
            "keystore_password=changeit1",
            "",
        ]))

    def logins(self) -> int:
        """Tokens issued so far, from the request log."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        return sum(1 for line in lines
                   if '"path":"/services/oauth2/token"' in line and "token_issued" in line)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------------------- rows


class Row:
    def __init__(self, section: str, what: str, unit: str, higher_is_better: bool,
                 target: str = "—", met: Optional[Callable[[float, Optional[float]], bool]] = None,
                 note: str = "", worst: bool = False) -> None:
        self.worst = worst
        self.section = section
        self.what = what
        self.unit = unit
        self.higher_is_better = higher_is_better
        self.target = target
        self.met = met
        self.note = note
        self.sfjwt: List[float] = []
        self.reference: List[float] = []
        self.reference_name = ""

    def add(self, sfjwt: float, reference: Optional[float] = None) -> None:
        self.sfjwt.append(sfjwt)
        if reference is not None:
            self.reference.append(reference)

    def value(self) -> float:
        # Counts that must hold in every round report the worst round.
        if self.worst:
            return max(self.sfjwt) if not self.higher_is_better else min(self.sfjwt)
        return statistics.median(self.sfjwt)

    def ref_value(self) -> Optional[float]:
        return statistics.median(self.reference) if self.reference else None

    def ratio(self) -> Optional[float]:
        if not self.reference:
            return None
        ratios = []
        for s, r in zip(self.sfjwt, self.reference):
            if s == 0 or r == 0:
                continue
            ratios.append(s / r if self.higher_is_better else r / s)
        return statistics.median(ratios) if ratios else None

    def status(self) -> str:
        if self.met is None:
            return ""
        return "met" if self.met(self.value(), self.ratio()) else "**missed**"

    def spread(self) -> str:
        if len(self.sfjwt) < 2:
            return ""
        return f"{fmt(min(self.sfjwt), self.unit)}–{fmt(max(self.sfjwt), self.unit)}"


def fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ns":
        return f"{value:,.0f} ns" if value >= 100 else f"{value:.1f} ns"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "µs":
        return f"{value:,.1f} µs"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "MiB":
        return f"{value:.2f} MiB"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:g} {unit}"


class Bench:
    def __init__(self, build: Build) -> None:
        self.build = build
        self.rows: List[Row] = []
        self.notes: List[str] = []
        self.rust: Optional[Worker] = None
        self.java: Optional[Worker] = None
        self.python: Optional[Worker] = None
        self.emulator: Optional[EmulatorProcess] = None
        self.cold_tool = ""

    def row(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def start(self) -> None:
        self.emulator = EmulatorProcess(self.build.cli)
        log(f"emulator at {self.emulator.url}")
        self.rust = Worker("rust worker", [self.build.worker, "--worker", FIXTURES, WORK])
        self.java = Worker("java worker", [JAVA, "-cp", f"{self.build.java_classes}:{self.build.jar}",
                                           "Bench", FIXTURES])
        self.python = Worker("python worker", [VENV_PY, ROOT / "bench/python/worker.py",
                                               self.build.same_p12])
        keystore = FIXTURES / "jks-same.jks"
        for worker in (self.java, self.python):
            worker.ask(f"client {self.emulator.url} {self.emulator.ca} {keystore}")

    def stop(self) -> None:
        for worker in (self.rust, self.java, self.python):
            if worker is not None:
                worker.close()
        if self.emulator is not None:
            self.emulator.stop()

    # 1. signing
    def signing(self) -> None:
        assert self.rust and self.java and self.python
        openssl = self.row("Signing", "RS256 assertions/s vs `openssl speed rsa2048` sign/s",
                           "/s", True, "≥ 0.9×", lambda v, r: r is not None and r >= 0.9)
        pyjwt = self.row("Signing", "RS256 assertions/s vs PyJWT (cryptography, loaded key)",
                         "/s", True)
        java = self.row("Signing", "RS256 assertions/s vs Java `Signature(\"SHA256withRSA\")`",
                        "/s", True)
        log("signing: warm-up")
        self.rust.ask("sign 1")
        self.java.ask("sign 3")
        self.python.ask("sign 1")
        for round_ in range(ROUNDS):
            log(f"signing: round {round_ + 1}/{ROUNDS}")
            s1 = self.rust.ask("sign 2")["ops_per_s"]
            ref = openssl_sign_rate()
            s2 = self.rust.ask("sign 2")["ops_per_s"]
            java_rate = self.java.ask("sign 2")["ops_per_s"]
            s3 = self.rust.ask("sign 2")["ops_per_s"]
            py_rate = self.python.ask("sign 2")["ops_per_s"]
            openssl.add(s1, ref)
            java.add(s2, java_rate)
            pyjwt.add(s3, py_rate)

    # 2. keystore load
    def keystores(self) -> None:
        assert self.rust and self.java
        rows = {f: self.row("Keystore load", f"{FORMAT_NAMES[f]} open + key decryption",
                            "ms", False) for f in FORMATS}
        log("keystore load: warm-up")
        for f in FORMATS:
            self.rust.ask(f"load {f} 0.2")
            self.java.ask(f"load {f} 1")
        for round_ in range(ROUNDS):
            log(f"keystore load: round {round_ + 1}/{ROUNDS}")
            for f in FORMATS:
                ours = self.rust.ask(f"load {f} 0.5")["ns"] / 1e6
                theirs = self.java.ask(f"load {f} 0.5")["ns"] / 1e6
                rows[f].add(ours, theirs)

    # 3. cached token
    def tokens(self) -> None:
        assert self.rust and self.java and self.python and self.emulator
        below = lambda limit: (lambda v, r: v < limit)  # noqa: E731
        # Targets in core-nanoseconds per call (the figures' unit), per language and threads.
        limits = {("Rust", 1): 1000, ("Rust", 8): 1000, ("C", 1): 1000, ("C", 8): 1000,
                  ("Java", 1): 200, ("Java", 8): 400, ("Python", 1): 200, ("Python", 8): 5000}
        rows = {}
        for (lang, threads), limit in limits.items():
            rows[(lang, threads)] = self.row(
                "Cached token", f"{lang}: `token()` on a warm cache, {threads} thread"
                + ("s" if threads > 1 else ""), "ns", False, ns_target(limit), below(limit))
        workers = {"Rust": self.rust, "Java": self.java, "Python": self.python}
        log("cached token: warm-up")
        for worker in workers.values():
            for command in ("token", "reftoken"):
                worker.ask(f"{command} 1 0.5")
                worker.ask(f"{command} 8 0.5")
        seconds = 0.5
        for round_ in range(ROUNDS):
            log(f"cached token: round {round_ + 1}/{ROUNDS}")
            for threads in (1, 8):
                for lang, worker in workers.items():
                    ours = worker.ask(f"token {threads} {seconds}")["ns_per_call"]
                    theirs = worker.ask(f"reftoken {threads} {seconds}")["ns_per_call"]
                    rows[(lang, threads)].add(ours, theirs)
                ours = self.c_token("sfjwt", threads, seconds)
                theirs = self.c_token("ref", threads, seconds)
                rows[("C", threads)].add(ours, theirs)

    def c_token(self, mode: str, threads: int, seconds: float) -> float:
        assert self.emulator
        p = subprocess.run([str(self.build.token_bench), mode, str(threads), str(seconds),
                            self.emulator.url, str(self.emulator.ca),
                            str(FIXTURES / "jks-same.jks")],
                           capture_output=True, text=True, check=True)
        return float(json.loads(p.stdout)["ns_per_call"])

    # 4. logins saved
    def logins(self) -> None:
        assert self.rust
        cold = self.row("Logins saved", "64 threads, cold cache: logins the emulator counted",
                        "count", False, "1", lambda v, r: v == 1, worst=True)
        reused = self.row("Logins saved",
                          "100 sequential uncached logins (`token_cache=false`): TLS handshakes",
                          "count", False, "1", lambda v, r: v == 1, worst=True)
        per_login = self.row("Logins saved", "… time per uncached login, connection reused",
                             "ms", False)
        for round_ in range(ROUNDS):
            log(f"logins saved: round {round_ + 1}/{ROUNDS}")
            answer = self.rust.ask("logins 64")
            cold.add(answer["logins"], answer["reference_logins"])
            answer = self.rust.ask("handshakes 100")
            if answer["logins"] != 100:
                raise SystemExit(f"bench: expected 100 logins, the emulator saw {answer}")
            reused.add(answer["handshakes"], answer["reference_handshakes"])
            per_login.add(answer["ms_per_login"], answer["reference_ms_per_login"])

    # 4b. one login for many processes (token_cache_dir)
    def shared_cache(self) -> None:
        assert self.emulator
        e = self.emulator
        processes = 16
        logins = self.row("Logins saved", f"{processes} `sfjwt token` processes started together "
                          "on a cold `token_cache_dir`: logins (reference: without it)", "count",
                          False, "1", lambda v, r: v == 1, worst=True)
        first = self.row("Logins saved", "`sfjwt token` in a fresh process: token read from a "
                         "warm `token_cache_dir` (reference: a login)", "ms", False)
        token = [self.build.cli, "token", "--config", e.properties]
        for round_ in range(ROUNDS):
            log(f"shared token cache: round {round_ + 1}/{ROUNDS}")
            cold = WORK / f"tokens-{round_}"
            shutil.rmtree(cold, ignore_errors=True)
            counts = []
            for extra in (["--token-cache-dir", cold], []):
                before = e.logins()
                children = [subprocess.Popen([str(c) for c in token + extra],
                                             stdout=subprocess.DEVNULL)
                            for _ in range(processes)]
                if any(child.wait() != 0 for child in children):
                    raise SystemExit("bench: an `sfjwt token` process failed")
                counts.append(e.logins() - before)
            logins.add(*counts)
            warm = [*token, "--token-cache-dir", cold]
            first.add(*time_commands([warm, token], 5, shutil.which("hyperfine")))

    # 4c. the Spark job of `make spark-test`, from its result file
    def spark(self) -> None:
        result_file = ROOT / "target" / "spark-test" / "result.json"
        if not result_file.exists():
            self.notes.append("Spark row: no target/spark-test/result.json; run `make spark-test` "
                              "before `make bench` to add it.")
            return
        result = json.loads(result_file.read_text())
        cached, uncached = result["runs"]
        row = self.row("Logins saved", f"PySpark {result['pyspark']} job, {result['master']}, "
                       f"{result['partitions']} partitions in {cached['worker_processes']} fresh "
                       "worker processes: logins with `token_cache_dir` (reference: without; "
                       "from `make spark-test`)", "count", False, "1", lambda v, r: v == 1)
        row.add(cached["logins"], uncached["logins"])

    # 5. cold start + 6. peak RSS
    def cold_start(self) -> None:
        assert self.emulator
        e = self.emulator
        commands = {
            "cli": [self.build.cli, "test-connection", "--config", e.properties],
            "python": [VENV_PY, "-m", "sfjwt", "test-connection", "--config", e.properties],
            "java": [JAVA, "-jar", self.build.jar, "test-connection", e.properties],
            "pyjwt": [VENV_PY, ROOT / "bench/python/pyjwt_login.py", self.build.same_p12,
                      e.url, e.ca],
        }
        keystore = FIXTURES / "jks-same.jks"
        first_commands = {
            "C": [self.build.token_bench, "first", "1", "0", e.url, e.ca, keystore],
            "Java": [JAVA, "-cp", f"{self.build.java_classes}:{self.build.jar}", "Bench",
                     "--first-token", e.url, e.ca, keystore],
            "Python": [VENV_PY, ROOT / "bench/python/worker.py", "--first-token", e.url, e.ca,
                       keystore],
        }
        for name, cmd in commands.items():  # each must work before it is timed
            p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"bench: {name} failed ({p.returncode}): {p.stdout}{p.stderr}")
        for cmd in first_commands.values():  # the same, and a warm-up as hyperfine's
            first_token_ms(cmd)
        cli = self.row("Cold start", "`sfjwt test-connection` (fresh process, wall time)",
                       "ms", False, "< 25 ms", lambda v, r: v < 25)
        python = self.row("Cold start", "`python -m sfjwt test-connection` (fresh process)",
                          "ms", False)
        java = self.row("Cold start", "`java -jar sfjwt.jar test-connection` (fresh JVM)",
                        "ms", False)
        first_rows = {lang: self.row("Cold start", f"{lang}: first `token()` in a fresh {what}",
                                     "ms", False)
                      for lang, what in [("C", "process"), ("Java", "JVM"),
                                         ("Python", "interpreter")]}
        runs = 5
        hyperfine = shutil.which("hyperfine")
        self.cold_tool = (f"hyperfine {output([hyperfine, '--version']).split()[-1]} "
                          f"(`-N --warmup 1 --runs {runs}` per round)") if hyperfine \
            else f"a timing loop in bench/run.py ({runs} runs per round)"
        order = ["cli", "pyjwt", "python", "java"]
        for round_ in range(ROUNDS):
            log(f"cold start: round {round_ + 1}/{ROUNDS}")
            times = time_commands([commands[n] for n in order], runs, hyperfine)
            t = dict(zip(order, times))
            cli.add(t["cli"], t["pyjwt"])
            python.add(t["python"], t["pyjwt"])
            java.add(t["java"])
            # One fresh process each per round; the reference is measured inside it.
            for lang, cmd in first_commands.items():
                first_rows[lang].add(*first_token_ms(cmd))
        self.notes.append(
            "Cold-start reference: `bench/python/pyjwt_login.py`, the same steps without sfjwt "
            "(cryptography loads the key, PyJWT signs, urllib logs in, then userinfo and the "
            "API version list), in the same venv.")
        # Peak RSS.
        rss = {name: self.row("Footprint", label, "MiB", False) for name, label in [
            ("cli", "peak RSS, `sfjwt test-connection`"),
            ("python", "peak RSS, `python -m sfjwt test-connection`"),
            ("java", "peak RSS, `java -jar sfjwt.jar test-connection`"),
        ]}
        for round_ in range(ROUNDS):
            ref = peak_rss_mib(commands["pyjwt"])
            rss["cli"].add(peak_rss_mib(commands["cli"]), ref)
            rss["python"].add(peak_rss_mib(commands["python"]), ref)
            rss["java"].add(peak_rss_mib(commands["java"]))

    # 6. sizes and dependency trees, against the baseline (before the split)
    def sizes(self) -> None:
        b = self.build
        assert b.wheel is not None and b.baseline_wheel is not None
        for crate in BINDING_CRATES:
            self.row("Footprint", f"crates in `{crate}`'s dependency tree", "count", False).add(
                b.crates[crate], b.baseline_crates[crate])
        mib = 1024 * 1024
        size = lambda path: path.stat().st_size / mib  # noqa: E731
        self.row("Footprint", "`libsfjwt.so` (C, release)", "MiB", False).add(
            size(b.libsfjwt), size(b.baseline_libsfjwt))
        self.row("Footprint", "`libsfjwt_jni.so` (JNI, release)", "MiB", False).add(
            size(b.jni), size(b.baseline_jni))
        self.row("Footprint", f"wheel `{b.wheel.name}`", "MiB", False).add(
            size(b.wheel), size(b.baseline_wheel))
        self.row("Footprint", "wheel vs `pip install pyjwt cryptography` downloads", "MiB",
                 False).add(size(b.wheel), pyjwt_wheels_mib())
        self.row("Footprint", "jar (classes + release JNI library)", "MiB", False).add(
            size(b.jar))


def ns_target(limit: int) -> str:
    """A target in nanoseconds as the table writes it: "< 1 µs", "< 200 ns"."""
    return f"< {limit // 1000} µs" if limit % 1000 == 0 else f"< {limit} ns"


def first_token_ms(cmd: List[Any]) -> Tuple[float, float]:
    """A `--first-token` run (fresh process): its first token() and a second client's
    first token() in the same, warm process, in ms."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench: {cmd} failed ({p.returncode}): {p.stdout}{p.stderr}")
    answer = json.loads(p.stdout.strip().splitlines()[-1])
    return float(answer["first_ms"]), float(answer["reference_ms"])


def openssl_sign_rate() -> float:
    # -elapsed: wall-clock time, as the other figures; -mr: machine-readable output.
    p = run(["openssl", "speed", "-elapsed", "-mr", "-seconds", "3", "rsa2048"],
            capture_output=True, text=True)
    for line in p.stdout.splitlines():
        # +F2:<index>:<bits>:<signs per second>:<verifications per second>
        if line.startswith("+F2:"):
            fields = line.split(":")
            if fields[2] == "2048":
                return float(fields[3])
    raise SystemExit(f"bench: cannot read openssl speed's output:\n{p.stdout}")


def time_commands(commands: List[List[Any]], runs: int, hyperfine: Optional[str]) -> List[float]:
    """Median wall time in ms of each command over `runs` runs."""
    if hyperfine:
        export = WORK / "hyperfine.json"
        args = [hyperfine, "-N", "--warmup", "1", "--runs", str(runs), "--style", "none",
                "--export-json", str(export)]
        args += [" ".join(str(c) for c in cmd) for cmd in commands]
        run(args, stdout=subprocess.DEVNULL)
        results = json.loads(export.read_text())["results"]
        return [r["median"] * 1e3 for r in results]
    medians = []
    for cmd in commands:
        subprocess.run([str(c) for c in cmd], stdout=subprocess.DEVNULL, check=True)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([str(c) for c in cmd], stdout=subprocess.DEVNULL, check=True)
            samples.append((time.perf_counter() - start) * 1e3)
        medians.append(statistics.median(samples))
    return medians


def peak_rss_mib(cmd: List[Any]) -> float:
    """Peak RSS of the command in MiB: GNU time's %M. Without GNU time, the child's
    ru_maxrss from wait4, which cannot go below this script's own RSS (exec records the
    address space it replaces), hence GNU time first."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.exists():
        p = subprocess.run([str(gnu_time), "-f", "%M", *[str(c) for c in cmd]],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise SystemExit(f"bench: {cmd} exited {p.returncode}: {p.stderr}")
        return int(p.stderr.strip().splitlines()[-1]) / 1024
    child = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"bench: {cmd} exited {child.returncode}")
    return usage.ru_maxrss / 1024


def pyjwt_wheels_mib() -> float:
    """Size of what `pip install pyjwt cryptography` downloads, from the pip cache."""
    directory = WORK / "pyjwt-wheels"
    shutil.rmtree(directory, ignore_errors=True)
    run([VENV_PY, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--only-binary", ":all:", "-d", directory, "-r", ROOT / "bench/requirements-reference.txt"])
    return sum(p.stat().st_size for p in directory.iterdir()) / (1024 * 1024)


# ---------------------------------------------------------------------------- report


def machine() -> List[Tuple[str, str]]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        match = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', release.read_text(), re.M)
        if match:
            os_name = f"{match.group(1)}, Linux {platform.release()}"
    first = lambda text: text.splitlines()[0] if text else text  # noqa: E731
    versions = [
        ("rustc", first(output(["rustc", "-V"]))),
        ("cargo", first(output([CARGO, "-V"]))),
        ("java", first(output([JAVA, "-version"]))),
        ("python (bench venv)", first(output([VENV_PY, "-V"]))),
        ("maturin", first(output([VENV / "bin/maturin", "--version"]))),
        ("PyJWT / cryptography", output([VENV_PY, "-c",
                                         "import jwt, cryptography; print(jwt.__version__, '/', "
                                         "cryptography.__version__)"])),
        ("openssl", first(output(["openssl", "version"]))),
        ("gcc", first(output([CC, "--version"]))),
        ("hyperfine", first(output(["hyperfine", "--version"])) if shutil.which("hyperfine")
         else "not installed (timing loop used)"),
    ]
    return [("CPU", cpu), ("cores", str(CORES)), ("memory", memory), ("OS", os_name),
            *versions]


def report(bench: Bench, build: Build, started: datetime.datetime, elapsed: float) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. Run it again on your",
        "machine: figures move with the machine, the **ratios** are the point.",
        "",
        f"Run on {started.strftime('%Y-%m-%d %H:%M UTC')}, {ROUNDS} interleaved rounds, "
        f"{elapsed / 60:.1f} minutes for the whole `make bench` run, of which "
        f"{sum(build.times.values()) / 60:.1f} building (incremental when target/ is warm; "
        "see the build times below).",
        "",
        "| what | sfjwt | reference | ratio | target |",
        "|---|---|---|---|---|",
    ]
    section = None
    for row in bench.rows:
        if row.section != section:
            section = row.section
            lines.append(f"| **{section}** | | | | |")
        ref = fmt(row.ref_value(), row.unit)
        ratio = row.ratio()
        ratio_text = "—" if ratio is None else f"{ratio:.2f}×"
        target = row.target
        status = row.status()
        if status:
            target = f"{target}: {status}"
        lines.append(f"| {row.what} | {fmt(row.value(), row.unit)} | {ref} | {ratio_text} | "
                     f"{target} |")
    lines += [
        "",
        "Ratio: the median of the per-round ratios, oriented so that **above 1 means sfjwt is "
        "better** (more per second, less time, fewer logins or handshakes, fewer bytes). sfjwt "
        "and reference figures are medians over the rounds; each round runs sfjwt, then its "
        "reference, back to back.",
        "",
        "## What each row measures",
        "",
        "- **Signing**: a release Rust bench binary (`bench/rust/worker.rs`) builds the claims and "
        "signs an RS256 assertion from the key of `tests/fixtures/jks-same.jks`, loaded once, "
        "in a 2 s loop on one thread. References: `openssl speed -elapsed -mr -seconds 3 "
        "rsa2048` (its sign/s, wall clock like ours); PyJWT `jwt.encode` with the same key "
        "loaded once by cryptography (converted to PKCS#12 by keytool); Java "
        "`Signature(\"SHA256withRSA\")` with the key `KeyStore.load` read from the same JKS, "
        "building the same JWT (`bench/java/Bench.java`), in a JVM warmed up first.",
        "- **Keystore load**: `Keystore::open` + `signing_key` (read, integrity check, key "
        "decryption, RSA key parsing) vs Java's `KeyStore.getInstance(type).load` + `getKey` "
        "on the same file in a warm JVM; for PEM, which `KeyStore` does not read, Java's "
        "`KeyFactory` (PKCS#8) + `CertificateFactory` on the blocks of the same file. "
        "Passwords as in `tests/fixtures/README.md`.",
        "- **Cached token**: `token()` on a warm cache through each language's public API, for "
        "0.5 s: `sfjwt::Client` against an in-process emulator, `sfjwt_client_token` + "
        "`sfjwt_token_free` (`bench/c/token_bench.c`), `SalesforceJwtClient.token()` and "
        "`sfjwt.Client.token()` against the `sfjwt emulator` process. Figures are "
        "core-nanoseconds per call: wall time × the cores the threads can use (1 for one "
        f"thread, {min(8, CORES)} for 8 threads on this machine) ÷ calls; flat means the cache "
        "scales, higher means contention. References: what a program in the same language "
        "would write itself: Rust an `RwLock<Option<(Arc<token>, Instant)>>`, C a pthread "
        "rwlock + monotonic-clock check + owned copy of the token strings (what the C API "
        "hands out), Java a volatile holder with a `System.nanoTime()` check, Python an object "
        "with a `time.monotonic()` check.",
        "- **Logins saved**: 64 threads call `token()` at once on a cold cache (a fresh "
        "emulator), and the emulator's log counts the token requests; the reference is the same "
        "with `token_cache=false`. Then 100 sequential logins with `token_cache=false` on one "
        "client; the emulator counts completed TLS handshakes (`Emulator::tls_handshakes`, also "
        "`GET /__emulator/stats`); the reference is 100 logins from 100 new clients.",
        "- **Cold start**: wall time of a whole process that runs the connection test (load "
        "the JKS key, sign, log in, userinfo, API versions) against the local `sfjwt emulator`, "
        "with " + (bench.cold_tool or "hyperfine") + ". The jar is built by the bench from "
        "`java/src/main/java` (javac `--release 8`) with the release JNI library inside, as "
        "`mvn package` lays it out. First `token()` in a fresh process: `token_bench first` "
        "(`bench/c/token_bench.c`), `Bench --first-token` and `worker.py --first-token`, run "
        "once per round each, create a client with `token_cache=false` for the `sfjwt "
        "emulator` and time its first `token()`: the process's first random numbers, first "
        "TLS handshake and first signature (creating the client is not timed). Reference: "
        "a second client's first `token()` in the same, warm process (a new connection "
        "too), so the ratio is below 1 by design: the gap is what a fresh process pays once.",
        "- **Footprint**: file sizes of the release artifacts (`cargo build --release`; the "
        "wheel by `maturin build --release --strip`); peak RSS is GNU time's `%M` (the "
        "child's `ru_maxrss`), median of the rounds. Crates: the distinct packages of "
        "`cargo tree -e normal -p CRATE`, as `make dependency-guard` counts them. For the "
        "crate counts and the sizes of `libsfjwt.so`, `libsfjwt_jni.so` and the wheel, "
        f"reference: the baseline commit {BASELINE}, built in the same run (a git worktree "
        "in `target/bench/baseline-src`, the same target directory and commands), the last "
        "commit whose library crate still included the CLI and the emulator; ratio = "
        "baseline ÷ now, above 1 = smaller now. The baseline is built with "
        "`AWS_LC_SYS_NO_JITTER_ENTROPY=1`, which the current tree sets in "
        "`.cargo/config.toml`, so that both share one aws-lc-sys build and the comparison "
        "is about the split alone. The reference of \"wheel vs `pip install pyjwt "
        "cryptography` downloads\" is the size of the wheels that command downloads here.",
    ]
    for note in bench.notes:
        lines.append(f"- {note}")
    analysis = ROOT / "bench" / "analysis.md"
    if analysis.exists():
        lines += ["", analysis.read_text().rstrip()]
    missed = [r for r in bench.rows if r.status() == "**missed**"]
    lines += ["", "## Targets missed in this run", ""]
    if missed:
        lines += [f"- {r.section}: {r.what}: {fmt(r.value(), r.unit)} (target {r.target})"
                  for r in missed]
    else:
        lines.append("None.")
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine()]
    lines += ["", "## Build times of this run", "", "| step | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in build.times.items()]
    lines += ["", "## Spread (min–max of the sfjwt figure over the rounds)", "",
              "| what | min–max |", "|---|---|"]
    lines += [f"| {r.what} | {r.spread()} |" for r in bench.rows if r.spread()]
    return "\n".join(lines) + "\n"


def main() -> int:
    started = datetime.datetime.now(datetime.timezone.utc)
    build = Build()
    build.all()
    bench = Bench(build)
    try:
        bench.start()
        bench.signing()
        bench.keystores()
        bench.tokens()
        bench.logins()
        bench.shared_cache()
        bench.spark()
        bench.cold_start()
        bench.sizes()
    finally:
        bench.stop()
    # The table's order: the issue's.
    order = ["Signing", "Keystore load", "Cached token", "Logins saved", "Cold start", "Footprint"]
    bench.rows.sort(key=lambda r: order.index(r.section))
    elapsed = time.monotonic() - START
    OUT.write_text(report(bench, build, started, elapsed))
    log(f"wrote {OUT} ({elapsed / 60:.1f} minutes)")
    print(OUT.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
