# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The measuring processes: long-lived workers that answer one command per line, and the
`sfjwt emulator` process of the rows measured through other programs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Sequence


from .common import FIXTURES, ROOT, WORK

sys.path.insert(0, str(ROOT / "testkit" / "python"))

from emulator_process import EmulatorProcess  # noqa: E402


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



def start_emulator(cli: Path) -> EmulatorProcess:
    """`sfjwt emulator` (the bench's release CLI) with the bench's app and user, and no
    login rate limit: the rows log in thousands of times."""
    directory = WORK / "emulator"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    config = {
        "apps": [{"consumer_key": "3MVG9bench",
                  "certificate_file": str(FIXTURES / "certs/jks-same.talend_certificate.crt")}],
        "users": [{"username": "etl@example.com"}],
        "login_rate_limit_per_hour": 1000000,
    }
    return EmulatorProcess(cli, config, directory)


def conn_properties(emulator: EmulatorProcess) -> Path:
    """The conn.properties of the rows that run `test-connection` or `token --config`."""
    path = WORK / "emulator" / "conn.properties"
    path.write_text("\n".join([
        "issuer=3MVG9bench",
        "subject=etl@example.com",
        f"login_url={emulator.base_url}",
        f"ca_file={emulator.ca_file}",
        f"keystore_path={FIXTURES / 'jks-same.jks'}",
        "keystore_password=changeit1",
        "",
    ]))
    return path
