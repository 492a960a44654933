# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Which 401 is a dead session: the core's rule (``_native.is_invalid_session``), which
``sfjwt._session`` and so the requests and httpx adapters use, as C and Java do. A new
login follows Salesforce's ``INVALID_SESSION_ID`` errorCode only, not the text."""

from __future__ import annotations

import json

import httpx
import pytest
import requests

import sfjwt
from sfjwt import _native
from sfjwt._session import is_invalid_session
from sfjwt.httpx import SalesforceAuth as HttpxAuth
from sfjwt.requests import SalesforceAuth as RequestsAuth
from support import APPROVED, Emulator

LIMITS = "/services/data/v62.0/limits"
INVALID_SESSION = json.dumps([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
# Another error whose text, and a value nested in it, name INVALID_SESSION_ID: a new
# login would not cure it.
ANOTHER_ERROR = json.dumps(
    [
        {
            "message": "INVALID_SESSION_ID is not the reason",
            "errorCode": "INSUFFICIENT_ACCESS",
            "cause": {"errorCode": "INVALID_SESSION_ID"},
        }
    ]
)


@pytest.mark.parametrize(
    ("status", "body", "dead"),
    [
        (401, INVALID_SESSION, True),
        (401, '[{"errorCode": "X"}, {"errorCode": "INVALID_SESSION_ID"}]', True),
        (403, INVALID_SESSION, False),
        (401, ANOTHER_ERROR, False),
        (401, "<html><body>INVALID_SESSION_ID</body></html>", False),
        (401, INVALID_SESSION[:-1], False),
        (401, '{"errorCode": "INVALID_SESSION_ID"}', False),
        # Not Salesforce's array of error objects, which the core's own retry reads too.
        (401, '[{"errorCode": "INVALID_SESSION_ID"}, "and some text"]', False),
        (401, "", False),
    ],
)
def test_the_rule_is_the_cores(status: int, body: str, dead: bool) -> None:
    assert _native.is_invalid_session(status, body.encode()) is dead
    if status == 401:
        assert is_invalid_session(body.encode()) is dead


def _unauthorized(body: str) -> list[dict[str, object]]:
    return [{"path_prefix": LIMITS, "times": 1, "action": {"kind": "status", "status": 401, "body": body}}]


def test_requests_logs_in_again_for_a_dead_session_only(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_file))
    client = sfjwt.Client(**emulator.settings(subject=APPROVED))
    session = requests.Session()
    session.auth = RequestsAuth(client)
    url = client.token().instance_url + LIMITS
    logins = emulator.logins(APPROVED)

    emulator.set_faults(_unauthorized(ANOTHER_ERROR))
    other = session.get(url)
    assert (other.status_code, other.text) == (401, ANOTHER_ERROR)
    assert emulator.logins(APPROVED) == logins

    emulator.set_faults(_unauthorized(INVALID_SESSION))
    assert session.get(url).status_code == 200
    assert emulator.logins(APPROVED) == logins + 1


def test_httpx_logs_in_again_for_a_dead_session_only(emulator: Emulator) -> None:
    client = sfjwt.Client(**emulator.settings(subject=APPROVED))
    url = client.token().instance_url + LIMITS
    logins = emulator.logins(APPROVED)
    with httpx.Client(auth=HttpxAuth(client), verify=emulator.context) as http:
        emulator.set_faults(_unauthorized(ANOTHER_ERROR))
        other = http.get(url)
        assert (other.status_code, other.text) == (401, ANOTHER_ERROR)
        assert emulator.logins(APPROVED) == logins

        emulator.set_faults(_unauthorized(INVALID_SESSION))
        assert http.get(url).status_code == 200
        assert emulator.logins(APPROVED) == logins + 1
