"""Presence benchmark: Redis memory with many users online, and the cost of one user coming online
against the number of their contacts.

    make bench BENCH=presence ARGS="--online 10000 --contacts 50 500"

Uses DATABASE_URL / REDIS_URL if set, else embedded servers in a temporary directory; applies the
migrations, empties the tables and makes `--online` users, plus one "hub" user per `--contacts`
value sharing a direct conversation with that many of them. Everything goes through the functions
a realtime process calls (app/realtime/presence.py: connected, disconnected), against real Redis
and PostgreSQL, with the Redis message queue publishing the announcements:

- memory: Redis `used_memory` before and after every user connects once (one socket each), beside
  the raw figure: the same users as members of one Redis set, the least that says who is online;
- fan-out: each hub connects and disconnects `--repeat` times while all its contacts are online;
  per connect, the time, the Redis commands (INFO commandstats: those run inside a script count
  one each) and SQL statements it ran, the bytes it published on any process's channel, beside
  the raw floor: the contacts query through psycopg2 plus one PUBLISH of a payload as large as
  ours. The contacts are online through this process's presence functions only, with no socket
  in its connection table, so no process is listed as holding them (app/realtime/registry.py):
  the routing script looks each of them up and publishes nothing.

Prints a JSON report and Markdown tables.
"""
import argparse
import sys
import time

from bench.harness import backing_services, conditions, load_average, migrated_app, milliseconds, publish
from bench.seed import connect

HUB_FIRST_ID = 1  # hubs are users 1..len(contacts); everyone else follows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--online", type=int, default=10_000, help="users online at once")
    parser.add_argument("--contacts", type=int, nargs="+", default=[50, 500], help="contacts of each hub user")
    parser.add_argument("--repeat", type=int, default=50, help="timed connects of each hub")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()
    if max(args.contacts) > args.online:
        parser.error("--online must be at least the largest --contacts")
    report = run(args.online, args.contacts, args.repeat)
    publish(report, markdown(report), args.json)


def run(online, contacts, repeat):
    """The report of one run (see the module docstring)."""
    with backing_services("messaging_bench") as env:
        app = migrated_app(env)
        hubs = make_people(env["DATABASE_URL"], online, contacts)
        with app.app_context():
            from app.redis_client import get_redis

            redis = get_redis()
            report = {"conditions": conditions(env["DATABASE_URL"], redis), "online": online,
                      "load_average_before": load_average()}
            report["memory"] = measure_memory(redis, online, len(contacts))
            report["fan_out"] = [measure_fan_out(app, env["DATABASE_URL"], redis, hub, count, repeat)
                                 for hub, count in hubs]
    return report


def make_people(database_url, online, contacts):
    """Empty the tables; make the hubs and `online` other users, each hub in a direct conversation
    with as many of the others as its `contacts` says. Returns [(hub id, contact count)]."""
    from bench.seed import _empty

    hubs = [(HUB_FIRST_ID + n, count) for n, count in enumerate(contacts)]
    first_other = HUB_FIRST_ID + len(hubs)
    connection = connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            _empty(cursor)
            cursor.execute("""
                INSERT INTO users (username, display_name, password_hash)
                SELECT 'user' || g, 'User ' || g, '!' FROM generate_series(1, %s) g""", (len(hubs) + online,))
            for hub, count in hubs:
                cursor.execute("""
                    WITH made AS (
                        INSERT INTO conversations (kind, created_by, direct_key)
                        SELECT 'direct', %(hub)s, %(hub)s || ':' || g FROM generate_series(%(first)s, %(last)s) g
                        RETURNING id, split_part(direct_key, ':', 2)::bigint AS other)
                    INSERT INTO conversation_participants (conversation_id, user_id)
                    SELECT id, %(hub)s FROM made UNION ALL SELECT id, other FROM made""",
                               {"hub": hub, "first": first_other, "last": first_other + count - 1})
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()
    return hubs


def measure_memory(redis, online, hub_count):
    """Redis used_memory for `online` users connected (the others, not the hubs), ours and raw."""
    from app.realtime import presence

    first = HUB_FIRST_ID + hub_count
    users = range(first, first + online)
    before = _used_memory(redis)
    started = time.perf_counter()
    for user_id in users:
        presence.connected(user_id, f"sid-{user_id}")
    seconds = time.perf_counter() - started
    ours = _used_memory(redis) - before

    raw_key = "bench:raw:online"
    before = _used_memory(redis)
    for start in range(first, first + online, 1000):
        redis.sadd(raw_key, *range(start, min(start + 1000, first + online)))
    raw = _used_memory(redis) - before
    redis.delete(raw_key)
    return {"users": online, "ours_bytes": ours, "ours_bytes_per_user": round(ours / online),
            "raw_set_bytes": raw, "ratio": round(ours / raw, 1) if raw > 0 else None,
            "connect_all_s": round(seconds, 1)}


