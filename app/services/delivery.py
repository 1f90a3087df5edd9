"""Delivery receipts: a recipient's device acknowledges a message it received over Socket.IO."""
from sqlalchemy import func, select, update

from app.errors import NotFound
from app.extensions import db
from app.models import Message, Participant
from app.services import events


def mark_delivered(user_id, message_id):
    """Set delivered_at on a message from someone else in one of the user's conversations (first
    acknowledgement wins; repeats change nothing) and tell its sender. Returns the message.

    Raises NotFound unless the message is in one of the user's conversations.
    """
    message = db.session.scalar(
        select(Message).join(Participant, (Participant.conversation_id == Message.conversation_id)
                             & (Participant.user_id == user_id))
        .where(Message.id == message_id))
    if message is None:
        raise NotFound("message not found")
    if message.sender_id == user_id or message.delivered_at is not None:
        db.session.commit()
        return message
    stamped = db.session.execute(
        update(Message).where(Message.id == message_id, Message.delivered_at.is_(None))
        .values(delivered_at=func.now()).returning(Message.delivered_at)).scalar_one_or_none()
    db.session.commit()
    db.session.refresh(message)
    if stamped is not None:
        events.message_delivered(message, user_id)
    return message
