# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`python -m sfjwt test-connection` against the emulator, and the clean-venv install.

The commands run with `SFJWT_CLEAN_PYTHON` when set (make python-test sets it to a
fresh venv holding only the wheel), else with this interpreter.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
from support import KEYS, SFJWT_BIN, UNAPPROVED, Emulator

CLEAN_PYTHON = os.environ.get("SFJWT_CLEAN_PYTHON")
PYTHON = CLEAN_PYTHON or sys.executable


def run(
    *args: str, cwd: Path, env: Optional[Dict[str, str]] = None
) -> "subprocess.CompletedProcess[str]":
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SFJWT_")}
    environment.update(env or {})
    return subprocess.run(
        [PYTHON, "-m", "sfjwt", *args],
        cwd=cwd,  # never the source tree, so that the installed package is used
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_test_connection_passes(emulator: Emulator, tmp_path: Path) -> None:
    conf = emulator.properties(tmp_path / "conn.properties", subject="cli@example.com")
    result = run("test-connection", "--config", str(conf), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Connection test PASSED")
    assert "[ok] API versions" in result.stdout


def test_verbose_logs_the_login_on_stderr_and_the_keystore_may_be_base64(emulator: Emulator, tmp_path: Path) -> None:
    """`-v` shows the login; the keystore comes from SFJWT_KEYSTORE_BASE64, as a CI secret."""
    conf = emulator.properties(tmp_path / "conn.properties", subject="cli@example.com")
    lines = [line for line in conf.read_text().splitlines() if not line.startswith("keystore_path=")]
    conf.write_text("\n".join(lines) + "\n")
    keystore = base64.b64encode(Path(KEYS["jks"]["keystore_path"]).read_bytes()).decode()
    result = run(
        "-v", "test-connection", "--config", str(conf), cwd=tmp_path, env={"SFJWT_KEYSTORE_BASE64": keystore}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"sfjwt INFO: logged in to {emulator.base_url} as cli@example.com in " in result.stderr
    assert "keystore from SFJWT_KEYSTORE_BASE64" in result.stdout
    assert keystore[:40] not in result.stdout + result.stderr


def test_output_is_the_rust_cli_report(emulator: Emulator, tmp_path: Path) -> None:
    conf = emulator.properties(tmp_path / "conn.properties", subject="cli@example.com")
    python = run("test-connection", "--config", str(conf), cwd=tmp_path)
    rust = subprocess.run(
        [str(SFJWT_BIN), "test-connection", "--config", str(conf)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert python.returncode == rust.returncode == 0

    def normalized(text: str) -> str:
        return re.sub(r"\s+\d+ ms", " N ms", text)

    assert normalized(python.stdout) == normalized(rust.stdout)


def test_unapproved_user_exits_30(emulator: Emulator, tmp_path: Path) -> None:
    conf = emulator.properties(tmp_path / "conn.properties", subject=UNAPPROVED)
    result = run("test-connection", "--config", str(conf), cwd=tmp_path)
    assert result.returncode == 30, result.stdout + result.stderr
    assert 'FAILED at step "token request"' in result.stdout
    assert "invalid_grant: user hasn't approved this consumer" in result.stdout
    assert "How to fix:" in result.stdout


def test_json_output(emulator: Emulator, tmp_path: Path) -> None:
    conf = emulator.properties(tmp_path / "conn.properties", subject=UNAPPROVED)
    result = run("test-connection", "--config", str(conf), "--json", cwd=tmp_path)
    assert result.returncode == 30
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["error"]["code"] == "AUTH_REJECTED"
    assert data["error"]["salesforce_error"] == "invalid_grant"


def test_password_from_the_environment(emulator: Emulator, tmp_path: Path) -> None:
    conf = emulator.properties(tmp_path / "conn.properties", subject="cli@example.com")
    lines = conf.read_text().splitlines()
    conf.write_text("\n".join(line for line in lines if "password" not in line))
    assert run("test-connection", "--config", str(conf), cwd=tmp_path).returncode == 12
    result = run(
        "test-connection",
        "--config",
        str(conf),
        cwd=tmp_path,
        env={"SFJWT_KEYSTORE_PASSWORD": "changeit1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_config_file_exits_1(tmp_path: Path) -> None:
    result = run("test-connection", "--config", str(tmp_path / "absent.properties"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error [CONFIG]:")


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert run("no-such-command", cwd=tmp_path).returncode == 2


@pytest.mark.skipif(CLEAN_PYTHON is None, reason="SFJWT_CLEAN_PYTHON is not set")
def test_the_wheel_alone_in_a_fresh_venv(tmp_path: Path) -> None:
    script = (
        "import importlib.metadata as m, json, sfjwt, sfjwt._native;"
        "print(json.dumps(sorted(d.metadata['Name'].lower() for d in m.distributions())));"
        "print(sfjwt.__file__)"
    )
    result = subprocess.run(
        [PYTHON, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names_line, location = result.stdout.splitlines()
    names = set(json.loads(names_line))
    assert "sfjwt" in names
    assert names <= {"sfjwt", "pip", "setuptools"}, names
    assert "site-packages" in location
