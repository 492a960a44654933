# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt for httpx, sync and async: ``httpx.Client(auth=SalesforceAuth(client))``.

Needs httpx (not a dependency of sfjwt: ``pip install httpx``)::

    import httpx, sfjwt
    from sfjwt.httpx import SalesforceAuth

    client = sfjwt.Client.from_properties("conn.properties")
    auth = SalesforceAuth(client)
    with httpx.Client(auth=auth) as http:
        http.get(f"{client.token().instance_url}/services/data/v62.0/limits")
    async with httpx.AsyncClient(auth=auth) as http:     # logins off the event loop
        await http.get(...)
"""

from __future__ import annotations

from typing import AsyncGenerator, Generator

import httpx

from ._client import Client
from ._session import is_invalid_session

__all__ = ["SalesforceAuth"]


class SalesforceAuth(httpx.Auth):
    """Authenticates each request with the client's current token (``Authorization:
    Bearer …``). When Salesforce answers 401 ``INVALID_SESSION_ID`` (the session
    expired or was revoked), forgets that token, gets a new one and sends the request
    again, once. With ``httpx.AsyncClient``, a login runs in a worker thread
    (:meth:`sfjwt.Client.token_async`), never on the event loop.
    """

    # The body is read before it is sent, so that a retry can send it again.
    requires_request_body = True

    def __init__(self, client: Client) -> None:
        self._client = client

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        token = self._client.token()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401 and is_invalid_session(response.read()):
            self._client.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self._client.token().access_token}"
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = await self._client.token_async()
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if response.status_code == 401 and is_invalid_session(await response.aread()):
            self._client.invalidate(token)
            fresh = await self._client.token_async()
            request.headers["Authorization"] = f"Bearer {fresh.access_token}"
            yield request

    def __repr__(self) -> str:
        return f"SalesforceAuth({self._client!r})"
