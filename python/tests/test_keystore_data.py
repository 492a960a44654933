# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Keystores given as data: ``keystore_data=bytes`` (a secret store's answer),
``keystore_base64`` and ``SFJWT_KEYSTORE_BASE64``, against the emulator."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

import pytest

import sfjwt
from support import KEYS, Emulator


def _without_path(emulator: Emulator, kind: str = "jks", **extra: Any) -> Dict[str, Any]:
    settings = emulator.settings(kind, **extra)
    del settings["keystore_path"]
    return settings


def _bytes(kind: str) -> bytes:
    return Path(KEYS[kind]["keystore_path"]).read_bytes()


@pytest.mark.parametrize("kind", ["jks", "p12", "pem"])
@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_keystore_data_logs_in_with_each_format(emulator: Emulator, kind: str, wrap: Any) -> None:
    user = "data@example.com"
    before = emulator.logins(user)
    client = sfjwt.Client(**_without_path(emulator, kind, subject=user), keystore_data=wrap(_bytes(kind)))
    assert client.token().access_token.startswith("00D")
    client.invalidate()
    assert emulator.logins(user) == before + 1


def test_keystore_base64_as_a_secret_store_gives_it(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """`dbutils.secrets.get` and Kubernetes secrets hand out text: base64, wrapped or not."""
    user = "base64@example.com"
    text = "\n".join(textwrap.wrap(base64.b64encode(_bytes("jks")).decode(), 76)) + "\n"
    before = emulator.logins(user)
    client = sfjwt.Client(**_without_path(emulator, subject=user), keystore_base64=text)
    assert client.token().access_token.startswith("00D")
    client.invalidate()

    # The environment, as `python -m sfjwt` and `Config(env=True)` read it.
    settings = _without_path(emulator, subject=user)
    monkeypatch.setenv("SFJWT_KEYSTORE_BASE64", text)
    config = sfjwt._native.Config(settings, env=True)
    assert config.keystore_path is None
    assert emulator.logins(user) == before + 1


def test_errors_name_the_source_and_never_the_data(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _bytes("jks")
    with pytest.raises(sfjwt.KeystoreError) as wrong:
        sfjwt.Client(**_without_path(emulator, keystore_password="wrong-one"), keystore_data=data)
    assert wrong.value.code == "KEYSTORE_PASSWORD"
    assert "keystore from keystore_data" in str(wrong.value)

    monkeypatch.setenv("SFJWT_KEYSTORE_BASE64", "s3cr3t!pa$$word")
    with pytest.raises(sfjwt.ConfigError) as bad:
        sfjwt._native.Config(_without_path(emulator), env=True)
    assert bad.value.key == "keystore_base64"
    assert "SFJWT_KEYSTORE_BASE64" in str(bad.value)
    assert "s3cr3t" not in str(bad.value) and "$" not in str(bad.value)

    with pytest.raises(sfjwt.ConfigError) as both:
        sfjwt.Client(**emulator.settings(), keystore_data=data)
    assert both.value.key == "keystore_path"
    assert "keystore_data" in str(both.value)

    not_bytes = _without_path(emulator, keystore_data="a str is not a keystore's bytes")
    with pytest.raises(sfjwt.ConfigError) as wrong_type:
        sfjwt.Client(**not_bytes)
    assert wrong_type.value.key == "keystore_data"


def test_the_mutual_tls_keystore_takes_data_too(emulator: Emulator) -> None:
    """client_cert_data is accepted and checked like keystore_data (the emulator's
    mutual-TLS port is tested in Rust and C)."""
    with pytest.raises(sfjwt.ConfigError) as both:
        sfjwt.Client(
            **emulator.settings(client_cert_path=KEYS["jks"]["keystore_path"]),
            client_cert_data=_bytes("jks"),
        )
    assert both.value.key == "client_cert_path"
    with pytest.raises(sfjwt.KeystoreError) as garbage:
        sfjwt.Client(**emulator.settings(mutual_tls=True), client_cert_data=b"<html>login page</html>")
    assert "keystore from client_cert_data" in str(garbage.value)


#: Run in a fresh process: hands a keystore to sfjwt as a memoryview, wipes the caller's
#: buffer (the caller's part), then searches every writable page of the process for whole
#: copies of the keystore's bytes, freed memory included (it keeps what it held until
#: malloc hands it out again). Prints the copies found, besides the search's own: with the
#: caller's buffer (the control), after a refused configuration, while a client holds
#: the keystore, and after the client is gone.
_FIND_COPIES = r"""
import ctypes, gc, json, os, sys
import sfjwt

settings = json.loads(sys.argv[1])
path = settings.pop("keystore_path")
size = os.path.getsize(path)
data = bytearray(size)
with open(path, "rb", buffering=0) as file:  # straight into `data`: no bytes object
    assert file.readinto(data) == size
needle = bytearray(data)
chunk = bytearray(1 << 20)
maps = bytearray(1 << 20)
address = lambda buffer: ctypes.addressof((ctypes.c_char * len(buffer)).from_buffer(buffer))
data_at, needle_at, chunk_at = address(data), address(needle), address(chunk)
memory = os.open("/proc/self/mem", os.O_RDONLY)

def copies():
    # Into buffers made beforehand, with small objects only (pymalloc's arenas, not
    # malloc's): the search itself reuses no freed chunk before it has read it.
    found = 0
    fd = os.open("/proc/self/maps", os.O_RDONLY)
    length = 0
    while True:
        got = os.readv(fd, [memoryview(maps)[length:]])
        if not got:
            break
        length += got
    os.close(fd)
    line = 0
    while line < length:
        end_of_line = maps.find(b"\n", line, length)
        dash = maps.find(b"-", line, end_of_line)
        space = maps.find(b" ", dash, end_of_line)
        if maps[space + 1 : space + 3] == b"rw":
            at, end = int(maps[line:dash], 16), int(maps[dash + 1 : space], 16)
            while at < end:
                want = min(len(chunk), end - at)
                try:
                    got = os.preadv(memory, [memoryview(chunk)[:want]], at)
                except OSError:
                    break
                hit = chunk.find(needle, 0, got)
                while hit >= 0:
                    if at + hit != needle_at and not chunk_at <= at + hit < chunk_at + len(chunk):
                        found += 1
                    hit = chunk.find(needle, hit + 1, got)
                if got < want or at + got >= end:
                    break
                at += got - len(needle) + 1
        line = end_of_line + 1
    return found

control = copies()
try:
    sfjwt.Client(keystore_data=memoryview(data), **settings, expiration_secs=0)
except sfjwt.ConfigError:
    pass
ctypes.memset(data_at, 0, size)
refused = copies()
ctypes.memmove(data_at, needle_at, size)
client = sfjwt.Client(keystore_data=memoryview(data), **settings)
ctypes.memset(data_at, 0, size)
held = copies()
del client
gc.collect()
print(json.dumps([control, refused, held, copies()]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="searches /proc/self/mem")
def test_a_memoryview_keystore_is_copied_only_into_memory_that_is_wiped(tmp_path: Path) -> None:
    """A keystore given as a ``memoryview`` is copied only into memory that sfjwt wipes:
    once the caller has wiped its own buffer, the whole copies of the keystore's bytes
    left are the client's own, while it lives (issue 25, finding 11: ``memoryview.tobytes()``
    left one in freed memory, seen here after a configuration that is refused)."""
    settings = {**KEYS["jks"], "subject": "data@example.com", "login_url": "https://127.0.0.1:9"}
    found = subprocess.run(
        [sys.executable, "-c", _FIND_COPIES, json.dumps(settings)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip (cwd: not python/, whose sfjwt/ is the source, not the wheel)
    assert found.returncode == 0, found.stderr
    control, refused, held, after = json.loads(found.stdout)
    assert control == 1, "the search finds the caller's buffer"
    assert held >= 1, "the search finds the client's own copies"
    assert (refused, after) == (0, 0), "copies left: (after a refusal, after the client)"
