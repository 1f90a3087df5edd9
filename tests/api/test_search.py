import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import text, update

from app.extensions import db
from app.models import Message, MessageImage
from app.services import search as search_service
from app.services.pagination import encode_cursor


def search(client, user, q, conversation_id=None, **params):
    path = f"/conversations/{conversation_id}/messages/search" if conversation_id else "/messages/search"
    return client.as_user(user, "get", path, query_string={"q": q, **params})


def hits(client, user, q, conversation_id=None, **params):
    response = search(client, user, q, conversation_id, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def contents(body):
    return [hit["message"]["content"] for hit in body["items"]]


def every_hit(client, user, q, conversation_id=None, limit=2):
    """Every hit, page after page following next_cursor."""
    found, cursor = [], None
    while True:
        body = hits(client, user, q, conversation_id, limit=limit, **({"cursor": cursor} if cursor else {}))
        found += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return found


def set_created_at(app, message_id, when):
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == message_id).values(created_at=when))
        db.session.commit()


# --- ranking ----------------------------------------------------------------

def test_message_matching_more_terms_ranks_first(client, pair):
    alice, bob, conversation = pair
    client.send(alice, conversation, "the deploy went fine")
    client.send(bob, conversation, "deploy the server tonight")
    client.send(alice, conversation, "the server room is cold")

    body = hits(client, alice, "deploy or server", conversation)

    assert contents(body)[0] == "deploy the server tonight"
    assert len(body["items"]) == 3
    ranks = [hit["rank"] for hit in body["items"]]
    assert ranks == sorted(ranks, reverse=True)


def test_closer_terms_rank_first(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "release notes were long and tiring but the final version shipped")
    client.send(alice, conversation, "release version shipped")

    body = hits(client, alice, "release version", conversation)

    assert contents(body) == ["release version shipped",
                              "release notes were long and tiring but the final version shipped"]


def test_search_matches_word_forms(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "she was running late")

    assert contents(hits(client, alice, "runs", conversation)) == ["she was running late"]


# --- accents ----------------------------------------------------------------

@pytest.mark.parametrize("q", ["cafe", "café", "CAFÉ"])
@pytest.mark.parametrize("in_conversation", [True, False], ids=["one_conversation", "all_conversations"])
def test_words_match_with_or_without_their_accents(client, pair, q, in_conversation):
    alice, bob, conversation = pair
    client.send(alice, conversation, "un café au lait")
    client.send(bob, conversation, "cafe society")
    client.send(bob, conversation, "caffè sospeso")  # another word (two f), not an accent away

    body = hits(client, alice, q, conversation if in_conversation else None)

    assert sorted(contents(body)) == ["cafe society", "un café au lait"]


@pytest.mark.parametrize("q", ['"creme brulee"', '"crème brûlée"', '"creme brûlée"'])
def test_a_phrase_matches_with_or_without_its_accents(client, pair, q):
    alice, _, conversation = pair
    client.send(alice, conversation, "la crème brûlée était parfaite")
    client.send(alice, conversation, "creme brulee recipe")
    client.send(alice, conversation, "brûlée, then crème")

    assert sorted(contents(hits(client, alice, q, conversation))) == ["creme brulee recipe",
                                                                     "la crème brûlée était parfaite"]


@pytest.mark.parametrize("q, found", [("reunion from:bob", "réunion lundi"),
                                      ("réunion from:alice", "reunion monday"),
                                      ("reunión after:2026-01-10", "réunion lundi")])
def test_accents_are_ignored_together_with_filters(client, pair, app, q, found):
    alice, bob, conversation = pair
    set_created_at(app, client.send(alice, conversation, "reunion monday")["id"],
                   datetime(2026, 1, 5, tzinfo=timezone.utc))
    set_created_at(app, client.send(bob, conversation, "réunion lundi")["id"],
                   datetime(2026, 1, 15, tzinfo=timezone.utc))

    assert contents(hits(client, alice, q)) == [found]


@pytest.mark.parametrize("q, written, snippet", [
    ("cafe", "CAFÉ au lait", "<mark>CAFÉ</mark> au lait"),
    ("café", "cafe at noon", "<mark>cafe</mark> at noon"),
    ("ecole", "école & maison", "<mark>école</mark> &amp; maison"),
])
def test_the_highlight_shows_the_word_as_written(client, pair, q, written, snippet):
    alice, _, conversation = pair
    client.send(alice, conversation, written)

    assert hits(client, alice, q, conversation)["items"][0]["snippet"] == snippet


# --- highlighting -----------------------------------------------------------

