# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The native code in every artifact: the glibc floor of the Linux natives, the wheels' tags."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable, Dict, List, Tuple

from .artifacts import extract_member
from .common import Dist, run

GLIBC_FLOOR = (2, 17)
WHEELS = {
    "x86_64": "sfjwt-{v}-cp39-abi3-*manylinux*x86_64.whl",
    "aarch64": "sfjwt-{v}-cp39-abi3-*manylinux*aarch64.whl",
    "windows": "sfjwt-{v}-cp39-abi3-win_amd64.whl",
}


def glibc_versions(path: Path, tool: str) -> List[Tuple[int, ...]]:
    """The GLIBC_x.y versions the dynamic symbols of an ELF file need."""
    cmd = ["objdump", "-T", path] if tool == "objdump" else ["readelf", "--dyn-syms", "-W", path]
    text = run(cmd)
    return sorted({tuple(int(n) for n in m.groups()[:2])
                   for m in re.finditer(r"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?", text)})


def glibc_floor(platform: str, tool: str) -> Callable[[Dist], str]:
    """Every native of one Linux platform, the CLI, libsfjwt, the jar's and the wheel's, needs
    at most GLIBC_2.17. objdump knows this machine's architecture; readelf reads any ELF file."""
    def step(d: Dist) -> str:
        natives = d.work / "natives"
        jar = d.artifact("sfjwt-{v}.jar")
        wheel = d.artifact(WHEELS[platform.split("-")[1]])
        files: Dict[str, Path] = {
            "sfjwt": d.unpacked[f"cli-{platform}"] / "sfjwt",
            "libsfjwt.so": d.unpacked[f"c-{platform}"] / f"lib/libsfjwt.so.{d.version}",
            "libsfjwt_jni.so (jar)": extract_member(jar, f"native/{platform}/libsfjwt_jni.so",
                                                    natives / "jar"),
            "_native.abi3.so (wheel)": extract_member(wheel, "sfjwt/_native.abi3.so",
                                                      natives / f"wheel-{platform}"),
        }
        shown = []
        for label, path in files.items():
            versions = glibc_versions(path, tool)
            if not versions:
                raise RuntimeError(f"{label}: no GLIBC symbol versions found ({tool})")
            newest = versions[-1]
            if newest > GLIBC_FLOOR:
                raise RuntimeError(f"{label} needs GLIBC_{newest[0]}.{newest[1]}")
            shown.append(f"{label} GLIBC_{newest[0]}.{newest[1]}")
        return ", ".join(shown)
    return step


def auditwheel(arch: str) -> Callable[[Dist], str]:
    """`auditwheel show` names the manylinux_2_17 tag of the wheel for `arch`."""
    def step(d: Dist) -> str:
        wheel = d.artifact(WHEELS[arch])
        tag = f"manylinux_2_17_{arch}"
        text = run([Path(sys.executable).parent / "auditwheel", "show", wheel])
        if tag not in text:
            raise RuntimeError(f"auditwheel does not name {tag}:\n{text}")
        return " ".join(text.split())[:160]
    return step


def windows_wheel(d: Dist) -> str:
    wheel = d.artifact(WHEELS["windows"])
    module = extract_member(wheel, "sfjwt/_native.pyd", d.work / "natives" / "wheel-windows")
    imports = run(["x86_64-w64-mingw32-objdump", "-p", module])
    if "DLL Name: python3.dll" not in imports:
        raise RuntimeError("_native.pyd does not import python3.dll (not abi3)")
    return f"{wheel.name}: sfjwt/_native.pyd imports python3.dll (abi3)"
