# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Shared by the tests: fixture keystores, emulator users, and the emulator handle."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict

from emulator_process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SFJWT_BIN = Path(os.environ.get("SFJWT_BIN", ROOT / "target" / "debug" / "sfjwt"))

#: Keystores that sign for the emulator's apps: kind -> (consumer key, settings).
KEYS: Dict[str, Dict[str, str]] = {
    "jks": {
        "issuer": "3MVG9jks",
        "keystore_path": str(FIXTURES / "jks-same.jks"),
        "keystore_password": "changeit1",
        "key_alias": "talend_certificate",
    },
    "p12": {
        "issuer": "3MVG9p12",
        "keystore_path": str(FIXTURES / "p12-keytool.p12"),
        "keystore_password": "changeit1",
        "key_alias": "sfdc",
    },
    "pem": {
        "issuer": "3MVG9pem",
        "keystore_path": str(FIXTURES / "pem-pkcs8.pem"),
    },
}
CERTS = {
    "jks": FIXTURES / "certs" / "jks-same.talend_certificate.crt",
    "p12": FIXTURES / "certs" / "p12-keytool.sfdc.crt",
    "pem": FIXTURES / "certs" / "pem-pkcs8.pem-pkcs8.crt",
}

#: An External Client App of the emulator's org, with the JKS fixture's certificate.
ECA_ISSUER = "3MVG9eca"

APPROVED = "etl@example.com"
UNAPPROVED = "new@example.com"
INACTIVE = "gone@example.com"
#: Users reserved for one test each, so that the process-wide token cache and the
#: login counts of other tests never interfere.
OWN_USERS = [
    "threads@example.com",
    "slow@example.com",
    "cached@example.com",
    "same-object@example.com",
    "conditional@example.com",
    "last-client@example.com",
    "timeout@example.com",
    "http@example.com",
    "protocol@example.com",
    "api@example.com",
    "properties@example.com",
    "cli@example.com",
    "shared@example.com",
    "shared-invalidate@example.com",
    "requests@example.com",
    "httpx@example.com",
    "httpx-async@example.com",
    "httpx-async-lock@example.com",
    "simple-salesforce@example.com",
    "async@example.com",
    "data@example.com",
    "base64@example.com",
    "logging@example.com",
    "logging-retry@example.com",
    "logging-quiet@example.com",
    "logging-reentrant@example.com",
    "eca@example.com",
    "my-domain-connected-app@example.com",
    "eca-explicit-audience@example.com",
    "origins-requests@example.com",
    "origins-httpx@example.com",
    "origins-httpx-async@example.com",
    "origins-my-domain@example.com",
]


class Emulator(EmulatorProcess):
    """A running `sfjwt emulator` process (testkit/python/emulator_process.py), and client settings
    for it."""

    def settings(self, kind: str = "jks", subject: str = APPROVED, **extra: Any) -> Dict[str, Any]:
        """Client settings for a key `kind` against this emulator."""
        settings: Dict[str, Any] = {
            **KEYS[kind],
            "subject": subject,
            "login_url": self.base_url,
            "ca_file": str(self.ca_file),
        }
        settings.update(extra)
        return settings

    def properties(self, path: Path, kind: str = "jks", subject: str = APPROVED, **extra: Any) -> Path:
        """Writes `settings()` as a `.properties` file."""
        lines = [f"{k}={v}" for k, v in self.settings(kind, subject, **extra).items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def pool_worker(settings: Dict[str, Any]) -> str:
    """A `multiprocessing` task in a fresh process: a client of its own, and its token. Here,
    not in a test module, so that spawned processes can import it (pytest imports test
    modules under names of its own)."""
    import sfjwt

    return sfjwt.Client(**settings).token().access_token