def test_matches_are_wrapped_in_mark(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "lunch at noon tomorrow?")

    snippet = hits(client, alice, "lunch", conversation)["items"][0]["snippet"]

    assert snippet.startswith("<mark>lunch</mark> at noon tomorrow")


def test_snippet_escapes_everything_but_mark(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "deploy: x < 3 && y > 2 then")

    snippet = hits(client, alice, "deploy", conversation)["items"][0]["snippet"]

    assert snippet == "<mark>deploy</mark>: x &lt; 3 &amp;&amp; y &gt; 2 then"
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_typed_entity_text_is_not_turned_into_markup(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "write &lt;mark&gt; to highlight")

    snippet = hits(client, alice, "highlight", conversation)["items"][0]["snippet"]

    assert "&lt;mark&gt;" in snippet
    assert snippet.count("<mark>") == 1


# --- web-search syntax --------------------------------------------------------

def test_quoted_phrase_matches_only_adjacent_words(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "the blue car is parked")
    client.send(alice, conversation, "the car is blue")

    assert contents(hits(client, alice, '"blue car"', conversation)) == ["the blue car is parked"]


def test_or_matches_either_word(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "coffee later")
    client.send(alice, conversation, "tea now")
    client.send(alice, conversation, "water maybe")

    assert sorted(contents(hits(client, alice, "coffee or tea", conversation))) == ["coffee later", "tea now"]


def test_minus_word_excludes_messages_with_it(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "meeting moved to friday")
    client.send(alice, conversation, "meeting cancelled")

    assert contents(hits(client, alice, "meeting -cancelled", conversation)) == ["meeting moved to friday"]


def test_words_without_a_match_find_nothing(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "hello")

    assert hits(client, alice, "zebra", conversation) == {"items": [], "next_cursor": None}


# --- filters ------------------------------------------------------------------

def test_from_filter_keeps_one_senders_messages(client, pair):
    alice, bob, conversation = pair
    client.send(alice, conversation, "status report ready")
    client.send(bob, conversation, "status report reviewed")

    body = hits(client, alice, "status from:BOB", conversation)

    assert contents(body) == ["status report reviewed"]


def test_filter_alone_lists_matching_messages_with_escaped_snippets(client, pair):
    alice, bob, conversation = pair
    client.send(bob, conversation, "x < y")
    client.send(alice, conversation, "not from bob")

    body = hits(client, alice, "from:bob", conversation)

    assert contents(body) == ["x &lt; y"]
    assert body["items"][0]["snippet"] == "x &lt; y"


def test_before_is_strictly_before_that_utc_day(client, pair, app):
    alice, _, conversation = pair
    times = {"late on the 9th": datetime(2026, 1, 9, 23, 59, tzinfo=timezone.utc),
             "early on the 10th": datetime(2026, 1, 10, 0, 0, tzinfo=timezone.utc),
             "noon on the 10th": datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)}
    for label, when in times.items():
        set_created_at(app, client.send(alice, conversation, f"report {label}")["id"], when)

    body = hits(client, alice, "report before:2026-01-10", conversation)

    assert contents(body) == ["report late on the 9th"]


def test_after_is_strictly_after_that_utc_day(client, pair, app):
    alice, _, conversation = pair
    times = {"late on the 10th": datetime(2026, 1, 10, 23, 59, tzinfo=timezone.utc),
             "early on the 11th": datetime(2026, 1, 11, 0, 0, tzinfo=timezone.utc)}
    for label, when in times.items():
        set_created_at(app, client.send(alice, conversation, f"report {label}")["id"], when)

    body = hits(client, alice, "report after:2026-01-10", conversation)

    assert contents(body) == ["report early on the 11th"]


def test_before_and_after_together_make_a_range(client, pair, app):
    alice, _, conversation = pair
    for day in (1, 5, 9):
        message = client.send(alice, conversation, f"day {day} log")
        set_created_at(app, message["id"], datetime(2026, 3, day, 12, tzinfo=timezone.utc))

    body = hits(client, alice, "log after:2026-03-01 before:2026-03-09", conversation)

    assert contents(body) == ["day 5 log"]


def test_has_image_keeps_messages_with_an_attached_image(client, pair, app):
    alice, _, conversation = pair
    with_image = client.send(alice, conversation, "photo of the cat")
    client.send(alice, conversation, "no photo of the cat yet")
    with app.app_context():
        db.session.add(MessageImage(message_id=with_image["id"], uploader_id=alice.id, conversation_id=conversation,
                                    s3_key="test/cat.png", content_type="image/png", size=1234))
        db.session.commit()

    body = hits(client, alice, "cat has:image", conversation)

    assert contents(body) == ["photo of the cat"]


