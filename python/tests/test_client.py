# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt.Client, AccessToken and ConnectionReport against the emulator."""

from __future__ import annotations

import gc
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

import sfjwt
from support import APPROVED, Emulator


@pytest.mark.parametrize("kind", ["jks", "p12", "pem"])
def test_token_with_each_keystore_format(emulator: Emulator, kind: str) -> None:
    client = sfjwt.Client(**emulator.settings(kind))
    token = client.token()
    assert isinstance(token, sfjwt.AccessToken)
    assert token.access_token
    assert token.instance_url.startswith("https://127.0.0.1:")
    assert token.token_type == "Bearer"
    assert token.id.endswith(f"/{token.org_id}/{token.user_id}")
    assert token.headers() == {"Authorization": f"Bearer {token.access_token}"}


def test_token_repr_and_str_redact_the_token(emulator: Emulator) -> None:
    token = sfjwt.Client(**emulator.settings()).token()
    for text in (repr(token), str(token), f"{token}", repr([token])):
        assert token.access_token not in text
        assert "<redacted>" in text
    assert token.instance_url in repr(token)


def test_tokens_are_cached_until_invalidated(emulator: Emulator) -> None:
    user = "cached@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    before = emulator.logins(user)
    first = client.token()
    assert client.token() == first
    assert emulator.logins(user) == before + 1
    client.invalidate()
    assert client.token() != first
    assert emulator.logins(user) == before + 2


def test_invalidate_with_a_token_forgets_it_only_while_it_is_current(emulator: Emulator) -> None:
    """What a thread that got HTTP 401 with a token calls: a token that is no longer the
    cached one changes nothing, so the fresh token another thread got stays."""
    user = "conditional@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    before = emulator.logins(user)
    stale = client.token()
    client.invalidate()
    fresh = client.token()
    assert fresh.access_token != stale.access_token
    assert emulator.logins(user) == before + 2

    client.invalidate(stale)
    assert client.token() is fresh
    assert emulator.logins(user) == before + 2

    client.invalidate(fresh)
    assert client.token().access_token != fresh.access_token
    assert emulator.logins(user) == before + 3

    # A token made by hand belongs to no login.
    hand_made = sfjwt.AccessToken(access_token="x", instance_url="https://x", id="x")
    current = client.token()
    client.invalidate(hand_made)
    assert client.token() is current


def test_the_last_client_of_an_identity_takes_the_token_with_it(emulator: Emulator) -> None:
    """The process-wide cache keeps a token while a client of that identity lives."""
    user = "last-client@example.com"
    settings = emulator.settings(subject=user)
    keeper = sfjwt.Client(**settings)
    before = emulator.logins(user)
    token = keeper.token()
    assert sfjwt.Client(**settings).token() == token
    assert emulator.logins(user) == before + 1
    del keeper
    gc.collect()
    assert sfjwt.Client(**settings).token() != token
    assert emulator.logins(user) == before + 2


def test_the_same_token_object_until_the_core_token_changes(emulator: Emulator) -> None:
    """A warm token() hands back the same object while the core holds the same token,
    and a new one at once after invalidate() by another client of the same identity,
    and after the token's time to live."""
    settings = emulator.settings(subject="same-object@example.com", token_ttl_secs=1)
    client, other = sfjwt.Client(**settings), sfjwt.Client(**settings)
    client.invalidate()
    first = client.token()
    assert client.token() is first
    assert other.token() is not first and other.token() == first  # shared core token

    other.invalidate()
    second = client.token()
    assert second.access_token != first.access_token
    assert client.token() is second

    time.sleep(1.1)
    third = client.token()
    assert third.access_token != second.access_token
    assert client.token() is third


def test_from_properties_with_overrides(emulator: Emulator, tmp_path: Path) -> None:
    path = emulator.properties(tmp_path / "conn.properties", subject="properties@example.com")
    client = sfjwt.Client.from_properties(path)
    assert client.subject == "properties@example.com"
    assert client.token().access_token
    # A password kept out of the file, passed by the job instead.
    without_password = tmp_path / "nopass.properties"
    without_password.write_text(
        "\n".join(line for line in path.read_text().splitlines() if "password" not in line)
    )
    with pytest.raises(sfjwt.KeystoreError):
        sfjwt.Client.from_properties(without_password)
    client = sfjwt.Client.from_properties(str(without_password), keystore_password="changeit1")
    assert client.token().access_token


def test_client_repr_names_the_login_not_the_secrets(emulator: Emulator) -> None:
    client = sfjwt.Client(**emulator.settings())
    text = repr(client)
    assert "3MVG9jks" in text and APPROVED in text and emulator.base_url in text
    assert "changeit1" not in text
    assert client.issuer == "3MVG9jks"
    assert client.audience == "https://login.salesforce.com"
    assert client.login_url == emulator.base_url


def test_connection_report_on_success(emulator: Emulator) -> None:
    report = sfjwt.Client(**emulator.settings()).test_connection()
    assert report.ok, str(report)
    assert report.error is None and report.failed_step is None
    assert [step.name for step in report.steps] == [
        "load key",
        "sign assertion",
        "token request",
        "identity",
        "API versions",
    ]
    assert all(step.ok and isinstance(step.duration, timedelta) for step in report.steps)
    assert report.api_version == "62.0"
    assert report.instance_url is not None
    text = str(report)
    assert text.startswith("Connection test PASSED")
    assert "API version: 62.0" in text
    html = report._repr_html_()
    assert "<table>" in html and "PASSED" in html and "load key" in html
    data = report.to_dict()
    assert data["ok"] is True and len(data["steps"]) == 5
    assert json.loads(report.to_json()) == data
    report.raise_for_error()


def test_connection_report_on_a_bad_password_names_the_step() -> None:
    # No emulator needed: the key does not load.
    report = sfjwt.test_connection(
        issuer="3MVG9jks",
        subject=APPROVED,
        keystore_path=str(Path(__file__).parents[2] / "tests/fixtures/jks-same.jks"),
        keystore_password="not-the-password",
    )
    assert not report.ok
    assert report.failed_step is not None and report.failed_step.name == "load key"
    assert isinstance(report.error, sfjwt.KeystoreError)
    assert report.error.code == "KEYSTORE_PASSWORD"
    assert "not-the-password" not in str(report)
    assert "not-the-password" not in report._repr_html_()
    assert 'FAILED at step "load key"' in str(report)
    with pytest.raises(sfjwt.KeystoreError):
        report.raise_for_error()


def test_connection_report_of_a_refused_login_in_html(emulator: Emulator) -> None:
    report = sfjwt.test_connection(**emulator.settings(subject="new@example.com"))
    assert isinstance(report.error, sfjwt.AuthRejectedError)
    html = report._repr_html_()
    assert "user hasn&#x27;t approved this consumer" in html
    assert "How to fix" in html


def test_test_connection_is_not_collected_by_pytest() -> None:
    assert getattr(sfjwt.test_connection, "__test__", True) is False


def test_version() -> None:
    assert sfjwt.__version__.count(".") == 2


def test_connection_test_warns_of_a_properties_file_others_can_read(
    emulator: Emulator, tmp_path: Path
) -> None:
    """A ``.properties`` file holding a password that other users can read is reported."""
    path = emulator.properties(tmp_path / "conn.properties")
    path.chmod(0o640)
    report = sfjwt.test_connection(properties=path)
    assert report.ok, str(report)
    assert any(f"{path} can be read by its group (mode 640)" in w for w in report.warnings), (
        report.warnings
    )
    path.chmod(0o600)
    report = sfjwt.test_connection(properties=path)
    assert not any(str(path) in w for w in report.warnings), report.warnings
