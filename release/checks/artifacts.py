# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The files themselves: SHA256SUMS, the archives' layout, the jar's natives and bytecode."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import zipfile
from pathlib import Path

from .common import Dist

PLATFORMS = ("linux-x86_64", "linux-aarch64", "windows-x86_64")
C_LAYOUT = {
    "linux": ["include/sfjwt.h", "lib/libsfjwt.so.{v}", "lib/libsfjwt.so.0", "lib/libsfjwt.so",
              "lib/libsfjwt.a", "lib/pkgconfig/sfjwt.pc"],
    "windows": ["include/sfjwt.h", "bin/sfjwt.dll", "lib/libsfjwt.dll.a", "lib/sfjwt.lib",
                "lib/sfjwt.def", "lib/libsfjwt.a", "lib/pkgconfig/sfjwt.pc"],
}
JAR_NATIVES = ["native/linux-x86_64/libsfjwt_jni.so", "native/linux-aarch64/libsfjwt_jni.so",
               "native/windows-x86_64/sfjwt_jni.dll"]
JAVA_8 = 52


def sums(d: Dist) -> str:
    names = set()
    for line in (d.dist / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        name = name.lstrip("*")
        actual = hashlib.sha256((d.dist / name).read_bytes()).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{name}: {actual} != {digest}")
        names.add(name)
    missing = {p.name for p in d.dist.iterdir()} - names - {"SHA256SUMS"}
    if missing:
        raise RuntimeError(f"not in SHA256SUMS: {sorted(missing)}")
    return f"{len(names)} files"


def unpack(archive: Path, into: Path) -> Path:
    """Unpacks a .tar.gz or .zip into `into` and returns its single top directory."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="tar")
    tops = list(into.iterdir())
    if len(tops) != 1:
        raise RuntimeError(f"{archive.name} should hold one directory, holds {tops}")
    return tops[0]


def extract_member(archive: Path, member: str, into: Path) -> Path:
    with zipfile.ZipFile(archive) as z:
        z.extract(member, into)
    return into / member


def unpack_all(d: Dist) -> str:
    """The C and CLI archives of every platform, which must have the documented layout."""
    for platform in PLATFORMS:
        ext = "zip" if platform.startswith("windows") else "tar.gz"
        for role, stem in (("c", "sfjwt"), ("cli", "sfjwt-cli")):
            d.unpacked[f"{role}-{platform}"] = unpack(
                d.dist / f"{stem}-{d.version}-{platform}.{ext}", d.work / role / platform)
    for platform in ("linux-x86_64", "windows-x86_64"):
        c = d.unpacked[f"c-{platform}"]
        for expected in C_LAYOUT[platform.split("-")[0]]:
            if not (c / expected.format(v=d.version)).exists():
                raise RuntimeError(f"{c.name} lacks {expected.format(v=d.version)}")
    return ", ".join(sorted(p.name for p in d.unpacked.values()))


def class_major_version(jar: Path, member: str) -> int:
    with zipfile.ZipFile(jar) as z:
        data = z.read(member)
    return int.from_bytes(data[6:8], "big")


def jar_contents(d: Dist) -> str:
    jar = d.artifact("sfjwt-{v}.jar")
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
    missing = [n for n in JAR_NATIVES if n not in names]
    if missing:
        raise RuntimeError(f"the jar lacks {missing}")
    major = class_major_version(jar, "dev/sfjwt/SalesforceJwtClient.class")
    if major != JAVA_8:
        raise RuntimeError(f"class file version {major}, not {JAVA_8} (Java 8)")
    for extra in ("sources", "javadoc"):
        d.artifact(f"sfjwt-{{v}}-{extra}.jar")
    return "native/linux-x86_64, native/linux-aarch64, native/windows-x86_64; Java 8 bytecode (52)"
