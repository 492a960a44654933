# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The public API: :class:`Client`, :class:`AccessToken`, :class:`ConnectionReport`."""

from __future__ import annotations

import asyncio
import html
import json
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, TypedDict, Union

from . import _native
from .exceptions import SfJwtError

if TYPE_CHECKING:
    from simple_salesforce.api import Salesforce
    from typing_extensions import Unpack

__all__ = [
    "AccessToken",
    "Client",
    "ClientConfig",
    "ConnectionReport",
    "Step",
    "test_connection",
]

PathType = Union[str, "os.PathLike[str]"]


class ClientConfig(TypedDict, total=False):
    """The configuration keys, the same in every sfjwt surface (``.properties``
    files, ``SFJWT_*`` variables, the CLI, C and Java).

    Values may be ``str``; ``int`` and ``bool`` are accepted for the numeric and
    true/false keys, ``os.PathLike`` for files, and ``None`` means the default (as if absent). A
    value of another type, an unknown key or a value out of range raises
    :class:`~sfjwt.ConfigError` naming the key.
    """

    issuer: Optional[str]
    """The app's consumer key (JWT ``iss``): External Client App or connected app. Required."""
    subject: Optional[str]
    """Salesforce username (JWT ``sub``). Required."""
    my_domain: Optional[str]
    """The org's My Domain, as Setup > My Domain shows it (``acme.my.salesforce.com``) or an
    https URL. External Client Apps are found only there. The default ``login_url`` and,
    without ``audience``, the first audience, with login or test (test for a sandbox) tried
    once if Salesforce refuses it; the client remembers which one worked."""
    audience: Optional[str]
    """JWT ``aud``: ``https://login.salesforce.com``, ``https://test.salesforce.com`` or an
    Experience Cloud site URL. Default: chosen from ``my_domain`` as above, else login."""
    login_url: Optional[str]
    """Base URL the token request is POSTed to (GovCloud, a host of your own); default: the
    My Domain, else the audience."""
    expiration_secs: Optional[int]
    """Assertion lifetime, 1..=3600 seconds; default 180."""
    keystore_path: Optional[PathType]
    """Keystore file: JKS, JCEKS, PKCS#12 or PEM. Required, unless the keystore is given
    as data (``keystore_data`` or ``keystore_base64``); not both."""
    keystore_data: Optional[Union[bytes, bytearray, memoryview]]
    """The keystore file's contents instead of its path, e.g. from a secret store. Copied
    into memory that sfjwt wipes, a ``memoryview`` included, with no other copy left behind
    (wipe a ``bytearray`` of yours afterwards); errors call it "keystore from keystore_data"."""
    keystore_base64: Optional[str]
    """The keystore file's contents as base64 text (``base64 keystore.jks``, line breaks
    allowed), as ``dbutils.secrets.get`` or a Kubernetes secret gives it; also
    ``SFJWT_KEYSTORE_BASE64``."""
    keystore_type: Optional[str]
    """``auto`` (default, by magic bytes), ``jks``, ``jceks``, ``pkcs12`` or ``pem``."""
    keystore_password: Optional[str]
    """Store password; may be empty."""
    key_alias: Optional[str]
    """Entry to sign with; default: the only private-key entry."""
    key_password: Optional[str]
    """Key entry password; default: the keystore password."""
    mutual_tls: Optional[bool]
    """Present a client certificate in TLS (Salesforce's port 8443); default False."""
    client_cert_path: Optional[PathType]
    """Keystore of the mutual-TLS identity, if not the signing key's entry."""
    client_cert_data: Optional[Union[bytes, bytearray, memoryview]]
    """That keystore's contents instead of its path."""
    client_cert_base64: Optional[str]
    """That keystore's contents as base64 text; also ``SFJWT_CLIENT_CERT_BASE64``."""
    client_cert_password: Optional[str]
    """Its password."""
    client_cert_alias: Optional[str]
    """Its entry."""
    ca_file: Optional[PathType]
    """Extra trusted root certificates (PEM), e.g. a corporate proxy's CA."""
    proxy_url: Optional[str]
    """HTTP(S) proxy; default: ``HTTPS_PROXY``/``NO_PROXY``."""
    connect_timeout_secs: Optional[int]
    """Connect timeout; default 10."""
    timeout_secs: Optional[int]
    """Whole-request timeout; default 30."""
    retries: Optional[int]
    """Retries on network errors, 5xx and 429 (never on an OAuth 400); default 2."""
    api_version: Optional[str]
    """REST API version for the connection test (``"62.0"``); default: the newest."""
    token_cache: Optional[bool]
    """Reuse tokens inside the process; default True."""
    token_ttl_secs: Optional[int]
    """How long a cached token is trusted before a new login; default 900."""
    token_cache_dir: Optional[PathType]
    """Share tokens with every process of this user on the machine (Spark workers, a
    ``multiprocessing`` pool) through this directory, created 0700; tokens are
    encrypted with a key derived from the signing key. Default: this process only."""


