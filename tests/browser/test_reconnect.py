"""A server restart in the middle of a chat: both browsers reconnect by themselves and replay what they
missed from the conversation's log, with no gap and no duplicate: new messages, and the edits,
deletions, reactions and title changes made meanwhile; what was written meanwhile is sent once."""

# While the server is down, the browsers' reconnection attempts fail: expected console errors.
RECONNECTING = ("ERR_CONNECTION_REFUSED", "WebSocket connection to")


def connection(page):
    return page.script("return document.body.dataset.connection")


def test_after_a_server_restart_both_reconnect_and_replay_every_change_with_no_gap_and_no_duplicate(client, pages, web_server):
    alice_page, bob_page = pages
    alice, bob = client.user("alice"), client.user("bob")
    group = client.conversation(alice, bob, title="Launch")
    first = client.send(alice, group, "before the restart")
    typo = client.send(alice, group, "a typo before the restart")
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    alice_page.open_conversation("Launch")
    bob_page.open_conversation("Launch")
    bob_page.wait_for_message("a typo before the restart")

    web_server.kill()
    for page in pages:
        page.wait(lambda page=page: connection(page) == "disconnected", "the client to notice")
        assert page.text("#connection") == "Connection lost: reconnecting…"
    alice_page.send("written while the server was down")
    alice_page.wait_for_message("written while the server was down", state="pending")
    # From the phones, through another API process: nobody hears of them live.
    for n in (1, 2, 3):
        client.send(alice, group, f"from alice's phone {n}")
    client.ok(alice, "patch", f"/messages/{first['id']}", json={"content": "before the restart, edited"})
    client.ok(alice, "delete", f"/messages/{typo['id']}")
    client.react(bob, first["id"], "👍")
    client.ok(alice, "patch", f"/conversations/{group}", json={"title": "Launch day"})
    web_server.start()

    bob_page.wait_for_message("written while the server was down", sender="alice")
    alice_page.wait_for_message("written while the server was down", state="read")
    expected = ["before the restart, edited", "This message was deleted.", "from alice's phone 1",
                "from alice's phone 2", "from alice's phone 3", "alice renamed the group “Launch day”",
                "written while the server was down"]
    for page in pages:
        page.wait(lambda page=page: len(page.messages()) == 7, "every message")
        assert [(row["seq"], row["content"]) for row in page.messages()] == [
            (seq, content.replace("alice renamed", "You renamed") if page is alice_page else content)
            for seq, content in enumerate(expected, start=1)]
        assert page.messages()[0]["edited"] and page.messages()[0]["reactions"] == ["👍 1"]
        assert page.text("#conversation-name") == "Launch day"
        assert connection(page) == "connected" and not page.visible("#connection")
        assert page.console_errors(allowed=RECONNECTING) == []
