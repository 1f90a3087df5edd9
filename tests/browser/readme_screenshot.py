"""Takes docs/web-client.png, the README's picture of the web client, from a seeded session.

Not collected by `make test` (the name does not start with test_); run it on purpose:

    .venv/bin/python -m pytest tests/browser/readme_screenshot.py
"""
from pathlib import Path

from tests.helpers import PASSWORD

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "web-client.png"


def register(client, username, display_name):
    client.post("/auth/register", json={"username": username, "password": PASSWORD, "display_name": display_name})
    tokens = client.post("/auth/login", json={"username": username, "password": PASSWORD}).get_json()
    me = client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).get_json()
    me["headers"] = {"Authorization": f"Bearer {tokens['access_token']}"}
    return me


def say(client, sender, conversation_id, content, **extra):
    response = client.post(f"/conversations/{conversation_id}/messages", json={"content": content, **extra},
                           headers=sender["headers"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def start(client, creator, others, title=None):
    body = {"participant_ids": [user["id"] for user in others], **({"title": title} if title else {})}
    return client.post("/conversations", json=body, headers=creator["headers"]).get_json()["id"]


def test_take_the_readme_screenshot(client, pages):
    ada, grace, linus, margaret = (register(client, name, display) for name, display in [
        ("ada", "Ada Lovelace"), ("grace", "Grace Hopper"), ("linus", "Linus"), ("margaret", "Margaret Hamilton")])
    launch = start(client, ada, [grace, linus, margaret], title="Launch checklist")
    say(client, margaret, launch, "@ada guidance software is frozen for tonight's build.")
    say(client, linus, launch, "Release notes are up, please have a look.")
    with_linus = start(client, ada, [linus])
    say(client, linus, with_linus, "Coffee after the stand-up?")
    with_grace = start(client, ada, [grace])
    say(client, ada, with_grace, "Did the nightly archive job run?")
    archived = say(client, grace, with_grace, "It did: 12 conversations archived, 0 failures. The dashboard is at /admin/queues.")
    client.put(f"/messages/{archived['id']}/reactions/%F0%9F%8E%89", headers=ada["headers"])
    question = say(client, ada, with_grace, "Great, thanks! Shall we deploy the web client today?")
    say(client, grace, with_grace, "Yes, the browser tests are green.", reply_to_id=question["id"])

    page, grace_page = pages
    grace_page.log_in("grace")
    page.log_in("ada")
    page.open_conversation("Grace Hopper")
    page.wait_for_message("Yes, the browser tests are green.")
    grace_page.open_conversation("Ada Lovelace")
    page.wait_for_message("Great, thanks! Shall we deploy the web client today?", state="read")
    grace_page.type("Let me check the release")
    page.wait(lambda: page.text("#typing"), "the typing line")
    page.type("Perfect, let's ship it")
    page.driver.set_window_size(1100, 700)
    page.find("#composer-input").click()
    assert page.driver.save_screenshot(str(SCREENSHOT))