@pytest.mark.parametrize("q", ["has:video", "before:2026-13-01", "after:yesterday", "   ", "after:9999-12-31"])
@pytest.mark.parametrize("in_conversation", [True, False], ids=["one_conversation", "all_conversations"])
def test_bad_filter_or_empty_query_is_rejected_naming_q(client, pair, q, in_conversation):
    alice, _, conversation = pair

    response = search(client, alice, q, conversation if in_conversation else None)

    assert response.status_code == 422
    assert "q" in response.get_json()["error"]["details"]["fields"]


def test_the_earliest_and_latest_days_are_valid_filters(client, pair):
    alice, bob, conversation = pair
    client.send(bob, conversation, "timeless")

    assert contents(hits(client, alice, "timeless before:9999-12-31")) == ["timeless"]
    assert contents(hits(client, alice, "timeless after:0001-01-01")) == ["timeless"]


@pytest.mark.parametrize("params, field", [({"q": ""}, "q"), ({"q": "x" * 501}, "q"), ({"q": "a", "limit": 0}, "limit"),
                                           ({"q": "a", "cursor": "%%%"}, "cursor"),
                                           ({"q": "a", "cursor": encode_cursor(0.5, "a")}, "cursor"),
                                           ({"q": "a", "cursor": encode_cursor(0.5)}, "cursor"),
                                           ({"q": "a", "cursor": encode_cursor("newest", "yesterday", 1)}, "cursor"),
                                           ({"q": "a", "cursor": encode_cursor("newest", "2026-01-01T00:00", 1)},
                                            "cursor"),
                                           ({"q": "from:alice", "cursor": encode_cursor(0.5, 1)}, "cursor")])
def test_bad_search_parameters_are_rejected(client, pair, params, field):
    alice, _, _ = pair

    response = client.as_user(alice, "get", "/messages/search", query_string=params)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_missing_q_is_rejected(client, pair):
    alice, _, _ = pair

    response = client.as_user(alice, "get", "/messages/search")

    assert response.status_code == 422
    assert "q" in response.get_json()["error"]["details"]["fields"]


# --- pagination -----------------------------------------------------------------

def test_next_cursor_pages_through_every_hit_once(client, pair):
    alice, bob, conversation = pair
    for n in range(4):
        client.send(alice, conversation, f"invoice number {n}")
    for n in range(3):
        client.send(bob, conversation, f"invoice invoice invoice {n}")
    client.send(bob, conversation, "unrelated")

    found = every_hit(client, alice, "invoice", conversation, limit=3)

    seen, ranks = [hit["message"]["id"] for hit in found], [hit["rank"] for hit in found]
    assert len(seen) == len(set(seen)) == 7
    assert ranks == sorted(ranks, reverse=True)


# --- more matches than are ranked -------------------------------------------------

MATCHING = ["invoice invoice invoice", "invoice", "invoice invoice", "an invoice", "invoice paid"]


@pytest.mark.parametrize("rank_limit, order", [(5, "best first"), (4, "newest first")])
def test_hits_are_ranked_up_to_the_rank_limit_and_newest_first_beyond(client, pair, monkeypatch, rank_limit, order):
    alice, _, conversation = pair
    monkeypatch.setattr(search_service, "RANK_LIMIT", rank_limit)
    sent = {text: client.send(alice, conversation, text)["id"] for text in MATCHING}

    found = every_hit(client, alice, "invoice", conversation)

    ids = [hit["message"]["id"] for hit in found]
    if order == "best first":
        assert ids[:2] == [sent["invoice invoice invoice"], sent["invoice invoice"]]
        assert sorted(ids) == sorted(sent.values())
    else:
        assert ids == sorted(sent.values(), reverse=True)


@pytest.mark.parametrize("q, order", [("invoice", "newest first"), ("invoice from:alice", "best first")])
def test_one_word_the_statistics_expect_far_too_often_comes_newest_first_uncounted(client, pair, app, monkeypatch,
                                                                                    q, order):
    alice, _, conversation = pair
    carol = client.user("carol")
    elsewhere = client.conversation(carol, client.user("dave"))
    # After ANALYZE, PostgreSQL's statistics have "invoice" in half of all messages, so in about 11 of
    # the 22 in alice's conversation.
    for n in range(20):
        client.send(carol, elsewhere, f"invoice {n}")
        client.send(alice, conversation, f"nothing {n}")
    best = client.send(alice, conversation, "invoice invoice invoice")["id"]
    newest = client.send(alice, conversation, "an invoice")["id"]
    with app.app_context():
        db.session.execute(text("ANALYZE messages"))
        db.session.commit()
    monkeypatch.setattr(search_service, "RANK_LIMIT", 2)  # the two matches would be ranked, best first...
    monkeypatch.setattr(search_service, "ESTIMATE_LIMIT", 8)  # ...but about 11 are expected, unless filtered

    found = every_hit(client, alice, q, conversation)

    assert [hit["message"]["id"] for hit in found] == ([newest, best] if order == "newest first" else [best, newest])


