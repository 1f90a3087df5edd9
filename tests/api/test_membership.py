"""Group membership: admins add and remove participants, change roles and the title; anyone may
leave; every change is a system message in the history; direct conversations never change."""
import threading

import pytest

from tests.helpers import ApiClient


@pytest.fixture
def group(client):
    """alice (admin) with bob and carol in a group: (alice, bob, carol, conversation id)."""
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    return alice, bob, carol, client.conversation(alice, bob, carol, title="Trip")


def roles(client, user, conversation_id):
    detail = client.ok(user, "get", f"/conversations/{conversation_id}")
    return {p["user"]["username"]: p["role"] for p in detail["participants"]}


def system_events(client, user, conversation_id):
    return [m["event"] for m in client.history(user, conversation_id) if m["kind"] == "system"]


def remove(client, actor, conversation_id, user):
    return client.as_user(actor, "delete", f"/conversations/{conversation_id}/participants/{user.id}")


def test_the_creator_of_a_group_is_its_admin_and_direct_conversations_have_members(client, group):
    alice, bob, carol, conversation = group
    direct = client.conversation(bob, carol)

    assert roles(client, alice, conversation) == {"alice": "admin", "bob": "member", "carol": "member"}
    assert set(roles(client, bob, direct).values()) == {"member"}


def test_an_admin_adds_users_who_then_see_the_whole_history_with_nothing_unread(client, group):
    alice, bob, carol, conversation = group
    client.send(bob, conversation, "before dave")
    dave = client.user("dave")

    detail = client.add(alice, conversation, dave, bob)  # bob takes part already: ignored

    assert roles(client, alice, conversation)["dave"] == "member"
    assert len(detail["participants"]) == 4
    history = client.history(dave, conversation)
    assert [m["content"] for m in history if m["kind"] == "user"] == ["before dave"]
    assert history[-1]["kind"] == "system"
    assert history[-1]["event"] == {"type": "participants_added", "actor_id": alice.id, "user_ids": [dave.id]}
    assert history[-1]["sender"]["id"] == alice.id and history[-1]["content"] == ""
    [listed] = client.ok(dave, "get", "/conversations")["items"]
    assert listed["unread_count"] == 0


def test_adding_unknown_users_is_422_naming_them_and_adds_nobody(client, group):
    alice, _, _, conversation = group
    dave = client.user("dave")

    response = client.as_user(alice, "post", f"/conversations/{conversation}/participants",
                              json={"user_ids": [dave.id, 999999]})

    assert response.status_code == 422
    assert "999999" in response.get_json()["error"]["details"]["fields"]["user_ids"][0]
    assert "dave" not in roles(client, alice, conversation)


