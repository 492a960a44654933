# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The HTTP adapters against the emulator: sfjwt.requests, sfjwt.httpx (sync and async),
Client.simple_salesforce and Client.token_async. Each survives a session revoked
mid-run (POST /__emulator/revoke) with exactly one new login."""

from __future__ import annotations

import asyncio
import fcntl
import io
from pathlib import Path
from typing import Iterator, List, Optional, cast

import httpx
import pytest
import requests
from simple_salesforce.api import Salesforce, SFType

import sfjwt
from sfjwt.httpx import SalesforceAuth as HttpxAuth
from sfjwt.requests import SalesforceAuth as RequestsAuth
from support import Emulator

API = "/services/data/v62.0"
# One of the emulator's default Accounts (the tests add others).
ACME_SOQL = "SELECT Name FROM Account WHERE Name = 'Acme Corporation'"


@pytest.fixture(autouse=True)
def no_session_in_any_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every record of every logger (sfjwt's, urllib3's, httpx's), down to trace: the
    logins are there, and no session id (the emulator's start with the org id, 00D)."""
    caplog.set_level(5)
    yield
    records = caplog.get_records("call")
    assert any(r.name == "sfjwt" and r.getMessage().startswith("logged in to") for r in records)
    for record in records:
        assert "00D" not in record.getMessage(), record


