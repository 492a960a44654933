# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""External Client Apps on a My Domain: ``my_domain`` alone logs in to the emulator's ECA
and to its connected app; the emulator's log counts the token requests of each login."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from support import ECA_ISSUER, KEYS, Emulator

import sfjwt


def my_domain_only(emulator: Emulator, issuer: str, subject: str, **extra: Any) -> Dict[str, Any]:
    """Only my_domain, issuer, subject and the keystore (and the emulator's CA)."""
    return {
        "my_domain": emulator.my_domain_url,
        "issuer": issuer,
        "subject": subject,
        "keystore_path": KEYS["jks"]["keystore_path"],
        "keystore_password": KEYS["jks"]["keystore_password"],
        "ca_file": str(emulator.ca_file),
        "retries": 0,
        **extra,
    }


def test_my_domain_alone_logs_in_to_an_external_client_app(emulator: Emulator) -> None:
    user = "eca@example.com"
    client = sfjwt.Client(**my_domain_only(emulator, ECA_ISSUER, user))
    assert client.my_domain == emulator.my_domain_url
    assert client.login_url == emulator.my_domain_url
    assert client.audience == emulator.my_domain_url
    token = client.token()
    assert token.instance_url == emulator.my_domain_url
    assert emulator.token_requests(user) == 1
    client.invalidate()
    client.token()
    assert emulator.token_requests(user) == 2


def test_the_same_settings_log_in_to_a_connected_app_with_two_requests_then_one(
    emulator: Emulator,
) -> None:
    user = "my-domain-connected-app@example.com"
    client = sfjwt.Client(**my_domain_only(emulator, KEYS["jks"]["issuer"], user))
    assert client.token().instance_url == emulator.my_domain_url
    assert emulator.token_requests(user) == 2, "the My Domain refused as audience, then login"
    client.invalidate()
    client.token()
    assert emulator.token_requests(user) == 3, "the client remembers that login worked"


def test_an_explicit_generic_audience_is_refused_once_with_a_hint_naming_my_domain(
    emulator: Emulator,
) -> None:
    user = "eca-explicit-audience@example.com"
    settings = my_domain_only(emulator, ECA_ISSUER, user, audience="https://login.salesforce.com")
    with pytest.raises(sfjwt.AuthRejectedError) as raised:
        sfjwt.Client(**settings).token()
    error = raised.value
    assert error.code == "AUTH_REJECTED"
    assert error.salesforce_error == "app_not_found"
    assert error.salesforce_error_description == "External client app is not installed in this org"
    assert error.http_status == 400
    assert "my_domain" in error.hint
    assert emulator.token_requests(user) == 1


def test_the_connection_test_reports_each_token_request(emulator: Emulator) -> None:
    report = sfjwt.Client(**my_domain_only(emulator, KEYS["jks"]["issuer"], "etl@example.com")).test_connection()
    assert report.ok, str(report)
    step = report.steps[2]
    assert step.name == "token request"
    assert "audience is invalid" in step.detail
    assert "aud https://login.salesforce.com: token" in step.detail


@pytest.mark.parametrize(
    "bad",
    [
        "https://acme.my.salesforce.com/lightning/page/home",
        "https://acme.my.salesforce.com?x=1",
        "http://acme.my.salesforce.com",
        "https://user:pw@acme.my.salesforce.com",
    ],
)
def test_a_my_domain_that_is_not_an_origin_is_a_config_error(bad: str) -> None:
    with pytest.raises(sfjwt.ConfigError) as raised:
        sfjwt.Client(issuer="k", subject="u", keystore_path="k.jks", my_domain=bad)
    assert "my_domain" in str(raised.value)
