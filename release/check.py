#!/usr/bin/env python3
# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make dist-check`: proves every artifact of dist/ on this machine, as a user would get it.

- SHA256SUMS matches every file.
- The Linux natives (CLI, libsfjwt, the jar's JNI library, the wheel's module) need at most
  GLIBC_2.17 (objdump -T for x86_64, readelf for aarch64); `auditwheel show` names
  manylinux_2_17 for both Linux wheels; the Windows wheel is win_amd64 over python3.dll.
- Against `sfjwt emulator` (the dist CLI itself, on loopback): the x86_64 CLI; the x86_64 wheel
  and the sdist, each in a fresh venv (`python -m sfjwt test-connection`); the jar in a fresh JVM
  with nothing else on the class path (exit 0, and 30 for an unapproved user).
- Under Wine: `sfjwt.exe test-connection` with a drive-letter, backslashed keystore path, and
  the C example linked against sfjwt.dll.
- Under qemu-user: the aarch64 CLI and the C example linked against the aarch64 libsfjwt.so.

Prints one line per check and closes with `N passed, N failed`; exits 1 when one failed.
Standard library only; run by the dist venv's Python (release/dist.mk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tarfile
import time
import urllib.request
import venv
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
WORK = ROOT / "target" / "dist-work" / "check"
KEYSTORE = FIXTURES / "jks-same.jks"
CERTIFICATE = FIXTURES / "certs" / "jks-same.talend_certificate.crt"
PASSWORD = "changeit1"
ISSUER = "3MVG9distCheck"
USER = "etl@example.com"
UNAPPROVED = "new@example.com"
GLIBC_FLOOR = (2, 17)
AARCH64_SYSROOT = Path("/usr/aarch64-linux-gnu")
# Each run may take minutes (the sdist builds from source); none may hang.
TIMEOUT = 1800


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, step: Callable[[], str]) -> None:
        start = time.monotonic()
        try:
            detail = step()
        except Exception as e:  # a failed check is reported, and the others still run
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            return
        self.passed += 1
        print(f"ok   {name} ({time.monotonic() - start:.1f} s): {detail}", flush=True)


