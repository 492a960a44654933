# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""sfjwt: Salesforce OAuth 2.0 JWT Bearer login for Python ETL jobs and notebooks.

Loads the private key from the keystore Salesforce exports (JKS, also PKCS#12,
JCEKS, PEM), signs the RS256 assertion, exchanges it for an access token and
caches the token; the work happens in a Rust core, with the GIL released.

>>> import sfjwt
>>> client = sfjwt.Client(issuer="3MVG9...", subject="etl@example.com",
...                       keystore_path="00D28000001O6WS.jks",
...                       keystore_password="...", key_alias="talend_certificate")
>>> tok = client.token()                     # doctest: +SKIP
>>> requests.get(f"{tok.instance_url}/services/data/", headers=tok.headers())  # doctest: +SKIP
"""

import logging as _logging

from ._client import (
    AccessToken,
    Client,
    ClientConfig,
    ConnectionReport,
    Step,
    test_connection,
)
from ._native import __version__
from .exceptions import (
    AuthRejectedError,
    ConfigError,
    KeystoreError,
    NetworkError,
    SalesforceApiError,
    SfJwtError,
)

__all__ = [
    "AccessToken",
    "AuthRejectedError",
    "Client",
    "ClientConfig",
    "ConfigError",
    "ConnectionReport",
    "KeystoreError",
    "NetworkError",
    "SalesforceApiError",
    "SfJwtError",
    "Step",
    "__version__",
    "test_connection",
]

# sfjwt logs to the logger "sfjwt" (logins, retries, warnings; never a secret). As the
# logging HOWTO asks of libraries, it prints nothing until the application configures
# logging.
_logging.getLogger("sfjwt").addHandler(_logging.NullHandler())
