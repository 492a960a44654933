# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt's events in Python's ``logging`` (logger ``sfjwt``): a login's start and end with
its URL, user and duration, cache hits at level 5 (trace), retries and failed logins as
warnings, and no secret in any record."""

from __future__ import annotations

import logging

import pytest

import sfjwt
from support import KEYS, Emulator

TRACE = 5


def test_a_login_logs_its_start_and_end_and_no_secret(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    user = "logging@example.com"
    caplog.set_level(TRACE, logger="sfjwt")
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    token = client.token()
    mine = [r for r in caplog.records if user in r.getMessage()]
    assert {r.name for r in caplog.records} == {"sfjwt"}
    assert any(
        r.levelno == logging.DEBUG and r.getMessage() == f"logging in to {emulator.base_url} as {user}" for r in mine
    ), mine
    end = [r for r in mine if r.levelno == logging.INFO and r.getMessage().startswith("logged in to")]
    assert len(end) == 1 and " ms (instance " in end[0].getMessage(), mine

    # The warm path hands back the same object without asking the core: another client of
    # the same identity does ask, and hits the cache.
    other = sfjwt.Client(**emulator.settings(subject=user))
    assert other.token() == token
    assert any(r.levelno == TRACE and r.getMessage().startswith("token cache hit for " + user) for r in caplog.records)
    for secret in (token.access_token, KEYS["jks"]["keystore_password"]):
        assert secret not in caplog.text


def test_retries_and_failed_logins_are_warnings(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    user = "logging-retry@example.com"
    caplog.set_level(logging.WARNING, logger="sfjwt")
    emulator.set_faults([{"path_prefix": "/services/oauth2/token", "times": 1, "action": {"kind": "status", "status": 503}}])
    client = sfjwt.Client(**emulator.settings(subject=user, retries=1))
    client.invalidate()
    client.token()
    retries = [r for r in caplog.records if "HTTP 503; retry 1 of 1 in " in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.WARNING], caplog.text
    assert "/services/oauth2/token" in retries[0].getMessage()

    with pytest.raises(sfjwt.AuthRejectedError):
        sfjwt.Client(**emulator.settings(subject="new@example.com")).token()
    failed = [r for r in caplog.records if "failed after" in r.getMessage()]
    assert failed and failed[-1].levelno == logging.WARNING and "[AUTH_REJECTED]" in failed[-1].getMessage()


def test_nothing_is_formatted_for_a_quiet_logger(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    user = "logging-quiet@example.com"
    caplog.set_level(logging.ERROR, logger="sfjwt")
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    client.token()
    assert not [r for r in caplog.records if user in r.getMessage()]
