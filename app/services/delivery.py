"""Delivery receipts: a recipient's device acknowledges a message it received over Socket.IO."""
from sqlalchemy import func, select, update
from sqlalchemy.orm import lazyload

from app.errors import NotFound
from app.extensions import db
from app.models import Message, Participant
from app.services import events


def mark_delivered(user_id, message_id):
    """A device of the user received a message from someone else in one of the user's
    conversations: move the user's delivery position up to it (never backwards) and tell its
    sender when it moved; set the message's delivered_at (first acknowledgement wins). Returns
    the message. Repeats change nothing.

    Raises NotFound unless the message is in one of the user's conversations.
    """
    message = db.session.scalar(
        select(Message).join(Participant, (Participant.conversation_id == Message.conversation_id)
                             & (Participant.user_id == user_id))
        .where(Message.id == message_id).options(lazyload("*")))  # none of its relationships is needed
    if message is None:
        raise NotFound("message not found")
    if message.sender_id == user_id:
        db.session.commit()
        return message
    delivered_at = db.session.execute(
        update(Participant)
        .where(Participant.conversation_id == message.conversation_id, Participant.user_id == user_id,
               Participant.last_delivered_seq < message.seq)
        .values(last_delivered_seq=message.seq, last_delivered_at=func.now())
        .returning(Participant.last_delivered_at)).scalar_one_or_none()
    if message.delivered_at is None:
        db.session.execute(update(Message).where(Message.id == message_id, Message.delivered_at.is_(None))
                           .values(delivered_at=func.now()))
    db.session.commit()
    if delivered_at is not None:
        events.message_delivered(message, user_id, delivered_at)
    return message
