"""Full-text search over the messages a user can see, with highlighted snippets.

Query syntax: PostgreSQL's web-search syntax ("quoted phrase", or, -word) plus the filters
from:USERNAME, before:YYYY-MM-DD (earlier than that day), after:YYYY-MM-DD (later than that
day) and has:image. Dates are UTC days.
"""
import functools
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import REAL, BigInteger, any_, bindparam, exists, func, literal, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY

from app.errors import ValidationFailed
from app.extensions import db
from app.models import Message, MessageImage, Participant, User
from app.services import message_rows
from app.services.conversations import conversation_for
from app.services.pagination import decode_cursor, encode_cursor

# English stems and stop words, accents ignored (migration 0006): must match messages.search_text.
TS_CONFIG = "english_unaccent"
_TOKEN = re.compile(r'"[^"]*"?|\S+')
_FILTER = re.compile(r"^(from|before|after|has):(.+)$", re.IGNORECASE)
_MARK = re.compile(r"(<mark>|</mark>)")
HEADLINE_OPTIONS = "StartSel=<mark>, StopSel=</mark>, MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=\" … \""


@dataclass
class SearchQuery:
    text: str = ""
    sender: str | None = None
    before: datetime | None = None
    after: datetime | None = None
    has_image: bool = False

    @property
    def filtered(self):
        return any([self.sender, self.before, self.after, self.has_image])


def parse_query(q):
    """Split the raw query into web-search text and filters. Raises ValidationFailed for a bad filter."""
    parsed, words = SearchQuery(), []
    for token in _TOKEN.findall(q):
        match = _FILTER.match(token)
        if not match:
            words.append(token)
            continue
        name, value = match.group(1).lower(), match.group(2)
        if name == "from":
            parsed.sender = value.lstrip("@")
        elif name == "has":
            if value.lower() != "image":
                raise ValidationFailed("q", f"unknown filter has:{value} (only has:image)")
            parsed.has_image = True
        else:
            day = _parse_day(name, value)
            if name == "before":
                parsed.before = datetime.combine(day, time.min, timezone.utc)
            elif day == date.max:
                raise ValidationFailed("q", f"after:{value} leaves no day to search")
            else:
                parsed.after = datetime.combine(day + timedelta(days=1), time.min, timezone.utc)
    parsed.text = " ".join(words).strip()
    if not parsed.text and not parsed.filtered:
        raise ValidationFailed("q", "give words to search for or a filter")
    return parsed


