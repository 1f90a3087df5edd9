"""The nightly schedule reads wall-clock time in JOBS_TIMEZONE (Huey hands validators naive UTC)."""
from datetime import datetime, timezone

import pytest

from app.config import from_env


@pytest.fixture
def daily_at(app):
    # Imported once the app fixture has put REDIS_URL in the environment: `tasks` builds Huey on import.
    from tasks.schedule import daily_at

    return daily_at


def utc(*args):
    return datetime(*args)  # naive, as Huey's consumer passes it (utc=True)


def test_default_zone_is_utc(app, daily_at):
    at_two = daily_at(2)

    with app.app_context():
        assert at_two(utc(2026, 1, 15, 2, 0))
        assert not at_two(utc(2026, 1, 15, 1, 0))
        assert not at_two(utc(2026, 1, 15, 2, 1))


@pytest.mark.parametrize("moment, expected", [
    (utc(2026, 1, 15, 1, 0), True),   # winter: 02:00 CET is 01:00 UTC
    (utc(2026, 1, 15, 2, 0), False),
    (utc(2026, 7, 15, 0, 0), True),   # summer: 02:00 CEST is 00:00 UTC
    (utc(2026, 7, 15, 1, 0), False),
])
def test_configured_zone_moves_the_run_with_daylight_saving(app, daily_at, monkeypatch, moment, expected):
    monkeypatch.setitem(app.config, "JOBS_TIMEZONE", "Europe/Berlin")
    at_two = daily_at(2)

    with app.app_context():
        assert at_two(moment) is expected


def test_next_run_is_the_next_local_occurrence(daily_at):
    at_three = daily_at(3, zone="America/New_York")

    after = datetime(2026, 3, 10, 8, 30, tzinfo=timezone.utc)  # 04:30 EDT: today's run is over

    assert at_three.next_run(after).isoformat() == "2026-03-11T03:00:00-04:00"


def test_misspelt_jobs_timezone_fails_at_start_up(stack):
    with pytest.raises(Exception, match="Mars"):
        from_env({**stack["env"], "JOBS_TIMEZONE": "Mars/Olympus_Mons"})
