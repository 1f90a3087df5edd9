"""The conversation list and a long history: order, unread counts, previews, scrolling back, search,
archiving."""
from selenium.webdriver.common.by import By


def test_list_order_unread_counts_scroll_back_search_jump_and_archive(client, pages):
    alice_page, _ = pages
    alice, bob, carol = client.user("alice"), client.user("bob"), client.user("carol")
    client.send(carol, client.conversation(alice, carol), "an older conversation")
    with_bob = client.conversation(alice, bob)
    client.send(bob, with_bob, "the deploy server is down")
    for seq in range(2, 131):
        client.send(bob if seq % 2 else alice, with_bob, f"message {seq}")

    alice_page.log_in("alice")
    alice_page.wait(lambda: alice_page.conversation_names() == ["bob", "carol"], "both conversations, newest first")
    bob_row = alice_page.conversation_row("bob")
    assert bob_row.find_element(By.CSS_SELECTOR, ".unread").get_attribute("textContent") == "65 unread"
    assert bob_row.find_element(By.CSS_SELECTOR, ".preview").text == "You: message 130"
    alice_page.open_conversation("bob")
    assert [row["seq"] for row in alice_page.messages()] == list(range(81, 131))
    # Scrolling near the top loads older pages too, and a layout change may already have done so (or
    # be doing so as the button is clicked: then two pages come in).
    oldest = alice_page.messages()[0]["seq"]
    alice_page.find("#load-older").click()
    alice_page.wait(lambda: alice_page.messages()[0]["seq"] <= max(oldest - 50, 1), "the previous page")
    shown = [row["seq"] for row in alice_page.messages()]
    assert shown == list(range(shown[0], 131))  # no gap, no duplicate
    alice_page.wait(lambda: not alice_page.conversation_row("bob").find_elements(By.CSS_SELECTOR, ".unread"),
                    "bob's unread count to clear")

    alice_page.find("#search-input").send_keys("deploy\n")
    hit = alice_page.wait(lambda: alice_page.find_all("#search-results .search-result"), "a search hit")
    snippet = alice_page.script("return document.querySelector('#search-results .preview').innerHTML")
    assert snippet.startswith("bob: ") and "<mark>deploy</mark> server is down" in snippet
    hit[0].find_element(By.CSS_SELECTOR, "button").click()

    jumped = alice_page.wait(lambda: alice_page.find_all("#message-list .jumped"), "the message to be highlighted")
    assert jumped[0].get_attribute("data-seq") == "1"
    assert alice_page.script("return document.activeElement.dataset.seq") == "1"
    assert [row["seq"] for row in alice_page.messages()] == list(range(1, 131))

    alice_page.find("#search-close").click()
    alice_page.open_conversation("carol")
    alice_page.find("#archive-toggle").click()
    alice_page.wait(lambda: alice_page.conversation_names() == ["bob"], "carol's conversation to leave the list")
    alice_page.find("#show-archived").click()
    alice_page.wait(lambda: alice_page.conversation_names() == ["carol"], "the archived conversations")
    assert alice_page.text("#archive-toggle") == "Unarchive"
    assert alice_page.console_errors() == []
