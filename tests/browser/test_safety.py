"""Markup chosen by users (display names, group titles, message text, search snippets, reply quotes,
the system lines of a group's changes) is shown as text: no script runs, no element is made from it,
and the page's policy is never even tested."""
from html import escape

from selenium.webdriver.common.keys import Keys

from tests.helpers import PASSWORD

# Each would set window.__xss if the page ever parsed it as HTML.
NAME_IMG = """<img src=x onerror="window.__xss='display name'">"""
NAME_SVG = """<svg/onload="window.__xss='svg'">"""
TITLE_SCRIPT = """<script>window.__xss='title'</script>"""
# Markup itself is stripped by the server (docs/api.md, "Text that users choose"); written as
# entities it comes back, and the client must show it as text: these are what reach the page.
CONTENT_ENTITIES = "hello &lt;img src=x onerror=window.__xss=1&gt; &lt;script&gt;window.__xss=2&lt;/script&gt;"
CONTENT_MARKUP = """hello <img src=x onerror="window.__xss='content'"> there"""
RENAMED = """<svg onload="window.__xss='renamed'">"""

# What the page made from markup, if anything: elements no part of the client creates.
FOREIGN_ELEMENTS = """
return {xss: window.__xss ?? null,
        img: document.querySelectorAll('img').length,
        svg: document.querySelectorAll('svg').length,
        scripts: document.querySelectorAll('script').length};
"""


def register(client, username, display_name):
    response = client.post("/auth/register", json={"username": username, "password": PASSWORD,
                                                   "display_name": display_name})
    assert response.status_code == 201, response.get_json()
    return client.post("/auth/login", json={"username": username, "password": PASSWORD}).get_json()


def test_markup_in_names_titles_messages_and_snippets_is_shown_as_text_and_never_runs(client, pages):
    alice_page, bob_page = pages
    register(client, "alice", escape(NAME_IMG, quote=False)), register(client, "bob", escape(NAME_SVG, quote=False))
    register(client, "carol", "carol")
    alice_page.log_in("alice")
    bob_page.log_in("bob")

    alice_page.start_conversation(["bob", "carol"], title=escape(TITLE_SCRIPT, quote=False))
    alice_page.send(CONTENT_MARKUP)
    alice_page.send(CONTENT_ENTITIES)
    bob_page.open_conversation(TITLE_SCRIPT)
    bob_page.wait_for_message("hello <img src=x onerror=window.__xss=1> <script>window.__xss=2</script>",
                              sender=NAME_IMG)
    bob_page.find("#search-input").send_keys("hello\n")
    bob_page.wait(lambda: len(bob_page.find_all("#search-results mark")) == 2, "two highlighted results")

    assert bob_page.wait_for_message("hello  there")["sender"] == NAME_IMG  # the server removed the tag
    assert alice_page.text("#me-name") == NAME_IMG
    assert bob_page.text("#search-results .name") == TITLE_SCRIPT
    previews = bob_page.script("return [...document.querySelectorAll('#search-results .preview')].map((p) => p.textContent)")
    stripped, entities = sorted(previews)  # "hello  there" sorts first
    assert stripped == f"{NAME_IMG}: hello  there"
    assert entities.startswith(f"{NAME_IMG}: hello <img src=x onerror=window.__xss=1> <script>")
    shown_entities = "hello <img src=x onerror=window.__xss=1> <script>window.__xss=2</script>"
    bob_page.act_on(shown_entities, "reply")
    bob_page.send("a reply")
    alice_page.open_conversation(TITLE_SCRIPT)
    alice_page.wait_for_message("a reply", quote=shown_entities)
    alice_page.find("#members-button").click()
    alice_page.find("#rename-title").clear()
    alice_page.find("#rename-title").send_keys(escape(RENAMED, quote=False), Keys.ENTER)
    bob_page.wait_for_message(f"{NAME_IMG} renamed the group “{RENAMED}”", system=True)
    for page in pages:
        assert page.script(FOREIGN_ELEMENTS) == {"xss": None, "img": 0, "svg": 0, "scripts": 2}
        assert page.console_errors() == []  # a blocked inline handler would show here as a policy violation