def test_filters_alone_page_newest_first(client, pair):
    alice, bob, conversation = pair
    sent = [client.send(bob, conversation, f"note {n}")["id"] for n in range(5)]
    client.send(alice, conversation, "not from bob")

    found = every_hit(client, alice, "from:bob")

    assert [hit["message"]["id"] for hit in found] == sent[::-1]


def test_a_cursor_into_far_more_matches_than_are_ranked_is_rejected(client, pair, monkeypatch):
    alice, _, conversation = pair
    monkeypatch.setattr(search_service, "RANK_LIMIT", 1)
    for text in MATCHING[:3]:
        client.send(alice, conversation, text)

    response = search(client, alice, "invoice", conversation, cursor=encode_cursor(0.1, 10**6))

    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["details"]["fields"]


def test_from_someone_who_does_not_exist_finds_nothing(client, pair):
    alice, _, conversation = pair
    client.send(alice, conversation, "hello")

    assert hits(client, alice, "from:nobody") == {"items": [], "next_cursor": None}


# --- scope ----------------------------------------------------------------------

def test_search_across_conversations_sees_only_the_callers(client, pair):
    alice, bob, conversation = pair
    carol = client.user("carol")
    with_carol = client.conversation(alice, carol)
    private = client.conversation(bob, carol)
    client.send(alice, conversation, "secret plan one")
    client.send(carol, with_carol, "secret plan two")
    client.send(bob, private, "secret plan three")

    body = hits(client, alice, "secret")

    assert sorted(contents(body)) == ["secret plan one", "secret plan two"]
    assert {hit["message"]["conversation_id"] for hit in body["items"]} == {conversation, with_carol}


def test_search_in_one_conversation_stays_in_it(client, pair):
    alice, _, conversation = pair
    other = client.conversation(alice, client.user("carol"))
    client.send(alice, conversation, "agenda here")
    client.send(alice, other, "agenda there")

    assert contents(hits(client, alice, "agenda", conversation)) == ["agenda here"]


def test_deleted_messages_are_not_found(client, pair, app):
    alice, _, conversation = pair
    gone = client.send(alice, conversation, "forget this secret")
    client.send(alice, conversation, "keep this secret")
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == gone["id"]).values(deleted_at=datetime.now(timezone.utc)))
        db.session.commit()

    assert contents(hits(client, alice, "secret", conversation)) == ["keep this secret"]


@pytest.mark.parametrize("direct_cost", [0, 10**9], ids=["checking_each_message", "through_the_index"])
def test_a_common_word_is_ranked_alike_read_through_the_index_or_message_by_message(client, pair, app, monkeypatch,
                                                                                   direct_cost):
    alice, _, conversation = pair
    carol = client.user("carol")
    elsewhere = client.conversation(carol, client.user("dave"))
    with_carol = client.conversation(alice, carol)
    # After ANALYZE, PostgreSQL's statistics have "invoice" in most messages: far more index entries
    # than alice's conversation has messages, so DIRECT_COST decides how its matches are read.
    for n in range(20):
        client.send(carol, elsewhere, f"invoice {n}")
    client.send(carol, with_carol, "invoice invoice invoice invoice")  # not in the conversation searched
    gone = client.send(alice, conversation, "invoice invoice invoice invoice")["id"]
    best = client.send(alice, conversation, "invoice invoice invoice")["id"]
    other = client.send(alice, conversation, "an invoice")["id"]
    client.send(alice, conversation, "nothing to see")
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == gone).values(deleted_at=datetime.now(timezone.utc)))
        db.session.execute(text("ANALYZE messages"))
        db.session.commit()
    monkeypatch.setattr(search_service, "DIRECT_COST", direct_cost)

    found = every_hit(client, alice, "invoice", conversation)

    assert [hit["message"]["id"] for hit in found] == [best, other]
    assert found[0]["snippet"] == "<mark>invoice</mark> <mark>invoice</mark> <mark>invoice</mark>"
