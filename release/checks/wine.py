# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The Windows artifacts under Wine, in a throwaway prefix: sfjwt.exe and the C example
against sfjwt.dll."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from .common import (KEYSTORE, ISSUER, PASSWORD, ROOT, TIMEOUT, USER, Dist, conn_properties,
                     last_line, run, windows_path)


def prepare(d: Dist) -> str:
    """A fresh prefix, the stand-in bcryptprimitives.dll beside the programs, and a
    conn.properties with Windows paths (backslashes doubled, as Java's format wants)."""
    directory = d.work / "wine"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    d.wine_env = dict(os.environ, WINEPREFIX=str(d.work / "wineprefix"), WINEDEBUG="-all",
                      WINEDLLOVERRIDES="mscoree,mshtml=")
    d.conn["windows"] = conn_properties(d.running(), d.work / "conn-windows.properties",
                                        path=windows_path, escape=True)
    run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", directory / "bcryptprimitives.dll",
         ROOT / "release/wine/bcryptprimitives.c", ROOT / "release/wine/bcryptprimitives.def"])
    for program in (d.unpacked["cli-windows-x86_64"] / "sfjwt.exe",
                    d.unpacked["c-windows-x86_64"] / "bin" / "sfjwt.dll"):
        shutil.copy(program, directory)
    run(["wine", "cmd", "/c", "ver"], env=d.wine_env)  # creates the prefix
    wine_version = run(["wine", "--version"]).splitlines()[0]  # then a note on wine32
    return f"{wine_version}, the stand-in bcryptprimitives.dll beside the programs"


def exe_flags(d: Dist) -> str:
    emulator = d.running()
    keystore = windows_path(KEYSTORE)
    out = run(["wine", d.work / "wine" / "sfjwt.exe", "test-connection",
               "--login-url", emulator.base_url, "--ca-file", windows_path(emulator.ca_file),
               "--keystore-path", keystore, "--issuer", ISSUER, "--subject", USER,
               "--retries", "0"],
              env=dict(d.wine_env, SFJWT_KEYSTORE_PASSWORD=PASSWORD))
    return f"--keystore-path {keystore}: {last_line(out)}"


def exe_properties(d: Dist) -> str:
    out = run(["wine", d.work / "wine" / "sfjwt.exe", "test-connection", "--config",
               windows_path(d.conn["windows"])], env=d.wine_env)
    return f"keystore_path in a .properties file with backslashes: {last_line(out)}"


def exe_shared_cache(d: Dist) -> str:
    """Windows file locking (LockFileEx) and replacing a file others read: 4 processes
    started together on a cold token_cache_dir log in once."""
    emulator = d.running()
    directory = d.work / "wine"
    command = ["wine", directory / "sfjwt.exe", "token", "--json", "--config",
               windows_path(d.conn["windows"]), "--token-cache-dir",
               windows_path(directory / "tokens")]
    before = emulator.logins()
    processes = [subprocess.Popen([str(c) for c in command], env=d.wine_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
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


def c_example(d: Dist) -> str:
    c = d.unpacked["c-windows-x86_64"]
    exe = d.work / "wine" / "test_connection.exe"
    run(["x86_64-w64-mingw32-gcc", "-std=c99", "-Wall", "-Wextra", "-Werror",
         "-I", c / "include", ROOT / "bindings/c/examples/test_connection.c",
         "-L", c / "lib", "-lsfjwt", "-o", exe])
    imports = run(["x86_64-w64-mingw32-objdump", "-p", exe])
    if "DLL Name: sfjwt.dll" not in imports:
        raise RuntimeError("test_connection.exe does not import sfjwt.dll")
    out = run(["wine", exe, windows_path(d.conn["windows"])], env=d.wine_env)
    return f"linked against sfjwt.dll (libsfjwt.dll.a): {last_line(out)}"