def _parse_day(name, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("q", f"{name}: expects a date as YYYY-MM-DD, got {value!r}")


@dataclass
class SearchHit:
    message: message_rows.MessageView
    rank: float
    snippet: str


# Ranking every match costs a read of each matching message (its tsvector): a common word in the
# conversations of someone in hundreds of them matches thousands. Up to this many matches are
# ranked; beyond it hits come newest first, which an index walks from the newest message down
# (bench/RESULTS.md, target 5).
RANK_LIMIT = 1000
# Even counting to RANK_LIMIT + 1 costs a common word most of its time: PostgreSQL intersects the
# word's whole index entry (180,000 messages of a million for the commonest) with the searched
# conversations' messages before it returns one match. So one word that PostgreSQL's statistics
# expect in more than this many of the searched messages goes newest first without counting;
# below it, the count decides. The margin over RANK_LIMIT absorbs the estimate's error.
ESTIMATE_LIMIT = 2 * RANK_LIMIT
# Ranking such a word in a few thousand messages (one busy conversation) through the GIN index still
# reads its whole entry; reading the searched messages and checking each is cheaper when they are
# fewer than the entry's length over DIRECT_COST, what one checked message costs in index entries
# (measured: bench/RESULTS.md, target 5).
DIRECT_COST = 20


def search_messages(user_id, q, *, conversation_id=None, cursor=None, limit=20):
    """Hits among the user's conversations (or one of them), and the next page's cursor.

    With words, when at most RANK_LIMIT messages match, hits are ranked (ts_rank_cd, best first);
    when more match, when the query is one word (no filter) that PostgreSQL's statistics expect in
    more than ESTIMATE_LIMIT of the searched messages (then not counted), and with only filters,
    they come newest first. ts_headline runs only on the returned page. Raises NotFound if
    conversation_id is given and the user is not in it, and ValidationFailed (q, cursor) for a bad
    query or a cursor this API did not return.
    """
    scope = _scope(user_id, conversation_id)
    parsed = parse_query(q)
    position = _cursor_position(cursor, words=bool(parsed.text)) if cursor else None
    sender_id = None
    if parsed.sender:
        sender_id = db.session.scalar(select(User.id).where(func.lower(User.username) == parsed.sender.lower()))
        if sender_id is None:
            return [], None  # nobody has that name: nothing was sent by them
    tsquery = func.websearch_to_tsquery(TS_CONFIG, parsed.text) if parsed.text else None
    # The conversation ids and the sender go in as values, not as a join or a subquery: the
    # planner then sees how many messages they cover and picks its indexes accordingly. The ids
    # are one array value: an IN list of hundreds costs SQLAlchemy a bind parameter each.
    conditions = [Message.conversation_id == any_(literal(scope, ARRAY(BigInteger))), *searchable(),
                  *_filters(parsed, sender_id)]
    page = None
    if tsquery is not None:
        statistics = None if position else _word_statistics(parsed, scope)
        if position.ranked if position else not (statistics and statistics.too_common):
            page = _ranked(conditions, tsquery, position, limit, direct=bool(statistics and statistics.direct))
    ids, next_cursor = page or _newest(conditions + _matching(tsquery), position, limit)
    return _load(ids, parsed.text), next_cursor


def searchable():
    """What search may find: messages people wrote (not system messages), not deleted."""
    return Message.kind == "user", Message.deleted_at.is_(None)


def _scope(user_id, conversation_id):
    """The ids of the conversations to search. Raises NotFound for a conversation not the user's."""
    if conversation_id is not None:
        conversation_for(user_id, conversation_id)
        return [conversation_id]
    return list(db.session.scalars(select(Participant.conversation_id).where(Participant.user_id == user_id)))


# The share of all messages ANALYZE (autovacuum) last found holding the word, for the words most
# common in messages.search_text (no row for any other query); the messages of the conversations
# (their last_seq: deleted and system messages too); and the messages of all conversations.
_WORD_STATISTICS = text("""
    SELECT u.share, (SELECT sum(last_seq) FROM conversations WHERE id = ANY(:scope)) AS searched,
           (SELECT reltuples FROM pg_class WHERE oid = 'messages'::regclass) AS stored
    FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(lexeme, share)
    WHERE s.schemaname = current_schema() AND s.tablename = 'messages' AND s.attname = 'search_text'
      AND quote_literal(u.lexeme) = querytree(websearch_to_tsquery(:config, :words))""")


@dataclass
class _WordStatistics:
    """What PostgreSQL's statistics say of a common word in the searched conversations."""

    share: float  # of all messages holding the word
    searched: int  # messages in the searched conversations
    stored: float  # messages in all conversations

    @property
    def too_common(self):
        """Expected in more than ESTIMATE_LIMIT of the searched messages: its matches are not counted."""
        return self.share * self.searched > ESTIMATE_LIMIT

    @property
    def direct(self):
        """Cheaper to check each searched message than to read the word's index entry."""
        return self.searched * DIRECT_COST < self.share * self.stored


def _word_statistics(parsed, scope):
    """_WordStatistics of a query of one word, without filters, among the words most common in all
    messages; None for any other query. (A filter's share is unknown: a filtered word is counted.)"""
    if parsed.filtered or len(parsed.text.split()) != 1:
        return None
    row = db.session.execute(_WORD_STATISTICS, {"config": TS_CONFIG, "words": parsed.text, "scope": scope}).first()
    return _WordStatistics(row.share, int(row.searched or 0), row.stored) if row else None


def _ranked(conditions, tsquery, position, limit, direct=False):
    """(ids of the page, next cursor) best first, or None when more than RANK_LIMIT messages match.
    `direct`: check the words in each message of the searched conversations, not through the index.

    A later page continues the order its first page began, even if a few more messages match by
    now; a cursor into far more matches than were ranked (forged, or the matches grew past twice
    the limit) raises ValidationFailed (cursor) rather than ranking them all.
    """
    cap = RANK_LIMIT if position is None else 2 * RANK_LIMIT
    matches = db.session.execute(
        select(Message.id, func.ts_rank_cd(Message.search_text, tsquery).label("rank"))
        .where(*conditions, *_matching(tsquery, direct)).limit(cap + 1)).all()
    if len(matches) > cap:
        if position is None:
            return None
        raise ValidationFailed("cursor", "the matches changed too much since this cursor was made: search again")
    order = sorted(matches, key=lambda match: (-match.rank, -match.id))
    if position is not None:
        # Both ranks are the float4 PostgreSQL computed, read as Python floats: compared exactly.
        order = [m for m in order if (m.rank, m.id) < (position.rank, position.id)]
    page = order[:limit]
    return [m.id for m in page], encode_cursor(page[-1].rank, page[-1].id) if len(order) > limit else None


def _newest(conditions, position, limit):
    """(ids of the page, next cursor) newest first."""
    query = select(Message.id, Message.created_at).where(*conditions)
    if position is not None:
        query = query.where(tuple_(Message.created_at, Message.id) < tuple_(position.created_at, position.id))
    rows = db.session.execute(query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    if len(rows) <= limit:
        return [row.id for row in page], None
    return [row.id for row in page], encode_cursor(NEWEST, page[-1].created_at.isoformat(), page[-1].id)


def _load(ids, words):
    """The hits for these message ids, in their order, with ranks and snippets of `words` (none:
    the start of each message)."""
    if not ids:
        return []
    rows = db.session.execute(_hits(bool(words)), {"ids": ids, "words": words}).all()
    found = {row.m_id: row for row in rows}
    # A message deleted along with its conversation since the ids were read is left out.
    return [SearchHit(message_rows.message_view(found[i]), found[i].rank, safe_snippet(found[i].snippet))
            for i in ids if i in found]


@functools.cache
def _hits(with_words):
    """The statement of _load (bound: `ids`, and `words` when `with_words`): the messages in the
    columns MessageSchema dumps (message_rows), with rank and snippet. Built once per shape:
    building it costs more CPU than running it."""
    if with_words:
        tsquery = func.websearch_to_tsquery(TS_CONFIG, bindparam("words"))
        rank = func.ts_rank_cd(Message.search_text, tsquery)
        snippet = func.ts_headline(TS_CONFIG, Message.content, tsquery, HEADLINE_OPTIONS)
    else:
        rank, snippet = literal(0.0, REAL), func.left(Message.content, 200)
    query = (select(rank.label("rank"), snippet.label("snippet")).select_from(Message)
             .where(Message.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))))
    return message_rows.with_message_columns(query, Message)


