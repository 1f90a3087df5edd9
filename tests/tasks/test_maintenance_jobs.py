"""The archive and image-cleanup jobs run by a real consumer, triggered through the admin API."""
from sqlalchemy import select

from app.extensions import db
from app.models import MessageImage, Participant
from tests.helpers import finished_job, idle_for, log_records, uploaded_image


def archived_flags(app, conversation_id):
    with app.app_context():
        return sorted(db.session.scalars(select(Participant.archived_at.isnot(None))
                                         .where(Participant.conversation_id == conversation_id)))


def test_triggered_archive_job_archives_in_postgres_and_reports_counts(client, app, admin, consumer):
    alice, bob = client.user("alice"), client.user("bob")
    stale, fresh = client.conversation(alice, bob), client.conversation(alice, bob, title="fresh")
    client.send(alice, fresh, "hello")
    idle_for(app, [stale], days=100)

    response = client.as_user(admin, "post", "/admin/trigger-archive")

    assert response.status_code == 202
    job = finished_job(client, admin, response.get_json()["id"])
    assert job["state"] == "succeeded"
    assert job["result"]["conversations"] == 1 and job["result"]["participants"] == 2
    assert archived_flags(app, stale) == [True, True]
    assert archived_flags(app, fresh) == [False, False]


def test_every_job_start_and_success_is_logged_by_the_consumer(client, admin, consumer):
    job_id = client.as_user(admin, "post", "/admin/trigger-archive").get_json()["id"]

    finished_job(client, admin, job_id)

    lines = [r for r in log_records(consumer.read_text()) if r.get("job_id") == job_id]
    assert {r["task"] for r in lines} == {"archive_conversations"}
    assert [r["message"] for r in lines if r["logger"] == "tasks"] == ["job started", "job succeeded"]
    succeeded = next(r for r in lines if r["message"] == "job succeeded")
    assert succeeded["duration_s"] >= 0 and succeeded["result"]["conversations"] == 0


def test_archive_job_skips_while_another_run_holds_the_lock(client, app, admin, consumer):
    from tasks.locks import exclusive

    alice, bob = client.user("alice"), client.user("bob")
    stale = client.conversation(alice, bob)
    idle_for(app, [stale], days=100)

    with app.app_context(), exclusive("archive_conversations") as held:
        assert held
        job = finished_job(client, admin, client.as_user(admin, "post", "/admin/trigger-archive").get_json()["id"])

    assert job["result"] == {"skipped": "another run is in progress"}
    assert archived_flags(app, stale) == [False, False]


def test_two_concurrent_archive_runs_archive_each_conversation_once(client, app, admin, consumer):
    alice, bob = client.user("alice"), client.user("bob")
    stale = [client.conversation(alice, bob, title=f"old {i}") for i in range(5)]
    idle_for(app, stale, days=100)

    ids = [client.as_user(admin, "post", "/admin/trigger-archive").get_json()["id"] for _ in range(2)]
    jobs = [finished_job(client, admin, job_id) for job_id in ids]

    archived_counts = [job["result"].get("conversations", 0) for job in jobs]
    assert sum(archived_counts) == 5
    assert all(archived_flags(app, c) == [True, True] for c in stale)


def test_triggered_cleanup_job_removes_stale_uploads_from_s3_and_postgres(client, app, admin, consumer):
    from datetime import timedelta

    from sqlalchemy import update

    from app import storage

    alice, bob = client.user("alice"), client.user("bob")
    conversation = client.conversation(alice, bob)
    stale_id, fresh_id = uploaded_image(client, alice, conversation), uploaded_image(client, alice, conversation)
    with app.app_context():
        db.session.execute(update(MessageImage).where(MessageImage.id == stale_id)
                           .values(created_at=MessageImage.created_at - timedelta(hours=25)))
        db.session.commit()
        keys = dict(db.session.execute(select(MessageImage.id, MessageImage.s3_key)).all())

    response = client.as_user(admin, "post", "/admin/trigger-cleanup")

    assert response.status_code == 202
    job = finished_job(client, admin, response.get_json()["id"])
    assert job["state"] == "succeeded" and job["result"]["unattached"] == 1
    with app.app_context():
        assert set(db.session.scalars(select(MessageImage.id))) == {fresh_id}
        assert storage.photos().head(keys[stale_id]) is None
        assert storage.photos().head(keys[fresh_id]) is not None