def test_a_group_never_grows_past_the_size_limit(client, group, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_GROUP_SIZE", 4)
    alice, _, _, conversation = group
    dave, erin, frank = client.user("dave"), client.user("erin"), client.user("frank")

    too_many = client.as_user(alice, "post", f"/conversations/{conversation}/participants",
                              json={"user_ids": [dave.id, erin.id]})
    client.add(alice, conversation, dave)

    assert too_many.status_code == 422 and "at most 4" in too_many.get_json()["error"]["message"]
    assert client.as_user(alice, "post", f"/conversations/{conversation}/participants",
                          json={"user_ids": [frank.id]}).status_code == 422
    assert len(roles(client, alice, conversation)) == 4


def test_members_may_not_manage_the_group(client, group):
    _, bob, carol, conversation = group
    dave = client.user("dave")
    path = f"/conversations/{conversation}"

    answers = [client.as_user(bob, "post", f"{path}/participants", json={"user_ids": [dave.id]}),
               remove(client, bob, conversation, carol),
               client.as_user(bob, "patch", f"{path}/participants/{carol.id}", json={"role": "admin"}),
               client.as_user(bob, "patch", path, json={"title": "Mine now"})]

    assert [a.status_code for a in answers] == [403] * 4
    assert {a.get_json()["error"]["code"] for a in answers} == {"forbidden"}
    assert roles(client, bob, conversation) == {"alice": "admin", "bob": "member", "carol": "member"}
    assert system_events(client, bob, conversation) == []


def test_direct_conversations_never_change_membership(client, pair):
    alice, bob, direct = pair
    carol = client.user("carol")
    path = f"/conversations/{direct}"

    answers = [client.as_user(alice, "post", f"{path}/participants", json={"user_ids": [carol.id]}),
               remove(client, alice, direct, bob), remove(client, alice, direct, alice),
               client.as_user(alice, "patch", f"{path}/participants/{bob.id}", json={"role": "admin"}),
               client.as_user(alice, "patch", path, json={"title": "Us"})]

    assert [a.status_code for a in answers] == [422] * 5
    assert len(roles(client, alice, direct)) == 2


@pytest.mark.parametrize("body, field", [({"user_ids": []}, "user_ids"), ({"user_ids": [0]}, "user_ids"),
                                         ({}, "user_ids")])
def test_adding_with_a_malformed_body_is_422_naming_the_field(client, group, body, field):
    alice, _, _, conversation = group

    response = client.as_user(alice, "post", f"/conversations/{conversation}/participants", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_an_admin_removes_a_participant_who_then_gets_404(client, group):
    alice, bob, carol, conversation = group

    response = remove(client, alice, conversation, carol)

    assert response.status_code == 204
    assert client.as_user(carol, "get", f"/conversations/{conversation}").status_code == 404
    assert client.as_user(carol, "get", f"/conversations/{conversation}/messages").status_code == 404
    assert client.ok(carol, "get", "/conversations")["items"] == []
    assert system_events(client, bob, conversation) == [
        {"type": "participant_removed", "actor_id": alice.id, "user_id": carol.id}]
    assert remove(client, alice, conversation, carol).status_code == 404


def test_when_the_last_admin_leaves_the_longest_standing_participant_becomes_admin(client, group):
    alice, bob, carol, conversation = group
    dave = client.user("dave")
    client.add(alice, conversation, dave)

    assert remove(client, alice, conversation, alice).status_code == 204

    assert roles(client, bob, conversation) == {"bob": "admin", "carol": "member", "dave": "member"}
    assert system_events(client, bob, conversation)[-2:] == [
        {"type": "participant_removed", "actor_id": alice.id, "user_id": alice.id},
        {"type": "role_changed", "actor_id": None, "user_id": bob.id, "role": "admin"}]


def test_admins_promote_and_demote_but_a_group_keeps_one_admin(client, group):
    alice, bob, _, conversation = group
    path = f"/conversations/{conversation}/participants"

    last_admin_steps_down = client.as_user(alice, "patch", f"{path}/{alice.id}", json={"role": "member"})
    promoted = client.as_user(alice, "patch", f"{path}/{bob.id}", json={"role": "admin"})
    stepped_down = client.as_user(alice, "patch", f"{path}/{alice.id}", json={"role": "member"})
    bad_role = client.as_user(bob, "patch", f"{path}/{alice.id}", json={"role": "owner"})

    assert last_admin_steps_down.status_code == 422
    assert promoted.status_code == 200 and promoted.get_json()["role"] == "admin"
    assert promoted.get_json()["user"]["id"] == bob.id
    assert stepped_down.status_code == 200
    assert bad_role.status_code == 422 and "role" in bad_role.get_json()["error"]["details"]["fields"]
    assert roles(client, bob, conversation) == {"alice": "member", "bob": "admin", "carol": "member"}


def test_an_admin_renames_the_group_under_the_text_rule(client, group):
    alice, bob, _, conversation = group

    renamed = client.as_user(alice, "patch", f"/conversations/{conversation}", json={"title": "<b>Ski</b> & sun"})
    empty = client.as_user(alice, "patch", f"/conversations/{conversation}", json={"title": "<i></i>"})

    assert renamed.status_code == 200 and renamed.get_json()["title"] == "Ski &amp; sun"
    assert empty.status_code == 422 and "title" in empty.get_json()["error"]["details"]["fields"]
    assert system_events(client, bob, conversation) == [
        {"type": "title_changed", "actor_id": alice.id, "title": "Ski &amp; sun"}]


def test_system_messages_take_seqs_but_are_neither_unread_nor_searchable(client, group):
    alice, bob, _, conversation = group
    client.send(alice, conversation, "trip planning")

    client.ok(alice, "patch", f"/conversations/{conversation}", json={"title": "trip planning"})

    assert [m["seq"] for m in client.history(bob, conversation)] == [1, 2]
    assert client.ok(bob, "get", f"/conversations/{conversation}")["unread_count"] == 1
    found = client.ok(bob, "get", "/messages/search", query_string={"q": f"from:alice"})["items"]
    assert [hit["message"]["content"] for hit in found] == ["trip planning"]


def test_two_admins_adding_at_once_never_pass_the_size_limit(client, group, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_GROUP_SIZE", 4)
    alice, bob, _, conversation = group
    client.ok(alice, "patch", f"/conversations/{conversation}/participants/{bob.id}", json={"role": "admin"})
    newcomers = [client.user("dave"), client.user("erin")]
    statuses, barrier = [], threading.Barrier(2)

    def add(admin, user):
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses.append(http.as_user(admin, "post", f"/conversations/{conversation}/participants",
                                     json={"user_ids": [user.id]}).status_code)

    threads = [threading.Thread(target=add, args=pair) for pair in zip((alice, bob), newcomers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 422]
    assert len(roles(client, alice, conversation)) == 4


def test_two_admins_removing_each_other_at_once_leave_one_admin(client, group, app):
    alice, bob, _, conversation = group
    client.ok(alice, "patch", f"/conversations/{conversation}/participants/{bob.id}", json={"role": "admin"})
    statuses, barrier = {}, threading.Barrier(2)

    def remove_other(admin, other):
        http = ApiClient(app.test_client())
        barrier.wait()
        statuses[admin.username] = remove(http, admin, conversation, other).status_code

    threads = [threading.Thread(target=remove_other, args=pair) for pair in ((alice, bob), (bob, alice))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The first removal wins; the loser no longer takes part when its turn comes.
    assert sorted(statuses.values()) == [204, 404]
    winner = next(name for name, status in statuses.items() if status == 204)
    remaining = roles(client, alice if winner == "alice" else bob, conversation)
    assert remaining == {winner: "admin", "carol": "member"}
