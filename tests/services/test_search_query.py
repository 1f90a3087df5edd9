from datetime import datetime, timezone

import pytest

from app.errors import ValidationFailed
from app.services.search import parse_query, safe_snippet


def test_filters_are_taken_out_of_the_words():
    parsed = parse_query('"blue car" from:@Bob -red has:IMAGE before:2026-02-01 after:2026-01-01 or green')

    assert parsed.text == '"blue car" -red or green'
    assert parsed.sender == "Bob"
    assert parsed.has_image is True
    assert parsed.before == datetime(2026, 2, 1, tzinfo=timezone.utc)
    assert parsed.after == datetime(2026, 1, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize("q", ["has:video", "before:2026-02-30", "after:soon", "", "   "])
def test_bad_filters_and_empty_queries_name_q(q):
    with pytest.raises(ValidationFailed) as raised:
        parse_query(q)

    assert "q" in raised.value.details["fields"]


def test_snippet_keeps_only_mark_as_markup():
    assert safe_snippet("<mark>x</mark> &lt;b&gt; <i>") == "<mark>x</mark> &lt;b&gt; &lt;i&gt;"


def test_snippet_repairs_an_entity_cut_in_half():
    assert safe_snippet("a &am") == "a &amp;am"
