"""The rule for every string a user chooses that other users see: message content, display
names, conversation titles (and whatever joins them: call `user_text`).

Such text is trimmed and free of HTML: tags and comments are removed, and the `<`, `>` and `&`
that remain are stored and returned as the entities `&lt;`, `&gt;` and `&amp;`. It is safe to
put into HTML element content as it is; shown as plain text, its entities are decoded once.
Its length is counted as a reader sees it: after HTML is removed, each entity one character.
"""
import re

import bleach

from app.errors import ValidationFailed
from app.schemas.text import visible_length

# bleach returns text without these characters unchanged (checked for every code point; see
# tests/services/test_content.py), so such text skips it: most messages, and most of a send's cost.
_NEEDS_BLEACH = re.compile(r"[<>&\x00-\x08\x0b-\x1f\x7f-\x9f]")


def user_text(field, value, max_length, *, required=True):
    """`value` as it is stored and shown to others (see the module docstring).

    Raises ValidationFailed(field) when it is longer than `max_length` characters as read, or
    when `required` and nothing is left once HTML is removed.
    """
    text = sanitize(value)
    if required and not text:
        raise ValidationFailed(field, "must contain text once HTML is removed")
    if visible_length(text) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters once HTML is removed")
    return text


def sanitize(text):
    """Plain text that is safe to put into HTML: tags and comments are stripped, and `<`, `>`
    and `&` that remain are escaped as entities (bleach). `<script>alert(1)</script>` becomes
    `alert(1)`; `a < b` becomes `a &lt; b`."""
    if not _NEEDS_BLEACH.search(text):
        return text.strip()
    return _bleach(text).strip()


def _bleach(text):
    return bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
