"""A realistic chat history for the benchmarks, loaded fast (COPY) straight into PostgreSQL.

    seed(database_url, messages=1_000_000)

Users, direct conversations and groups, and `messages` messages of made-up text (bench/corpus.py)
spread over two years, most conversations quiet and a few very busy (Pareto). Probe users are
built in: LIGHT_USERS take part in three conversations each, HEAVY_USERS in hundreds, busy ones
first. RARE_WORDS are planted a known number of times, a few of them in every probe user's
conversations; NO_HIT_WORD never appears.

The schema's invariants hold as if every message had been sent through the service: ids and
created_at grow together, seqs are gap-free per conversation, conversations.last_seq and
last_message_at match their newest message, every sender takes part in the conversation, read
positions point at real messages. The tables are emptied first. The messages table's secondary
indexes are dropped during the load and built again after it, as pg_restore does.
"""
import io
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg2
import psycopg2.extensions

from bench.corpus import TextMaker

LIGHT_USERS = (1, 2, 3, 4, 5)
HEAVY_USERS = (6, 7, 8, 9, 10)
FIRST_GENERAL_USER = 11
RARE_WORDS = ("quokkafest", "zeppelinbrew", "marzipanic", "octarinewave", "glimmerjack")
RARE_PER_WORD_PER_MILLION = 40  # plus 2 in each probe user's conversations
NO_HIT_WORD = "xylophonequartz"
HISTORY_DAYS = 730
COPY_BATCH = 50_000

_FIRST_NAMES = ("maria jose ana luis carlos sofia lucas emma noah olivia liam mia yuki hana wei li chen "
                "ivan olga dmitri anna pierre claire hans greta joao beatriz amir leila omar fatima "
                "kofi ama raj priya arjun sam alex chris jordan taylor").split()


@dataclass
class Seeded:
    """What seed() made: counts, and the probe users and words the benchmarks query."""

    users: int
    conversations: int
    messages: int
    light_users: tuple = LIGHT_USERS
    heavy_users: tuple = HEAVY_USERS
    rare_words: tuple = RARE_WORDS
    no_hit_word: str = NO_HIT_WORD
    seconds: dict = field(default_factory=dict)


def connect(database_url):
    """A psycopg2 connection from a DATABASE_URL as the app reads it (libpq URI)."""
    return psycopg2.connect(database_url.replace("postgresql+psycopg2://", "postgresql://"))


