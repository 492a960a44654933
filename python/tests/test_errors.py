# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Every exception class, raised from Rust with the right code and fields."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Dict, Type

import pytest
from support import APPROVED, FIXTURES, INACTIVE, UNAPPROVED, Emulator

import sfjwt
from sfjwt import _native

CODES = {
    "CONFIG": 1,
    "KEYSTORE_IO": 10,
    "KEYSTORE_FORMAT": 11,
    "KEYSTORE_PASSWORD": 12,
    "ALIAS_NOT_FOUND": 13,
    "NOT_A_PRIVATE_KEY": 14,
    "KEY_PASSWORD": 15,
    "UNSUPPORTED_KEY": 16,
    "NETWORK": 20,
    "TIMEOUT": 21,
    "TLS": 22,
    "AUTH_REJECTED": 30,
    "HTTP": 31,
    "PROTOCOL": 32,
    "API": 33,
    "INTERNAL": 99,
}


def keystore(name: str, **extra: Any) -> Dict[str, Any]:
    return {
        "issuer": "3MVG9jks",
        "subject": APPROVED,
        "keystore_path": str(FIXTURES / name),
        "keystore_password": "changeit1",
        **extra,
    }


def check(error: sfjwt.SfJwtError, code: str, *secrets: str) -> None:
    assert error.code == code
    assert error.code_value == CODES[code]
    assert str(error) == error.message and error.message
    for secret in ("changeit1", "keypass2", *secrets):
        assert secret not in str(error) and secret not in repr(error)


# --- ConfigError -------------------------------------------------------------


def test_unknown_keyword_is_a_config_error_naming_it() -> None:
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client(**keystore("jks-same.jks"), colour="blue")  # type: ignore[call-arg]
    check(caught.value, "CONFIG")
    assert caught.value.key == "colour"
    assert "'colour'" in str(caught.value) and "keystore_path" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout_secs", 2.5),
        ("expiration_secs", "soon"),
        ("expiration_secs", 0),
        ("expiration_secs", True),
        ("keystore_password", b"changeit1"),
        ("issuer", ["3MVG9"]),
        ("mutual_tls", "perhaps"),
        ("retries", -1),
        ("login_url", "ftp://example.com"),
        ("keystore_type", "zip"),
    ],
)
def test_wrong_types_and_values_are_config_errors(key: str, value: Any) -> None:
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client(**{**keystore("jks-same.jks"), key: value})
    check(caught.value, "CONFIG")
    assert caught.value.key == key


def test_missing_required_keys_are_config_errors() -> None:
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client(subject=APPROVED, keystore_path=str(FIXTURES / "jks-same.jks"))
    assert caught.value.key == "issuer"
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client()
    check(caught.value, "CONFIG")


def test_none_means_the_default() -> None:
    client = sfjwt.Client(**keystore("jks-same.jks"), audience=None, retries=None)
    assert client.audience == "https://login.salesforce.com"


def test_path_objects_are_accepted() -> None:
    client = sfjwt.Client(**{**keystore("jks-same.jks"), "keystore_path": FIXTURES / "jks-same.jks"})
    assert client.issuer == "3MVG9jks"


def test_missing_properties_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(sfjwt.ConfigError) as caught:
        sfjwt.Client.from_properties(tmp_path / "absent.properties")
    check(caught.value, "CONFIG")
    assert "absent.properties" in str(caught.value)


def test_positional_arguments_are_python_type_errors() -> None:
    with pytest.raises(TypeError):
        sfjwt.Client("3MVG9jks")  # type: ignore[call-arg]


# --- KeystoreError -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        (keystore("does-not-exist.jks"), "KEYSTORE_IO"),
        (keystore("not-a-keystore.txt"), "KEYSTORE_FORMAT"),
        (keystore("jks-same.jks", keystore_password="wrong-pass-123"), "KEYSTORE_PASSWORD"),
        (keystore("jks-same.jks", key_alias="nobody"), "ALIAS_NOT_FOUND"),
        (keystore("jks-trusted-only.jks"), "NOT_A_PRIVATE_KEY"),
        (keystore("jks-diffkey.jks", key_password="wrong-pass-123"), "KEY_PASSWORD"),
        (keystore("jks-ec.jks"), "UNSUPPORTED_KEY"),
    ],
)
def test_keystore_errors(settings: Dict[str, Any], code: str) -> None:
    with pytest.raises(sfjwt.KeystoreError) as caught:
        sfjwt.Client(**settings)
    check(caught.value, code, "wrong-pass-123")


