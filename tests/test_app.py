"""create_app: settings from the environment with overrides on top, every door registered."""
import pytest

from app import create_app
from app.config import MissingSetting
from app.extensions import socketio
from app.rooms import NAMESPACE
from tests.helpers import ApiClient


def test_overrides_win_over_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SEND_RATE_LIMIT", "5")

    built = make_app({"MAX_GROUP_SIZE": 3})

    assert built.config["SEND_RATE_LIMIT"] == 5
    assert built.config["MAX_GROUP_SIZE"] == 3


def test_a_missing_required_setting_is_named(app, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")

    with pytest.raises(MissingSetting, match="DATABASE_URL"):
        create_app()


def test_every_door_is_registered(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}

    assert {"/auth/login", "/users/me", "/conversations", "/conversations/<int:conversation_id>/images",
            "/media/upload", "/messages/search", "/push/subscriptions", "/admin/queues", "/health",
            "/openapi.json", "/docs"} <= rules
    assert set(socketio.server.namespace_handlers) == {NAMESPACE}


def test_the_operator_commands_are_registered(runner):
    result = runner.invoke(args=["users", "--help"])

    assert result.exit_code == 0
    assert "create" in result.output


@pytest.mark.parametrize("hops, upload_url", [(0, "http://localhost/media/upload"),
                                              (1, "https://chat.example/media/upload")])
def test_urls_the_app_mints_follow_forwarded_headers_only_behind_configured_proxies(make_app, hops, upload_url):
    behind = ApiClient(make_app({"TRUSTED_PROXIES": hops}).test_client())
    alice, bob = behind.user("alice"), behind.user("bob")
    conversation_id = behind.conversation(alice, bob)

    response = behind.post(f"/conversations/{conversation_id}/images", json={"content_type": "image/png", "size": 10},
                           headers={**alice.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example"})

    assert response.get_json()["upload"]["url"] == upload_url
