# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""What the HTTP adapters share: telling an expired or revoked session from other 401s."""

from __future__ import annotations

import json


def is_invalid_session(body: bytes) -> bool:
    """Whether a 401 body is Salesforce's ``[{"errorCode": "INVALID_SESSION_ID", …}]``:
    the session expired or was revoked, and a new login will do. Other 401s (an
    OAuth error of the token endpoint, a proxy's page) are left to the caller."""
    try:
        errors = json.loads(body)
    except ValueError:
        return False
    return isinstance(errors, list) and any(
        isinstance(error, dict) and error.get("errorCode") == "INVALID_SESSION_ID" for error in errors
    )
