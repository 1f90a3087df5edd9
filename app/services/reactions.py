"""Reactions: participants mark a message with an emoji, at most MAX_EMOJI different ones per message.

An emoji is one emoji of Unicode's list (the `emoji` package's data): a single code point or a
sequence (skin tones, ZWJ families, flags, keycaps). Forms without the emoji variation selector
(`❤` for `❤️`) are stored in their fully-qualified form, so each emoji has one spelling.
"""
import emoji as emoji_data
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import MessageReaction
from app.services import event_log, events
from app.services.messages import message_for

MAX_EMOJI = 20
_FULLY_QUALIFIED = {data["en"]: text for text, data in emoji_data.EMOJI_DATA.items()
                    if data["status"] == emoji_data.STATUS["fully_qualified"]}


def reaction_emoji(text):
    """`text` as a reaction: one emoji, fully qualified. Raises ValidationFailed("emoji") otherwise."""
    data = emoji_data.EMOJI_DATA.get(text)
    if data is None or data["status"] == emoji_data.STATUS["component"]:
        raise ValidationFailed("emoji", "must be one emoji (a Unicode emoji sequence, URL-encoded)")
    return _FULLY_QUALIFIED[data["en"]]


def add_reaction(user_id, message_id, emoji):
    """React to a message with an emoji (idempotent). Returns the message.

    Raises NotFound (not in one of the user's conversations), ValidationFailed (not one emoji;
    a MAX_EMOJI + 1st different emoji), Conflict (the message is deleted).
    """
    return _react(user_id, message_id, reaction_emoji(emoji), present=True)


def remove_reaction(user_id, message_id, emoji):
    """Take back a reaction (idempotent). Returns the message. Raises as add_reaction."""
    return _react(user_id, message_id, reaction_emoji(emoji), present=False)


def _has_reacted(user_id, message_id, emoji):
    return db.session.scalar(select(func.count()).where(
        MessageReaction.message_id == message_id, MessageReaction.emoji == emoji,
        MessageReaction.user_id == user_id)) > 0


def _react(user_id, message_id, emoji, present):
    message = message_for(user_id, message_id)
    if message.deleted_at is not None:
        raise Conflict("the message is deleted")
    if _has_reacted(user_id, message_id, emoji) == present:  # nothing to do: no lock taken
        db.session.commit()
        return message
    event_log.lock(message.conversation_id)
    # Under the lock, again: the message may have been deleted, the user removed, the reaction made.
    message = message_for(user_id, message_id, fresh=True)
    if message.deleted_at is not None:
        raise Conflict("the message is deleted")
    if present:
        emoji_now = set(db.session.scalars(select(MessageReaction.emoji).distinct()
                                           .where(MessageReaction.message_id == message_id)))
        if emoji not in emoji_now and len(emoji_now) >= MAX_EMOJI:
            raise ValidationFailed("emoji", f"a message has at most {MAX_EMOJI} different emoji")
        changed = db.session.execute(
            insert(MessageReaction).values(message_id=message_id, emoji=emoji, user_id=user_id)
            .on_conflict_do_nothing().returning(MessageReaction.user_id)).first()
    else:
        changed = db.session.execute(
            delete(MessageReaction).where(MessageReaction.message_id == message_id, MessageReaction.emoji == emoji,
                                          MessageReaction.user_id == user_id)
            .returning(MessageReaction.user_id)).first()
    if changed is None:
        db.session.commit()
        return message
    logged = event_log.record(message.conversation_id, "reaction_added" if present else "reaction_removed", {
        "conversation_id": message.conversation_id, "message_id": message_id, "emoji": emoji, "user_id": user_id})
    db.session.commit()
    events.conversation_changed(message.conversation_id, [logged])
    return message
