# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""``Client.simple_salesforce()``: a simple_salesforce.Salesforce on sfjwt's token.

simple-salesforce retries a call that answered 401 ``INVALID_SESSION_ID`` after calling
the login function it keeps (``_salesforce_login_partial``, set by its own logins): here,
one that forgets the expired token and asks the sfjwt client for a new one. Its object
handlers (``sf.Account``) read the Salesforce's current session id, so their retries
carry the new one too.
"""

from __future__ import annotations

from typing import Any, Tuple
from urllib.parse import urlsplit

from simple_salesforce.api import Salesforce

from ._client import AccessToken, Client


class _Relogin:
    """The login function simple-salesforce calls when its session expired."""

    def __init__(self, client: Client, token: AccessToken) -> None:
        self._client = client
        self._token = token

    def __call__(self, **_ignored: Any) -> Tuple[str, str]:
        # Forgets the token only if it is still the cached one: another thread or
        # process may have logged in already.
        self._client.invalidate(self._token)
        self._token = self._client.token()
        return self._token.access_token, urlsplit(self._token.instance_url).netloc

    def __repr__(self) -> str:
        return f"_Relogin({self._client!r})"


def salesforce(client: Client, **kwargs: Any) -> Salesforce:
    token = client.token()
    sf = Salesforce(instance_url=token.instance_url, session_id=token.access_token, **kwargs)
    sf._salesforce_login_partial = _Relogin(client, token)  # type: ignore[assignment]
    return sf