def _matching(tsquery, direct=False):
    """The condition that the message holds the words (none without words). `direct`: in a form the
    GIN index does not serve (ts_match_vq is the function behind @@), so that PostgreSQL reads the
    searched conversations' messages by their own index and checks each."""
    if tsquery is None:
        return []
    return [func.ts_match_vq(Message.search_text, tsquery) if direct else Message.search_text.op("@@")(tsquery)]


def _filters(parsed, sender_id):
    conditions = []
    if sender_id is not None:
        conditions.append(Message.sender_id == sender_id)
    if parsed.before:
        conditions.append(Message.created_at < parsed.before)
    if parsed.after:
        conditions.append(Message.created_at >= parsed.after)
    if parsed.has_image:
        conditions.append(exists().where(MessageImage.message_id == Message.id))
    return conditions


NEWEST = "newest"  # the first value of a cursor into hits that come newest first


@dataclass
class _Position:
    """Where the previous page ended: a rank and id, or (newest first) a time and id."""

    id: int
    rank: float | None = None
    created_at: datetime | None = None

    @property
    def ranked(self):
        return self.rank is not None


def _cursor_position(cursor, words):
    """Where the page of `cursor` ends. A ranked position needs words (a query of filters alone is
    never ranked). Raises ValidationFailed (cursor) for anything else."""
    values = decode_cursor(cursor)
    try:
        if values[0] == NEWEST:
            _, created_at, message_id = values
            return _Position(id=int(message_id), created_at=_aware(datetime.fromisoformat(created_at)))
        if words:
            rank, message_id = values
            return _Position(id=int(message_id), rank=float(rank))
    except (IndexError, TypeError, ValueError):
        pass
    raise ValidationFailed("cursor", "not a cursor returned by this API")


def _aware(moment):
    if moment.tzinfo is None:
        raise ValueError("a cursor's time has its offset")
    return moment


def safe_snippet(snippet):
    """Only <mark> and </mark> are markup; every other character is HTML-escaped.

    Stored content is already escaped (see content.sanitize); unescaping then escaping again
    normalises it, including an entity that ts_headline cut in half.
    """
    return "".join(part if part in ("<mark>", "</mark>") else html.escape(html.unescape(part), quote=False)
                   for part in _MARK.split(snippet or ""))
