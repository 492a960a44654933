# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The HTTP adapters hand the Salesforce session only to the org: a session or client
that also talks to another HTTPS service (here a second loopback server, on another
port, that records every header it receives) sends it no ``Authorization``, directly or
through a redirect from the instance, and a 401 from it is never answered with a login."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List

import httpx
import pytest
import requests

import sfjwt
from sfjwt._session import origin
from sfjwt.httpx import SalesforceAuth as HttpxAuth
from sfjwt.requests import SalesforceAuth as RequestsAuth
from support import Emulator

LIMITS = "/services/data/v62.0/limits"
INVALID_SESSION = json.dumps([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])


class OtherService:
    """A loopback HTTPS server with a certificate of its own (made by openssl): what
    else an ETL job calls. Records the headers of each request; answers 200, or 401
    with Salesforce's INVALID_SESSION_ID body when `answer_401` is set."""

    def __init__(self, work: Path) -> None:
        self.cert = work / "other.crt"
        key = work / "other.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=other service", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(key), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        self.received: List[Dict[str, str]] = []
        self.answer_401 = False
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                service.received.append({k.lower(): v for k, v in self.headers.items()})
                status, body = (401, INVALID_SESSION) if service.answer_401 else (200, "{}")
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert), str(key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def authorizations(self) -> List[str]:
        """The Authorization headers it received (none, the tests say)."""
        return [headers["authorization"] for headers in self.received if "authorization" in headers]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def other(tmp_path: Path) -> Iterator[OtherService]:
    service = OtherService(tmp_path)
    yield service
    service.close()


@pytest.fixture
def both_cas(emulator: Emulator, other: OtherService, tmp_path: Path) -> Path:
    """One CA bundle trusting the emulator and the other service."""
    bundle = tmp_path / "cas.pem"
    bundle.write_text(emulator.ca_file.read_text() + other.cert.read_text())
    return bundle


def client_of(emulator: Emulator, user: str) -> sfjwt.Client:
    return sfjwt.Client(**emulator.settings(subject=user))


def redirect_limits_to(emulator: Emulator, location: str) -> None:
    """The instance's next answer to the limits call: 302 to `location`."""
    emulator.set_faults([{"path_prefix": LIMITS, "times": 1, "action": {"kind": "redirect", "location": location}}])


def test_origins_compare_scheme_host_and_port() -> None:
    assert origin("https://Acme.my.salesforce.com/services") == origin("https://acme.my.salesforce.com:443")
    assert origin("https://acme.my.salesforce.com") != origin("https://acme.my.salesforce.com:8443")
    assert origin("https://acme.my.salesforce.com") != origin("http://acme.my.salesforce.com")
    assert origin("https://acme.my.salesforce.com") != origin("https://acme.my.salesforce.com.evil.com")
    assert origin("https://x:notaport/") == ("https", "", -1)


def test_requests_sends_the_token_to_the_instance_only(
    emulator: Emulator, other: OtherService, both_cas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(both_cas))
    client = client_of(emulator, "origins-requests@example.com")
    session = requests.Session()
    session.auth = RequestsAuth(client)
    instance = client.token().instance_url
    assert session.get(instance + LIMITS).status_code == 200
    assert session.get(other.url + "/upload").status_code == 200
    assert session.get(other.url + "/upload", params={"then": "again"}).status_code == 200

    # A redirect from the instance to the other service: followed, without the token.
    redirect_limits_to(emulator, other.url + "/moved")
    moved = session.get(instance + LIMITS)
    assert moved.status_code == 200 and [r.status_code for r in moved.history] == [302]
    # A 401 INVALID_SESSION_ID from there after a redirect: that service's, not a dead
    # session; no new login, nothing resent to it with a fresh token.
    other.answer_401 = True
    logins = emulator.logins("origins-requests@example.com")
    redirect_limits_to(emulator, other.url + "/moved")
    assert session.get(instance + LIMITS).status_code == 401
    assert session.get(other.url + "/direct").status_code == 401
    assert emulator.logins("origins-requests@example.com") == logins

    assert len(other.received) == 5
    assert other.authorizations() == [], other.received
    print("other service received:", other.received)


def test_httpx_sync_sends_the_token_to_the_instance_only(
    emulator: Emulator, other: OtherService, both_cas: Path
) -> None:
    user = "origins-httpx@example.com"
    client = client_of(emulator, user)
    instance = client.token().instance_url
    context = ssl.create_default_context(cafile=str(both_cas))
    with httpx.Client(auth=HttpxAuth(client), verify=context, follow_redirects=True) as http:
        assert http.get(instance + LIMITS).status_code == 200
        assert http.get(other.url + "/upload").status_code == 200
        redirect_limits_to(emulator, other.url + "/moved")
        moved = http.get(instance + LIMITS)
        assert moved.status_code == 200 and [r.status_code for r in moved.history] == [302]
        other.answer_401 = True
        logins = emulator.logins(user)
        redirect_limits_to(emulator, other.url + "/moved")
        assert http.get(instance + LIMITS).status_code == 401
        assert http.get(other.url + "/direct").status_code == 401
        assert emulator.logins(user) == logins
    assert len(other.received) == 4
    assert other.authorizations() == [], other.received


def test_httpx_async_sends_the_token_to_the_instance_only(
    emulator: Emulator, other: OtherService, both_cas: Path
) -> None:
    user = "origins-httpx-async@example.com"
    client = client_of(emulator, user)
    context = ssl.create_default_context(cafile=str(both_cas))

    async def job() -> List[int]:
        instance = (await client.token_async()).instance_url
        async with httpx.AsyncClient(auth=HttpxAuth(client), verify=context, follow_redirects=True) as http:
            statuses = [(await http.get(instance + LIMITS)).status_code]
            statuses += [r.status_code for r in await asyncio.gather(*(http.get(other.url) for _ in range(4)))]
            redirect_limits_to(emulator, other.url + "/moved")
            statuses.append((await http.get(instance + LIMITS)).status_code)
            return statuses

    assert asyncio.run(job()) == [200] * 6
    assert len(other.received) == 5
    assert other.authorizations() == [], other.received
    assert emulator.logins(user) == 1


def test_the_my_domain_origin_carries_the_token_too(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """With my_domain set, the instance is the My Domain; a URL on it gets the token."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_file))
    settings = emulator.settings(subject="origins-my-domain@example.com")
    del settings["login_url"]
    client = sfjwt.Client(**settings, my_domain=emulator.my_domain_url)
    session = requests.Session()
    session.auth = RequestsAuth(client)
    answer = session.get(emulator.my_domain_url + LIMITS)
    assert answer.status_code == 200, answer.text
    assert answer.request.headers["Authorization"].startswith("Bearer 00D")
    # The generic login host is another origin: nothing is attached there.
    bare = session.get(emulator.base_url + LIMITS)
    assert bare.status_code == 401 and "Authorization" not in bare.request.headers
