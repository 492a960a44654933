# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The measurements: one method of `Bench` per section of BENCHMARKS.md, each adding its
rows, and the helpers that time processes from the outside."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any, List, Optional, Tuple


from .build import Build
from .common import (BINDING_CRATES, FIXTURES, FORMAT_NAMES, FORMATS, JAVA, ROOT, ROUNDS, VENV_PY,
                     WORK, log, output, run)
from .rows import Row
from .workers import EmulatorProcess, Worker, conn_properties, start_emulator


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
        self.properties = Path()

    def row(self, *args: Any, **kwargs: Any) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row

    def start(self) -> None:
        self.emulator = start_emulator(self.build.cli)
        self.properties = conn_properties(self.emulator)
        log(f"emulator at {self.emulator.base_url}")
        self.rust = Worker("rust worker", [self.build.worker, "--worker", FIXTURES, WORK])
        self.java = Worker("java worker", [JAVA, "-cp", f"{self.build.java_classes}:{self.build.jar}",
                                           "Bench", FIXTURES])
        self.python = Worker("python worker", [VENV_PY, ROOT / "bench/python/worker.py",
                                               self.build.same_p12])
        keystore = FIXTURES / "jks-same.jks"
        for worker in (self.java, self.python):
            worker.ask(f"client {self.emulator.base_url} {self.emulator.ca_file} {keystore}")

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
                            self.emulator.base_url, str(self.emulator.ca_file),
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
        token = [self.build.cli, "token", "--config", self.properties]
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
            "cli": [self.build.cli, "test-connection", "--config", self.properties],
            "python": [VENV_PY, "-m", "sfjwt", "test-connection", "--config", self.properties],
            "java": [JAVA, "-jar", self.build.jar, "test-connection", self.properties],
            "pyjwt": [VENV_PY, ROOT / "bench/python/pyjwt_login.py", self.build.same_p12,
                      e.base_url, e.ca_file],
        }
        keystore = FIXTURES / "jks-same.jks"
        first_commands = {
            "C": [self.build.token_bench, "first", "1", "0", e.base_url, e.ca_file, keystore],
            "Java": [JAVA, "-cp", f"{self.build.java_classes}:{self.build.jar}", "Bench",
                     "--first-token", e.base_url, e.ca_file, keystore],
            "Python": [VENV_PY, ROOT / "bench/python/worker.py", "--first-token", e.base_url, e.ca_file,
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


