# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""What every check shares: the fixture, the run's state (`Dist`), the table runner, and
helpers to run commands and make fresh venvs. Standard library only, any OS (host.py uses
it on the hosted runners)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "testkit" / "python"))

from emulator_process import EmulatorProcess  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
KEYSTORE = FIXTURES / "jks-same.jks"
CERTIFICATE = FIXTURES / "certs" / "jks-same.talend_certificate.crt"
PASSWORD = "changeit1"
ISSUER = "3MVG9distCheck"
USER = "etl@example.com"
UNAPPROVED = "new@example.com"
# Each run may take minutes (the sdist builds from source); none may hang.
TIMEOUT = 1800


@dataclass
class Dist:
    """One run over dist/: where the artifacts are, and what the checks so far have made."""

    dist: Path
    version: str
    work: Path
    # Unpacked archives by role and platform: "c-linux-x86_64", "cli-windows-x86_64", ...
    unpacked: Dict[str, Path] = field(default_factory=dict)
    emulator: Optional[EmulatorProcess] = None
    # conn.properties files by name, written against the running emulator.
    conn: Dict[str, Path] = field(default_factory=dict)
    wine_env: Dict[str, str] = field(default_factory=dict)

    def artifact(self, pattern: str) -> Path:
        """The one file of dist/ matching `pattern` (`{v}` is the version)."""
        return one(self.dist, pattern.format(v=self.version))

    def running(self) -> EmulatorProcess:
        if self.emulator is None:
            raise RuntimeError("the emulator is not running (an earlier check failed)")
        return self.emulator


@dataclass
class Check:
    name: str
    step: Callable[[Dist], str]
    # A failed required check ends the run: the checks after it need what it makes.
    required: bool = False


def run_checks(checks: Sequence[Check], dist: Dist) -> int:
    """Runs the table in order, one line per check, and closes with `N passed, N failed`."""
    passed = failed = 0
    for check in checks:
        start = time.monotonic()
        try:
            detail = check.step(dist)
        except Exception as e:  # a failed check is reported, and the others still run
            failed += 1
            print(f"FAIL {check.name}: {e}", flush=True)
            if check.required:
                print(f"stopping: the checks after {check.name!r} need it", flush=True)
                break
            continue
        passed += 1
        print(f"ok   {check.name} ({time.monotonic() - start:.1f} s): {detail}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def run(cmd: Sequence[object], expect: int = 0, env: Optional[Dict[str, str]] = None,
        cwd: Optional[Path] = None) -> str:
    """Runs a command; its exit code must be `expect`. Returns stdout and stderr."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    output = p.stdout + p.stderr
    if p.returncode != expect:
        raise RuntimeError(f"{' '.join(str(c) for c in cmd)} exited {p.returncode}, "
                           f"expected {expect}:\n{output[-3000:]}")
    return output


def one(directory: Path, pattern: str) -> Path:
    found = sorted(directory.glob(pattern))
    if len(found) != 1:
        raise RuntimeError(f"expected one {pattern} in {directory}, found {found}")
    return found[0]


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def fresh_venv(directory: Path) -> Path:
    """A new venv with nothing installed; its Python."""
    shutil.rmtree(directory, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(directory)
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def windows_path(path: Path) -> str:
    """What a Windows program under Wine sees: the Z: drive maps to /."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def start_emulator(cli: Path, directory: Path) -> EmulatorProcess:
    """`<cli> emulator` (a dist CLI) with one app, an approved and an unapproved user."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    config = {
        "apps": [{"consumer_key": ISSUER, "certificate_file": str(CERTIFICATE)}],
        "users": [{"username": USER}, {"username": UNAPPROVED, "approved": False}],
    }
    return EmulatorProcess(cli, config, directory)


def conn_properties(emulator: EmulatorProcess, file: Path, subject: str = USER,
                    path: Callable[[Path], str] = str, escape: bool = False) -> Path:
    """A conn.properties as an ETL job keeps it; `path` renders file names (Windows drive
    letters under Wine), `escape` doubles backslashes as Java's format wants."""
    def value(p: Path) -> str:
        text = path(p)
        return text.replace("\\", "\\\\") if escape else text
    file.write_text("\n".join([
        f"issuer={ISSUER}",
        f"subject={subject}",
        f"login_url={emulator.base_url}",
        f"ca_file={value(emulator.ca_file)}",
        f"keystore_path={value(KEYSTORE)}",
        f"keystore_password={PASSWORD}",
        "retries=0",
        "",
    ]))
    return file

