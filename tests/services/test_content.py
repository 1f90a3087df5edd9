import pytest

from app.errors import ValidationFailed
from app.services.content import sanitize, user_text


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


def test_text_that_skips_bleach_comes_out_as_bleach_would_return_it():
    from app.services.content import _NEEDS_BLEACH, _bleach

    plain = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF and not _NEEDS_BLEACH.search(chr(cp))]
    # Every such code point at once, between letters: bleach changes none of them.
    text = "a" + "b".join(plain) + "z"

    assert sanitize(text) == _bleach(text).strip()


def test_user_text_counts_characters_as_read():
    assert user_text("content", "<p>" + "&" * 10 + "</p>", 10) == "&amp;" * 10
    assert user_text("content", "&copy;" * 10, 10) == "&copy;" * 10


@pytest.mark.parametrize("value, message", [
    ("x" * 11, "must be at most 10 characters once HTML is removed"),
    ("<b></b>", "must contain text once HTML is removed"),
])
def test_user_text_refuses_naming_the_field(value, message):
    with pytest.raises(ValidationFailed) as refused:
        user_text("title", value, 10)

    assert refused.value.details == {"fields": {"title": [message]}}


def test_user_text_may_be_empty_when_not_required():
    assert user_text("content", "<b></b>", 10, required=False) == ""
