"""Search benchmark: full-text search over a million messages, as a user waits for it.

    make bench BENCH=search ARGS="--messages 1000000"

Uses DATABASE_URL / REDIS_URL if set, else embedded servers in a temporary directory (or in
--keep DIR, left there for the next run); applies the migrations and seeds a chat history
(bench/seed.py, about 80 s for a million messages) unless --reuse or --keep finds one of that
size already:

    make bench BENCH=search ARGS="--messages 1000000 --keep /tmp/searchdb"   # seeds once, then reuses

Then, for users in three conversations ("light") and users in 500 ("heavy"), in their busiest
conversation and across all of theirs, it runs each query shape: the most common English word,
the most common word of any language, a rare word, a phrase, from:USER, a date range, a common
word in a date range, a word found nowhere. Each is timed three ways:

- service: app.services.search.search_messages in this process (the SQL, loading, snippets);
- REST: GET /conversations/{id}/messages/search or /messages/search on a ROLE=api Gunicorn
  server, one request at a time (what the user waits for, less the network);
- SQL: the statements the service ran for that query, replayed through psycopg2 (the floor).

Caches are warm: every query runs once before the timed passes, which interleave the shapes.
Prints a JSON report and a Markdown table, and EXPLAIN (ANALYZE, BUFFERS) of the search
statement of the shape with the slowest REST p95.
"""
import argparse
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import requests

from bench import corpus
from bench.harness import (backing_services, conditions, load_average, migrated_app, milliseconds, publish,
                           start_server, stop_server)
from bench.seed import HEAVY_USERS, LIGHT_USERS, NO_HIT_WORD, RARE_WORDS, connect, query, seed
from devstack.net import free_port

PHRASE = '"see you tomorrow"'


@dataclass
class Probe:
    scope: str  # "conversation" (the user's busiest) or "global" (all of theirs)
    users: str  # "light" or "heavy"
    shape: str
    user_id: int
    conversation_id: int | None
    q: str

    @property
    def cell(self):
        return self.scope, self.users, self.shape


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to seed")
    parser.add_argument("--repeat", type=int, default=4, help="timed runs of each query")
    parser.add_argument("--users", type=int, default=len(LIGHT_USERS), choices=range(1, len(LIGHT_USERS) + 1),
                        metavar=f"1-{len(LIGHT_USERS)}", help="probe users of each kind (light, heavy)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database's seed if it has --messages messages (DATABASE_URL set)")
    parser.add_argument("--keep", metavar="DIR",
                        help="embedded servers keep their data in DIR (a short path) for the next run, "
                             "which reuses the seed if it has --messages messages")
    parser.add_argument("--json", help="also write the report to this file")
    args = parser.parse_args()

    with backing_services("messaging_bench", keep=args.keep, JWT_ACCESS_TOKEN_MINUTES="240") as env:
        app = migrated_app(env)
        database_url = env["DATABASE_URL"]
        seeded = None
        if not ((args.reuse or args.keep) and _message_count(database_url) == args.messages):
            seeded = asdict(seed(database_url, args.messages, progress=_progress))
        words = common_words(database_url)
        probes = make_probes(database_url, words, args.users)
        report = {"conditions": conditions(database_url, app.extensions["redis"]),
                  "messages": args.messages, "seeded": seeded, "words": words,
                  "visible_messages": visible_messages(database_url), "repeat": args.repeat}
        timings, statements, hits = measure_service(app, probes, args.repeat)
        report["load_average_before_rest"] = load_average()
        rest = measure_rest(app, env, probes, args.repeat)
        sql = measure_sql(database_url, probes, statements, args.repeat)
        report["cells"] = cells(probes, hits, {"service": timings, "rest": rest, "sql": sql})
        slowest = max(report["cells"], key=lambda cell: cell["rest_ms"][95] or 0)
        report["explain"] = explain(database_url, probes, statements, slowest)
    publish(report, f"{markdown(report['cells'])}\n\nEXPLAIN (ANALYZE, BUFFERS), {report['explain']['cell']}:\n"
                    f"{report['explain']['plan']}", args.json)


def _progress(line):
    print(line, file=sys.stderr, flush=True)


def _message_count(database_url):
    return query(database_url, "SELECT count(*) FROM messages")[0][0]


