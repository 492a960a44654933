# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`sfjwt emulator` as a process on a free loopback port: the one launcher of every Python
that drives real programs against it (the Python tests' python/tests/support.py,
interop/clients/run.py, interop/spark/run.py, bench/run.py, bench/soak/run.py, and the release
checks release/checks/).

    with EmulatorProcess(sfjwt_bin, config, work) as emulator:
        emulator.base_url      # https://127.0.0.1:<port>
        emulator.ca_file       # the CA to trust (ca_file, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)
        emulator.logins(user)  # tokens issued to a user so far, from the request log
        emulator.stats()       # handshakes, logins and REST calls so far
        emulator.revoke()      # every session so far answers 401 INVALID_SESSION_ID

Standard library only: it runs under any of the project's Pythons and venvs.
"""

from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, TypeVar

TOKEN_PATH = "/services/oauth2/token"


def free_port() -> int:
    """A loopback port free now, for a config that must name the emulator's URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_Process = TypeVar("_Process", bound="EmulatorProcess")


class EmulatorError(RuntimeError):
    """The emulator did not start, or answered its admin endpoints unexpectedly."""


class EmulatorProcess:
    """Starts `<sfjwt_bin> emulator --config <work>/emulator.json` and waits for its port."""

    def __init__(
        self, sfjwt_bin: Path, config: Dict[str, Any], work: Path, port: int = 0, timeout: float = 60.0
    ) -> None:
        if not sfjwt_bin.exists():
            raise EmulatorError(f"{sfjwt_bin} is missing: run `cargo build -p sfjwt-cli`")
        config_file = work / "emulator.json"
        config_file.write_text(json.dumps(config), encoding="utf-8")
        port_file = work / "emulator-port"
        self.ca_file = work / "emulator-ca.pem"
        self.log_file = work / "emulator-log.jsonl"
        # Left by an earlier run in the same directory, they would pass for this one's.
        for stale in (port_file, self.log_file):
            stale.unlink(missing_ok=True)
        self.stderr_file = work / "emulator-stderr.txt"
        self._stderr = self.stderr_file.open("wb")
        self.process = subprocess.Popen(
            [
                str(sfjwt_bin), "emulator",
                "--config", str(config_file),
                "--port", str(port),
                "--port-file", str(port_file),
                "--ca-out", str(self.ca_file),
                "--log", str(self.log_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )  # fmt: skip
        try:
            bound = self._wait_for(port_file, timeout)
        except BaseException:
            self.stop()
            raise
        # The generic login host (login.salesforce.com's stand-in) and the org's My
        # Domain, which the emulator tells apart by host name.
        self.base_url = f"https://127.0.0.1:{bound}"
        # This run's secret for /__emulator/, written before the port file.
        self.admin_secret = Path(f"{port_file}.admin").read_text().strip()
        self.my_domain_url = f"https://localhost:{bound}"
        self.context = ssl.create_default_context(cafile=str(self.ca_file))

    def __enter__(self: _Process) -> _Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_for(self, path: Path, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists():
                text = path.read_text().strip()
                if text:
                    return text
            if self.process.poll() is not None:
                raise EmulatorError(
                    f"the emulator exited with {self.process.returncode}: "
                    + self.stderr_file.read_text(errors="replace").strip()
                )
            time.sleep(0.05)
        raise EmulatorError(f"the emulator wrote no {path.name} within {timeout:.0f} s")

    def admin(self, path: str, body: Optional[Any] = None) -> Any:
        """GET /__emulator/<path>, or POST `body` as JSON to it; the answer as JSON."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base_url}/__emulator/{path}",
            data=data,
            method="GET" if data is None else "POST",
            headers={"Content-Type": "application/json", "X-Sfjwt-Emulator-Admin": self.admin_secret},
        )
        with urllib.request.urlopen(request, context=self.context, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def revoke(self) -> None:
        """Revokes every session issued so far: the next REST call with one gets 401
        INVALID_SESSION_ID."""
        self.admin("revoke", {})

    def set_faults(self, faults: List[Dict[str, Any]]) -> None:
        """Replaces the fault plan (`[]` clears it)."""
        self.admin("faults", faults)

    def log(self) -> List[Dict[str, Any]]:
        """The request log: method, path, status and outcome of every request."""
        return list(self.admin("log"))

    def token_requests(self, username: str) -> int:
        """The token requests made for `username` so far, answered or refused."""
        return sum(
            1
            for entry in self.log()
            if entry["path"] == "/services/oauth2/token" and entry.get("username") == username
        )

    def stats(self) -> Dict[str, int]:
        """The emulator's counters since it started: handshakes, logins, api_calls."""
        return {key: int(value) for key, value in self.admin("stats").items()}

    def logins(self, username: Optional[str] = None) -> int:
        """Tokens issued so far, to `username` (from the request log, which keeps the last
        10,000 requests) or to anyone (the emulator's own counter, never capped)."""
        if username is None:
            return self.stats()["logins"]
        return sum(
            1
            for entry in self.log()
            if entry.get("path") == TOKEN_PATH
            and entry.get("status") == 200
            and (username is None or entry.get("username") == username)
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
