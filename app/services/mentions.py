"""Mentions: `@username` in a message's text names a participant.

A mention is `@` and a username (3-32 of A-Z a-z 0-9 _ . -, any letter case), not inside a word
(`alice@example.com` mentions nobody), of someone taking part in the conversation. Punctuation
after it may end a sentence: `@bob.` mentions bob (or a participant named `bob.`, if there is one).
"""
import re

from sqlalchemy import text

from app.extensions import db

_USERNAME_CHARS = "A-Za-z0-9_.-"
_MENTION = re.compile(rf"(?<![{_USERNAME_CHARS}@])@([{_USERNAME_CHARS}]{{3,32}})(?![{_USERNAME_CHARS}])")

# The participants named by :mention_names (lower case), as an array of user ids, sorted. A
# fragment of SQL so the send statement (services.messages) can run it without a round trip.
MENTIONED_PARTICIPANTS = """
    SELECT COALESCE(array_agg(u.id ORDER BY u.id), '{}')
    FROM users u JOIN conversation_participants p ON p.user_id = u.id AND p.conversation_id = :conversation_id
    WHERE lower(u.username) = ANY(CAST(:mention_names AS text[]))
"""


def mentioned_names(content):
    """The usernames `content` may mention, lower case (each at most once)."""
    names = {}
    for match in _MENTION.finditer(content):
        name = match.group(1).lower()
        names[name] = None
        trimmed = name.rstrip(".-")
        if len(trimmed) >= 3:
            names[trimmed] = None
    return list(names)


def mentioned_participants(conversation_id, content):
    """The ids of the participants `content` mentions, sorted."""
    names = mentioned_names(content)
    if not names:
        return []
    return db.session.execute(text(MENTIONED_PARTICIPANTS),
                           {"conversation_id": conversation_id, "mention_names": names}).scalar_one()