def _used_memory(redis):
    return redis.info("memory")["used_memory"]


def measure_fan_out(app, database_url, redis, hub, contact_count, repeat):
    """Per connect of `hub` (all of its contacts online): latency, Redis commands, SQL statements,
    bytes published; and the raw floor of the same work."""
    from sqlalchemy import event

    from app.extensions import db
    from app.realtime import presence
    from app.services.presence import contact_ids

    # Each realtime process hears a channel of its own (app/message_queue.py): listen to them all.
    listener = redis.pubsub(ignore_subscribe_messages=True)
    listener.psubscribe(app.config["REDIS_KEY_PREFIX"] + "socketio*")
    statements = []

    def count(*_):
        statements.append(1)

    timings, commands, sql, published, announced = [], [], [], [], []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for n in range(repeat + 1):  # the first round warms caches and is not counted
            statements.clear()
            calls = _command_calls(redis)
            started = time.perf_counter()
            change = presence.connected(hub, f"hub-{hub}")
            elapsed = time.perf_counter() - started
            used = _command_calls(redis) - calls - 1  # less INFO itself
            db.session.remove()
            sizes = _drain(listener)
            presence.disconnected(hub, f"hub-{hub}")
            db.session.remove()
            _drain(listener)
            if n:
                timings.append(elapsed)
                commands.append(used)
                sql.append(len(statements))
                published.append(sum(sizes))
                announced.append(change.changed)
        assert all(announced), "the hub was online already: nothing was announced"
        recipients = len(contact_ids(hub))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        listener.close()
    floor = _raw_floor(database_url, redis, hub, max(published), repeat)
    ours = milliseconds(timings)
    return {"hub": hub, "contacts": contact_count, "recipients": recipients, "ours_ms": ours,
            "redis_commands": max(commands), "sql_statements": max(sql), "published_bytes": max(published),
            "floor_ms": floor, "ratio_p95": round(ours[95] / floor[95], 1) if floor[95] else None}


def _command_calls(redis):
    return sum(stats["calls"] for name, stats in redis.info("commandstats").items())


def _drain(listener, wait=0.5):
    """Sizes of the messages published on the channel since the last drain."""
    sizes, deadline = [], time.monotonic() + wait
    while True:
        message = listener.get_message(timeout=0.05)
        if message is not None:
            sizes.append(len(message["data"]))
            deadline = time.monotonic() + 0.05
        elif time.monotonic() > deadline or sizes:
            return sizes


def _raw_floor(database_url, redis, hub, payload_bytes, repeat):
    """The least a coming-online can cost: its contacts read through psycopg2, one PUBLISH of as
    many bytes as ours published."""
    payload = b"x" * payload_bytes
    connection = connect(database_url)
    timings = []
    try:
        with connection.cursor() as cursor:
            for n in range(repeat + 1):
                started = time.perf_counter()
                cursor.execute("""
                    SELECT DISTINCT theirs.user_id FROM conversation_participants mine
                    JOIN conversation_participants theirs ON theirs.conversation_id = mine.conversation_id
                    WHERE mine.user_id = %s AND theirs.user_id <> %s""", (hub, hub))
                cursor.fetchall()
                connection.rollback()
                redis.publish("bench:raw:presence", payload)
                if n:
                    timings.append(time.perf_counter() - started)
    finally:
        connection.close()
    return milliseconds(timings)


def markdown(report):
    memory = report["memory"]
    lines = ["| users online | ours: Redis used_memory | per user | raw: one set of their ids | ours : raw |",
             "|---|---|---|---|---|",
             f"| {memory['users']} | {memory['ours_bytes'] / 2**20:.1f} MiB | {memory['ours_bytes_per_user']} B | "
             f"{memory['raw_set_bytes'] / 2**20:.2f} MiB | {memory['ratio']} |",
             "",
             "| contacts | recipients | ours p50 / p95 / p99 ms | Redis commands | SQL statements | bytes published"
             " | floor p50 / p95 / p99 ms | ours : floor (p95) |",
             "|---|---|---|---|---|---|---|---|"]
    for row in report["fan_out"]:
        ours, floor = row["ours_ms"], row["floor_ms"]
        lines.append(f"| {row['contacts']} | {row['recipients']} | {ours[50]} / {ours[95]} / {ours[99]} | "
                     f"{row['redis_commands']} | {row['sql_statements']} | {row['published_bytes']} | "
                     f"{floor[50]} / {floor[95]} / {floor[99]} | {row['ratio_p95']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
