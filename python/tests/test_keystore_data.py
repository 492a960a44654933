# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Keystores given as data: ``keystore_data=bytes`` (a secret store's answer),
``keystore_base64`` and ``SFJWT_KEYSTORE_BASE64``, against the emulator."""

from __future__ import annotations

import base64
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
