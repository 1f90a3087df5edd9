"""Pooled PostgreSQL connections are checked as they leave the pool (app/database_checkout.py)."""
from sqlalchemy import text

from app.extensions import db
from tests.helpers import PASSWORD


def test_a_request_after_the_server_ended_its_pooled_connection_succeeds(app, make_app):
    other = make_app()  # a pool of its own, which then holds one connection
    with other.app_context():
        ended = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back into the pool, where the server ends it
    with app.app_context():
        # Returns once that backend has exited (or after 5 s: then False).
        assert db.session.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": ended}).scalar_one()
        db.session.commit()

    response = other.test_client().post("/auth/register", json={"username": "alice", "password": PASSWORD})

    assert response.status_code == 201, response.get_json()
