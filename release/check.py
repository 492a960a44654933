#!/usr/bin/env python3
# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make dist-check`: proves every artifact of dist/ on this machine, as a user would get it.

The checks, in the order they run, are the table CHECKS below; each is a function in
release/checks/ (artifacts, natives, runs, wine, qemu) that returns what it saw or raises.
Prints one line per check and closes with `N passed, N failed`; exits 1 when one failed.
A failed required check (the archives, the emulator) ends the run, since the rest need it.
Standard library only; run by the dist venv's Python (release/dist.mk).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from checks import artifacts, natives, qemu, runs, wine
from checks.common import ROOT, Check, Dist, run_checks

WORK = ROOT / "target" / "dist-work" / "check"

CHECKS = [
    Check("SHA256SUMS", artifacts.sums),
    Check("archives unpack with the documented layout", artifacts.unpack_all, required=True),
    Check("jar carries every platform's library", artifacts.jar_contents),
    Check("linux-x86_64 natives need at most GLIBC_2.17 (objdump -T)",
          natives.glibc_floor("linux-x86_64", "objdump")),
    Check("linux-aarch64 natives need at most GLIBC_2.17 (readelf)",
          natives.glibc_floor("linux-aarch64", "readelf")),
    Check("auditwheel show: the x86_64 wheel", natives.auditwheel("x86_64")),
    Check("auditwheel show: the aarch64 wheel", natives.auditwheel("aarch64")),
    Check("the win_amd64 wheel is an abi3 module", natives.windows_wheel),
    # Everything below runs against the emulator the dist CLI serves.
    Check("linux-x86_64 CLI: sfjwt emulator", runs.emulator, required=True),
    Check("linux-x86_64 CLI: sfjwt test-connection", runs.cli),
    Check("linux-x86_64 C tarball: the example built with pkg-config", runs.c_with_pkg_config),
    Check("wheel: python -m sfjwt test-connection", runs.wheel),
    Check("sdist: pip install builds it, then test-connection", runs.sdist),
    Check("jar in a fresh JVM: java -jar test-connection", runs.jar),
    Check("Wine: a fresh prefix", wine.prepare),
    Check("Wine: sfjwt.exe test-connection, drive-letter keystore path", wine.exe_flags),
    Check("Wine: sfjwt.exe test-connection --config (escaped backslashes)", wine.exe_properties),
    Check("Wine: sfjwt.exe processes sharing a token_cache_dir", wine.exe_shared_cache),
    Check("Wine: the C example linked against sfjwt.dll", wine.c_example),
    Check("qemu-aarch64: sfjwt test-connection", qemu.cli),
    Check("qemu-aarch64: the C example linked against libsfjwt.so", qemu.c_example),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--version", required=True)
    args = parser.parse_args()
    shutil.rmtree(WORK / "natives", ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    dist = Dist(dist=args.dist.resolve(), version=args.version, work=WORK)
    try:
        return run_checks(CHECKS, dist)
    finally:
        if dist.emulator is not None:
            dist.emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
