"""Admin job endpoints and the queue dashboard. No consumer runs in this module, so what is enqueued
stays visible in the queue."""
import pytest


ADMIN_ENDPOINTS = [("post", "/admin/trigger-archive"), ("post", "/admin/trigger-cleanup"),
                   ("get", "/admin/jobs/some-id"), ("get", "/admin/queues")]


@pytest.mark.parametrize("method, path", ADMIN_ENDPOINTS)
def test_admin_endpoints_need_a_login(client, method, path):
    response = getattr(client, method)(path)

    assert response.status_code == 401


@pytest.mark.parametrize("method, path", ADMIN_ENDPOINTS)
def test_admin_endpoints_are_forbidden_to_other_users(client, method, path):
    alice = client.user("alice")

    response = client.as_user(alice, method, path)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_non_admin_trigger_enqueues_nothing(client, admin):
    client.as_user(client.user("alice"), "post", "/admin/trigger-archive")

    assert client.as_user(admin, "get", "/admin/queues").get_json()["pending"] == []


@pytest.mark.parametrize("path, task", [("/admin/trigger-archive", "archive_conversations"),
                                        ("/admin/trigger-cleanup", "cleanup_images")])
def test_trigger_enqueues_the_job_and_returns_its_id(client, admin, path, task):
    response = client.as_user(admin, "post", path)

    assert response.status_code == 202
    job = response.get_json()
    assert (job["name"], job["state"]) == (task, "queued")
    status = client.as_user(admin, "get", f"/admin/jobs/{job['id']}")
    assert status.status_code == 200 and status.get_json()["state"] == "queued"
    pending = client.as_user(admin, "get", "/admin/queues").get_json()["pending"]
    assert [(t["id"], t["name"]) for t in pending] == [(job["id"], task)]


def test_unknown_job_is_not_found(client, admin):
    response = client.as_user(admin, "get", "/admin/jobs/no-such-job")

    assert response.status_code == 404


def test_dashboard_lists_the_periodic_jobs_with_their_schedule_and_zone(client, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_TIMEZONE", "Europe/Berlin")

    overview = client.as_user(admin, "get", "/admin/queues").get_json()

    periodic = {task["name"]: task for task in overview["periodic"]}
    assert periodic["archive_conversations"]["schedule"] == "daily at 02:00"
    assert periodic["cleanup_images"]["schedule"] == "daily at 03:00"
    assert periodic["archive_conversations"]["timezone"] == "Europe/Berlin"
    assert periodic["archive_conversations"]["next_run"].endswith(("+01:00", "+02:00"))
    assert "T02:00:00" in periodic["archive_conversations"]["next_run"]


def test_dashboard_shows_scheduled_tasks(client, admin, app):
    from tasks.notifications import deliver_push

    with app.app_context():
        job_id = deliver_push.schedule(args=(1, 2), delay=3600).id

    overview = client.as_user(admin, "get", "/admin/queues").get_json()

    # Until a consumer moves it to the schedule, a delayed task waits in the queue with its eta.
    [task] = overview["pending"] + overview["scheduled"]
    assert (task["id"], task["name"], task["args"]) == (job_id, "deliver_push", [1, 2])
    assert task["eta"] is not None


def test_dashboard_is_an_html_page_for_browsers_with_everything_escaped(client, admin, app):
    from tasks.notifications import deliver_push

    with app.app_context():
        deliver_push.schedule(args=("<script>alert(1)</script>", 2), delay=3600)

    response = client.get("/admin/queues", headers={**admin.headers, "Accept": "text/html,*/*;q=0.8"})

    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    page = response.get_data(as_text=True)
    assert "archive_conversations" in page and "deliver_push" in page
    assert "<script>" not in page
    assert "<link" not in page and "src=" not in page  # no external assets
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_dashboard_html_can_be_asked_for_with_a_query_parameter(client, admin):
    response = client.as_user(admin, "get", "/admin/queues?format=html")

    assert response.content_type.startswith("text/html")


def test_dashboard_is_json_by_default(client, admin):
    response = client.get("/admin/queues", headers={**admin.headers, "Accept": "*/*"})

    assert response.content_type == "application/json"
    assert set(response.get_json()) >= {"pending", "scheduled", "periodic", "recent", "failures"}
