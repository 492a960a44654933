# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Fixtures: the Salesforce emulator (`sfjwt emulator`) run as a process for the session."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
from support import APPROVED, CERTS, INACTIVE, KEYS, OWN_USERS, SFJWT_BIN, UNAPPROVED, Emulator


def _wait_for(path: Path, process: "subprocess.Popen[bytes]", timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            text = path.read_text().strip()
            if text:
                return text
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"the emulator wrote no {path.name} within {timeout} s")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Starts `sfjwt emulator` with one connected app per keystore kind."""
    if not SFJWT_BIN.exists():
        pytest.fail(f"{SFJWT_BIN} is missing: run `cargo build -p sfjwt-cli` (make python-test does)")
    work = tmp_path_factory.mktemp("emulator")
    config = {
        "apps": [
            {"consumer_key": KEYS[kind]["issuer"], "certificate_file": str(CERTS[kind])}
            for kind in KEYS
        ],
        "users": [
            {"username": APPROVED},
            {"username": UNAPPROVED, "approved": False},
            {"username": INACTIVE, "active": False},
            *({"username": user} for user in OWN_USERS),
        ],
    }
    config_file = work / "emulator.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    port_file, ca_file = work / "port", work / "ca.pem"
    log_file = work / "log.jsonl"
    stderr = (work / "stderr.txt").open("wb")
    process = subprocess.Popen(
        [
            str(SFJWT_BIN), "emulator",
            "--config", str(config_file),
            "--port", "0",
            "--port-file", str(port_file),
            "--ca-out", str(ca_file),
            "--log", str(log_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )  # fmt: skip
    try:
        port = _wait_for(port_file, process)
        context = ssl.create_default_context(cafile=str(ca_file))
        yield Emulator(f"https://127.0.0.1:{port}", ca_file, context)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stderr.close()


@pytest.fixture(autouse=True)
def _no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Clears the emulator's fault plan after each test that used the emulator."""
    yield
    if "emulator" in request.fixturenames:
        emulator: Emulator = request.getfixturevalue("emulator")
        emulator.set_faults([])
