"""“Seen by”: GET /messages/:id/receipts, from the participants' read and delivery positions."""
from app.extensions import db
from app.services import delivery


def receipts(client, user, message_id):
    return client.ok(user, "get", f"/messages/{message_id}/receipts")


def test_receipts_list_the_others_whose_positions_reached_the_message(client, app):
    alice, bob, carol, dave = (client.user(name) for name in ("alice", "bob", "carol", "dave"))
    conversation = client.conversation(alice, bob, carol, dave, title="team")
    first, second = client.send(alice, conversation, "one"), client.send(alice, conversation, "two")
    with app.app_context():
        delivery.mark_delivered(dave.id, second["id"])  # dave's phone received both
        db.session.remove()
    client.ok(bob, "patch", f"/messages/{second['id']}/read")
    client.ok(carol, "patch", f"/messages/{first['id']}/read")
    client.ok(alice, "patch", f"/messages/{second['id']}/read")  # the sender is never listed

    of_first, of_second = receipts(client, bob, first["id"]), receipts(client, alice, second["id"])

    assert [r["user_id"] for r in of_first["read_by"]] == [bob.id, carol.id]
    assert sorted(r["user_id"] for r in of_first["delivered_to"]) == [bob.id, carol.id, dave.id]
    assert [r["user_id"] for r in of_second["read_by"]] == [bob.id]
    assert sorted(r["user_id"] for r in of_second["delivered_to"]) == [bob.id, dave.id]
    assert all(r["read_at"] for r in of_first["read_by"]) and all(r["delivered_at"] for r in of_first["delivered_to"])


def test_someone_added_later_has_not_seen_the_history_until_they_read(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    conversation = client.conversation(alice, bob, title="team")
    old = client.send(alice, conversation, "before carol")
    client.add(alice, conversation, carol)

    before = receipts(client, alice, old["id"])
    client.ok(carol, "patch", f"/messages/{client.history(carol, conversation)[-1]['id']}/read")
    after = receipts(client, alice, old["id"])

    assert before == {"read_by": [], "delivered_to": []}
    assert [r["user_id"] for r in after["read_by"]] == [carol.id]


def test_receipts_are_for_participants_only(client, pair):
    alice, _, conversation = pair
    message = client.send(alice, conversation, "private")

    assert client.as_user(client.user("mallory"), "get", f"/messages/{message['id']}/receipts").status_code == 404
