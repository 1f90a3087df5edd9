"""At phone width, with the keyboard alone: log in, start a conversation, send, go back, log out
(the server then closes the socket: the other person sees the user go offline)."""
from selenium.webdriver.common.keys import Keys

from tests.helpers import PASSWORD


def keys(page, *typed):
    page.driver.switch_to.active_element.send_keys(*typed)


def tab_to(page, css, backwards=False):
    """Press Tab (Shift+Tab) until the focus is on `css`: proof that the keyboard reaches it."""
    for _ in range(40):
        if page.script("return document.activeElement.matches(arguments[0])", css):
            return
        keys(page, Keys.SHIFT, Keys.TAB) if backwards else keys(page, Keys.TAB)
    raise AssertionError(f"the keyboard never reached {css}")


def no_sideways_scrolling(page):
    return page.script("return document.documentElement.scrollWidth <= window.innerWidth")


def test_at_phone_width_the_keyboard_alone_starts_a_conversation_sends_and_logs_out(client, pages):
    phone, bob_page = pages
    client.user("alice"), client.user("bob")
    bob_page.log_in("bob")
    phone.driver.set_window_size(390, 844)

    keys(phone, "alice", Keys.TAB, PASSWORD, Keys.ENTER)
    phone.wait_connected()
    tab_to(phone, "#new-conversation")
    keys(phone, Keys.ENTER)
    phone.wait(lambda: phone.script("return document.activeElement.id") == "new-usernames", "the username field")
    keys(phone, "bob", Keys.ENTER)
    phone.wait(lambda: phone.script("return document.activeElement.id") == "composer-input", "the composer")
    assert not phone.visible("#sidebar") and no_sideways_scrolling(phone)
    keys(phone, "Hi from my phone", Keys.ENTER)
    phone.wait_for_message("Hi from my phone", state="delivered")  # Bob's browser has it, unopened
    bob_page.open_conversation("alice")
    bob_page.wait_for_message("Hi from my phone", sender="alice")
    phone.wait_for_message("Hi from my phone", state="read")
    tab_to(phone, "#back", backwards=True)
    keys(phone, Keys.ENTER)

    phone.wait(lambda: phone.visible("#sidebar"), "the conversation list")
    assert phone.script("return document.activeElement.closest('.conversation-item').dataset.conversationId")
    assert not phone.visible("#conversation") and no_sideways_scrolling(phone)
    assert bob_page.find("#conversation-presence").get_attribute("data-status") == "online"
    tab_to(phone, "#logout", backwards=True)
    keys(phone, Keys.ENTER)
    phone.wait_visible("#login-view")
    bob_page.wait(lambda: bob_page.find("#conversation-presence").get_attribute("data-status") == "offline",
                  "alice to go offline")
    assert phone.console_errors() == [] and bob_page.console_errors() == []
