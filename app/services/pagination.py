"""Opaque cursors: what a page's last row sorts by, base64url-encoded JSON."""
import base64
import json

from app.errors import ValidationFailed


def encode_cursor(*values):
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, field="cursor"):
    """The values encode_cursor() was given. Raises ValidationFailed (422) for a malformed cursor."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list):
            raise ValueError
        return values
    except ValueError:
        raise ValidationFailed(field, "not a cursor returned by this API")
