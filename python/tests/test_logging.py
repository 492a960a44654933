# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt's events in Python's ``logging`` (logger ``sfjwt``): a login's start and end with
its URL, user and duration, cache hits at level 5 (trace), retries and failed logins as
warnings, and no secret in any record; a handler may itself call sfjwt."""

from __future__ import annotations

import logging
import threading
from typing import List

import pytest

import sfjwt
from support import KEYS, Emulator

TRACE = 5
#: How long a call may take before the test calls it hung (a guard, not a measurement).
HANG_GUARD_SECS = 60


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


def test_a_handler_that_calls_token_for_the_same_identity_does_not_hang(emulator: Emulator) -> None:
    """A handler that ships records with the job's own client calls ``token()`` from inside
    ``emit``, during a login on a cold cache. sfjwt emits a login's records once its single
    flight has landed, on the calling thread, before ``token()`` returns: the nested call
    finds that login's token instead of waiting, for good, for the flight its own thread
    runs (issue 25, finding 3)."""
    user = "logging-reentrant@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    nested: List[sfjwt.AccessToken] = []
    nested_errors: List[BaseException] = []
    emitting = threading.local()

    class ShipWithTheClient(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if getattr(emitting, "active", False):
                return  # the records of its own call
            emitting.active = True
            try:
                nested.append(client.token())
            except BaseException as error:  # logging would swallow it
                nested_errors.append(error)
            finally:
                emitting.active = False

    outer: List[sfjwt.AccessToken] = []
    outer_errors: List[BaseException] = []

    def log_in() -> None:
        try:
            outer.append(client.token())
        except BaseException as error:
            outer_errors.append(error)

    logger = logging.getLogger("sfjwt")
    handler = ShipWithTheClient(logging.DEBUG)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        # In a thread: a hang fails the test instead of the run.
        caller = threading.Thread(target=log_in, daemon=True)
        caller.start()
        caller.join(HANG_GUARD_SECS)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    if caller.is_alive():
        # The hung thread holds the handler's lock, which logging.shutdown takes at exit.
        handler.createLock()
        pytest.fail("token() hung: the handler's token() waited for the login of its own thread")
    assert not outer_errors and not nested_errors, (outer_errors, nested_errors)
    assert len(outer) == 1 and nested, "the handler ran during the call"
    assert {token.access_token for token in nested} == {outer[0].access_token}
    assert emulator.logins(user) == 1