def common_words(database_url):
    """The most common English word and the most common word of any language of the corpus, as
    typed, with the share of messages holding each (PostgreSQL's statistics of search_text)."""
    from app.services.search import TS_CONFIG

    frequency = dict(query(database_url, """
        SELECT element, freq FROM pg_stats s,
             unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(element, freq)
        WHERE s.tablename = 'messages' AND s.attname = 'search_text'"""))
    every = sorted({word for words, _ in corpus.LANGUAGES.values() for word in words})
    lexemes = dict(query(database_url, "SELECT w, strip(to_tsvector(%s, w))::text FROM unnest(%s) w",
                          (TS_CONFIG, every)))

    def most_common(words):
        scored = [(frequency.get(lexemes[w].strip("'"), 0), w) for w in words if lexemes[w]]
        share, word = max(scored)
        return {"word": word, "share_of_messages": round(share, 4)}

    return {"english": most_common(corpus.ENGLISH), "any": most_common(every)}


def make_probes(database_url, words, users=len(LIGHT_USERS)):
    """Every query shape, for the first `users` probe users of each kind, in their busiest
    conversation and across all."""
    end = datetime.now(UTC).date()
    after, before = end - timedelta(days=365), end - timedelta(days=335)
    shapes = {
        "common word": words["english"]["word"],
        "most common word": words["any"]["word"],
        "rare word": None,  # one of RARE_WORDS per user
        "phrase": PHRASE,
        "from:": None,  # the user's busiest correspondent
        "dates only": f"after:{after} before:{before}",
        "word + dates": f"{words['english']['word']} after:{after} before:{before}",
        "no hits": NO_HIT_WORD,
    }
    probes = []
    for kind, ids in (("light", LIGHT_USERS[:users]), ("heavy", HEAVY_USERS[:users])):
        for n, user_id in enumerate(ids):
            busiest = query(database_url, """
                SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id
                WHERE p.user_id = %s ORDER BY c.last_seq DESC LIMIT 1""", (user_id,))[0][0]
            for scope, conversation_id in (("conversation", busiest), ("global", None)):
                for shape, q in shapes.items():
                    if shape == "rare word":
                        q = RARE_WORDS[n % len(RARE_WORDS)]
                    elif shape == "from:":
                        q = f"from:{_busiest_sender(database_url, user_id, conversation_id)}"
                    probes.append(Probe(scope, kind, shape, user_id, conversation_id, q))
    return probes


def _busiest_sender(database_url, user_id, conversation_id):
    return query(database_url, """
        SELECT u.username FROM messages m
        JOIN conversation_participants p ON p.conversation_id = m.conversation_id AND p.user_id = %(user)s
        JOIN users u ON u.id = m.sender_id
        WHERE m.sender_id <> %(user)s AND (%(conversation)s::bigint IS NULL OR m.conversation_id = %(conversation)s)
        GROUP BY u.username ORDER BY count(*) DESC LIMIT 1""", {"user": user_id, "conversation": conversation_id})[0][0]


def visible_messages(database_url):
    """{user id: (conversations, messages)} of the probe users: what a global search covers."""
    rows = query(database_url, """
        SELECT p.user_id, count(*), sum(c.last_seq) FROM conversation_participants p
        JOIN conversations c ON c.id = p.conversation_id WHERE p.user_id = ANY(%s) GROUP BY p.user_id""",
                  (list(LIGHT_USERS + HEAVY_USERS),))
    return {user_id: {"conversations": conversations, "messages": int(messages)}
            for user_id, conversations, messages in sorted(rows)}


def _passes(probes, repeat):
    """A warm-up pass over every probe (not timed), then `repeat` timed passes, shapes interleaved."""
    yield False, probes
    for _ in range(repeat):
        yield True, probes


def measure_service(app, probes, repeat):
    """Timings of search_messages per probe index, the statements each probe ran, its hits."""
    from sqlalchemy import event

    from app.extensions import db
    from app.services.search import search_messages

    timings, statements, hits = defaultdict(list), {}, {}
    recording = []

    def record(conn, cursor, statement, parameters, context, executemany):
        recording.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for timed, batch in _passes(probes, repeat):
                for index, probe in enumerate(batch):
                    recording.clear()
                    started = time.perf_counter()
                    found, next_cursor = search_messages(probe.user_id, probe.q, conversation_id=probe.conversation_id)
                    elapsed = time.perf_counter() - started
                    db.session.remove()
                    if timed:
                        timings[index].append(elapsed)
                    else:
                        statements[index] = list(recording)
                        hits[index] = {"page": len(found), "more": next_cursor is not None}
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return timings, statements, hits


