"""Wall-clock schedules in the configured JOBS_TIMEZONE.

Huey (utc=True, our setting) hands periodic-task validators a naive UTC datetime, and its own
crontab() compares that as is: crontab(hour=2) would mean 02:00 UTC. daily_at() reads the
timestamp in JOBS_TIMEZONE instead, so "02:00" follows the zone's daylight-saving changes.
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from tasks.context import flask_app


def daily_at(hour, minute=0, zone=None):
    """A validator true in the minute hour:minute local time of `zone` (default: JOBS_TIMEZONE).

    On a day when that local time does not exist (clocks jump over it) the job does not run; when
    it happens twice (clocks go back) it runs twice, which the jobs tolerate (idempotent, locked).
    """
    def tz():
        return ZoneInfo(zone or flask_app().config["JOBS_TIMEZONE"])

    def validate(timestamp):
        local = timestamp.replace(tzinfo=timezone.utc).astimezone(tz())
        return (local.hour, local.minute) == (hour, minute)

    def next_run(after):
        """The next run strictly after the aware datetime `after`, as an aware datetime in the zone."""
        local = after.astimezone(tz())
        day = local.date()
        while True:
            candidate = datetime.combine(day, time(hour, minute), tzinfo=tz())
            if candidate > local:
                return candidate
            day += timedelta(days=1)

    validate.description = f"daily at {hour:02d}:{minute:02d}"
    validate.next_run = next_run
    validate.timezone = lambda: tz().key
    return validate
