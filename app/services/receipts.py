"""“Seen by”: who has read, and who has received, a message, from the participants' positions.

Every participant has a read position and a delivery position (last_read_seq, last_delivered_seq,
and when each last moved): everything up to a position counts as read (received). So a message's
receipts are the participants, other than its sender, whose position has reached its seq: one
query over the conversation's participant rows, whatever the number of messages. Someone added to
a group starts at the position of the newest message then (services.membership), but has read or
received the messages before only once their position has moved since.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, select

from app.errors import NotFound
from app.extensions import db
from app.models import Message, Participant


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class Receipt:
    user_id: int
    at: datetime  # when their position last moved (to this message or past it)


@dataclass
class Receipts:
    read_by: list
    delivered_to: list


def message_receipts(user_id, message_id):
    """Receipts of a message in one of the user's conversations, each list in the order the
    positions moved. Raises NotFound otherwise."""
    message = db.session.execute(
        select(Message.conversation_id, Message.seq, Message.sender_id)
        .join(Participant, and_(Participant.conversation_id == Message.conversation_id,
                                Participant.user_id == user_id))
        .where(Message.id == message_id)).first()
    if message is None:
        raise NotFound("message not found")
    rows = db.session.execute(
        select(Participant.user_id, Participant.joined_seq, Participant.last_read_seq, Participant.last_read_at,
               Participant.last_delivered_at)
        .where(Participant.conversation_id == message.conversation_id,
               Participant.user_id.is_distinct_from(message.sender_id),
               Participant.last_delivered_seq >= message.seq,
               Participant.last_delivered_seq > Participant.joined_seq)).all()
    read = [Receipt(row.user_id, row.last_read_at) for row in rows
            if row.last_read_seq >= message.seq and row.last_read_seq > row.joined_seq]
    delivered = [Receipt(row.user_id, row.last_delivered_at) for row in rows]
    return Receipts(read_by=sorted(read, key=_in_order), delivered_to=sorted(delivered, key=_in_order))


def _in_order(receipt):
    # Positions moved before their times were kept (migration 0004) have none: they come first.
    return (receipt.at is not None, receipt.at or _EPOCH, receipt.user_id)
