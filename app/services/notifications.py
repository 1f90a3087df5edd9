"""Push notifications for users who are offline when a message arrives.

Flow: message_created -> schedule_for_new_message (API process, after commit) marks a pending
notification per offline, unmuted recipient and conversation in Redis and schedules one Huey
task PUSH_COALESCE_SECONDS later; messages arriving while that mark exists ride along with it.
The task (deliver_pending) then re-checks everything against the state at send time: still
offline, still unmuted, something still unread; and sends one notification per subscription.
"""
import base64
import binascii
import ipaddress
import logging
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.models import Conversation, Message, Participant, PushSubscription, User
from app.push import DeliveryOutcome, PushDeliveryError, sender_for
from app.redis_client import get_redis, key

log = logging.getLogger(__name__)

PREVIEW_CHARS = 200
# The pending mark outlives its window by this much, so a consumer that is down for a while does
# not leave a mark behind that would swallow every later notification.
PENDING_GRACE_SECONDS = 300


def vapid_public_key():
    """The applicationServerKey browsers subscribe with. Raises NotFound when push is disabled."""
    public_key = current_app.config["VAPID_PUBLIC_KEY"]
    if not public_key or not current_app.config["VAPID_PRIVATE_KEY"]:
        raise NotFound("push notifications are not configured on this server", code="push_disabled")
    return public_key


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
    parts = urlsplit(endpoint)
    local_allowed = current_app.config["PUSH_ALLOW_HTTP_ENDPOINTS"]
    if parts.scheme not in ({"https", "http"} if local_allowed else {"https"}) or not parts.hostname:
        raise ValidationFailed("endpoint", "must be an https URL of a push service")
    if not local_allowed and _is_internal_host(parts.hostname):
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


def _pending_key(user_id, conversation_id):
    return key("push", "pending", user_id, conversation_id)


def schedule_for_new_message(message):
    """Schedule a push for each offline, unmuted recipient of `message` that has a subscription.

    Called after the message committed. Never raises: a message that was stored must not be
    reported as failed because its notification could not be scheduled.
    """
    try:
        _schedule(message)
    except Exception:
        log.exception("could not schedule push notifications for message %s", message.id)


def _schedule(message):
    if sender_for() is None:
        return
    from app.services import presence
    from tasks.push import deliver_push

    recipients = list(db.session.scalars(
        select(Participant.user_id).where(Participant.conversation_id == message.conversation_id,
                                          Participant.user_id != message.sender_id,
                                          Participant.muted.is_(False))))
    if not recipients:
        return
    statuses = presence.statuses(recipients)
    offline = [user_id for user_id in recipients if statuses.get(user_id, "offline") == "offline"]
    if not offline:
        return
    subscribed = list(db.session.scalars(select(PushSubscription.user_id).distinct()
                                         .where(PushSubscription.user_id.in_(offline))))
    window = current_app.config["PUSH_COALESCE_SECONDS"]
    pipe = get_redis().pipeline()
    for user_id in subscribed:
        pipe.set(_pending_key(user_id, message.conversation_id), message.seq, nx=True, ex=window + PENDING_GRACE_SECONDS)
    for user_id, first_in_window in zip(subscribed, pipe.execute()):
        if first_in_window:
            deliver_push.schedule(args=(user_id, message.conversation_id), delay=window)


def _unread_from_others(participant):
    """(count, newest message) of messages from others after the participant's read position."""
    unread = (select(Message).where(Message.conversation_id == participant.conversation_id,
                                    Message.seq > participant.last_read_seq,
                                    Message.sender_id != participant.user_id, Message.deleted_at.is_(None)))
    count = db.session.scalar(select(func.count()).select_from(unread.subquery()))
    newest = db.session.scalar(unread.order_by(Message.seq.desc()).limit(1)) if count else None
    return count, newest


def notification_payload(user, conversation, newest, count):
    """The JSON the service worker receives. Without previews: no sender, title or text."""
    payload = {"type": "message", "conversation_id": conversation.id, "count": count,
               "tag": f"conversation-{conversation.id}"}
    if not user.push_previews:
        return {**payload, "title": "New message",
                "body": "You have a new message" if count == 1 else f"You have {count} new messages"}
    sender = newest.sender.display_name if newest.sender else "Someone"
    title = f"{sender} in {conversation.title}" if conversation.kind == "group" and conversation.title else sender
    text = newest.content or "Sent an image"
    if len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS - 1] + "…"
    if count > 1:
        text = f"{text} (+{count - 1} more)"
    return {**payload, "title": title, "body": text, "message_id": newest.id, "seq": newest.seq}


def deliver_pending(user_id, conversation_id):
    """Send the pending notification for (user, conversation), if it is still wanted.

    Returns a report dict. Raises PushDeliveryError (the task retries) when no subscription
    could be reached and at least one failure was temporary.
    """
    # From here on, new messages start a new window (and a new notification).
    get_redis().delete(_pending_key(user_id, conversation_id))
    sender = sender_for()
    if sender is None:
        return {"skipped": "push disabled"}
    participant = db.session.get(Participant, (conversation_id, user_id))
    if participant is None or participant.muted:
        return {"skipped": "muted" if participant else "not a participant"}
    from app.services import presence

    if presence.statuses([user_id]).get(user_id, "offline") != "offline":
        return {"skipped": "recipient is online"}
    count, newest = _unread_from_others(participant)
    if not count:
        return {"skipped": "already read"}
    subscriptions = list(db.session.scalars(select(PushSubscription).where(PushSubscription.user_id == user_id)
                                            .order_by(PushSubscription.id)))
    payload = notification_payload(participant.user, db.session.get(Conversation, conversation_id), newest, count)
    ttl = current_app.config["PUSH_TTL_SECONDS"]
    report = {"delivered": 0, "removed": 0, "rejected": 0, "failed": 0, "messages": count}
    for subscription in subscriptions:
        try:
            outcome = sender.send(subscription, payload, ttl)
        except PushDeliveryError as exc:
            log.warning("push to subscription %s failed: %s", subscription.id, exc)
            report["failed"] += 1
            continue
        if outcome is DeliveryOutcome.GONE:
            db.session.delete(subscription)
            report["removed"] += 1
        elif outcome is DeliveryOutcome.REJECTED:
            log.warning("push service rejected subscription %s", subscription.id)
            report["rejected"] += 1
        else:
            report["delivered"] += 1
    db.session.commit()
    if report["failed"] and not report["delivered"]:
        raise PushDeliveryError(f"no subscription of user {user_id} was reachable: {report}")
    return report
