# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The parity test: every key of the core (``sfjwt::config::KEYS``) is a keyword of
:class:`sfjwt.ClientConfig`, and every field of its token (``sfjwt::AccessToken::FIELDS``)
an attribute of ``_native.AccessToken`` and :class:`sfjwt.AccessToken`, so that the Python
API cannot fall behind the core unnoticed."""

from __future__ import annotations

import dataclasses

import sfjwt
from sfjwt import _native


def test_every_config_key_is_a_client_config_keyword() -> None:
    keywords = sfjwt.ClientConfig.__annotations__
    missing = [key for key in _native._testing_config_keys() if key not in keywords]
    assert not missing, f"Python sfjwt.ClientConfig (python/sfjwt/_client.py): no keyword {missing}"


def test_every_token_field_is_an_access_token_attribute() -> None:
    fields = _native._testing_token_fields()
    native = [name for name in fields if not hasattr(_native.AccessToken, name)]
    assert not native, f"Python _native.AccessToken (bindings/python/src/lib.rs): no {native}"
    public = {field.name for field in dataclasses.fields(sfjwt.AccessToken)}
    missing = [name for name in fields if name not in public]
    assert not missing, f"Python sfjwt.AccessToken (python/sfjwt/_client.py): no field {missing}"
