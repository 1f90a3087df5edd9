"""Message text rules: trimmed, bounded, and free of HTML."""
import re

import bleach

# bleach returns text without these characters unchanged (checked for every code point; see
# tests/services/test_content.py), so such text skips it: most messages, and most of a send's cost.
_NEEDS_BLEACH = re.compile(r"[<>&\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text):
    """Plain text that is safe to put into HTML: tags and comments are stripped, and `<`, `>`
    and `&` that remain are escaped as entities (bleach). `<script>alert(1)</script>` becomes
    `alert(1)`; `a < b` becomes `a &lt; b`."""
    if not _NEEDS_BLEACH.search(text):
        return text.strip()
    return _bleach(text).strip()


def _bleach(text):
    return bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
