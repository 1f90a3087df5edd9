"""Two people chatting in two browsers: live messages, typing, delivery and read marks, sending states."""
from app.redis_client import get_redis, key


def test_a_message_reaches_the_other_person_live_after_their_typing_shows_and_comes_back_read(client, pages):
    alice_page, bob_page = pages
    client.user("alice"), client.user("bob")
    alice_page.log_in("alice")
    bob_page.log_in("bob")

    alice_page.start_conversation(["bob"])
    alice_page.type("Lunch at noon?")
    bob_page.wait(lambda: "alice typing…" in (bob_page.text(".conversation-item .preview") or ""),
                  "alice's typing in bob's list")
    bob_page.open_conversation("alice")
    bob_page.wait(lambda: bob_page.text("#typing") == "alice is typing…", "the typing line")
    alice_page.send("")  # Enter sends what she typed

    bob_page.wait_for_message("Lunch at noon?", sender="alice")
    bob_page.wait(lambda: bob_page.text("#typing") == "", "the typing line to clear")
    alice_page.wait_for_message("Lunch at noon?", sender="You", state="read")
    assert alice_page.text("#message-list .status") == "✓✓ Read"
    assert bob_page.find_all(".conversation-item .unread") == []
    assert alice_page.console_errors() == [] and bob_page.console_errors() == []


def test_a_message_the_server_refuses_shows_as_not_sent_and_retry_sends_it_once(client, app, pages):
    alice_page, bob_page = pages
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    for n in range(app.config["SEND_RATE_LIMIT"]):  # Alice has used up her sending quota
        client.send(alice, conversation, f"earlier {n}")
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    alice_page.open_conversation("bob")
    bob_page.open_conversation("alice")

    alice_page.send("one more thing")
    alice_page.wait_for_message("one more thing", state="failed")
    assert "sending limit" in alice_page.text("#message-list [data-state=failed] .status")
    with app.app_context():  # an hour later: the quota is back (only Alice has sent anything)
        redis = get_redis()
        redis.delete(*redis.scan_iter(key("ratelimit", "send") + "*"))
    alice_page.find("#message-list [data-state=failed] .retry").click()

    alice_page.wait_for_message("one more thing", state="read")
    bob_page.wait_for_message("one more thing", sender="alice")
    assert [row["content"] for row in bob_page.messages()].count("one more thing") == 1
    assert alice_page.console_errors() == [] and bob_page.console_errors() == []
