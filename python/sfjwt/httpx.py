# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt for httpx, sync and async: ``httpx.Client(auth=SalesforceAuth(client))``.

Needs httpx (not a dependency of sfjwt: ``pip install httpx``)::

    import httpx, sfjwt
    from sfjwt.httpx import SalesforceAuth

    client = sfjwt.Client.from_properties("conn.properties")
    auth = SalesforceAuth(client)
    with httpx.Client(auth=auth) as http:
        http.get(f"{client.token().instance_url}/services/data/v62.0/limits")
    async with httpx.AsyncClient(auth=auth) as http:     # sfjwt's calls off the event loop
        await http.get(...)
"""

from __future__ import annotations

from typing import AsyncGenerator, Generator

# httpx's own dependency: worker threads under asyncio and trio alike.
import anyio.to_thread
import httpx

from ._client import AccessToken, Client
from ._session import is_invalid_session, token_for

__all__ = ["SalesforceAuth"]


class SalesforceAuth(httpx.Auth):
    """Authenticates each request to the org with the client's current token
    (``Authorization: Bearer …``). When Salesforce answers 401 ``INVALID_SESSION_ID``
    (the session expired or was revoked), forgets that token, gets a new one and sends
    the request again, once. With ``httpx.AsyncClient``, sfjwt's calls run in a worker
    thread (anyio's, as httpx uses it), never on the event loop: a login, and forgetting a
    token, which with ``token_cache_dir`` waits for the directory's lock while another
    process logs in.

    Only requests to the org carry the token: those whose origin (scheme, host, port)
    is the token's ``instance_url`` or the client's ``my_domain``; a client that also
    talks to other services sends those requests untouched. httpx follows redirects
    (with ``follow_redirects=True``) without the auth flow and drops ``Authorization``
    when one leaves the origin; a 401 that came from another origin is not answered
    with a new login.
    """

    # The body is read before it is sent, so that a retry can send it again.
    requires_request_body = True

    def __init__(self, client: Client) -> None:
        self._client = client

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        token = token_for(self._client, self._client.token(), str(request.url))
        if token is None:
            yield request
            return
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if _expired_here(self._client, token, response) and is_invalid_session(response.read()):
            self._client.invalidate(token)
            fresh = token_for(self._client, self._client.token(), str(request.url))
            if fresh is not None:
                request.headers["Authorization"] = f"Bearer {fresh.access_token}"
                yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        token = token_for(self._client, await anyio.to_thread.run_sync(self._client.token), str(request.url))
        if token is None:
            yield request
            return
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        if _expired_here(self._client, token, response) and is_invalid_session(await response.aread()):
            await anyio.to_thread.run_sync(self._client.invalidate, token)
            fresh = token_for(self._client, await anyio.to_thread.run_sync(self._client.token), str(request.url))
            if fresh is not None:
                request.headers["Authorization"] = f"Bearer {fresh.access_token}"
                yield request

    def __repr__(self) -> str:
        return f"SalesforceAuth({self._client!r})"


def _expired_here(client: Client, token: AccessToken, response: httpx.Response) -> bool:
    """A 401 from the org itself: after a redirect, ``response.request`` is the last
    request sent, and a 401 from another origin is that service's."""
    return response.status_code == 401 and token_for(client, token, str(response.request.url)) is not None