def run(cmd: Sequence[object], expect: int = 0, env: Optional[Dict[str, str]] = None,
        cwd: Optional[Path] = None) -> str:
    """Runs a command; its exit code must be `expect`. Returns stdout and stderr."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    output = p.stdout + p.stderr
    if p.returncode != expect:
        raise RuntimeError(f"{' '.join(str(c) for c in cmd)} exited {p.returncode}, "
                           f"expected {expect}:\n{output[-3000:]}")
    return output


def one(directory: Path, pattern: str) -> Path:
    found = sorted(directory.glob(pattern))
    if len(found) != 1:
        raise RuntimeError(f"expected one {pattern} in {directory}, found {found}")
    return found[0]


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------------- files


def verify_sums(dist: Path) -> str:
    import hashlib
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    names = set()
    for line in lines:
        digest, name = line.split(maxsplit=1)
        name = name.lstrip("*")
        actual = hashlib.sha256((dist / name).read_bytes()).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{name}: {actual} != {digest}")
        names.add(name)
    missing = {p.name for p in dist.iterdir()} - names - {"SHA256SUMS"}
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


def glibc_versions(path: Path, tool: str) -> List[tuple]:
    """The GLIBC_x.y versions the dynamic symbols of an ELF file need."""
    cmd = ["objdump", "-T", path] if tool == "objdump" else ["readelf", "--dyn-syms", "-W", path]
    text = run(cmd)
    return sorted({tuple(int(n) for n in m.groups()[:2])
                   for m in re.finditer(r"GLIBC_(\d+)\.(\d+)(?:\.(\d+))?", text)})


def floor_check(files: Dict[str, Path], tool: str) -> str:
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


def class_major_version(jar: Path, member: str) -> int:
    with zipfile.ZipFile(jar) as z:
        data = z.read(member)
    return int.from_bytes(data[6:8], "big")


# ---------------------------------------------------------------------------- emulator


class Emulator:
    """`sfjwt emulator` (the dist CLI) with one app, an approved and an unapproved user."""

    def __init__(self, cli: Path, directory: Path) -> None:
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        shutil.copy(CERTIFICATE, directory / "app.crt")
        (directory / "org.json").write_text(
            '{"apps": [{"consumer_key": "%s", "certificate_file": "app.crt"}], '
            '"users": [{"username": "%s"}, {"username": "%s", "approved": false}]}'
            % (ISSUER, USER, UNAPPROVED))
        self.directory = directory
        self.ca = directory / "ca.pem"
        port_file = directory / "port"
        self.process = subprocess.Popen(
            [str(cli), "emulator", "--config", str(directory / "org.json"), "--port", "0",
             "--port-file", str(port_file), "--ca-out", str(self.ca)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not port_file.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.05)
        self.url = f"https://127.0.0.1:{port_file.read_text().strip()}"

    def properties(self, name: str, subject: str = USER, path: Callable[[Path], str] = str,
                   escape: bool = False) -> Path:
        """A conn.properties as an ETL job keeps it; `path` renders file names (Windows
        drive letters under Wine), `escape` doubles backslashes as Java's format wants."""
        def value(p: Path) -> str:
            text = path(p)
            return text.replace("\\", "\\\\") if escape else text
        file = self.directory / name
        file.write_text("\n".join([
            f"issuer={ISSUER}",
            f"subject={subject}",
            f"login_url={self.url}",
            f"ca_file={value(self.ca)}",
            f"keystore_path={value(KEYSTORE)}",
            f"keystore_password={PASSWORD}",
            "retries=0",
            "",
        ]))
        return file

    def logins(self) -> int:
        """The tokens issued so far (the emulator's stats endpoint, with this run's admin secret)."""
        context = ssl.create_default_context(cafile=str(self.ca))
        secret = (self.directory / "port.admin").read_text().strip()
        request = urllib.request.Request(f"{self.url}/__emulator/stats",
                                         headers={"X-Sfjwt-Emulator-Admin": secret})
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return int(json.load(response)["logins"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def fresh_venv(directory: Path) -> Path:
    """A new venv with nothing installed; its Python."""
    shutil.rmtree(directory, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(directory)
    return directory / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def windows_path(path: Path) -> str:
    """What a Windows program under Wine sees: the Z: drive maps to /."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


# ---------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, required=True)
    parser.add_argument("--version", required=True)
    args = parser.parse_args()
    dist: Path = args.dist.resolve()
    v: str = args.version
    WORK.mkdir(parents=True, exist_ok=True)
    checks = Checks()

    checks.check("SHA256SUMS", lambda: verify_sums(dist))

    unpacked: Dict[str, Path] = {}

    def unpack_all() -> str:
        for platform in ("linux-x86_64", "linux-aarch64"):
            unpacked[f"c-{platform}"] = unpack(dist / f"sfjwt-{v}-{platform}.tar.gz",
                                               WORK / "c" / platform)
            unpacked[f"cli-{platform}"] = unpack(dist / f"sfjwt-cli-{v}-{platform}.tar.gz",
                                                 WORK / "cli" / platform)
        unpacked["c-windows-x86_64"] = unpack(dist / f"sfjwt-{v}-windows-x86_64.zip",
                                              WORK / "c" / "windows-x86_64")
        unpacked["cli-windows-x86_64"] = unpack(dist / f"sfjwt-cli-{v}-windows-x86_64.zip",
                                                WORK / "cli" / "windows-x86_64")
        c = unpacked["c-linux-x86_64"]
        for expected in ["include/sfjwt.h", f"lib/libsfjwt.so.{v}", "lib/libsfjwt.so.0",
                         "lib/libsfjwt.so", "lib/libsfjwt.a", "lib/pkgconfig/sfjwt.pc"]:
            if not (c / expected).exists():
                raise RuntimeError(f"{c.name} lacks {expected}")
        w = unpacked["c-windows-x86_64"]
        for expected in ["include/sfjwt.h", "bin/sfjwt.dll", "lib/libsfjwt.dll.a", "lib/sfjwt.lib",
                         "lib/sfjwt.def", "lib/libsfjwt.a", "lib/pkgconfig/sfjwt.pc"]:
            if not (w / expected).exists():
                raise RuntimeError(f"{w.name} lacks {expected}")
        return ", ".join(sorted(p.name for p in unpacked.values()))

    checks.check("archives unpack with the documented layout", unpack_all)
    if "cli-linux-x86_64" not in unpacked:
        print(f"{checks.passed} passed, {checks.failed} failed")
        return 1

    jar = dist / f"sfjwt-{v}.jar"
    wheel_x86 = one(dist, f"sfjwt-{v}-cp39-abi3-*manylinux*x86_64.whl")
    wheel_arm = one(dist, f"sfjwt-{v}-cp39-abi3-*manylinux*aarch64.whl")
    wheel_win = one(dist, f"sfjwt-{v}-cp39-abi3-win_amd64.whl")
    natives = WORK / "natives"
    shutil.rmtree(natives, ignore_errors=True)

    def jar_contents() -> str:
        with zipfile.ZipFile(jar) as z:
            names = set(z.namelist())
        wanted = ["native/linux-x86_64/libsfjwt_jni.so", "native/linux-aarch64/libsfjwt_jni.so",
                  "native/windows-x86_64/sfjwt_jni.dll"]
        missing = [w for w in wanted if w not in names]
        if missing:
            raise RuntimeError(f"the jar lacks {missing}")
        major = class_major_version(jar, "dev/sfjwt/SalesforceJwtClient.class")
        if major != 52:
            raise RuntimeError(f"class file version {major}, not 52 (Java 8)")
        for extra in ("sources", "javadoc"):
            if not (dist / f"sfjwt-{v}-{extra}.jar").exists():
                raise RuntimeError(f"no sfjwt-{v}-{extra}.jar")
        return "native/linux-x86_64, native/linux-aarch64, native/windows-x86_64; Java 8 bytecode (52)"

    checks.check("jar carries every platform's library", jar_contents)

    def floor(platform: str, wheel: Path, tool: str) -> Callable[[], str]:
        """Every native of one Linux platform: the CLI, libsfjwt, the jar's and the wheel's."""
        return lambda: floor_check({
            "sfjwt": unpacked[f"cli-{platform}"] / "sfjwt",
            "libsfjwt.so": unpacked[f"c-{platform}"] / f"lib/libsfjwt.so.{v}",
            "libsfjwt_jni.so (jar)": extract_member(jar, f"native/{platform}/libsfjwt_jni.so",
                                                    natives / "jar"),
            "_native.abi3.so (wheel)": extract_member(wheel, "sfjwt/_native.abi3.so",
                                                      natives / f"wheel-{platform}"),
        }, tool)

    # objdump knows this machine's architecture; readelf reads any ELF file.
    checks.check("linux-x86_64 natives need at most GLIBC_2.17 (objdump -T)",
                 floor("linux-x86_64", wheel_x86, "objdump"))
    checks.check("linux-aarch64 natives need at most GLIBC_2.17 (readelf)",
                 floor("linux-aarch64", wheel_arm, "readelf"))

    def auditwheel(wheel: Path, tag: str) -> Callable[[], str]:
        def step() -> str:
            text = run([Path(sys.executable).parent / "auditwheel", "show", wheel])
            if tag not in text:
                raise RuntimeError(f"auditwheel does not name {tag}:\n{text}")
            return " ".join(text.split())[:160]
        return step

    checks.check(f"auditwheel show {wheel_x86.name}", auditwheel(wheel_x86, "manylinux_2_17_x86_64"))
    checks.check(f"auditwheel show {wheel_arm.name}", auditwheel(wheel_arm, "manylinux_2_17_aarch64"))

    def windows_wheel() -> str:
        module = extract_member(wheel_win, "sfjwt/_native.pyd", natives / "wheel-windows")
        imports = run(["x86_64-w64-mingw32-objdump", "-p", module])
        if "DLL Name: python3.dll" not in imports:
            raise RuntimeError("_native.pyd does not import python3.dll (not abi3)")
        return "sfjwt/_native.pyd imports python3.dll (abi3)"

    checks.check(f"{wheel_win.name} is an abi3 module", windows_wheel)

    cli = unpacked["cli-linux-x86_64"] / "sfjwt"
    emulator = Emulator(cli, WORK / "emulator")
    try:
        conn = emulator.properties("conn.properties")
        unapproved = emulator.properties("unapproved.properties", subject=UNAPPROVED)

        checks.check("linux-x86_64 CLI: sfjwt test-connection",
                     lambda: last_line(run([cli, "test-connection", "--config", conn])))

        def c_with_pkg_config() -> str:
            """The C example built as the README says, from the unpacked tarball's
            relocatable sfjwt.pc: shared (with an rpath) and static."""
            c = unpacked["c-linux-x86_64"]
            env = dict(os.environ, PKG_CONFIG_PATH=str(c / "lib" / "pkgconfig"))
            flags = run(["pkg-config", "--cflags", "--libs", "sfjwt"], env=env).split()
            static = run(["pkg-config", "--static", "--cflags", "--libs", "sfjwt"], env=env).split()
            example = ROOT / "bindings/c/examples/test_connection.c"
            shared_exe, static_exe = WORK / "test_connection-shared", WORK / "test_connection-static"
            run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", example, *flags,
                 f"-Wl,-rpath,{c / 'lib'}", "-o", shared_exe])
            run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", example, "-static-libgcc",
                 *[f if f != "-lsfjwt" else str(c / "lib" / "libsfjwt.a") for f in static],
                 "-o", static_exe])
            if "libsfjwt.so.0" not in run(["readelf", "-d", shared_exe]):
                raise RuntimeError("the shared build does not need libsfjwt.so.0")
            shared, linked = last_line(run([shared_exe, conn])), last_line(run([static_exe, conn]))
            return f"pkg-config {' '.join(flags)}: shared {shared}; static {linked}"

        checks.check("linux-x86_64 C tarball: the example built with pkg-config", c_with_pkg_config)

        def wheel_venv() -> str:
            python = fresh_venv(WORK / "venv-wheel")
            run([python, "-m", "pip", "install", "--quiet", "--no-index", wheel_x86])
            out = run([python, "-m", "sfjwt", "test-connection", "--config", conn], cwd=WORK)
            return f"{wheel_x86.name} in a fresh venv: {last_line(out)}"

        checks.check("wheel: python -m sfjwt test-connection", wheel_venv)

        def sdist_venv() -> str:
            sdist = dist / f"sfjwt-{v}.tar.gz"
            python = fresh_venv(WORK / "venv-sdist")
            # A target directory of its own, kept between runs: the first build starts from
            # nothing, as a user's pip does.
            target = ROOT / "target" / "dist-work" / "sdist-target"
            env = dict(os.environ, CARGO_TARGET_DIR=str(target))
            run([python, "-m", "pip", "install", "--quiet", "--no-binary", "sfjwt", sdist], env=env)
            out = run([python, "-m", "sfjwt", "test-connection", "--config", conn], cwd=WORK)
            return f"built from {sdist.name} in a fresh venv: {last_line(out)}"

        checks.check("sdist: pip install builds it, then test-connection", sdist_venv)

        def jar_runs() -> str:
            java = shutil.which("java") or "java"
            out = run([java, "-jar", jar, "test-connection", conn], cwd=WORK)
            refused = run([java, "-jar", jar, "test-connection", unapproved], expect=30, cwd=WORK)
            if "hasn't approved this consumer" not in refused:
                raise RuntimeError(refused)
            return f"{last_line(out)}; unapproved user: exit 30"

        checks.check("jar in a fresh JVM: java -jar test-connection", jar_runs)

        wine(checks, emulator, unpacked)
        qemu(checks, emulator, unpacked, conn)
    finally:
        emulator.stop()

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


def wine(checks: Checks, emulator: Emulator, unpacked: Dict[str, Path]) -> None:
    """sfjwt.exe and the C example against sfjwt.dll, in a throwaway Wine prefix."""
    directory = WORK / "wine"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    env = dict(os.environ, WINEPREFIX=str(WORK / "wineprefix"), WINEDEBUG="-all",
               WINEDLLOVERRIDES="mscoree,mshtml=")
    c = unpacked["c-windows-x86_64"]
    conn = emulator.properties("conn-windows.properties", path=windows_path, escape=True)

    def prepare() -> str:
        run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", directory / "bcryptprimitives.dll",
             ROOT / "release/wine/bcryptprimitives.c", ROOT / "release/wine/bcryptprimitives.def"])
        for program in (unpacked["cli-windows-x86_64"] / "sfjwt.exe", c / "bin" / "sfjwt.dll"):
            shutil.copy(program, directory)
        run(["wine", "cmd", "/c", "ver"], env=env)  # creates the prefix
        wine_version = run(["wine", "--version"]).splitlines()[0]  # then a note on wine32
        return f"{wine_version}, the stand-in bcryptprimitives.dll beside the programs"

    def exe_flags() -> str:
        keystore = windows_path(KEYSTORE)
        out = run(["wine", directory / "sfjwt.exe", "test-connection", "--login-url", emulator.url,
                   "--ca-file", windows_path(emulator.ca), "--keystore-path", keystore,
                   "--issuer", ISSUER, "--subject", USER, "--retries", "0"],
                  env=dict(env, SFJWT_KEYSTORE_PASSWORD=PASSWORD))
        return f"--keystore-path {keystore}: {last_line(out)}"

    def exe_properties() -> str:
        out = run(["wine", directory / "sfjwt.exe", "test-connection", "--config",
                   windows_path(conn)], env=env)
        return f"keystore_path in a .properties file with backslashes: {last_line(out)}"

    def exe_shared_cache() -> str:
        # Windows file locking (LockFileEx) and replacing a file others read: 4 processes
        # started together on a cold token_cache_dir log in once.
        command = ["wine", directory / "sfjwt.exe", "token", "--json", "--config",
                   windows_path(conn), "--token-cache-dir", windows_path(directory / "tokens")]
        before = emulator.logins()
        processes = [subprocess.Popen([str(c) for c in command], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE) for _ in range(4)]
        tokens = set()
        for process in processes:
            out, err = process.communicate(timeout=TIMEOUT)
            if process.returncode != 0:
                raise RuntimeError(f"sfjwt.exe token exited {process.returncode}: {err.decode()}")
            tokens.add(json.loads(out)["access_token"])
        logins = emulator.logins() - before
        if logins != 1 or len(tokens) != 1:
            raise RuntimeError(f"4 processes: {logins} logins, {len(tokens)} tokens")
        return f"4 sfjwt.exe token processes sharing --token-cache-dir: {logins} login, 1 token"

    def c_example() -> str:
        exe = directory / "test_connection.exe"
        run(["x86_64-w64-mingw32-gcc", "-std=c99", "-Wall", "-Wextra", "-Werror",
             "-I", c / "include", ROOT / "bindings/c/examples/test_connection.c",
             "-L", c / "lib", "-lsfjwt", "-o", exe])
        imports = run(["x86_64-w64-mingw32-objdump", "-p", exe])
        if "DLL Name: sfjwt.dll" not in imports:
            raise RuntimeError("test_connection.exe does not import sfjwt.dll")
        out = run(["wine", exe, windows_path(conn)], env=env)
        return f"linked against sfjwt.dll (libsfjwt.dll.a): {last_line(out)}"

    checks.check("Wine: a fresh prefix", prepare)
    checks.check("Wine: sfjwt.exe test-connection, drive-letter keystore path", exe_flags)
    checks.check("Wine: sfjwt.exe test-connection --config (escaped backslashes)", exe_properties)
    checks.check("Wine: sfjwt.exe processes sharing a token_cache_dir", exe_shared_cache)
    checks.check("Wine: the C example linked against sfjwt.dll", c_example)


def qemu(checks: Checks, emulator: Emulator, unpacked: Dict[str, Path], conn: Path) -> None:
    """The aarch64 CLI and the C example against the aarch64 libsfjwt.so, under qemu-user."""
    sysroot = ["-L", AARCH64_SYSROOT]

    def cli() -> str:
        out = run(["qemu-aarch64", *sysroot, unpacked["cli-linux-aarch64"] / "sfjwt",
                   "test-connection", "--config", conn])
        return last_line(out)

    def c_example() -> str:
        c = unpacked["c-linux-aarch64"]
        exe = WORK / "test_connection-aarch64"
        run([sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-linux-gnu.2.17",
             "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", c / "include",
             ROOT / "bindings/c/examples/test_connection.c", "-L", c / "lib", "-lsfjwt",
             "-o", exe])
        out = run(["qemu-aarch64", *sysroot, "-E", f"LD_LIBRARY_PATH={c / 'lib'}", exe, conn])
        return f"linked against libsfjwt.so.0: {last_line(out)}"

    checks.check("qemu-aarch64: sfjwt test-connection", cli)
    checks.check("qemu-aarch64: the C example linked against libsfjwt.so", c_example)


if __name__ == "__main__":
    sys.exit(main())