@dataclass(frozen=True, repr=False)
class AccessToken:
    """A Salesforce session from the JWT Bearer flow.

    ``repr`` and ``str`` never show :attr:`access_token`. Hand it to a REST client
    with :meth:`headers`, or to simple-salesforce::

        Salesforce(instance_url=tok.instance_url, session_id=tok.access_token)
    """

    access_token: str
    """The session id: a secret."""
    instance_url: str
    """The org's instance, base of every REST call."""
    id: str
    """The identity URL, ``…/id/<org id>/<user id>``."""
    token_type: str = "Bearer"
    """Always ``Bearer``."""
    scope: Optional[str] = None
    """The granted scopes (``"api refresh_token"``), when Salesforce says."""
    issued_at: Optional[str] = None
    """Milliseconds since the epoch, as Salesforce sends it, when it does."""
    org_id: Optional[str] = field(default=None, compare=False)
    """The org id, from :attr:`id`."""
    user_id: Optional[str] = field(default=None, compare=False)
    """The user id, from :attr:`id`."""
    _token_id: int = field(default=0, compare=False)
    """Which login the token came from (0: not from a client), for
    :meth:`Client.invalidate`."""

    def headers(self) -> Dict[str, str]:
        """The HTTP header that authenticates a REST call: ``{"Authorization": "Bearer …"}``."""
        return {"Authorization": f"Bearer {self.access_token}"}

    def __repr__(self) -> str:
        return (
            f"AccessToken(access_token='<redacted>', instance_url={self.instance_url!r}, "
            f"id={self.id!r}, token_type={self.token_type!r}, scope={self.scope!r})"
        )

    @classmethod
    def _from_native(cls, token: _native.AccessToken) -> AccessToken:
        return cls(
            access_token=token.access_token,
            instance_url=token.instance_url,
            id=token.id,
            token_type=token.token_type,
            scope=token.scope,
            issued_at=token.issued_at,
            org_id=token.org_id,
            user_id=token.user_id,
            _token_id=token.token_id,
        )


@dataclass(frozen=True)
class Step:
    """One step of a connection test."""

    name: str
    """``load key``, ``sign assertion``, ``token request``, ``identity`` or ``API versions``."""
    ok: bool
    """Whether it succeeded."""
    duration: timedelta
    """How long it took."""
    detail: str
    """What it found, or the error."""


