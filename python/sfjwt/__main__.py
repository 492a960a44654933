# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""``python -m sfjwt [-v] test-connection --config conn.properties [--json]``.

Prints the connection report of ``sfjwt test-connection`` and exits with the
error's code (0 on success, 30 when Salesforce refused the login, ...). Settings
come from the ``.properties`` file, then from ``SFJWT_*`` environment variables
(e.g. ``SFJWT_KEYSTORE_PASSWORD``), so that passwords need not be in the file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import List, Optional

from . import _native
from ._client import ConnectionReport
from .exceptions import SfJwtError


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m sfjwt",
        description="Salesforce OAuth 2.0 JWT Bearer login for ETL jobs.",
    )
    parser.add_argument("--version", action="version", version=_native.__version__)
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more on stderr: -v logins, -vv their start, -vvv token cache hits and misses",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    test = commands.add_parser(
        "test-connection",
        help="load the key, log in and call the API; print each step",
        description="Load the key, sign an assertion, log in, call the identity and "
        "API-versions endpoints, and print each step. Exit code: 0, or the error's code.",
    )
    test.add_argument(
        "--config", metavar="FILE", required=True, help="a .properties file with the keys"
    )
    test.add_argument("--json", action="store_true", help="machine-readable JSON output")
    args = parser.parse_args(argv)
    levels = [logging.WARNING, logging.INFO, logging.DEBUG, 5]
    logging.basicConfig(
        stream=sys.stderr,
        format="sfjwt %(levelname)s: %(message)s",
        level=levels[min(args.verbose, len(levels) - 1)],
    )

    try:
        config = _native.Config(properties=args.config, env=True)
    except SfJwtError as error:
        if args.json:
            print(json.dumps({"ok": False, "error": {"code": error.code, "message": error.message}}))
        else:
            print(f"error [{error.code}]: {error.message}", file=sys.stderr)
        return error.code_value
    report = ConnectionReport._from_native(_native.test_connection(config))
    print(report.to_json() if args.json else str(report), end="" if not args.json else "\n")
    return report.error.code_value if report.error is not None else 0


if __name__ == "__main__":
    sys.exit(main())
