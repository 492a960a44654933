# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Fixtures: the Salesforce emulator (`sfjwt emulator`) run as a process for the session."""

from __future__ import annotations

from typing import Iterator

import pytest
from support import APPROVED, CERTS, ECA_ISSUER, INACTIVE, KEYS, OWN_USERS, SFJWT_BIN, UNAPPROVED, Emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """Starts `sfjwt emulator` with one connected app per keystore kind."""
    if not SFJWT_BIN.exists():
        pytest.fail(f"{SFJWT_BIN} is missing: run `cargo build -p sfjwt-cli` (make python-test does)")
    work = tmp_path_factory.mktemp("emulator")
    config = {
        "apps": [
            {"consumer_key": KEYS[kind]["issuer"], "certificate_file": str(CERTS[kind])}
            for kind in KEYS
        ],
        "external_client_apps": [{"consumer_key": ECA_ISSUER, "certificate_file": str(CERTS["jks"])}],
        "users": [
            {"username": APPROVED},
            {"username": UNAPPROVED, "approved": False},
            {"username": INACTIVE, "active": False},
            *({"username": user} for user in OWN_USERS),
        ],
    }
    with Emulator(SFJWT_BIN, config, work) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Clears the emulator's fault plan after each test that used the emulator."""
    yield
    if "emulator" in request.fixturenames:
        emulator: Emulator = request.getfixturevalue("emulator")
        emulator.set_faults([])
