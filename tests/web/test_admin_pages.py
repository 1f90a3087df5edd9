"""The admin's browser door to the queue dashboard: a login form, a session cookie scoped to /admin,
CSRF-checked buttons that queue the nightly jobs, and logging out. No consumer runs here, so a
queued job stays visible in the queue."""
import re

import pytest

from tests.helpers import PASSWORD


def log_in(client, username, password=PASSWORD, ip="127.0.0.1"):
    return client.post("/admin/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def dashboard(client):
    return client.get("/admin/queues", headers={"Accept": "text/html"})


def csrf_token(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def pending_jobs(client, admin):
    return [task["name"] for task in client.as_user(admin, "get", "/admin/queues").get_json()["pending"]]


def test_the_login_form_is_a_page_that_runs_no_script_and_cannot_be_framed(client):
    page = client.get("/admin/login")

    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy and "script-src" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_an_admin_login_sets_an_httponly_strict_cookie_scoped_to_admin_and_opens_the_dashboard(client, admin):
    response = log_in(client, "root")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/queues")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("admin_session=")
    assert "Path=/admin" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = dashboard(client)
    assert page.status_code == 200
    assert "Run the archive job now" in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_wrong_password_shows_the_form_again_without_a_session(client, admin):
    response = log_in(client, "root", "wrong password")

    assert response.status_code == 401
    assert "invalid username or password" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert dashboard(client).headers["Location"].endswith("/admin/login")


def test_a_user_who_is_not_an_admin_gets_no_session(client):
    client.user("alice")

    response = log_in(client, "alice")

    assert response.status_code == 403
    assert "admins only" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_the_dashboard_without_a_login_sends_a_browser_to_the_login_form(client):
    response = dashboard(client)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/login")


def test_the_session_cookie_is_not_sent_to_the_api(client, admin):
    log_in(client, "root")

    response = client.post("/admin/trigger-archive")

    assert response.status_code == 401
    assert pending_jobs(client, admin) == []


@pytest.mark.parametrize("job, task", [("archive", "archive_conversations"), ("cleanup", "cleanup_images")])
def test_a_dashboard_button_queues_the_job_and_the_dashboard_shows_it(client, admin, job, task):
    log_in(client, "root")

    response = client.post(f"/admin/queues/run/{job}", data={"csrf_token": csrf_token(dashboard(client))})

    assert response.status_code == 303
    job_id = re.search(r"queued=([^&]+)$", response.headers["Location"]).group(1)
    assert pending_jobs(client, admin) == [task]
    page = client.get(response.headers["Location"], headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f"Job <code>{job_id}</code> ({task})" in page


@pytest.mark.parametrize("form", [{}, {"csrf_token": "forged"}])
def test_a_button_without_the_sessions_csrf_token_queues_nothing(client, admin, form):
    log_in(client, "root")

    response = client.post("/admin/queues/run/archive", data=form)

    assert response.status_code == 403
    assert "CSRF" in response.get_json()["error"]["message"]
    assert pending_jobs(client, admin) == []


def test_only_the_two_nightly_jobs_have_buttons(client, admin):
    log_in(client, "root")

    response = client.post("/admin/queues/run/deliver_push", data={"csrf_token": csrf_token(dashboard(client))})

    assert response.status_code == 404
    assert pending_jobs(client, admin) == []


def test_logging_out_ends_the_session_at_once(client, admin):
    log_in(client, "root")
    token = csrf_token(dashboard(client))
    session_id = client.get_cookie("admin_session", path="/admin").value

    response = client.post("/admin/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert client.get_cookie("admin_session", path="/admin") is None
    client.set_cookie("admin_session", session_id, path="/admin")  # a copy of the old cookie
    assert dashboard(client).status_code == 302
    assert client.post("/admin/queues/run/archive", data={"csrf_token": token}).status_code == 303
    assert pending_jobs(client, admin) == []


def test_a_session_stops_working_when_its_user_is_no_longer_an_admin(client, admin, app):
    from sqlalchemy import update

    from app.extensions import db
    from app.models import User

    log_in(client, "root")
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin.id).values(is_admin=False))
        db.session.commit()

    response = dashboard(client)

    assert response.status_code == 403


def test_login_attempts_through_the_form_and_the_api_share_one_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_USERNAME", "2 per minute")
    client.user("heidi")
    client.post("/auth/login", json={"username": "heidi", "password": "wrong"})
    log_in(client, "heidi", "wrong", ip="10.2.0.1")

    through_form = log_in(client, "HEIDI", ip="10.2.0.2")
    through_api = client.post("/auth/login", json={"username": "heidi", "password": PASSWORD})

    assert through_form.status_code == 429
    assert "Too many login attempts" in through_form.get_data(as_text=True)
    assert through_api.status_code == 429
