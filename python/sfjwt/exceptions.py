# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The exceptions of sfjwt.

Every error is an :class:`SfJwtError` carrying a stable :attr:`~SfJwtError.code`
(the names of the design, shared with C, Java and the CLI) and its number
:attr:`~SfJwtError.code_value` (the C value and the CLI's exit code). One subclass
per group of codes:

=========================  ============================================================
class                      codes
=========================  ============================================================
:class:`ConfigError`       ``CONFIG`` (1)
:class:`KeystoreError`     ``KEYSTORE_IO`` (10), ``KEYSTORE_FORMAT`` (11),
                           ``KEYSTORE_PASSWORD`` (12), ``ALIAS_NOT_FOUND`` (13),
                           ``NOT_A_PRIVATE_KEY`` (14), ``KEY_PASSWORD`` (15),
                           ``UNSUPPORTED_KEY`` (16)
:class:`NetworkError`      ``NETWORK`` (20), ``TIMEOUT`` (21), ``TLS`` (22),
                           ``HTTP`` (31), ``PROTOCOL`` (32): the server could not be
                           reached or did not answer like Salesforce; usually transient
:class:`AuthRejectedError` ``AUTH_REJECTED`` (30): Salesforce refused the login
:class:`SalesforceApiError` ``API`` (33): a REST call failed after login
:class:`SfJwtError`        ``INTERNAL`` (99): a bug in sfjwt, including a caught panic
=========================  ============================================================

Messages name the key, file or alias concerned and never contain a password, key,
assertion or token.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional, Tuple

__all__ = [
    "SfJwtError",
    "ConfigError",
    "KeystoreError",
    "NetworkError",
    "AuthRejectedError",
    "SalesforceApiError",
]


class SfJwtError(Exception):
    """Base class of every sfjwt error; raised as such only for ``INTERNAL`` (a bug).

    Attributes:
        message: The explanation, which names what is wrong and how to fix it.
        code: The stable code name, e.g. ``"KEYSTORE_PASSWORD"``.
        code_value: The code's number, e.g. ``12`` (the CLI's exit code).
    """

    #: The code of an instance made without ``code=``, e.g. in a user's test double.
    default_code: ClassVar[Tuple[str, int]] = ("INTERNAL", 99)

    message: str
    code: str
    code_value: int

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_value: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code[0]
        self.code_value = code_value if code_value is not None else self.default_code[1]

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __reduce__(self) -> Tuple[Any, Tuple[str], Dict[str, Any]]:
        # Keyword-only fields survive pickling (multiprocessing, Airflow XCom).
        return (type(self), (self.message,), dict(self.__dict__))


class ConfigError(SfJwtError):
    """A missing or invalid setting (``CONFIG``): unknown key, value of the wrong
    type or out of range, unreadable ``.properties`` file.

    Attributes:
        key: The setting concerned, as spelled in a ``.properties`` file.
    """

    default_code = ("CONFIG", 1)
    key: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_value: Optional[int] = None,
        key: Optional[str] = None,
    ) -> None:
        super().__init__(message, code=code, code_value=code_value)
        self.key = key


class KeystoreError(SfJwtError):
    """The signing key could not be loaded: missing file, unknown format, wrong
    password, absent alias, not a private key, or not an RSA key of 2048+ bits."""

    default_code = ("KEYSTORE_IO", 10)


class NetworkError(SfJwtError):
    """Salesforce could not be reached, or did not answer like Salesforce:
    ``NETWORK``, ``TIMEOUT``, ``TLS``, ``HTTP`` (unexpected status or body, e.g. a
    maintenance page after the retries) and ``PROTOCOL`` (malformed JSON).
    Usually worth retrying later, unlike :class:`AuthRejectedError`.

    Attributes:
        http_status: The HTTP status for ``HTTP``, else ``None``.
    """

    default_code = ("NETWORK", 20)
    http_status: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_value: Optional[int] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message, code=code, code_value=code_value)
        self.http_status = http_status


class AuthRejectedError(SfJwtError):
    """Salesforce's token endpoint refused the assertion (``AUTH_REJECTED``).

    Attributes:
        salesforce_error: Salesforce's ``error``, e.g. ``"invalid_grant"``.
        salesforce_error_description: Salesforce's ``error_description``, e.g.
            ``"user hasn't approved this consumer"``.
        http_status: The HTTP status (400).
        hint: What to do about it.
    """

    default_code = ("AUTH_REJECTED", 30)
    salesforce_error: str
    salesforce_error_description: str
    http_status: int
    hint: str

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_value: Optional[int] = None,
        salesforce_error: str = "",
        salesforce_error_description: str = "",
        http_status: int = 400,
        hint: str = "",
    ) -> None:
        super().__init__(message, code=code, code_value=code_value)
        self.salesforce_error = salesforce_error
        self.salesforce_error_description = salesforce_error_description
        self.http_status = http_status
        self.hint = hint


class SalesforceApiError(SfJwtError):
    """A REST call failed after login (``API``).

    Attributes:
        error_code: Salesforce's ``errorCode``, e.g. ``"INVALID_SESSION_ID"``.
        http_status: The HTTP status.
    """

    default_code = ("API", 33)
    error_code: Optional[str]
    http_status: Optional[int]

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        code_value: Optional[int] = None,
        error_code: Optional[str] = None,
        http_status: Optional[int] = None,
    ) -> None:
        super().__init__(message, code=code, code_value=code_value)
        self.error_code = error_code
        self.http_status = http_status
