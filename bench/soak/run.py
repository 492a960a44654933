# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make soak`: sfjwt under load and faults, bounded in time, on loopback only.

One emulator (`sfjwt emulator`), two drivers at once, each in its own process and as its
own Salesforce user: the Rust API (bench/rust/soak.rs) and the Python binding
(bench/soak/python_driver.py). Each runs THREADS threads that call ``token()`` and a REST
call in a loop with ``token_ttl_secs=1``. Meanwhile this script cycles the emulator's
fault plan on the token endpoint — 503 with Retry-After, dropped connections, bodies
cut in the middle, bodies that drip in a byte at a time — and revokes every session
(each REST call then gets 401 INVALID_SESSION_ID until a new login).

It asserts that
- every call ended within its deadline (what timeout_secs, retries and Retry-After allow);
- every failure carries one of the codes these faults should give (NETWORK, TIMEOUT,
  HTTP, PROTOCOL), and the REST calls of the Python driver never failed;
- logins per user stay within one per TTL window plus those the faults forced;
- RSS, open descriptors and threads of each driver stay flat from the end of the first
  minute to the end (RSS within 10 % + 8 MiB, descriptors within 8, threads within 2).

It prints a table and writes it to target/soak/report.md. Environment: SFJWT_BIN (the
CLI), SOAK_RUST (the Rust driver), SOAK_PYTHON (an interpreter with sfjwt installed),
SOAK_SECS (120), SOAK_THREADS (64).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "target" / "soak"
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "testkit" / "python"))

from emulator_process import EmulatorError, EmulatorProcess  # noqa: E402
APP = "3MVG9soak"
USERS = {"rust": "rust-soak@example.com", "python": "python-soak@example.com"}
TTL_SECS = 1
TIMEOUT_SECS = 2
RETRY_AFTER_SECS = 1
RETRIES = 1
PAUSE_MS = 100
# The longest a call may take: a REST call after a revoked session is a token (which may
# wait for another thread's login), a GET, a new login and a second GET; each of those is
# at most RETRIES + 1 attempts of TIMEOUT_SECS with a Retry-After between them.
ATTEMPTS_SECS = (RETRIES + 1) * TIMEOUT_SECS + RETRIES * RETRY_AFTER_SECS
DEADLINE_MS = (4 * ATTEMPTS_SECS + 1) * 1000
# The codes the planned faults produce; anything else fails the soak.
EXPECTED_CODES = {"NETWORK", "TIMEOUT", "HTTP", "PROTOCOL"}
# One plan per cycle, each for the next requests to the token endpoint.
PLANS: List[Any] = [
    [{"times": 2, "action": {"kind": "status", "status": 503, "retry_after_secs": RETRY_AFTER_SECS}}],
    [{"times": 2, "action": {"kind": "drop"}}],
    [{"times": 2, "action": {"kind": "cut"}}],
    [{"times": 1, "action": {"kind": "drip", "interval_ms": 400}}],
    "revoke",
]
CYCLE_SECS = 1.5


def log(text: str) -> None:
    print(f"soak: {text}", file=sys.stderr, flush=True)


def start_emulator(cli: str) -> EmulatorProcess:
    WORK.mkdir(parents=True, exist_ok=True)
    config = {
        "apps": [{"consumer_key": APP,
                  "certificate_file": str(FIXTURES / "certs/jks-same.talend_certificate.crt")}],
        "users": [{"username": user} for user in USERS.values()],
        "login_rate_limit_per_hour": 100_000_000,
    }
    try:
        return EmulatorProcess(Path(cli), config, WORK, timeout=30)
    except EmulatorError as error:
        raise SystemExit(f"soak: {error}")


def properties(emulator: EmulatorProcess, surface: str) -> Path:
    # A copy of the fixture keystore only its owner can read: no permission warning.
    keystore = WORK / "soak.jks"
    shutil.copyfile(FIXTURES / "jks-same.jks", keystore)
    keystore.chmod(0o600)
    path = WORK / f"{surface}.properties"
    path.write_text("\n".join([
        f"issuer={APP}",
        f"subject={USERS[surface]}",
        f"login_url={emulator.base_url}",
        f"ca_file={emulator.ca_file}",
        f"keystore_path={keystore}",
        "keystore_password=changeit1",
        f"token_ttl_secs={TTL_SECS}",
        f"timeout_secs={TIMEOUT_SECS}",
        f"connect_timeout_secs={TIMEOUT_SECS}",
        f"retries={RETRIES}",
        "",
    ]))
    path.chmod(0o600)
    return path


