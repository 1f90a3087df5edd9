"""Web Push subscriptions: the browsers a user gets notifications on, and whether they show text."""
import base64
import binascii
import ipaddress
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select

from app import webpush
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import PushSubscription, User


def vapid_public_key():
    """The applicationServerKey browsers subscribe with. Raises NotFound when push is disabled."""
    if not webpush.enabled():
        raise NotFound("push notifications are not configured on this server", code="push_disabled")
    return current_app.config["VAPID_PUBLIC_KEY"]


def _b64url_bytes(field, value, length, prefix=None):
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationFailed(field, "must be base64url")
    if len(raw) != length or (prefix is not None and raw[:1] != prefix):
        raise ValidationFailed(field, f"must encode {length} bytes" + (" (an uncompressed P-256 point)" if prefix else ""))


def _is_internal_host(hostname):
    """localhost or a literal private/loopback/link-local address: the worker must not be made to POST
    into our own network. (A public name that resolves to a private address is not caught here.)"""
    if hostname == "localhost" or hostname.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return not address.is_global


def check_subscription(endpoint, p256dh, auth):
    """Raises ValidationFailed unless this looks like a browser's push subscription.

    Endpoints must be https URLs on a public host (the worker POSTs to them); plain http and local
    hosts only with PUSH_ALLOW_HTTP_ENDPOINTS, for local stand-ins of a push service.
    """
    local_allowed = current_app.config["PUSH_ALLOW_HTTP_ENDPOINTS"]
    try:
        parts = urlsplit(endpoint)
        hostname = parts.hostname
    except ValueError:  # e.g. "https://[zz/x": an IPv6 literal that is not one
        hostname = None
    if not hostname or parts.scheme not in ({"https", "http"} if local_allowed else {"https"}):
        raise ValidationFailed("endpoint", "must be an https URL of a push service")
    if not local_allowed and _is_internal_host(hostname):
        raise ValidationFailed("endpoint", "must be a public push service")
    _b64url_bytes("keys.p256dh", p256dh, 65, prefix=b"\x04")
    _b64url_bytes("keys.auth", auth, 16)


def subscribe(user_id, endpoint, p256dh, auth):
    """Store (or refresh) the user's subscription. Returns (subscription, created).

    A browser's endpoint belongs to whoever subscribed last: another user's row for the same
    endpoint (an earlier login on that browser) is removed, so they stop getting pushes there.
    """
    check_subscription(endpoint, p256dh, auth)
    db.session.execute(delete(PushSubscription).where(PushSubscription.endpoint == endpoint,
                                                      PushSubscription.user_id != user_id))
    subscription = db.session.scalar(select(PushSubscription).where(PushSubscription.user_id == user_id,
                                                                    PushSubscription.endpoint == endpoint))
    created = subscription is None
    if created:
        subscription = PushSubscription(user_id=user_id, endpoint=endpoint)
        db.session.add(subscription)
    subscription.p256dh, subscription.auth = p256dh, auth
    db.session.commit()
    return subscription, created


def unsubscribe(user_id, subscription_id):
    """Delete one of the user's own subscriptions. Raises NotFound for anyone else's."""
    deleted = db.session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id,
                                                                PushSubscription.user_id == user_id))
    if deleted.rowcount == 0:
        db.session.rollback()
        raise NotFound("push subscription not found")
    db.session.commit()


def set_previews(user_id, previews):
    """Whether the user's notifications may show the sender and the message text."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("user not found")
    user.push_previews = previews
    db.session.commit()
    return user
