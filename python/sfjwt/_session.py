# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""What the HTTP adapters share: which requests may carry the session (the org's
origins only), and telling an expired or revoked session from other 401s."""

from __future__ import annotations

from typing import Optional, Tuple
from urllib.parse import urlsplit

from . import _native
from ._client import AccessToken, Client

#: scheme, host, port: two URLs of one origin may share a session.
Origin = Tuple[str, str, int]

_DEFAULT_PORTS = {"https": 443, "http": 80}


def origin(url: str) -> Origin:
    """The origin of `url`: scheme and host in lower case, the port spelled out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin of no org
        return (scheme, "", -1)
    return (scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme, -1))


def token_for(client: Client, token: AccessToken, url: str) -> Optional[AccessToken]:
    """`token` if `url` is on the org's instance (the token's ``instance_url``) or its
    My Domain, else ``None``: the session id is a bearer credential for the integration
    user, and a request to any other origin (object storage, a webhook, a redirect's
    target) must not carry it."""
    target = origin(url)
    if target == origin(token.instance_url):
        return token
    if client.my_domain is not None and target == origin(client.my_domain):
        return token
    return None


def is_invalid_session(body: bytes) -> bool:
    """Whether a 401 body is Salesforce's ``[{"errorCode": "INVALID_SESSION_ID", …}]``:
    the session expired or was revoked, and a new login will do. Other 401s (an
    OAuth error of the token endpoint, a proxy's page) are left to the caller. The
    adapters check the status first; the rule itself is the core's, shared by every
    binding."""
    return _native.is_invalid_session(401, body)
