"""The connections held by this process: who they are, which token they showed, when it runs out.

The token is presented once, at connect. Two things end a connection later:
- expiry: this process keeps a heap of (token expiry, sid) and ends each connection when its
  token expires (`end_expired`, called by the sweeper);
- revocation: each connection is listed under its token (services.sessions), so logout can
  disconnect it through the message queue. Every event also re-checks the token (`check_token`;
  `send_message` has messages.send_message do it), so a revocation whose notice was lost still
  takes effect.
"""
import heapq
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

import jwt as pyjwt
from flask import current_app
from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException

from app.auth.tokens import claims_problem, is_revoked, refuse_revoked
from app.errors import TokenExpired, Unauthorized
from app.realtime.budget import EventBudget, in_flight_slots
from app.services import events, sessions

log = logging.getLogger(__name__)


@dataclass
class Connection:
    sid: str
    user_id: int
    jti: str
    expires_at: float
    budget: EventBudget  # events per second (app/realtime/budget.py)
    in_flight: object = field(default_factory=in_flight_slots)  # held while one of its events runs
    # conversation id -> its participant ids, looked up once per connection: typing is frequent.
    # Dropped when its participants change (forget_participants), on whichever process holds it.
    participants: dict = field(default_factory=dict)
    typing_in: set = field(default_factory=set)
    connected_at: float = field(default_factory=time.monotonic)


class ConnectionTable:
    """This process's connections, by sid."""

    def __init__(self):
        self.by_sid = {}
        self._expiries = []  # heap of (expires_at, sid)
        self._per_user = Counter()  # user id -> connections here, so a disconnect need not scan

    def add(self, connection):
        self.by_sid[connection.sid] = connection
        self._per_user[connection.user_id] += 1
        heapq.heappush(self._expiries, (connection.expires_at, connection.sid))

    def remove(self, sid):
        connection = self.by_sid.pop(sid, None)
        if connection is not None:
            self._per_user[connection.user_id] -= 1
            if not self._per_user[connection.user_id]:
                del self._per_user[connection.user_id]
        return connection

    def has_user(self, user_id):
        return user_id in self._per_user

    def count(self, user_id):
        """How many connections of the user this process holds."""
        return self._per_user.get(user_id, 0)

    def get(self, sid):
        return self.by_sid.get(sid)

    def expired(self, now):
        """Connections whose token has expired by `now` (each returned once)."""
        found = []
        while self._expiries and self._expiries[0][0] <= now:
            _, sid = heapq.heappop(self._expiries)
            if sid in self.by_sid:
                found.append(self.by_sid[sid])
        return found

    def user_ids(self):
        return set(self._per_user)

    def remove_all(self):
        """Empty the table; returns the connections it held."""
        held = list(self.by_sid.values())
        self.by_sid, self._expiries, self._per_user = {}, [], Counter()
        return held


table = ConnectionTable()


def authenticate(auth):
    """The access token's claims from the connect payload {"token": ...}. Raises Unauthorized saying why."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not token or not isinstance(token, str):
        raise Unauthorized("missing token: connect with auth {token: <access token>}")
    try:
        claims = decode_token(token)
    except pyjwt.ExpiredSignatureError:
        raise Unauthorized("token has expired")
    except (pyjwt.InvalidTokenError, JWTExtendedException) as exc:
        raise Unauthorized(f"invalid token: {exc}")
    if claims.get("type") != "access":
        raise Unauthorized("invalid token: an access token is required")
    problem = claims_problem(claims)
    if problem:
        raise Unauthorized(f"invalid token: {problem}")
    if is_revoked(claims["jti"]):
        raise Unauthorized("token has been revoked")
    return claims


def register(sid, claims):
    """Record a new authenticated connection here and under its token in Redis."""
    connection = Connection(sid=sid, user_id=int(claims["sub"]), jti=claims["jti"], expires_at=float(claims["exp"]),
                            budget=EventBudget(current_app.config["SOCKET_EVENTS_PER_SECOND"]))
    table.add(connection)
    sessions.socket_opened(connection.jti, sid, connection.expires_at)
    return connection


def unregister(sid):
    connection = table.remove(sid)
    if connection is not None:
        sessions.sockets_closed([(connection.jti, sid)])
    return connection


def forget_sockets(closed):
    """Connections `closed` at once, already out of the table (the process is leaving): unlist them from their tokens."""
    sessions.sockets_closed([(connection.jti, connection.sid) for connection in closed])


def check_token(connection, revocation=True):
    """Raise Unauthorized if the connection's token has expired or (unless `revocation` is False:
    the event's service checks it itself, see namespace.acknowledged) been revoked since connect."""
    if connection.expires_at <= time.time():
        raise TokenExpired("token has expired")
    if revocation:
        refuse_revoked(connection.jti)


# The events every participant of a conversation, and a removed one, hear when its participants change.
MEMBERSHIP_EVENTS = frozenset({"participant_added", "participant_removed"})


def forget_participants(event, payload, local_sids):
    """Before a membership event reaches this process's connections `local_sids()` (the message
    queue calls this for every event it delivers): they forget the conversation's participants,
    and look them up again when next needed. Every connection holding them belongs to a
    participant or to the one removed, each of whom hears the event: no process keeps a stale list."""
    if event not in MEMBERSHIP_EVENTS:
        return
    conversation_id = payload["conversation_id"]
    for sid in local_sids():
        connection = table.get(sid)
        if connection is not None:
            connection.participants.pop(conversation_id, None)


def end_expired(now=None):
    """Disconnect this process's connections whose token has expired; returns how many."""
    expired = table.expired(time.time() if now is None else now)
    for connection in expired:
        log.info("socket %s of user %s: token expired", connection.sid, connection.user_id)
        events.session_ended(connection.user_id, [connection.sid], "token_expired")
    return len(expired)
