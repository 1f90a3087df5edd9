"""Tokens: an access token about to expire is replaced by a timer, and one that has expired (a laptop
slept) from the refresh token at once, without asking the person to log in again."""
from datetime import timedelta

from flask_jwt_extended import create_access_token

STORED_SESSION = "return JSON.parse(sessionStorage.getItem('messaging.session'))"


def test_a_session_whose_access_token_expired_refreshes_it_and_carries_on(client, app, pages):
    page, _ = pages
    alice, bob = client.user("alice"), client.user("bob")
    client.send(bob, client.conversation(alice, bob), "are you there?")
    page.log_in("alice")
    with app.app_context():
        expired = create_access_token(identity=str(alice.id), expires_delta=timedelta(seconds=-30))
    # As after a laptop slept past the token's expiry, before the refresh timer could run.
    page.script("const s = JSON.parse(sessionStorage.getItem('messaging.session'));"
                "s.accessToken = arguments[0]; s.expiresAt = Date.now() - 30000;"
                "sessionStorage.setItem('messaging.session', JSON.stringify(s));", expired)

    page.reload()

    page.wait_connected()
    page.open_conversation("bob")
    page.wait_for_message("are you there?")
    assert page.script(STORED_SESSION)["accessToken"] not in (expired, alice.token)
    assert page.visible("#chat-view") and not page.visible("#login-view")
    assert page.console_errors() == []  # the expired token was never even sent


def test_an_access_token_is_refreshed_before_it_expires_while_the_page_stays_open(client, pages):
    page, _ = pages
    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    page.log_in("alice")
    first = page.script(STORED_SESSION)["accessToken"]
    # As if the token had a minute and two seconds left: the timer refreshes a minute before expiry.
    page.script("const s = JSON.parse(sessionStorage.getItem('messaging.session'));"
                "s.expiresAt = Date.now() + 62000; sessionStorage.setItem('messaging.session', JSON.stringify(s));")
    page.reload()
    page.wait_connected()

    page.wait(lambda: page.script(STORED_SESSION)["accessToken"] != first, "the timer to replace the access token")
    client.send(bob, conversation, "still there?")
    page.open_conversation("bob")
    page.wait_for_message("still there?")
    assert page.console_errors() == []
