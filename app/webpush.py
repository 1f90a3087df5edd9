"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291): the one
channel notifications are delivered through. Push is enabled when both VAPID keys are set."""
import enum
import functools
import json
import logging

import requests
from flask import current_app
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


class DeliveryOutcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # the push service no longer knows this subscription (404/410): delete it
    REJECTED = "rejected"  # refused for good (e.g. 400, 403, 413): retrying would not help


class PushDeliveryError(Exception):
    """A failure worth retrying later (network error, 429, 5xx)."""


class WebPushSender:
    """Sends one payload (a JSON-able dict) to one subscription and says how it went."""

    def __init__(self, private_key, subject):
        # Raw base64url (what web-push tools print) or DER; parsed once, not per message.
        self.vapid = Vapid.from_string(private_key)
        self.subject = subject

    def send(self, subscription, payload, ttl):
        info = {"endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        try:
            webpush(info, data=json.dumps(payload, separators=(",", ":")), vapid_private_key=self.vapid,
                    # a fresh dict each time: pywebpush fills in "aud" and "exp" in place
                    vapid_claims={"sub": self.subject}, content_encoding="aes128gcm", ttl=ttl,
                    timeout=TIMEOUT_SECONDS)
        except WebPushException as exc:
            status = exc.status_code
            if status in (404, 410):
                return DeliveryOutcome.GONE
            if status is not None and 400 <= status < 500 and status != 429:
                return DeliveryOutcome.REJECTED
            raise PushDeliveryError(f"push service answered {status}") from exc
        except requests.RequestException as exc:
            raise PushDeliveryError(f"push service unreachable: {type(exc).__name__}") from exc
        return DeliveryOutcome.DELIVERED


def enabled():
    """Whether push notifications are on: both VAPID keys are set. The one place this is decided."""
    config = current_app.config
    return bool(config["VAPID_PRIVATE_KEY"] and config["VAPID_PUBLIC_KEY"])


def sender():
    """The current app's sender, or None when push is disabled (said once per process). Built once
    per process and key, so the key is parsed once, not per message."""
    if not enabled():
        _say_disabled()
        return None
    return _sender(current_app.config["VAPID_PRIVATE_KEY"], current_app.config["VAPID_SUBJECT"])


@functools.cache
def _sender(private_key, subject):
    return WebPushSender(private_key, subject)


@functools.cache
def _say_disabled():
    log.warning("push notifications are disabled: VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY are not set")
