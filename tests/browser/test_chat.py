"""Two people chatting in two browsers: live messages, typing, delivery and read marks."""


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