@dataclass(frozen=True)
class ConnectionReport:
    """The outcome of :meth:`Client.test_connection` or :func:`test_connection`.

    ``str(report)`` is the text ``sfjwt test-connection`` prints; in a notebook the
    report renders as a table (:meth:`_repr_html_`).
    """

    ok: bool
    """Every step passed."""
    steps: Tuple[Step, ...]
    """The steps run, in order; the test stops at the first failure."""
    warnings: Tuple[str, ...]
    """Things that work today but need attention (certificate expiry, ...)."""
    error: Optional[SfJwtError]
    """The failure, as the exception that the failed call would raise."""
    api_version: Optional[str]
    """The REST API version in use."""
    instance_url: Optional[str]
    """The org's instance URL."""
    _text: str = field(default="", repr=False, compare=False)
    _json: str = field(default="null", repr=False, compare=False)

    @property
    def failed_step(self) -> Optional[Step]:
        """The step that failed, if any."""
        return next((step for step in self.steps if not step.ok), None)

    def raise_for_error(self) -> None:
        """Raises :attr:`error` if the test failed."""
        if self.error is not None:
            raise self.error

    def to_json(self) -> str:
        """The JSON of ``sfjwt test-connection --json``."""
        return self._json

    def to_dict(self) -> Dict[str, Any]:
        """:meth:`to_json` as a dict."""
        result: Dict[str, Any] = json.loads(self._json)
        return result

    def __str__(self) -> str:
        return self._text

    def _repr_html_(self) -> str:
        """An HTML table of the steps, for Jupyter."""
        esc = html.escape
        color = "#1a7f37" if self.ok else "#cf222e"
        title = "PASSED" if self.ok else "FAILED"
        if self.failed_step is not None:
            title += f" at step &ldquo;{esc(self.failed_step.name)}&rdquo;"
        rows = "".join(
            "<tr>"
            f"<td style='color:{'#1a7f37' if s.ok else '#cf222e'}'>{'ok' if s.ok else 'FAIL'}</td>"
            f"<td>{esc(s.name)}</td>"
            f"<td style='text-align:right'>{s.duration.total_seconds() * 1000:.0f}&nbsp;ms</td>"
            f"<td style='text-align:left'>{esc(s.detail)}</td>"
            "</tr>"
            for s in self.steps
        )
        parts = [
            f"<div><strong style='color:{color}'>Connection test {title}</strong>",
            "<table><thead><tr><th></th><th>step</th><th>time</th><th>detail</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>",
        ]
        error = self.error
        if error is not None:
            parts.append(
                f"<p><strong>Error {esc(error.code)} ({error.code_value}):</strong> "
                f"{esc(error.message)}</p>"
            )
            salesforce_error = getattr(error, "salesforce_error", None)
            if salesforce_error:
                description = getattr(error, "salesforce_error_description", "")
                hint = getattr(error, "hint", "")
                parts.append(
                    f"<p>Salesforce said: <code>{esc(salesforce_error)}: "
                    f"{esc(description)}</code><br>How to fix: {esc(hint)}</p>"
                )
        for warning in self.warnings:
            parts.append(f"<p>&#9888; {esc(warning)}</p>")
        if self.api_version is not None:
            parts.append(f"<p>API version: {esc(self.api_version)}</p>")
        parts.append("</div>")
        return "".join(parts)

    @classmethod
    def _from_native(cls, report: _native.ConnectionReport) -> ConnectionReport:
        error = report.error
        return cls(
            ok=report.ok,
            steps=tuple(
                Step(
                    name=s.name,
                    ok=s.ok,
                    duration=timedelta(seconds=s.duration_secs),
                    detail=s.detail,
                )
                for s in report.steps
            ),
            warnings=tuple(report.warnings),
            error=error if isinstance(error, SfJwtError) else None,
            api_version=report.api_version,
            instance_url=report.instance_url,
            _text=report.text,
            _json=report.json,
        )


