# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Type stubs of the compiled module ``sfjwt._native`` (bindings/python/src/lib.rs).

Private: use the ``sfjwt`` package. Errors are raised as the classes of
``sfjwt.exceptions``.
"""

import os
from typing import Callable, Generic, Mapping, Optional, TypeVar, Union, final

__all__ = [
    "__version__",
    "Config",
    "Client",
    "AccessToken",
    "Step",
    "ConnectionReport",
    "test_connection",
    "_testing_panic",
]

__version__: str


@final
class Config:
    def __new__(
        cls,
        settings: Optional[Mapping[str, object]] = None,
        *,
        properties: Optional[Union[str, "os.PathLike[str]"]] = None,
        env: bool = False,
    ) -> Config: ...
    @property
    def issuer(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def login_url(self) -> str: ...
    @property
    def keystore_path(self) -> str: ...

@final
class AccessToken:
    @property
    def access_token(self) -> str: ...
    @property
    def instance_url(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def token_type(self) -> str: ...
    @property
    def scope(self) -> Optional[str]: ...
    @property
    def issued_at(self) -> Optional[str]: ...
    @property
    def org_id(self) -> Optional[str]: ...
    @property
    def user_id(self) -> Optional[str]: ...

@final
class Step:
    @property
    def name(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def duration_secs(self) -> float: ...
    @property
    def detail(self) -> str: ...

@final
class ConnectionReport:
    @property
    def ok(self) -> bool: ...
    @property
    def steps(self) -> list[Step]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def error(self) -> Optional[BaseException]: ...
    @property
    def api_version(self) -> Optional[str]: ...
    @property
    def instance_url(self) -> Optional[str]: ...
    @property
    def text(self) -> str: ...
    @property
    def json(self) -> str: ...

_Token = TypeVar("_Token")

@final
class Client(Generic[_Token]):
    # token_factory makes the public token from a native one; token() returns the
    # same object while the cache holds the same token.
    def __new__(cls, config: Config, token_factory: Callable[[AccessToken], _Token]) -> Client[_Token]: ...
    @property
    def config(self) -> Config: ...
    def token(self) -> _Token: ...
    def invalidate(self) -> None: ...
    def test_connection(self) -> ConnectionReport: ...

def test_connection(config: Config) -> ConnectionReport: ...

# Only in builds with the cargo feature `testing` (the test wheel), never released.
def _testing_panic() -> None: ...
