# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt for requests: ``session.auth = SalesforceAuth(client)``.

Needs requests (not a dependency of sfjwt: ``pip install requests``)::

    import requests, sfjwt
    from sfjwt.requests import SalesforceAuth

    client = sfjwt.Client.from_properties("conn.properties")
    session = requests.Session()
    session.auth = SalesforceAuth(client)
    base = client.token().instance_url
    session.get(f"{base}/services/data/v62.0/query", params={"q": "SELECT Name FROM Account"})
"""

from __future__ import annotations

from typing import Any, Callable

from requests import PreparedRequest, Response
from requests.auth import AuthBase

from ._client import AccessToken, Client
from ._session import is_invalid_session, token_for

__all__ = ["SalesforceAuth"]


class SalesforceAuth(AuthBase):
    """Authenticates each request to the org with the client's current token
    (``Authorization: Bearer …``). When Salesforce answers 401 ``INVALID_SESSION_ID``
    (the session expired or was revoked), forgets that token, gets a new one and sends
    the request again, once. Many threads sharing one client share that one new login.

    Only requests to the org carry the token: those whose origin (scheme, host, port)
    is the token's ``instance_url`` or the client's ``my_domain``. A session that also
    talks to other services (object storage, a webhook, another API) sends those
    requests untouched. Redirects are followed as requests does, and requests drops
    ``Authorization`` when one leaves the origin; the adapter never adds it back, and
    never answers a 401 from another origin with a new login.

    A request whose body is a stream that cannot be rewound is not resent: its 401
    is returned as it is.
    """

    def __init__(self, client: Client) -> None:
        self._client = client

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        token = token_for(self._client, self._client.token(), request.url or "")
        if token is None:
            return request
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        request.hooks["response"].append(self._retry_once(token))
        return request

    def _retry_once(self, token: AccessToken) -> Callable[..., Response]:
        def on_response(response: Response, **send_options: Any) -> Response:
            sent = response.request
            if getattr(sent, "_sfjwt_retry", False) or response.status_code != 401:
                return response
            # The hook follows the request through redirects: a 401 from another
            # origin is that service's, not a dead Salesforce session.
            if token_for(self._client, token, sent.url or "") is None:
                return response
            if not is_invalid_session(response.content) or not _rewind(sent.body):
                return response
            self._client.invalidate(token)
            fresh = token_for(self._client, self._client.token(), sent.url or "")
            if fresh is None:  # the org moved to another instance meanwhile
                return response
            retry = sent.copy()
            retry.headers["Authorization"] = f"Bearer {fresh.access_token}"
            # Not retried again, and not given this hook again by __call__: the copy
            # keeps the hooks it had.
            setattr(retry, "_sfjwt_retry", True)
            response.close()
            again: Response = response.connection.send(retry, **send_options)
            again.history.append(response)
            again.request = retry
            return again

        return on_response

    def __repr__(self) -> str:
        return f"SalesforceAuth({self._client!r})"


def _rewind(body: Any) -> bool:
    """Whether the body can be sent again: none, bytes or text, or a seekable stream
    (rewound here)."""
    if body is None or isinstance(body, (bytes, str)):
        return True
    seek = getattr(body, "seek", None)
    if seek is None:
        return False
    try:
        seek(0)
    except (OSError, ValueError):
        return False
    return True