def test_alias_not_found_lists_the_aliases() -> None:
    with pytest.raises(sfjwt.KeystoreError) as caught:
        sfjwt.Client(**keystore("jks-same.jks", key_alias="nobody"))
    assert "talend_certificate" in str(caught.value)


# --- AuthRejectedError -------------------------------------------------------


def test_unapproved_user_gets_salesforce_error_and_hint(emulator: Emulator) -> None:
    client = sfjwt.Client(**emulator.settings(subject=UNAPPROVED))
    with pytest.raises(sfjwt.AuthRejectedError) as caught:
        client.token()
    error = caught.value
    check(error, "AUTH_REJECTED")
    assert error.salesforce_error == "invalid_grant"
    assert error.salesforce_error_description == "user hasn't approved this consumer"
    assert error.http_status == 400
    assert "services/oauth2/authorize?client_id=3MVG9jks" in error.hint


def test_inactive_user(emulator: Emulator) -> None:
    with pytest.raises(sfjwt.AuthRejectedError) as caught:
        sfjwt.Client(**emulator.settings(subject=INACTIVE)).token()
    assert caught.value.salesforce_error_description == "inactive user"


def test_errors_survive_pickling(emulator: Emulator) -> None:
    with pytest.raises(sfjwt.AuthRejectedError) as caught:
        sfjwt.Client(**emulator.settings(subject=UNAPPROVED)).token()
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is sfjwt.AuthRejectedError
    assert copy.code == "AUTH_REJECTED" and copy.code_value == 30
    assert copy.salesforce_error == "invalid_grant" and copy.hint == caught.value.hint
    assert str(copy) == str(caught.value)


# --- NetworkError ------------------------------------------------------------


def test_connection_refused_is_network(emulator: Emulator) -> None:
    settings = emulator.settings(login_url="https://127.0.0.1:1", retries=0)
    client = sfjwt.Client(**settings)
    client.invalidate()
    with pytest.raises(sfjwt.NetworkError) as caught:
        client.token()
    check(caught.value, "NETWORK")
    assert caught.value.http_status is None


def test_untrusted_certificate_is_tls(emulator: Emulator) -> None:
    settings = emulator.settings(retries=0)
    del settings["ca_file"]
    client = sfjwt.Client(**settings)
    client.invalidate()  # the process-wide cache may hold a token for this login
    with pytest.raises(sfjwt.NetworkError) as caught:
        client.token()
    check(caught.value, "TLS")


def test_slow_server_is_timeout(emulator: Emulator) -> None:
    emulator.set_faults([{"action": {"kind": "delay", "ms": 3000}}])
    client = sfjwt.Client(**emulator.settings(subject="timeout@example.com", timeout_secs=1, retries=0))
    with pytest.raises(sfjwt.NetworkError) as caught:
        client.token()
    check(caught.value, "TIMEOUT")


def test_server_error_is_http_with_status(emulator: Emulator) -> None:
    emulator.set_faults([{"action": {"kind": "status", "status": 503}}])
    client = sfjwt.Client(**emulator.settings(subject="http@example.com", retries=0))
    with pytest.raises(sfjwt.NetworkError) as caught:
        client.token()
    check(caught.value, "HTTP")
    assert caught.value.http_status == 503


def test_malformed_json_is_protocol(emulator: Emulator) -> None:
    emulator.set_faults([{"action": {"kind": "malformed"}}])
    client = sfjwt.Client(**emulator.settings(subject="protocol@example.com", retries=0))
    with pytest.raises(sfjwt.NetworkError) as caught:
        client.token()
    check(caught.value, "PROTOCOL")


# --- SalesforceApiError ------------------------------------------------------


