"""A server restart in the middle of a chat: both browsers reconnect by themselves and fetch exactly
what they missed (after=), with no gap and no duplicate; what was written meanwhile is sent once."""

# While the server is down, the browsers' reconnection attempts fail: expected console errors.
RECONNECTING = ("ERR_CONNECTION_REFUSED", "WebSocket connection to")


def connection(page):
    return page.script("return document.body.dataset.connection")


def test_after_a_server_restart_both_reconnect_and_catch_up_with_no_gap_and_no_duplicate(client, pages, web_server):
    alice_page, bob_page = pages
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    client.send(alice, conversation, "before the restart")
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    alice_page.open_conversation("bob")
    bob_page.open_conversation("alice")
    bob_page.wait_for_message("before the restart")

    web_server.kill()
    for page in pages:
        page.wait(lambda page=page: connection(page) == "disconnected", "the client to notice")
        assert page.text("#connection") == "Connection lost: reconnecting…"
    alice_page.send("written while the server was down")
    alice_page.wait_for_message("written while the server was down", state="pending")
    for n in (1, 2, 3):  # from Alice's other device, through another API process: nobody hears of them live
        client.send(alice, conversation, f"from alice's phone {n}")
    web_server.start()

    bob_page.wait_for_message("written while the server was down", sender="alice")
    alice_page.wait_for_message("written while the server was down", state="read")
    expected = ["before the restart", "from alice's phone 1", "from alice's phone 2", "from alice's phone 3",
                "written while the server was down"]
    for page in pages:
        page.wait(lambda page=page: len(page.messages()) == 5, "every message")
        assert [(row["seq"], row["content"]) for row in page.messages()] == list(enumerate(expected, start=1))
        assert connection(page) == "connected" and not page.visible("#connection")
        assert page.console_errors(allowed=RECONNECTING) == []
