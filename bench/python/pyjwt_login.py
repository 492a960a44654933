# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The reference for the cold-start rows of `make bench`: what a Python job does without
sfjwt. PyJWT and cryptography sign the assertion, urllib (the standard library) sends it,
then the same two calls as a connection test: userinfo and the API version list.

    pyjwt_login.py KEY.p12 LOGIN_URL CA_FILE
"""

from __future__ import annotations

import json
import ssl
import sys
import time
import urllib.parse
import urllib.request

import jwt
from cryptography.hazmat.primitives.serialization import pkcs12


def main() -> int:
    key_file, login_url, ca_file = sys.argv[1:4]
    with open(key_file, "rb") as f:
        key, _, _ = pkcs12.load_key_and_certificates(f.read(), b"changeit1")
    claims = {
        "iss": "3MVG9bench",
        "sub": "etl@example.com",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 180,
    }
    assertion = jwt.encode(claims, key, algorithm="RS256")
    context = ssl.create_default_context(cafile=ca_file)
    body = urllib.parse.urlencode(
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    ).encode()
    with urllib.request.urlopen(f"{login_url}/services/oauth2/token", body, context=context) as r:
        token = json.load(r)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for path in ("/services/oauth2/userinfo", "/services/data/"):
        request = urllib.request.Request(token["instance_url"] + path, headers=headers)
        with urllib.request.urlopen(request, context=context) as r:
            json.load(r)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
