# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The Python driver of `make soak` (bench/soak/run.py): THREADS threads call
``Client.token()`` and a REST call with that token in a loop for SECS seconds, the way
a user's code does it: on HTTP 401 ``INVALID_SESSION_ID`` it calls
``client.invalidate(token)`` and retries once with a new token. Each call is timed
against its deadline, failures are counted by code, and the process's RSS, open
descriptors and threads are sampled at the end of the first minute (or of the first
half of a shorter run) and at the end. It prints one JSON summary line.

    python python_driver.py PROPERTIES CA_FILE SECS THREADS PAUSE_MS DEADLINE_MS
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import sys
import threading
import time
from typing import Dict, Tuple
from urllib.parse import urlsplit

import sfjwt

LIMITS = "/services/data/v62.0/limits"


class RestError(Exception):
    """A REST answer other than 200, as the code a user's adapter would raise."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.invalid_session = status == 401 and b"INVALID_SESSION_ID" in body


def footprint() -> Dict[str, int]:
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()[0] if value.split() else "0"
    return {
        "rss_kib": int(fields.get("VmRSS", 0)),
        "fds": len(os.listdir("/proc/self/fd")),
        "threads": int(fields.get("Threads", 0)),
    }


class Tally:
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.lock = threading.Lock()
        self.calls = self.ok = self.late = 0
        self.slowest = 0.0
        self.errors: Dict[str, int] = {}

    def record(self, started: float, error: str = "") -> None:
        took = time.monotonic() - started
        with self.lock:
            self.calls += 1
            self.slowest = max(self.slowest, took)
            self.late += took > self.deadline
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1
            else:
                self.ok += 1


def rest_get(context: ssl.SSLContext, token: sfjwt.AccessToken, timeout: float) -> None:
    host = urlsplit(token.instance_url)
    connection = http.client.HTTPSConnection(
        host.hostname or "", host.port, context=context, timeout=timeout
    )
    try:
        connection.request("GET", LIMITS, headers=token.headers())
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RestError(response.status, body)
    finally:
        connection.close()


def worker(
    client: sfjwt.Client, context: ssl.SSLContext, tally: Tally, stop: threading.Event,
    pause: float,
) -> None:
    while not stop.is_set():
        started = time.monotonic()
        try:
            token = client.token()
            tally.record(started)
        except sfjwt.SfJwtError as e:
            tally.record(started, e.code)
            time.sleep(pause)
            continue
        started = time.monotonic()
        try:
            try:
                rest_get(context, token, 2.0)
            except RestError as e:
                if not e.invalid_session:
                    raise
                client.invalidate(token)
                rest_get(context, client.token(), 2.0)
            tally.record(started)
        except sfjwt.SfJwtError as e:
            tally.record(started, e.code)
        except RestError as e:
            tally.record(started, f"REST_HTTP_{e.status}")
        except OSError as e:
            tally.record(started, f"REST_{type(e).__name__}")
        time.sleep(pause)


def main() -> None:
    properties, ca_file, secs, threads, pause_ms, deadline_ms = sys.argv[1:]
    duration = float(secs)
    client = sfjwt.Client.from_properties(properties)
    context = ssl.create_default_context(cafile=ca_file)
    tally = Tally(int(deadline_ms) / 1000)
    stop = threading.Event()
    workers = [
        threading.Thread(
            target=worker, args=(client, context, tally, stop, int(pause_ms) / 1000), daemon=True
        )
        for _ in range(int(threads))
    ]
    for thread in workers:
        thread.start()
    first_at = min(duration / 2, 60.0)
    time.sleep(first_at)
    first = footprint()
    time.sleep(duration - first_at)
    last = footprint()
    stop.set()
    for thread in workers:
        thread.join()
    print(json.dumps({
        "surface": "python",
        "calls": tally.calls,
        "ok": tally.ok,
        "late": tally.late,
        "slowest_ms": round(tally.slowest * 1000),
        "errors": tally.errors,
        "first_sample_secs": round(first_at),
        "first": first,
        "last": last,
    }))


if __name__ == "__main__":
    main()
