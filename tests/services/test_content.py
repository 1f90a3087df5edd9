import pytest

from app.services.content import sanitize


@pytest.mark.parametrize("raw, stored", [
    ("  hello  ", "hello"),
    ("<script>alert(1)</script>", "alert(1)"),
    ("<b>bold</b> and <i>italic</i>", "bold and italic"),
    ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
    ("<!-- hidden -->visible", "visible"),
    ('<img src=x onerror="alert(1)">', ""),
    ("<a href='javascript:alert(1)'>link</a>", "link"),
    ("&copy; kept, &lt; kept", "&copy; kept, &lt; kept"),
    ('"quotes" and \'apostrophes\'', '"quotes" and \'apostrophes\''),
    ("  <p> </p>  ", ""),
])
def test_sanitize_leaves_plain_text_that_is_safe_as_html(raw, stored):
    assert sanitize(raw) == stored
