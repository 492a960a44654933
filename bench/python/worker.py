# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The Python side of `make bench` (bench/run.py), run in the bench venv.

A long-lived interpreter that answers one measurement per stdin line with one JSON
line, so that the orchestrator can interleave it with sfjwt round by round:

    sign SECS                          PyJWT RS256 assertions per second, key loaded once
    client LOGIN_URL CA_FILE KEYSTORE  creates the sfjwt client and logs in once
    token THREADS SECS                 sfjwt.Client.token() on a warm cache
    reftoken THREADS SECS              a hand-rolled cache: attribute read + monotonic check
    quit

Usage: worker.py SAME_KEY_P12 (the fixture jks-same.jks converted to PKCS#12 by keytool,
password changeit1, since cryptography does not read JKS).

worker.py --first-token LOGIN_URL CA_FILE KEYSTORE instead runs once in a fresh interpreter
and exits: two clients with token_cache=False, created one after the other, and the time of
each one's first token() (the process's first random numbers, TLS handshake and signature,
then the same in a warm process), printed as {"first_ms": x, "reference_ms": y}. Importing
sfjwt and creating a client are not timed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

BATCH = 256
APP = "3MVG9bench"
USER = "etl@example.com"
AUDIENCE = "https://login.salesforce.com"


class ReferenceCache:
    """What a Python job would write itself: a token kept with its expiry."""

    __slots__ = ("token", "fresh_until")

    def __init__(self, token: Any, ttl: float) -> None:
        self.token = token
        self.fresh_until = time.monotonic() + ttl

    def get(self) -> Any:
        if time.monotonic() < self.fresh_until:
            return self.token
        raise RuntimeError("reference token expired")


def per_call(threads: int, seconds: float, call: Callable[[], Any]) -> Dict[str, float]:
    """Core-nanoseconds per call: wall time x the cores the threads could use / calls."""
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)
    totals: List[int] = []

    def work() -> None:
        barrier.wait()
        calls = 0
        is_set = stop.is_set
        while not is_set():
            for _ in range(BATCH):
                call()
            calls += BATCH
        totals.append(calls)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter_ns()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    wall = time.perf_counter_ns() - start
    calls = sum(totals)
    cores = os.cpu_count() or 1
    return {
        "ns_per_call": wall * min(threads, cores) / calls,
        "calls": calls,
        "threads": threads,
        "calls_per_s": calls / wall * 1e9,
    }


def new_client(login_url: str, ca_file: str, keystore: str, token_cache: bool) -> Any:
    import sfjwt

    return sfjwt.Client(
        issuer=APP,
        subject=USER,
        audience=AUDIENCE,
        login_url=login_url,
        ca_file=ca_file,
        keystore_path=keystore,
        keystore_password="changeit1",
        token_cache=token_cache,
    )


def timed_first_token(login_url: str, ca_file: str, keystore: str) -> float:
    """Milliseconds of one uncached token() on a new client."""
    client = new_client(login_url, ca_file, keystore, token_cache=False)
    start = time.perf_counter()
    client.token()
    return (time.perf_counter() - start) * 1e3


def first_token(login_url: str, ca_file: str, keystore: str) -> int:
    """What a fresh interpreter pays once, against a second client in the same process."""
    import sfjwt  # noqa: F401  (loaded before anything is timed)

    first = timed_first_token(login_url, ca_file, keystore)
    reference = timed_first_token(login_url, ca_file, keystore)
    print(json.dumps({"first_ms": first, "reference_ms": reference}), flush=True)
    return 0


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--first-token":
        # Before PyJWT and cryptography are imported: this mode measures a fresh process.
        return first_token(*sys.argv[2:5])
    import jwt
    from cryptography.hazmat.primitives.serialization import pkcs12

    with open(sys.argv[1], "rb") as f:
        key, _, _ = pkcs12.load_key_and_certificates(f.read(), b"changeit1")
    client: Optional[Any] = None
    reference: Optional[ReferenceCache] = None
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        command = words[0]
        answer: Dict[str, Any]
        try:
            if command == "sign":
                seconds = float(words[1])
                start = time.perf_counter()
                deadline = start + seconds
                count = 0
                while time.perf_counter() < deadline:
                    claims = {"iss": APP, "sub": USER, "aud": AUDIENCE, "exp": int(time.time()) + 180}
                    jwt.encode(claims, key, algorithm="RS256")
                    count += 1
                answer = {"ops_per_s": count / (time.perf_counter() - start), "count": count}
            elif command == "client":
                client = new_client(words[1], words[2], words[3], token_cache=True)
                reference = ReferenceCache(client.token(), 900.0)
                answer = {"ok": True}
            elif command == "token":
                assert client is not None
                answer = per_call(int(words[1]), float(words[2]), client.token)
            elif command == "reftoken":
                assert reference is not None
                answer = per_call(int(words[1]), float(words[2]), reference.get)
            else:
                answer = {"error": f"unknown command {command}"}
        except Exception as e:  # reported to the orchestrator, which stops
            answer = {"error": repr(e)}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
