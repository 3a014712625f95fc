"""Standard Webhooks signatures (https://www.standardwebhooks.com): secrets and headers.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`, signed with HMAC-SHA256
under the secret's key (the base64 after `whsec_`), and sent as `v1,<base64 signature>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_new() -> str:
    """A fresh signing secret in the Standard Webhooks format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def event_id_new() -> str:
    """A unique message id for the webhook-id header."""
    return "msg_" + secrets.token_urlsafe(18)


def signature(*, secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header's value for this message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of a signed delivery."""
    return {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(
            secret=secret, event_id=event_id, timestamp=timestamp, body=body
        ),
    }
