"""Who takes part in a group and who runs it: adding and removing participants, leaving, roles,
the title.

Admins add and remove participants, change roles and the title; anyone may leave. Direct
conversations have exactly two participants and nothing of this to change (422). Each change
locks the conversation's row (event_log.lock) and checks everything it depends on again under
the lock, so two admins acting at once see each other's changes: the group never grows past
MAX_GROUP_SIZE, and never loses its last admin. Each change is recorded as a system message and
logged; the events go out after the commit, to the participants and to anyone removed.
"""
from flask import current_app
from sqlalchemy import func, select

from app.errors import Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Message, Participant, User
from app.schemas.conversations import ParticipantSchema
from app.services import event_log, events
from app.services.content import user_text
from app.services.conversations import TITLE_MAX_LENGTH, participation

_participants = ParticipantSchema(many=True)


def _locked_group(actor_id, conversation_id):
    """Lock the conversation and return (conversation, its participants, the actor's row), all
    read under the lock; participants longest-standing first. Raises NotFound (the actor does not
    take part), ValidationFailed (a direct conversation)."""
    participation(actor_id, conversation_id)  # before the lock: nobody else's conversation is locked
    conversation = event_log.lock(conversation_id)
    participants = list(db.session.scalars(
        select(Participant).where(Participant.conversation_id == conversation_id)
        .order_by(Participant.joined_at, Participant.user_id).execution_options(populate_existing=True)))
    actor = next((p for p in participants if p.user_id == actor_id), None)
    if actor is None:
        raise NotFound("conversation not found")
    if conversation.kind == "direct":
        raise ValidationFailed("conversation_id", "a direct conversation has two participants and no roles to change")
    return conversation, participants, actor


def _require_admin(actor):
    if actor.role != "admin":
        raise Forbidden("only an admin of the group may do this")


def _committed(conversation_id, logged):
    db.session.commit()
    events.conversation_changed(conversation_id, logged)


def add_participants(actor_id, conversation_id, user_ids):
    """Add users to a group (as members), as an admin of it. Ids already taking part are ignored.
    Newcomers see the whole history; their read position starts at the newest message. Returns the
    conversation.

    Raises NotFound, ValidationFailed (direct conversation; unknown user ids, named; the group would
    pass MAX_GROUP_SIZE), Forbidden (not an admin).
    """
    conversation, participants, actor = _locked_group(actor_id, conversation_id)
    _require_admin(actor)
    wanted = list(dict.fromkeys(user_ids))
    found = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    missing = [uid for uid in wanted if uid not in found]
    if missing:
        raise ValidationFailed("user_ids", f"unknown user ids: {missing}")
    present = {p.user_id for p in participants}
    added = [uid for uid in wanted if uid not in present]
    if not added:
        db.session.commit()
        return conversation
    max_size = current_app.config["MAX_GROUP_SIZE"]
    if len(present) + len(added) > max_size:
        raise ValidationFailed("user_ids", f"a conversation has at most {max_size} participants "
                                           f"({len(present)} now)")
    newest = db.session.scalar(select(Message.id).where(Message.conversation_id == conversation_id,
                                                        Message.seq == conversation.last_seq))
    now = db.session.scalar(select(func.now()))  # the transaction's time, which joined_at would default to
    newcomers = [Participant(conversation_id=conversation_id, user=found[uid], role="member", joined_at=now,
                             joined_seq=conversation.last_seq, last_read_seq=conversation.last_seq,
                             last_read_message_id=newest, last_delivered_seq=conversation.last_seq)
                 for uid in added]
    db.session.add_all(newcomers)
    db.session.flush()
    logged = [
        event_log.record(conversation_id, "participant_added", {
            "conversation_id": conversation_id, "actor_id": actor_id, "participants": _participants.dump(newcomers)}),
        event_log.system_message(conversation_id, actor_id, {"type": "participants_added", "user_ids": added}),
    ]
    _committed(conversation_id, logged)
    return conversation


def remove_participant(actor_id, conversation_id, user_id):
    """Remove a participant from a group: an admin removes anyone, anyone removes themselves
    (leaves). When the last admin goes, the longest-standing participant left becomes admin. The
    removed user gets 404 on the conversation from then on.

    Raises NotFound (the actor, or the user, does not take part), ValidationFailed (direct
    conversation), Forbidden (a member removing someone else).
    """
    _, participants, actor = _locked_group(actor_id, conversation_id)
    if user_id != actor_id:
        _require_admin(actor)
    removed = next((p for p in participants if p.user_id == user_id), None)
    if removed is None:
        raise NotFound("participant not found")
    db.session.delete(removed)
    db.session.flush()
    logged = [
        event_log.record(conversation_id, "participant_removed", {
            "conversation_id": conversation_id, "actor_id": actor_id, "user_id": user_id}, also_to=[user_id]),
        event_log.system_message(conversation_id, actor_id, {"type": "participant_removed", "user_id": user_id}),
    ]
    remaining = [p for p in participants if p.user_id != user_id]
    if removed.role == "admin" and remaining and not any(p.role == "admin" for p in remaining):
        logged += _change_role(conversation_id, None, remaining[0], "admin")  # the longest-standing
    _committed(conversation_id, logged)


def set_role(actor_id, conversation_id, user_id, role):
    """Make a participant of a group an admin or a member, as an admin. Returns their participant row.

    Raises NotFound (the actor, or the user, does not take part), ValidationFailed (direct
    conversation; the only admin stepping down: they make someone else admin first), Forbidden.
    """
    _, participants, actor = _locked_group(actor_id, conversation_id)
    _require_admin(actor)
    target = next((p for p in participants if p.user_id == user_id), None)
    if target is None:
        raise NotFound("participant not found")
    if target.role == role:
        db.session.commit()
        return target
    if role == "member" and [p.user_id for p in participants if p.role == "admin"] == [user_id]:
        raise ValidationFailed("role", "a group keeps at least one admin: make someone else admin first")
    _committed(conversation_id, _change_role(conversation_id, actor_id, target, role))
    return target


def _change_role(conversation_id, actor_id, participant, role):
    participant.role = role
    return [
        event_log.record(conversation_id, "participant_updated", {
            "conversation_id": conversation_id, "actor_id": actor_id, "user_id": participant.user_id, "role": role}),
        event_log.system_message(conversation_id, actor_id,
                                 {"type": "role_changed", "user_id": participant.user_id, "role": role}),
    ]


def set_title(actor_id, conversation_id, title):
    """Give a group a new title (services.content's rule), or none, as an admin. Returns the conversation.

    Raises NotFound, ValidationFailed (direct conversation; the title breaks the rule), Forbidden.
    """
    if title is not None:
        title = user_text("title", title, TITLE_MAX_LENGTH)
    conversation, _, actor = _locked_group(actor_id, conversation_id)
    _require_admin(actor)
    if conversation.title == title:
        db.session.commit()
        return conversation
    conversation.title = title
    logged = [
        event_log.record(conversation_id, "conversation_updated", {
            "conversation_id": conversation_id, "actor_id": actor_id, "title": title}),
        event_log.system_message(conversation_id, actor_id, {"type": "title_changed", "title": title}),
    ]
    _committed(conversation_id, logged)
    return conversation
