# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""Thread safety and the GIL: one login for many threads, other threads run meanwhile."""

from __future__ import annotations

import threading
import time
from typing import List

from support import Emulator

import sfjwt


def test_32_threads_on_a_cold_client_log_in_once(emulator: Emulator) -> None:
    user = "threads@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    before = emulator.logins(user)
    # A slow token endpoint makes sure that every thread asks while the login runs.
    emulator.set_faults([{"action": {"kind": "delay", "ms": 500}}])
    barrier = threading.Barrier(32)
    tokens: List[sfjwt.AccessToken] = []
    errors: List[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            tokens.append(client.token())
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(tokens) == 32
    assert len({token.access_token for token in tokens}) == 1
    assert emulator.logins(user) == before + 1


def test_other_python_threads_run_while_a_login_waits(emulator: Emulator) -> None:
    user = "slow@example.com"
    client = sfjwt.Client(**emulator.settings(subject=user))
    client.invalidate()
    emulator.set_faults([{"action": {"kind": "delay", "ms": 2000}}])

    count = 0
    stamps: List[float] = []  # time of every 1000th increment
    stop = threading.Event()

    def counter() -> None:
        nonlocal count
        while not stop.is_set():
            count += 1
            if count % 1000 == 0:
                stamps.append(time.monotonic())

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        start = time.monotonic()
        client.token()  # blocks this thread for ~2 s in native code
        end = time.monotonic()
    finally:
        stop.set()
        thread.join()
    assert end - start >= 1.8, "the delay fault did not apply"
    # Had the GIL been held during the login, the counter could not have run in the
    # middle of it. Require progress through the whole middle second.
    middle = [t for t in stamps if start + 0.5 <= t <= end - 0.5]
    print(f"{count} increments, {len(middle)} samples in the middle of the login")
    assert len(middle) >= 10, f"only {len(middle)} samples while the login waited"
    assert middle[-1] - middle[0] >= 0.5
    assert count > 10_000