def query(database_url, sql, params=None):
    """The rows of one statement, on a connection of its own."""
    connection = connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def seed(database_url, messages=1_000_000, rng_seed=1, progress=print):
    """Empty the tables and load a chat history of `messages` messages; returns Seeded."""
    rng = random.Random(rng_seed)
    timings = {}
    started = time.perf_counter()
    plan = _plan(rng, messages)
    timings["plan_s"] = round(time.perf_counter() - started, 1)
    progress(f"seed: {plan.user_count} users, {len(plan.members)} conversations, {messages} messages planned")
    # COPY cannot run under a wait callback (what psycogreen installs in a gevent benchmark).
    wait_callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    connection = connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            step = time.perf_counter()
            _empty(cursor)
            _skip_foreign_key_checks(cursor)
            _copy(cursor, "users (id, username, display_name, password_hash, created_at)", _user_rows(plan))
            _copy(cursor, "conversations (id, kind, title, created_by, created_at, last_message_at, last_seq, direct_key)",
                  _conversation_rows(plan))
            _copy(cursor, "conversation_participants (conversation_id, user_id, joined_at, last_read_seq)",
                  _participant_rows(plan, rng))
            indexes = _drop_secondary_indexes(cursor, "messages")
            _copy(cursor, "messages (conversation_id, seq, sender_id, content, created_at)",
                  _message_rows(plan, rng_seed, progress))
            timings["load_s"] = round(time.perf_counter() - step, 1)
            step = time.perf_counter()
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in indexes:
                cursor.execute(definition)
            cursor.execute("""
                UPDATE conversation_participants p SET last_read_message_id = m.id
                FROM messages m WHERE m.conversation_id = p.conversation_id AND m.seq = p.last_read_seq""")
            for table in ("users", "conversations"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            timings["index_s"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - step, 1)
    finally:
        connection.close()
        psycopg2.extensions.set_wait_callback(wait_callback)
    timings["total_s"] = round(time.perf_counter() - started, 1)
    progress(f"seed: done in {timings['total_s']} s {timings}")
    return Seeded(plan.user_count, len(plan.members), messages, seconds=timings)


@dataclass
class _Plan:
    user_count: int
    members: list  # conversation index -> participant user ids (the creator first)
    kinds: list  # conversation index -> "direct" | "group"
    created: list  # conversation index -> unix time
    timeline: list  # (unix time, conversation index) of every message, oldest first
    planted: dict  # message position in the timeline -> rare word


def _plan(rng, message_count):
    user_count = max(60, message_count // 100)
    general = list(range(FIRST_GENERAL_USER, user_count + 1))
    members, kinds, pairs = [], [], set()

    def direct(a, b):
        key = (min(a, b), max(a, b))
        if a == b or key in pairs:
            return False
        pairs.add(key)
        members.append([a, b])
        kinds.append("direct")
        return True

    for _ in range(user_count * 3):
        direct(*rng.sample(general, 2))
    for _ in range(user_count // 4):
        size = min(50, 2 + int(rng.paretovariate(1.5)), len(general))
        members.append(rng.sample(general, size))
        kinds.append("group")
    # Pareto-distributed activity, capped so that no conversation holds more than 2 % of everything.
    weights = [min(rng.paretovariate(1.16), 2000.0) for _ in members]

    groups = [i for i, kind in enumerate(kinds) if kind == "group"]
    for heavy in HEAVY_USERS:
        contacts = rng.sample(general, min(400, len(general) // 2))
        for other in contacts:
            if direct(heavy, other):
                weights.append(min(rng.paretovariate(1.16), 2000.0) * 3)  # their directs are busier
        # The busiest groups are the ones a heavy user is in: their search covers a lot.
        busiest = sorted(groups, key=lambda i: -weights[i])[:max(1, len(groups) // 10)]
        for index in rng.sample(busiest, min(100, len(busiest))):
            if heavy not in members[index]:
                members[index].append(heavy)
    for light in LIGHT_USERS:
        for other in rng.sample(general, 2):
            direct(light, other)
            weights.append(rng.uniform(3, 10))
        members.append([light, *rng.sample(general, 3)])
        kinds.append("group")
        weights.append(rng.uniform(3, 10))

    total = sum(weights)
    counts = [max(1, int(w / total * message_count)) for w in weights]
    # Adjust to the exact total: the rounding remainder goes to (or comes from) the busiest.
    busiest_first = sorted(range(len(counts)), key=lambda i: -counts[i])
    difference = message_count - sum(counts)
    for index in itertools.cycle(busiest_first):
        if difference == 0:
            break
        if difference > 0:
            counts[index] += 1
            difference -= 1
        elif counts[index] > 1:
            counts[index] -= 1
            difference += 1

    end = time.time()
    start = end - HISTORY_DAYS * 86400
    created, timeline = [], []
    for index, count in enumerate(counts):
        opened = rng.uniform(start, end - 86400)
        created.append(opened)
        timeline.extend((rng.uniform(opened, end), index) for _ in range(count))
    timeline.sort()
    return _Plan(user_count, members, kinds, created, timeline, _plant(rng, timeline, members, message_count))


def _plant(rng, timeline, members, message_count):
    """Message positions that get a rare word: some anywhere, two in each probe user's conversations."""
    planted = {}
    per_word = max(2, RARE_PER_WORD_PER_MILLION * message_count // 1_000_000)
    theirs = {probe: [] for probe in LIGHT_USERS + HEAVY_USERS}
    for position, (_, index) in enumerate(timeline):
        for probe in theirs.keys() & members[index]:
            theirs[probe].append(position)
    for word in RARE_WORDS:
        for position in rng.sample(range(len(timeline)), per_word):
            planted[position] = word
        for positions in theirs.values():
            for position in rng.sample(positions, min(2, len(positions))):
                planted[position] = word
    return planted


def _user_rows(plan):
    created = _timestamp(min(plan.created) - 86400)
    for uid in range(1, plan.user_count + 1):
        first = _FIRST_NAMES[uid % len(_FIRST_NAMES)]
        yield (uid, f"{first}{uid}", f"{first.title()} {uid}", "!", created)


def _conversation_rows(plan):
    last = {}
    for when, index in plan.timeline:
        last[index] = when
    seqs = _last_seqs(plan)
    for index, people in enumerate(plan.members):
        kind = plan.kinds[index]
        direct_key = f"{min(people)}:{max(people)}" if kind == "direct" else None
        title = f"Group {index + 1}" if kind == "group" else None
        yield (index + 1, kind, title, people[0], _timestamp(plan.created[index]), _timestamp(last[index]),
               seqs[index], direct_key)


def _last_seqs(plan):
    seqs = [0] * len(plan.members)
    for _, index in plan.timeline:
        seqs[index] += 1
    return seqs


def _participant_rows(plan, rng):
    seqs = _last_seqs(plan)
    for index, people in enumerate(plan.members):
        for uid in people:
            # Most people have read everything; some are a few messages behind.
            read = seqs[index] if rng.random() < 0.7 else max(0, seqs[index] - rng.randint(1, 20))
            yield (index + 1, uid, _timestamp(plan.created[index]), read)


def _message_rows(plan, rng_seed, progress):
    text = TextMaker(rng_seed)
    pick = random.Random(rng_seed + 2)
    seqs = [0] * len(plan.members)
    for position, (when, index) in enumerate(plan.timeline):
        seqs[index] += 1
        _, content = text.message()
        word = plan.planted.get(position)
        if word:
            content = f"{content} {word}"
        yield (index + 1, seqs[index], pick.choice(plan.members[index]), content, _timestamp(when))
        if position and position % 200_000 == 0:
            progress(f"seed: {position} messages")


def _timestamp(unix):
    return datetime.fromtimestamp(unix, UTC).isoformat()


def _empty(cursor):
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                   "AND tablename <> 'alembic_version'")
    tables = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _skip_foreign_key_checks(cursor):
    """The rows are consistent by construction: skip the per-row foreign key triggers when allowed
    (a superuser, as the embedded server's is); otherwise they run, only slower."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _drop_secondary_indexes(cursor, table):
    """Drop the table's indexes that back no constraint; returns their definitions to recreate."""
    cursor.execute("""
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = %s
          AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""",
                   (table, table))
    found = cursor.fetchall()
    for name, _ in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _copy(cursor, target, rows):
    """COPY rows (tuples; None is NULL) into `target` ("table (columns)"), in batches."""
    rows = iter(rows)
    while True:
        batch = list(itertools.islice(rows, COPY_BATCH))
        if not batch:
            return
        buffer = io.StringIO("".join("\t".join(_copy_value(v) for v in row) + "\n" for row in batch))
        cursor.copy_expert(f"COPY {target} FROM STDIN", buffer)


def _copy_value(value):
    if value is None:
        return "\\N"
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))