def cycle_faults(emulator: EmulatorProcess, stop: threading.Event, counts: Dict[str, int]) -> None:
    cycle = 0
    while not stop.wait(CYCLE_SECS):
        plan = PLANS[cycle % len(PLANS)]
        if plan == "revoke":
            emulator.admin("revoke", {})
            counts["revocations"] += 1
        else:
            emulator.admin("faults", plan)
            counts["fault plans"] += 1
        cycle += 1
    emulator.admin("faults", [])


def main() -> int:
    cli, rust, python = os.environ["SFJWT_BIN"], os.environ["SOAK_RUST"], os.environ["SOAK_PYTHON"]
    secs = int(os.environ.get("SOAK_SECS", "120"))
    threads = int(os.environ.get("SOAK_THREADS", "64"))
    emulator = start_emulator(cli)
    log(f"emulator at {emulator.base_url}; {threads} threads per surface for {secs} s")
    counts = {"revocations": 0, "fault plans": 0}
    stop = threading.Event()
    cycler = threading.Thread(target=cycle_faults, args=(emulator, stop, counts))
    try:
        common = [str(secs), str(threads), str(PAUSE_MS), str(DEADLINE_MS)]
        drivers = {
            "rust": subprocess.Popen([rust, str(properties(emulator, "rust")), *common],
                                     stdout=subprocess.PIPE, text=True),
            "python": subprocess.Popen(
                [python, str(Path(__file__).with_name("python_driver.py")),
                 str(properties(emulator, "python")), str(emulator.ca_file), *common],
                stdout=subprocess.PIPE, text=True),
        }
        cycler.start()
        results = {}
        for surface, driver in drivers.items():
            out, _ = driver.communicate(timeout=secs + 120)
            if driver.returncode != 0:
                raise SystemExit(f"soak: the {surface} driver failed ({driver.returncode})")
            results[surface] = json.loads(out.strip().splitlines()[-1])
        stop.set()
        cycler.join()
    finally:
        stop.set()
        emulator.stop()
    return report(results, counts, secs, emulator.log_file)


def report(results: Dict[str, Any], counts: Dict[str, int], secs: int, log_file: Path) -> int:
    entries = [json.loads(line) for line in log_file.read_text().splitlines() if line]
    faults = sum(1 for e in entries if e["outcome"].startswith("fault:"))
    failures: List[str] = []
    rows = []
    for surface, r in results.items():
        logins = sum(1 for e in entries
                     if e["outcome"] == "token_issued" and e["username"] == USERS[surface])
        # One per TTL window, one per revocation, one per fault that failed a login.
        allowed = secs // TTL_SECS + 1 + counts["revocations"] + faults
        first, last = r["first"], r["last"]
        rss_limit = first["rss_kib"] * 1.10 + 8 * 1024
        checks = {
            "every call within its deadline": r["late"] == 0,
            "only the faults' codes": set(r["errors"]) <= EXPECTED_CODES,
            f"logins ≤ {allowed}": logins <= allowed,
            "RSS flat": last["rss_kib"] <= rss_limit,
            "descriptors flat": last["fds"] <= first["fds"] + 8,
            "threads flat": last["threads"] <= first["threads"] + 2,
        }
        failures += [f"{surface}: {name}" for name, ok in checks.items() if not ok]
        errors = ", ".join(f"{code} {n}" for code, n in sorted(r["errors"].items())) or "none"
        rows.append(
            f"| {surface} | {r['calls']:,} | {r['ok']:,} | {errors} | {r['slowest_ms']:,} ms "
            f"(deadline {DEADLINE_MS:,}) | {logins} (≤ {allowed}) | "
            f"{first['rss_kib'] / 1024:.1f} → {last['rss_kib'] / 1024:.1f} MiB | "
            f"{first['fds']} → {last['fds']} | {first['threads']} → {last['threads']} |")
    table = "\n".join([
        f"{secs} s, {len(results)} processes × {os.environ.get('SOAK_THREADS', '64')} threads, "
        f"token_ttl_secs={TTL_SECS}, timeout_secs={TIMEOUT_SECS}, retries={RETRIES}; "
        f"{counts['fault plans']} fault plans ({faults} faulted requests) and "
        f"{counts['revocations']} revocations; footprint from second "
        f"{results['rust']['first_sample_secs']} to the end.",
        "",
        "| surface | calls | ok | errors by code | slowest call | logins | RSS | fds | threads |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
        *rows,
    ])
    (WORK / "report.md").write_text(table + "\n")
    print(table)
    if failures:
        print("\nsoak FAILED: " + "; ".join(failures))
        return 1
    print("\nsoak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