class Client:
    """Logs in to Salesforce with the OAuth 2.0 JWT Bearer flow and keeps the token.

    ``Client(**config)`` takes the keys of :class:`ClientConfig` as keyword
    arguments; it reads the keystore and decrypts the key once (the GIL is
    released meanwhile). One client is thread-safe: share it between the threads of
    a job. Every method raises :class:`~sfjwt.SfJwtError` subclasses.

    Example::

        client = sfjwt.Client(
            issuer="3MVG9...", subject="etl@example.com",
            keystore_path="00D28000001O6WS.jks", keystore_password=os.environ["KS_PASS"],
            key_alias="talend_certificate",
        )
        tok = client.token()
    """

    __slots__ = ("_inner",)
    # It hands out the same AccessToken while its cache holds the same token.
    _inner: _native.Client[AccessToken]

    def __init__(self, **config: Unpack[ClientConfig]) -> None:
        self._inner = _native.Client(_native.Config(config), AccessToken._from_native)

    @classmethod
    def from_properties(cls, path: PathType, **overrides: Unpack[ClientConfig]) -> Client:
        """A client configured by a ``.properties`` file (Java's format, the same keys);
        ``overrides`` win over the file, e.g. a password from a secret store."""
        client = cls.__new__(cls)
        client._inner = _native.Client(
            _native.Config(overrides, properties=os.fspath(path)), AccessToken._from_native
        )
        return client

    @property
    def issuer(self) -> str:
        """The app's consumer key (External Client App or connected app)."""
        return self._inner.config.issuer

    @property
    def subject(self) -> str:
        """The Salesforce username."""
        return self._inner.config.subject

    @property
    def audience(self) -> str:
        """The ``aud`` claim."""
        return self._inner.config.audience

    @property
    def login_url(self) -> str:
        """Where the token request goes."""
        return self._inner.config.login_url

    @property
    def my_domain(self) -> Optional[str]:
        """The org's My Domain (``https://acme.my.salesforce.com``), when configured."""
        return self._inner.config.my_domain

    def token(self) -> AccessToken:
        """A token: the cached one while it is fresh (``token_ttl_secs``), else a new
        login. Concurrent callers share one login, and its failure: for one second
        after a failed login, calls raise that failure again instead of logging in
        (an outage costs one login a second, not one per thread). Releases the GIL
        while it waits.

        Raises:
            AuthRejectedError: Salesforce refused the assertion (see ``.hint``).
            NetworkError: Salesforce could not be reached or answered strangely.
        """
        return self._inner.token()

    async def token_async(self) -> AccessToken:
        """:meth:`token` for asyncio code: a login runs in a worker thread
        (``asyncio.to_thread``), so the event loop goes on meanwhile; a cached token
        costs a thread hop."""
        return await asyncio.to_thread(self._inner.token)

    def simple_salesforce(self, **kwargs: Any) -> Salesforce:
        """A ``simple_salesforce.Salesforce`` on this client's token (``pip install
        simple-salesforce``; ``kwargs`` go to its constructor, e.g. ``version`` or a
        requests ``session``). When a call answers 401 ``INVALID_SESSION_ID``, it gets a
        new token from this client and retries, as with its own logins; its Bulk API
        handlers take the session of the moment they are made."""
        from ._simple_salesforce import salesforce

        return salesforce(self, **kwargs)

    def invalidate(self, token: Optional[AccessToken] = None) -> None:
        """Forgets the cached token, so that the next :meth:`token` logs in again.

        After a REST call made with ``token`` answered HTTP 401 ``INVALID_SESSION_ID``,
        pass that token: it is forgotten only if it is still the cached one, so that
        when many threads see the same session expire, the fresh token one of them got
        meanwhile stays. Without ``token``, whatever token is cached is forgotten, and
        the one-second back-off after a failed login ends.
        """
        if token is None:
            self._inner.invalidate()
        else:
            self._inner.invalidate_if_current(token._token_id)

    def test_connection(self) -> ConnectionReport:
        """Runs the connection test (load key, sign assertion, token request, identity,
        API versions) with a real login, bypassing the cache. Failures are reported
        in the returned report, not raised."""
        return ConnectionReport._from_native(self._inner.test_connection())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(issuer={self.issuer!r}, subject={self.subject!r}, "
            f"login_url={self.login_url!r})"
        )


def test_connection(
    properties: Optional[PathType] = None, **config: Unpack[ClientConfig]
) -> ConnectionReport:
    """Runs the connection test for a configuration, without making a :class:`Client`
    first: a key that does not load is reported as the failed ``load key`` step.

    ``properties`` is an optional ``.properties`` file; keyword arguments win over it.

    Raises:
        ConfigError: the settings themselves are invalid.
    """
    path = None if properties is None else os.fspath(properties)
    return ConnectionReport._from_native(
        _native.test_connection(_native.Config(config, properties=path))
    )


# Not a pytest test, even when imported into a test module.
test_connection.__test__ = False  # type: ignore[attr-defined]