@pytest.fixture
def trust_the_emulator(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """requests trusts REQUESTS_CA_BUNDLE over a session's own `verify`, as users set it."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_file))


def requests_session(emulator: Emulator, user: str) -> tuple[requests.Session, str]:
    """A requests session authenticated by a client of `user`, and the REST base URL."""
    client = sfjwt.Client(**emulator.settings(subject=user))
    session = requests.Session()
    session.auth = RequestsAuth(client)
    return session, client.token().instance_url + API


@pytest.mark.usefixtures("trust_the_emulator")
def test_requests_auth_adds_the_token_and_logs_in_again_once_after_a_revocation(emulator: Emulator) -> None:
    user = "requests@example.com"
    session, base = requests_session(emulator, user)

    first = session.get(f"{base}/query", params={"q": ACME_SOQL})
    assert first.status_code == 200, first.text
    assert first.json()["records"][0]["Name"] == "Acme Corporation"
    assert emulator.logins(user) == 1

    emulator.revoke()
    # A POST with a body: resent whole after the new login, and written once.
    created = session.post(f"{base}/sobjects/Account", json={"Name": "Requests Ltd"})
    assert created.status_code == 201, created.text
    assert [r.status_code for r in created.history] == [401]
    assert emulator.logins(user) == 2
    found = session.get(f"{base}/query", params={"q": "SELECT COUNT() FROM Account WHERE Name = 'Requests Ltd'"})
    assert found.json()["totalSize"] == 1
    assert emulator.logins(user) == 2

    # Other errors come back as they are, without a login.
    missing = session.get(f"{base}/sobjects/Account/001999999999999AAA")
    assert missing.status_code == 404
    assert emulator.logins(user) == 2


@pytest.mark.usefixtures("trust_the_emulator")
def test_requests_auth_does_not_resend_a_stream_it_cannot_rewind(emulator: Emulator) -> None:
    user = "requests@example.com"
    session, base = requests_session(emulator, user)
    emulator.revoke()
    logins = emulator.logins(user)

    def chunks() -> Iterator[bytes]:
        yield b'{"Name": "Streamed"}'

    streamed = session.post(f"{base}/sobjects/Account", data=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 401
    assert emulator.logins(user) == logins
    rewound = session.post(
        f"{base}/sobjects/Account", data=io.BytesIO(b'{"Name": "Rewound"}'), headers={"Content-Type": "application/json"}
    )
    assert rewound.status_code == 201, rewound.text
    assert emulator.logins(user) == logins + 1


def test_httpx_auth_sync(emulator: Emulator) -> None:
    user = "httpx@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    base = client.token().instance_url + API
    with httpx.Client(auth=HttpxAuth(client), verify=emulator.context) as http:
        assert http.get(f"{base}/query", params={"q": ACME_SOQL}).json()["totalSize"] == 1
        emulator.revoke()
        created = http.post(f"{base}/sobjects/Contact", json={"LastName": "Httpx"})
        assert created.status_code == 201, created.text
        assert http.get(f"{base}/limits").status_code == 200
    assert emulator.logins(user) == 2


def test_httpx_auth_async_logs_in_off_the_event_loop(emulator: Emulator) -> None:
    user = "httpx-async@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))

    async def job() -> list[int]:
        base = (await client.token_async()).instance_url + API
        async with httpx.AsyncClient(auth=HttpxAuth(client), verify=emulator.context) as http:
            first = await http.get(f"{base}/limits")
            emulator.revoke()
            # Eight calls at once on one revoked session: one new login between them.
            again = await asyncio.gather(*(http.get(f"{base}/query", params={"q": ACME_SOQL}) for _ in range(8)))
            return [first.status_code, *(r.status_code for r in again)]

    assert asyncio.run(job()) == [200] * 9
    assert emulator.logins(user) == 2


def test_httpx_async_forgets_an_expired_session_off_the_event_loop(emulator: Emulator, tmp_path: Path) -> None:
    """After a 401, ``invalidate()`` waits for the ``token_cache_dir`` lock (up to the longest
    a login can take) while another process logs in: the adapter runs it in a worker thread,
    so the loop's other tasks go on meanwhile (issue 25, finding 7). Here the test holds the
    lock, and a heartbeat task of the same loop ticks and only then lets it go: invalidate()
    cannot end before that tick, and the tick cannot come while invalidate() blocks the loop."""
    user = "httpx-async-lock@example.com"
    # retries 0: a waiter gives up after one timeout_secs, which ends the test on a blocked loop.
    settings = emulator.settings(subject=user, token_cache_dir=str(tmp_path / "tokens"), retries=0, timeout_secs=10)
    order: List[str] = []

    async def job() -> int:
        loop = asyncio.get_running_loop()
        forgetting = asyncio.Event()

        class SaysWhenItForgets(sfjwt.Client):
            def invalidate(self, token: Optional[sfjwt.AccessToken] = None) -> None:
                loop.call_soon_threadsafe(forgetting.set)
                super().invalidate(token)
                order.append("forgotten")

        client = SaysWhenItForgets(**settings)
        base = (await client.token_async()).instance_url + API
        [lock_file] = (tmp_path / "tokens").glob("*.lock")
        emulator.revoke()
        with lock_file.open("rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # another process's login, as far as sfjwt can tell

            async def heartbeat() -> None:
                await forgetting.wait()
                order.append("heartbeat")
                fcntl.flock(held, fcntl.LOCK_UN)

            async with httpx.AsyncClient(auth=HttpxAuth(client), verify=emulator.context) as http:
                answer, _ = await asyncio.wait_for(asyncio.gather(http.get(f"{base}/limits"), heartbeat()), 120)
        return answer.status_code

    status = asyncio.run(job())
    assert order == ["heartbeat", "forgotten"], "the event loop stood still while invalidate() waited"
    assert status == 200
    assert emulator.logins(user) == 2


def test_token_async_is_the_cached_token(emulator: Emulator) -> None:
    user = "async@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))

    async def both() -> tuple[sfjwt.AccessToken, sfjwt.AccessToken]:
        return await client.token_async(), await client.token_async()

    first, second = asyncio.run(both())
    assert first == second == client.token()
    assert emulator.logins(user) == 1
    with pytest.raises(sfjwt.AuthRejectedError):
        asyncio.run(sfjwt.Client(**emulator.settings(subject="new@example.com")).token_async())


@pytest.mark.usefixtures("trust_the_emulator")
def test_simple_salesforce_on_the_clients_token(emulator: Emulator) -> None:
    user = "simple-salesforce@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    sf = client.simple_salesforce(version="62.0")
    assert isinstance(sf, Salesforce)
    assert sf.query(ACME_SOQL)["totalSize"] == 1
    account = cast(SFType, sf.Account)  # made before the revocation: it must not keep the old session
    emulator.revoke()
    created = account.create({"Name": "Simple Ltd"})
    assert created["success"]
    assert emulator.logins(user) == 2
    emulator.revoke()
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'Simple Ltd'")["totalSize"] == 1
    assert cast(SFType, sf.Account).get(created["id"])["Name"] == "Simple Ltd"
    assert emulator.logins(user) == 3
