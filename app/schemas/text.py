"""Stored user text as readers see it (services.content stores it): its length, and its start."""
import html


def visible_length(stored):
    """How many characters a reader sees in sanitized text: `&amp;` is one."""
    return len(html.unescape(stored)) if "&" in stored else len(stored)


def excerpt(stored, max_length):
    """The start of sanitized text, at most `max_length` characters as read (an ellipsis ends a
    cut one), encoded as the text is stored: an entity is never cut in half."""
    if visible_length(stored) <= max_length:
        return stored
    return html.escape(html.unescape(stored)[:max_length - 1].rstrip(), quote=False) + "…"
