"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291)."""
import json

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from app.push import DeliveryOutcome, PushDeliveryError, PushSender

TIMEOUT_SECONDS = 10


class WebPushSender(PushSender):
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
