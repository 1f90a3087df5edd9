"""archive_inactive_conversations against real PostgreSQL."""
import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Participant
from app.services.archive import archive_inactive_conversations
from tests.helpers import idle_for


def archived(app, conversation_id):
    """{user_id: archived?} for the conversation's participants."""
    with app.app_context():
        rows = db.session.execute(select(Participant.user_id, Participant.archived_at)
                                  .where(Participant.conversation_id == conversation_id))
        return {user_id: archived_at is not None for user_id, archived_at in rows}


def run(app, **kwargs):
    with app.app_context():
        return archive_inactive_conversations(**kwargs)


@pytest.fixture
def people(client):
    return client.user("alice"), client.user("bob"), client.user("carol")


def test_conversation_without_messages_for_90_days_is_archived_for_every_participant(client, app, people):
    alice, bob, carol = people
    stale = client.conversation(alice, bob, carol, title="old group")
    client.send(alice, stale, "long ago")
    idle_for(app, [stale], days=91)

    report = run(app)

    assert archived(app, stale) == {alice.id: True, bob.id: True, carol.id: True}
    assert (report.conversations, report.participants) == (1, 3)


def test_conversation_with_a_recent_message_is_left_alone(client, app, people):
    alice, bob, _ = people
    recent = client.conversation(alice, bob)
    client.send(alice, recent, "hi")
    idle_for(app, [recent], days=89)

    report = run(app)

    assert archived(app, recent) == {alice.id: False, bob.id: False}
    assert report.conversations == 0


def test_conversation_that_never_had_a_message_counts_from_its_creation(client, app, people):
    alice, bob, _ = people
    never_used = client.conversation(alice, bob)
    idle_for(app, [never_used], days=120)

    run(app)

    assert archived(app, never_used) == {alice.id: True, bob.id: True}


def test_archive_after_days_comes_from_config(client, app, people, monkeypatch):
    alice, bob, _ = people
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation)
    idle_for(app, [conversation], days=8)
    monkeypatch.setitem(app.config, "ARCHIVE_AFTER_DAYS", 7)

    run(app)

    assert archived(app, conversation) == {alice.id: True, bob.id: True}


def test_second_run_changes_nothing(client, app, people):
    alice, bob, _ = people
    conversation = client.conversation(alice, bob)
    idle_for(app, [conversation], days=100)
    run(app)

    again = run(app)

    assert (again.conversations, again.participants) == (0, 0)


def test_work_is_done_in_batches_until_nothing_is_left(client, app, people):
    alice, bob, carol = people
    conversations = [client.conversation(alice, other, title=f"g{i}") for i, other in enumerate([bob, carol] * 3)]
    idle_for(app, conversations, days=100)

    report = run(app, batch_size=4)

    assert (report.batches, report.conversations) == (2, 6)
    assert all(all(archived(app, c).values()) for c in conversations)


def test_run_after_an_interrupted_one_archives_only_what_is_left(client, app, people):
    alice, bob, carol = people
    done, left = client.conversation(alice, bob), client.conversation(alice, carol)
    idle_for(app, [done, left], days=100)
    run(app, batch_size=1)  # a full run, then pretend the second batch never committed:
    with app.app_context():
        db.session.execute(update(Participant).where(Participant.conversation_id == left).values(archived_at=None))
        db.session.commit()

    report = run(app)

    assert report.conversations == 1
    assert archived(app, left) == {alice.id: True, carol.id: True}


def test_participant_who_already_archived_keeps_their_archive_time(client, app, people):
    alice, bob, _ = people
    conversation = client.conversation(alice, bob)
    client.as_user(alice, "patch", f"/conversations/{conversation}/archive", json={"archived": True})
    with app.app_context():
        before = db.session.get(Participant, (conversation, alice.id)).archived_at
    idle_for(app, [conversation], days=100)

    report = run(app)

    with app.app_context():
        assert db.session.get(Participant, (conversation, alice.id)).archived_at == before
    assert report.participants == 1
    assert archived(app, conversation) == {alice.id: True, bob.id: True}


def test_new_message_brings_an_archived_conversation_back(client, app, people):
    alice, bob, _ = people
    conversation = client.conversation(alice, bob)
    idle_for(app, [conversation], days=100)
    run(app)

    client.send(bob, conversation, "anyone there?")

    assert archived(app, conversation) == {alice.id: False, bob.id: False}
