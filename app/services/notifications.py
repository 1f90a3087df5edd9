"""Push notifications for users who are offline when a message arrives.

Flow: message_created -> schedule_for_new_message (API process, after commit) marks a pending
notification per offline recipient and conversation in Redis and schedules one Huey task
PUSH_COALESCE_SECONDS later; messages arriving while that mark exists ride along with it.
The task (deliver_pending) then re-checks everything against the state at send time: still
offline, something still unread that is pushed; and sends one notification per subscription.

What is pushed: messages of kind "user" (system messages are not), to recipients who have not
muted the conversation, and, even in a muted one, to those the message mentions (`_schedule` and
`_unread_pushed` say it from the message's side and from the recipient's).
"""
import logging

from flask import current_app
from sqlalchemy import func, or_, select

from app import job_queue, metrics, webpush
from app.extensions import db
from app.models import Conversation, Message, Participant, PushSubscription
from app.redis_client import get_redis, key
from app.services import presence
from app.services.conversations import mentioning, unread_by
from app.webpush import DeliveryOutcome, PushDeliveryError

log = logging.getLogger(__name__)

PREVIEW_CHARS = 200
# The pending mark outlives its window by this much, so a consumer that is down for a while does
# not leave a mark behind that would swallow every later notification.
PENDING_GRACE_SECONDS = 300


def _pending_key(user_id, conversation_id):
    return key("push", "pending", user_id, conversation_id)


def schedule_for_new_message(message):
    """Schedule a push for each offline recipient `message` is pushed to that has a subscription.

    Called after the message committed. Never raises: a message that was stored must not be
    reported as failed because its notification could not be scheduled.
    """
    try:
        _schedule(message)
    except Exception:
        log.exception("could not schedule push notifications for message %s", message.id)


def _schedule(message):
    if webpush.sender() is None or message.kind != "user":
        return
    recipients = list(db.session.scalars(
        select(Participant.user_id).where(Participant.conversation_id == message.conversation_id,
                                          Participant.user_id != message.sender_id,
                                          or_(Participant.muted.is_(False),
                                              Participant.user_id.in_(message.mentions)))))
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
            job_queue.enqueue("deliver_push", user_id, message.conversation_id, delay=window)


def _unread_pushed(participant):
    """(count, newest message) of the messages from others after the participant's read position
    that are pushed to them: in a muted conversation, those that mention them."""
    unread = select(Message).where(Message.conversation_id == participant.conversation_id,
                                   unread_by(participant.user_id, participant.last_read_seq))
    if participant.muted:
        unread = unread.where(mentioning(participant.user_id))
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
    sender = webpush.sender()
    if sender is None:
        return {"skipped": "push disabled"}
    participant = db.session.get(Participant, (conversation_id, user_id))
    if participant is None:
        return {"skipped": "not a participant"}
    if presence.statuses([user_id]).get(user_id, "offline") != "offline":
        return {"skipped": "recipient is online"}
    count, newest = _unread_pushed(participant)
    if not count:
        return {"skipped": "muted" if participant.muted else "already read"}
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
    for outcome in ("delivered", "rejected", "failed"):
        metrics.PUSH_NOTIFICATIONS.labels(outcome).inc(report[outcome])
    metrics.PUSH_SUBSCRIPTIONS_REMOVED.inc(report["removed"])
    if report["failed"] and not report["delivered"]:
        raise PushDeliveryError(f"no subscription of user {user_id} was reachable: {report}")
    return report