def test_rest_failure_after_login_is_api(emulator: Emulator) -> None:
    body = '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'
    emulator.set_faults(
        [
            {
                "path_prefix": "/services/oauth2/userinfo",
                "action": {"kind": "status", "status": 401, "body": body},
            }
        ]
    )
    report = sfjwt.Client(**emulator.settings(subject="api@example.com")).test_connection()
    assert not report.ok and report.failed_step is not None
    assert report.failed_step.name == "identity"
    error = report.error
    assert isinstance(error, sfjwt.SalesforceApiError)
    check(error, "API")
    assert error.error_code == "INVALID_SESSION_ID"
    assert error.http_status == 401
    with pytest.raises(sfjwt.SalesforceApiError):
        report.raise_for_error()


# --- INTERNAL: a panic -------------------------------------------------------


def test_a_native_panic_becomes_an_internal_error_and_python_goes_on() -> None:
    for _ in range(3):
        with pytest.raises(sfjwt.SfJwtError) as caught:
            _native._testing_panic()
        assert type(caught.value) is sfjwt.SfJwtError
        check(caught.value, "INTERNAL")
        assert "deliberate panic" in str(caught.value)
    # The interpreter and the module still work.
    assert sum(range(10)) == 45
    with pytest.raises(sfjwt.ConfigError):
        sfjwt.Client()


# --- Every code: the binding's one mapping ----------------------------------

CLASS_OF_CODE: Dict[str, Type[sfjwt.SfJwtError]] = {
    "CONFIG": sfjwt.ConfigError,
    **{
        code: sfjwt.KeystoreError
        for code in (
            "KEYSTORE_IO",
            "KEYSTORE_FORMAT",
            "KEYSTORE_PASSWORD",
            "ALIAS_NOT_FOUND",
            "NOT_A_PRIVATE_KEY",
            "KEY_PASSWORD",
            "UNSUPPORTED_KEY",
        )
    },
    **{code: sfjwt.NetworkError for code in ("NETWORK", "TIMEOUT", "TLS", "HTTP", "PROTOCOL")},
    "AUTH_REJECTED": sfjwt.AuthRejectedError,
    "API": sfjwt.SalesforceApiError,
    "INTERNAL": sfjwt.SfJwtError,
}


@pytest.mark.parametrize("code", [code for code, _ in sorted(CODES.items(), key=lambda item: item[1])])
def test_every_code_becomes_its_exception_class(code: str) -> None:
    # _native._testing_error raises the core's sample error of each code (the same
    # samples as C's sfjwt_testing_error and Java's Native.testingError).
    with pytest.raises(sfjwt.SfJwtError) as caught:
        _native._testing_error(CODES[code])
    error = caught.value
    assert type(error) is CLASS_OF_CODE[code]
    check(error, code)
    if isinstance(error, sfjwt.AuthRejectedError):
        assert (error.salesforce_error, error.http_status) == ("invalid_grant", 400)
        assert error.hint == "approve the consumer once"
    if isinstance(error, sfjwt.SalesforceApiError):
        assert (error.error_code, error.http_status) == ("INVALID_SESSION_ID", 401)


def test_a_value_that_no_code_has_is_a_value_error() -> None:
    assert len(CLASS_OF_CODE) == len(CODES) == 16
    for value in (0, 2, 100, -1):
        with pytest.raises(ValueError, match="no error code has the value"):
            _native._testing_error(value)


# --- The hierarchy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (sfjwt.SfJwtError, "INTERNAL"),
        (sfjwt.ConfigError, "CONFIG"),
        (sfjwt.KeystoreError, "KEYSTORE_IO"),
        (sfjwt.NetworkError, "NETWORK"),
        (sfjwt.AuthRejectedError, "AUTH_REJECTED"),
        (sfjwt.SalesforceApiError, "API"),
    ],
)
def test_classes_can_be_made_by_users(cls: Type[sfjwt.SfJwtError], code: str) -> None:
    error = cls("boom")
    assert isinstance(error, sfjwt.SfJwtError) and isinstance(error, Exception)
    assert (error.code, error.code_value) == (code, CODES[code])
    assert str(error) == "boom"
    assert code in repr(error)
