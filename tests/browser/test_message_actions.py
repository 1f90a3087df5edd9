"""What people do to messages in a group, seen live in two browsers: a mention counted in the list
and highlighted, a reply quoting its parent, reactions, an edit and its earlier version, a delete,
and who has seen a message."""
from selenium.webdriver.common.by import By

QUESTION = "@alice can you check the deploy?"


def test_mention_reply_reactions_edit_history_delete_and_seen_by_in_a_group(client, pages):
    alice_page, bob_page = pages
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    group = client.conversation(alice, bob, carol, title="Launch")
    client.send(carol, group, "morning all")
    alice_page.log_in("alice")
    bob_page.log_in("bob")
    bob_page.open_conversation("Launch")

    bob_page.send(QUESTION)
    counts = "return [...document.querySelectorAll('.conversation-item .counts > *')].map((c) => c.textContent)"
    alice_page.wait(lambda: alice_page.script(counts) == ["@1 unread mentions", "2 unread"],
                    "one unread mention of alice among two unread messages")
    alice_page.open_conversation("Launch")
    assert alice_page.wait_for_message(QUESTION, sender="bob")["mentions"] == ["@alice"]
    alice_page.wait(lambda: not alice_page.find_all(".conversation-item .counts"), "the counts to clear")

    alice_page.act_on(QUESTION, "reply")
    assert alice_page.text("#composer-context-text") == f"Replying to bob: {QUESTION}"
    alice_page.send("on it")
    for page in pages:
        page.wait_for_message("on it", quote=QUESTION)

    alice_page.react(QUESTION, "👍")
    bob_page.wait_for_message(QUESTION, reactions=["👍 1"])
    bob_page.message_row(QUESTION).find_element(By.CSS_SELECTOR, ".reaction").click()  # bob adds his
    alice_page.wait_for_message(QUESTION, reactions=["👍 2"])
    bob_page.wait_for_message(QUESTION, reactions=["👍 2"])
    bob_page.message_row(QUESTION).find_element(By.CSS_SELECTOR, ".reaction").click()  # and takes it back
    alice_page.wait_for_message(QUESTION, reactions=["👍 1"])

    alice_page.act_on("on it", "edit")
    assert alice_page.find("#composer-input").get_attribute("value") == "on it"
    alice_page.send(" now")
    bob_page.wait_for_message("on it now", edited=True, quote=QUESTION)
    bob_page.message_row("on it now").find_element(By.CSS_SELECTOR, ".edited").click()  # its earlier versions
    versions = "return [...document.querySelectorAll('#history-list .content')].map((v) => v.textContent)"
    bob_page.wait(lambda: bob_page.script(versions) == ["on it", "on it now"], "both versions, oldest first")
    bob_page.find("#history-dialog .close-dialog").click()

    bob_page.act_on(QUESTION, "delete")
    bob_page.accept_confirmation()
    for page in pages:
        page.wait_for_message("This message was deleted.", sender="bob" if page is alice_page else "You")
        page.wait_for_message("on it now", quote="Deleted message")

    alice_page.wait_for_message("on it now", state="read")  # bob has the conversation open
    alice_page.act_on("on it now", "seen-by")
    receipts = """return [...document.querySelectorAll('#receipts-list .receipt')]
        .map((row) => [row.querySelector('.member-name').textContent, row.dataset.state]);"""
    alice_page.wait(lambda: alice_page.script(receipts) == [["bob", "read"], ["carol", "waiting"]], "bob read it, carol not")
    assert alice_page.console_errors() == [] and bob_page.console_errors() == []
