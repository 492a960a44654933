# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""``token_cache_dir``: one login for a multiprocessing pool and JVMs sharing a directory."""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
from pathlib import Path
from typing import List

import pytest
from support import ROOT, Emulator, pool_worker

import sfjwt

JAR = Path(os.environ.get("SFJWT_TEST_JAR", ROOT / "java" / "target" / "sfjwt-0.1.0.jar"))
#: Long enough for a spawned process to start, import sfjwt and wait for a login.
POOL_TIMEOUT = 120


def test_a_pool_of_8_processes_and_4_jvms_sharing_a_directory_log_in_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    if not JAR.is_file():
        pytest.fail(f"{JAR} is missing: run `make java-test` (make python-test builds it)")
    user = "shared@example.com"
    tokens_dir = tmp_path / "tokens"
    settings = emulator.settings(subject=user, token_cache_dir=str(tokens_dir))
    properties = emulator.properties(tmp_path / "conn.properties", subject=user, token_cache_dir=tokens_dir)
    before = emulator.logins(user)
    # A slow first login: every process asks while it runs.
    emulator.set_faults([{"action": {"kind": "delay", "ms": 2000}, "times": 1}])

    java = [
        subprocess.Popen(
            ["java", "-jar", str(JAR), "token", str(properties)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        tokens: List[str] = pool.map_async(pool_worker, [settings] * 8, chunksize=1).get(POOL_TIMEOUT)
    for jvm in java:
        output, _ = jvm.communicate(timeout=120)
        assert jvm.returncode == 0, output.decode()
        assert b"accessToken=<redacted>" in output

    assert len(set(tokens)) == 1, "one token for the pool"
    assert emulator.logins(user) == before + 1, "one login for 8 processes and 4 JVMs"
    # This process reads it too, and the directory holds it encrypted.
    assert sfjwt.Client(**settings).token().access_token == tokens[0]
    assert emulator.logins(user) == before + 1
    for entry in tokens_dir.iterdir():
        assert tokens[0].encode() not in entry.read_bytes()
    assert stat.S_IMODE(tokens_dir.stat().st_mode) == 0o700


def test_invalidating_a_token_forgets_it_for_every_process(emulator: Emulator, tmp_path: Path) -> None:
    user = "shared-invalidate@example.com"
    settings = emulator.settings(subject=user, token_cache_dir=str(tmp_path / "tokens"))
    client = sfjwt.Client(**settings)
    before = emulator.logins(user)
    first = client.token()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply_async(pool_worker, (settings,)).get(POOL_TIMEOUT) == first.access_token
        assert emulator.logins(user) == before + 1

        # A 401 with the first token: it is forgotten here and in the directory.
        client.invalidate(first)
        second = pool.apply_async(pool_worker, (settings,)).get(POOL_TIMEOUT)
        assert second != first.access_token
        assert emulator.logins(user) == before + 2

        # Invalidating the old token again leaves the new one alone.
        client.invalidate(first)
        assert client.token().access_token == second
        assert emulator.logins(user) == before + 2


@pytest.mark.parametrize("mode, who", [(0o777, "every user"), (0o770, "its group")])
def test_a_directory_others_can_change_is_refused(
    emulator: Emulator, tmp_path: Path, mode: int, who: str
) -> None:
    tokens_dir = tmp_path / "tokens"
    tokens_dir.mkdir()
    tokens_dir.chmod(mode)
    with pytest.raises(sfjwt.ConfigError) as raised:
        sfjwt.Client(**emulator.settings(token_cache_dir=tokens_dir))
    assert raised.value.key == "token_cache_dir"
    assert who in str(raised.value) and "chmod 700" in str(raised.value)
