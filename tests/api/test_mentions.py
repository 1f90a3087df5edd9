"""Mentions: `@username` of a participant, `mentions` in messages, unread mention counts."""


def test_mentions_name_participants_by_username_in_any_case_never_inside_a_word(client):
    alice, bob, carol = client.user("alice"), client.user("bob.b"), client.user("carol")
    outsider = client.user("dave")
    conversation = client.conversation(alice, bob, carol, title="team")

    message = client.send(alice, conversation, "@BOB.B and (@carol), not carol@example.com, @dave or @nobody.")

    assert message["mentions"] == sorted([bob.id, carol.id])
    assert outsider.id not in message["mentions"]
    assert client.send(alice, conversation, "thanks, @carol.")["mentions"] == [carol.id]


def test_the_conversation_list_counts_unread_mentions(client):
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob, title="team")
    client.send(alice, conversation, "hello all")
    looked = client.send(alice, conversation, "@bob look")
    client.send(alice, conversation, "@bob and again")
    client.send(bob, conversation, "@bob talking to myself")

    [before] = client.ok(bob, "get", "/conversations")["items"]
    client.ok(bob, "patch", f"/messages/{looked['id']}/read")
    [after] = client.ok(bob, "get", "/conversations")["items"]

    assert (before["unread_count"], before["unread_mention_count"]) == (3, 2)
    assert (after["unread_count"], after["unread_mention_count"]) == (1, 1)


def test_an_edit_finds_its_mentions_again(client):
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    conversation = client.conversation(alice, bob, carol, title="team")
    message = client.send(alice, conversation, "@bob can you?")

    edited = client.ok(alice, "patch", f"/messages/{message['id']}", json={"content": "@carol can you?"})

    assert edited["mentions"] == [carol.id]
    assert client.ok(bob, "get", "/conversations")["items"][0]["unread_mention_count"] == 0
