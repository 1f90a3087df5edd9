"""Full-text search over the messages a user can see, with highlighted snippets.

Query syntax: PostgreSQL's web-search syntax ("quoted phrase", or, -word) plus the filters
from:USERNAME, before:YYYY-MM-DD (earlier than that day), after:YYYY-MM-DD (later than that
day) and has:image. Dates are UTC days.
"""
import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import REAL, and_, cast, exists, func, or_, select

from app.errors import ValidationFailed
from app.extensions import db
from app.models import Message, MessageImage, Participant, User
from app.services.conversations import conversation_for
from app.services.pagination import decode_cursor, encode_cursor

TS_CONFIG = "english"  # must match the generated column messages.search_text
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
    if not parsed.text and not any([parsed.sender, parsed.before, parsed.after, parsed.has_image]):
        raise ValidationFailed("q", "give words to search for or a filter")
    return parsed


def _parse_day(name, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("q", f"{name}: expects a date as YYYY-MM-DD, got {value!r}")


@dataclass
class SearchHit:
    message: Message
    rank: float
    snippet: str


def search_messages(user_id, q, *, conversation_id=None, cursor=None, limit=20):
    """Ranked hits among the user's conversations (or one of them), and the next page's cursor.

    Ranking (ts_rank_cd) covers every match; ts_headline runs only on the returned page.
    Raises NotFound if conversation_id is given and the user is not in it.
    """
    if conversation_id is not None:
        conversation_for(user_id, conversation_id)
    parsed = parse_query(q)
    tsquery = func.websearch_to_tsquery(TS_CONFIG, parsed.text)
    rank = (func.ts_rank_cd(Message.search_text, tsquery) if parsed.text else func.cast(0, db.Float)).label("rank")
    hits = (select(Message.id, rank)
            .join(Participant, and_(Participant.conversation_id == Message.conversation_id,
                                    Participant.user_id == user_id))
            .where(*searchable(), *_filters(parsed, tsquery, conversation_id)))
    if cursor:
        last_rank, last_id = _cursor_position(cursor)
        # ts_rank_cd is a float4: compared with the cursor's value as a float8, a rank like 0.1
        # is not equal to itself, and the ties on the page boundary would be skipped.
        last_rank = cast(last_rank, REAL)
        hits = hits.where(or_(rank < last_rank, and_(rank == last_rank, Message.id < last_id)))
    hits = hits.order_by(rank.desc(), Message.id.desc()).limit(limit + 1).cte("hits")

    snippet = (func.ts_headline(TS_CONFIG, Message.content, tsquery, HEADLINE_OPTIONS) if parsed.text
               else func.left(Message.content, 200))
    rows = db.session.execute(
        select(Message, hits.c.rank, snippet.label("snippet"))
        .join(hits, hits.c.id == Message.id)
        .order_by(hits.c.rank.desc(), Message.id.desc())).all()
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1].rank, page[-1].Message.id) if more else None
    return [SearchHit(row.Message, row.rank, safe_snippet(row.snippet)) for row in page], next_cursor


def searchable():
    """What search may find: messages people wrote (not system messages), not deleted."""
    return Message.kind == "user", Message.deleted_at.is_(None)


def _filters(parsed, tsquery, conversation_id):
    conditions = []
    if parsed.text:
        conditions.append(Message.search_text.op("@@")(tsquery))
    if conversation_id is not None:
        conditions.append(Message.conversation_id == conversation_id)
    if parsed.sender:
        conditions.append(Message.sender_id == select(User.id).where(
            func.lower(User.username) == parsed.sender.lower()).scalar_subquery())
    if parsed.before:
        conditions.append(Message.created_at < parsed.before)
    if parsed.after:
        conditions.append(Message.created_at >= parsed.after)
    if parsed.has_image:
        conditions.append(exists().where(MessageImage.message_id == Message.id))
    return conditions


def _cursor_position(cursor):
    values = decode_cursor(cursor)
    try:
        return float(values[0]), int(values[1])
    except (IndexError, TypeError, ValueError):
        raise ValidationFailed("cursor", "not a cursor returned by this API")


def safe_snippet(snippet):
    """Only <mark> and </mark> are markup; every other character is HTML-escaped.

    Stored content is already escaped (see content.sanitize); unescaping then escaping again
    normalises it, including an entity that ts_headline cut in half.
    """
    return "".join(part if part in ("<mark>", "</mark>") else html.escape(html.unescape(part), quote=False)
                   for part in _MARK.split(snippet or ""))
