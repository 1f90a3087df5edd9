"""Delivering a notification to a device, behind one small interface.

A PushSender turns (subscription, payload) into a DeliveryOutcome. WebPushSender is the standard
channel (VAPID + aes128gcm via pywebpush); an FCM or APNs sender would implement the same
`send` and be chosen in sender_for().
"""
import enum
import logging

from flask import current_app

log = logging.getLogger(__name__)


class DeliveryOutcome(enum.Enum):
    DELIVERED = "delivered"
    GONE = "gone"  # the push service no longer knows this subscription (404/410): delete it
    REJECTED = "rejected"  # refused for good (e.g. 400, 403, 413): retrying would not help


class PushDeliveryError(Exception):
    """A failure worth retrying later (network error, 429, 5xx)."""


class PushSender:
    """The interface: send one payload (a JSON-able dict) to one subscription."""

    def send(self, subscription, payload, ttl):
        raise NotImplementedError


_disabled_logged = False


def sender_for(app=None):
    """The configured sender, or None when push is disabled (logged once per process)."""
    global _disabled_logged
    config = (app or current_app).config
    if config["VAPID_PRIVATE_KEY"] and config["VAPID_PUBLIC_KEY"]:
        from app.push.webpush import WebPushSender

        return WebPushSender(config["VAPID_PRIVATE_KEY"], config["VAPID_SUBJECT"])
    if not _disabled_logged:
        _disabled_logged = True
        log.warning("push notifications are disabled: VAPID_PRIVATE_KEY / VAPID_PUBLIC_KEY are not set")
    return None
