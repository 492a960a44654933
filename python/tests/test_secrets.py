# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Secrets audit (issue 8), the Python surface: with distinctive passwords, a
distinctive proxy password and a distinctive access token, no ``str``/``repr`` of an
exception (or its attributes), ``AccessToken``, ``ConnectionReport`` (text, JSON,
HTML, its steps and error) or ``Client`` holds a secret, a token or a JWT.

The emulator answers token requests with a canary token through a fault plan; the
``access_token`` attribute is the one place a token may appear."""

from __future__ import annotations

import socket
from typing import Any, Dict, List

import pytest
from support import APPROVED, FIXTURES, Emulator

import sfjwt

STORE_SECRET = "Zx9-Store-Secret-7781"
KEY_SECRET = "Qw4-Key-Secret-2290"
PROXY_SECRET = "Pr0xy-Secret-5531"
CANARY_TOKEN = "00DCanary-Token-Secret-3141!AQcanary"
#: Every token the emulator issues starts with its org id and "!".
TOKEN_PREFIX = "00D000000000001AAA!"
SECRETS = [STORE_SECRET, KEY_SECRET, PROXY_SECRET, CANARY_TOKEN, TOKEN_PREFIX, "eyJ"]


def texts(value: Any) -> List[str]:
    """Every text a user may print of `value`: str, repr, and those of its attributes."""
    found = [str(value), repr(value)]
    if isinstance(value, BaseException):
        found += [str(arg) for arg in value.args]
        found += [repr(v) for v in vars(value).values()]
    if isinstance(value, sfjwt.ConnectionReport):
        found += [value.to_json(), value._repr_html_(), repr(value.steps), repr(value.warnings)]
        found += [step.detail for step in value.steps]
        if value.error is not None:
            found += texts(value.error)
    return found


def assert_clean(value: Any, *extra: str) -> None:
    for text in texts(value):
        for secret in (*SECRETS, *extra):
            assert secret not in text, f"{secret!r} in {text!r}"


def settings(emulator: Emulator, **extra: Any) -> Dict[str, Any]:
    return emulator.settings("jks", APPROVED, token_cache=False, retries=0, **extra)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def canary(emulator: Emulator, times: int = 10) -> None:
    body = (
        f'{{"access_token":"{CANARY_TOKEN}","instance_url":"{emulator.base_url}",'
        f'"id":"{emulator.base_url}/id/00D000000000001AAA/005000000000001AAA","token_type":"Bearer"}}'
    )
    emulator.set_faults([{"times": times, "action": {"kind": "status", "status": 200, "body": body}}])


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"keystore_password": STORE_SECRET}, sfjwt.KeystoreError),
        (
            {
                "keystore_path": str(FIXTURES / "jks-diffkey.jks"),
                "key_alias": "sfdc",
                "key_password": KEY_SECRET,
            },
            sfjwt.KeystoreError,
        ),
        ({"key_alias": "no_such_alias", "key_password": KEY_SECRET}, sfjwt.KeystoreError),
        (
            # Loopback targets are never proxied: this login goes to a name only a proxy
            # could reach.
            {
                "proxy_url": f"http://etl:{PROXY_SECRET}@127.0.0.1:{closed_port()}",
                "login_url": "https://emulator.sfjwt.test",
            },
            sfjwt.NetworkError,
        ),
        ({"ca_file": str(FIXTURES / "certs" / "jks-same.talend_certificate.crt")}, sfjwt.NetworkError),
    ],
    ids=["wrong store password", "wrong key password", "missing alias", "proxy", "tls"],
)
def test_errors_and_reports_hold_no_secret(
    emulator: Emulator, extra: Dict[str, Any], error: type
) -> None:
    config = settings(emulator, **extra)
    with pytest.raises(error) as caught:
        sfjwt.Client(**config).token()
    assert_clean(caught.value)
    report = sfjwt.test_connection(**config)
    assert not report.ok
    assert_clean(report)


def test_config_errors_hold_no_secret(tmp_path: Any) -> None:
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client(keystore_pasword=STORE_SECRET)  # type: ignore[call-arg]
    assert_clean(caught.value)
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client(issuer="3MVG9", subject=APPROVED, keystore_path=str(FIXTURES / "jks-same.jks"),
                     proxy_url=f"ftp://etl:{PROXY_SECRET}@127.0.0.1:1")  # fmt: skip
    assert_clean(caught.value)
    properties = tmp_path / "bad.properties"
    properties.write_text(f"keystore_password={STORE_SECRET}\nkey_passwort={KEY_SECRET}\n")
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client.from_properties(properties)
    assert_clean(caught.value)


@pytest.mark.parametrize("kind", ["html", "malformed", "empty", "oversized", "cut", "drop"])
def test_broken_answers_hold_no_secret(emulator: Emulator, kind: str) -> None:
    config = settings(emulator, keystore_password="changeit1")
    emulator.set_faults([{"times": 2, "action": {"kind": kind}}])
    with pytest.raises(sfjwt.SfJwtError) as caught:
        sfjwt.Client(**config).token()
    assert_clean(caught.value, "changeit1")
    report = sfjwt.test_connection(**config)
    assert not report.ok
    assert_clean(report, "changeit1")


def test_tokens_and_clients_hide_the_token(emulator: Emulator) -> None:
    client = sfjwt.Client(**settings(emulator))
    assert_clean(client)
    token = client.token()
    assert token.access_token.startswith(TOKEN_PREFIX)
    assert_clean(token, token.access_token)
    assert_clean(client, token.access_token)

    canary(emulator)
    token = client.token()
    assert token.access_token == CANARY_TOKEN  # the one place it may appear
    assert_clean(token)
    # The REST calls made with a token the emulator never issued fail with 401.
    report = client.test_connection()
    assert not report.ok and isinstance(report.error, sfjwt.SalesforceApiError)
    assert_clean(report)
    with pytest.raises(sfjwt.SfJwtError) as caught:
        report.raise_for_error()
    assert_clean(caught.value)
