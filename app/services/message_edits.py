"""Editing a message's text, and the versions it had before."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from app.errors import Conflict, Forbidden, ValidationFailed
from app.extensions import db
from app.models import MessageVersion
from app.services import content as content_rules
from app.services import event_log, events, mentions
from app.services.messages import message_for


def _check_editable(user_id, message):
    """Raises Forbidden (not the sender, a system message, past MESSAGE_EDIT_WINDOW_SECONDS) or
    Conflict (deleted) unless the user may edit the message now."""
    if message.kind == "system":
        raise Forbidden("system messages cannot be edited")
    if message.sender_id != user_id:
        raise Forbidden("only the sender may edit a message")
    if message.deleted_at is not None:
        raise Conflict("the message is deleted")
    window = current_app.config["MESSAGE_EDIT_WINDOW_SECONDS"]
    if window and datetime.now(timezone.utc) - message.created_at > timedelta(seconds=window):
        raise Forbidden(f"messages can be edited for {window} seconds after they are sent")


def edit_message(user_id, message_id, content):
    """Replace the text of the user's message (the rules of sending apply: services.content, and
    text may be empty only when the message has images), keeping the text it replaces as a
    version. Mentions are found again. Editing to the same text changes nothing. Returns the message.

    Raises NotFound (not in one of the user's conversations), ValidationFailed (content), and
    what _check_editable raises.
    """
    message = message_for(user_id, message_id)
    _check_editable(user_id, message)
    text = content_rules.user_text("content", content, current_app.config["MESSAGE_MAX_LENGTH"],
                                   required=not message.images)
    event_log.lock(message.conversation_id)
    message = message_for(user_id, message_id, fresh=True)  # under the lock: it may have changed meanwhile
    _check_editable(user_id, message)
    if text == message.content:
        db.session.commit()
        return message
    db.session.add(MessageVersion(message_id=message.id, content=message.content,
                                  written_at=message.edited_at or message.created_at))
    message.content = text
    message.edited_at = func.now()
    message.mentions = mentions.mentioned_participants(message.conversation_id, text)
    logged = event_log.record(message.conversation_id, "message_edited", message=message)
    db.session.commit()
    events.conversation_changed(message.conversation_id, [logged])
    return message


@dataclass
class Version:
    content: str
    written_at: datetime


def message_history(user_id, message_id):
    """The texts a message has had, oldest first, the current one last, each with when it was
    written. A deleted message (whose versions went with it) and a system message have none.

    Raises NotFound unless the message is in one of the user's conversations.
    """
    message = message_for(user_id, message_id)
    if message.deleted_at is not None or message.kind == "system":
        return []
    earlier = db.session.scalars(select(MessageVersion).where(MessageVersion.message_id == message_id)
                                 .order_by(MessageVersion.id))
    return [*(Version(v.content, v.written_at) for v in earlier),
            Version(message.content, message.edited_at or message.created_at)]