def measure_rest(app, env, probes, repeat):
    """Timings per probe index of the REST endpoints on a ROLE=api Gunicorn server."""
    from flask_jwt_extended import create_access_token

    with app.app_context():
        tokens = {uid: create_access_token(identity=str(uid)) for uid in LIGHT_USERS + HEAVY_USERS}
    port = free_port()
    server = start_server("wsgi:app", env, port, "api")
    timings = defaultdict(list)
    try:
        session = requests.Session()
        for timed, batch in _passes(probes, repeat):
            for index, probe in enumerate(batch):
                path = (f"/conversations/{probe.conversation_id}/messages/search" if probe.conversation_id
                        else "/messages/search")
                started = time.perf_counter()
                response = session.get(f"http://127.0.0.1:{port}{path}", params={"q": probe.q},
                                       headers={"Authorization": f"Bearer {tokens[probe.user_id]}"}, timeout=60)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{path} q={probe.q!r}: {response.status_code} {response.text[:300]}")
                if timed:
                    timings[index].append(elapsed)
    finally:
        stop_server(server)
    return timings


def measure_sql(database_url, probes, statements, repeat):
    """Timings per probe index of the service's statements replayed through psycopg2."""
    connection = connect(database_url)
    timings = defaultdict(list)
    try:
        with connection.cursor() as cursor:
            for timed, batch in _passes(probes, repeat):
                for index, _ in enumerate(batch):
                    started = time.perf_counter()
                    for statement, parameters in statements[index]:
                        cursor.execute(statement, parameters)
                        cursor.fetchall()
                    connection.rollback()
                    if timed:
                        timings[index].append(time.perf_counter() - started)
    finally:
        connection.close()
    return timings


def cells(probes, hits, measured):
    """One row per (scope, users, shape): percentiles over its users and repeats, per method."""
    grouped = defaultdict(list)
    for index, probe in enumerate(probes):
        grouped[probe.cell].append(index)
    rows = []
    for (scope, users, shape), indexes in grouped.items():
        row = {"scope": scope, "users": users, "shape": shape, "q": probes[indexes[0]].q,
               "hits_first_page": [hits[i]["page"] for i in indexes],
               "more_pages": sum(hits[i]["more"] for i in indexes)}
        for method, timings in measured.items():
            row[f"{method}_ms"] = milliseconds([t for i in indexes for t in timings[i]])
        rows.append(row)
    return rows


def explain(database_url, probes, statements, cell):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of the cell's first probe."""
    index = next(i for i, p in enumerate(probes) if p.cell == (cell["scope"], cell["users"], cell["shape"]))
    plans = [[row[0] for row in query(database_url, "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
             for statement, parameters in statements[index]]
    plan = max(plans, key=lambda lines: float(lines[-1].split()[-2]))  # "Execution Time: 1.234 ms"
    probe = probes[index]
    return {"cell": f"{probe.scope}, {probe.users} user {probe.user_id}, {probe.shape}: q={probe.q!r}",
            "plan": "\n".join(plan)}


def markdown(rows):
    lines = ["| scope | users | shape | q | hits (page 1, per user) | service p50 / p95 ms | REST p50 / p95 ms"
             " | SQL p50 / p95 ms | REST : SQL (p95) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = (round(r["rest_ms"][95] / r["sql_ms"][95], 1)
                 if r["rest_ms"][95] and r["sql_ms"][95] else None)
        q = r["q"] if r["shape"] not in ("rare word", "from:") else f"{r['q'].split(':')[0]}…"
        lines.append(f"| {r['scope']} | {r['users']} | {r['shape']} | `{q}` | {r['hits_first_page']} | "
                     f"{r['service_ms'][50]} / {r['service_ms'][95]} | {r['rest_ms'][50]} / {r['rest_ms'][95]} | "
                     f"{r['sql_ms'][50]} / {r['sql_ms'][95]} | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
