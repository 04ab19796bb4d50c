"""What the hub reads from the database (blocking; the hub runs it in the threadpool):
access-token checks, the current cursors, and the replay of everything a connection
missed (events, chat, technicians' current locations).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from server.auth.dependencies import user_from_token
from server.core.crypto import FieldCipher
from server.core.db import mode_engine, read_session
from server.core.security import decode_token
from server.core.uow import UnitOfWork
from server.orders import feed_reads
from server.orders import queries as order_queries
from server.orders.models import OrderEvent
from server.realtime import visibility
from server.realtime.config import RealtimeSettings
from server.realtime.eta import current_locations
from server.realtime.hub import Connection
from server.realtime.messages import chat_dict, event_dict
from server.realtime.models import ChatMessage


class DbFeedStore:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def _session(self) -> Session:
        """Read-only: the feed's lookups never take SQLite's write lock."""
        return Session(mode_engine(self.app.state.engine, write=False), expire_on_commit=False)

    def _reading(self):  # noqa: ANN202
        return UnitOfWork.begin(self.app.state, write=False)

    def check_token(self, token: str) -> tuple[str, str, datetime]:
        return check_token(self.app, token)

    def order_events(self, order_id: str, after_seq: int, upto_seq: int) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = feed_reads.timeline(session, order_id, after_seq=after_seq, upto_seq=upto_seq)
            return [event_dict(e) for e in rows]

    def replay(
        self, conn: Connection, cursor: int | None, seqs: dict[str, int], chat_cursor: int | None
    ) -> dict[str, Any]:
        with self._reading() as uow:
            return replay(
                uow,
                user_id=conn.user_id,
                role=conn.role,
                cursor=cursor,
                seqs=seqs,
                chat_cursor=chat_cursor,
                watch=set(conn.watch),
                watch_all=conn.watch_all,
                config=self.app.state.realtime.config,
                now=self.app.state.clock.now(),
            )


def check_token(app: FastAPI, token: str) -> tuple[str, str, datetime]:
    """(user id, role, expiry) of a valid access token; raises Unauthorized/Forbidden."""

    with UnitOfWork.begin(app.state, write=False) as uow:
        user = user_from_token(uow, token)
        payload = decode_token(
            token, secret=uow.settings.secret_key, kind="access", now=uow.clock.now()
        )
        return user.id, user.role, datetime.fromtimestamp(int(payload["exp"]), tz=UTC)


def current_cursors(app: FastAPI) -> tuple[int, int]:
    with read_session(app.state.engine) as session:
        event_id = feed_reads.last_event_id(session)
        chat_id = session.exec(select(func.max(ChatMessage.id))).one() or 0
        return int(event_id), int(chat_id)


def _visible_order_ids_for_customer(
    session: Session, user_id: str, order_ids: set[str]
) -> set[str]:
    return order_queries.owned_by_customer(session, user_id, order_ids)


def replay(
    uow: UnitOfWork,
    *,
    user_id: str,
    role: str,
    cursor: int | None,
    seqs: dict[str, int],
    chat_cursor: int | None,
    watch: set[str],
    watch_all: bool,
    config: RealtimeSettings,
    now: datetime,
) -> dict[str, Any]:
    """Everything a connection missed: events after its per-order ``seqs`` and, for
    orders it never saw, after its global ``cursor`` (with some slack, because ids are
    handed out before commit and may become visible out of order). Duplicates are fine:
    the connection drops what it already sent."""
    session = uow.session
    cipher = uow.cipher
    limit = config.replay_limit
    floor = max(0, cursor - config.replay_lookback_ids) if cursor is not None else None
    events: list[dict[str, Any]] = []
    holds: list[str] = []
    if role == visibility.CUSTOMER:
        known = _visible_order_ids_for_customer(session, user_id, set(seqs))
        rows = list(feed_reads.events_of(session, known, limit=limit * 2))
        if floor is not None:
            rows += feed_reads.customer_events_after(session, user_id, floor, limit=limit)
        events = _after_known(rows, seqs, floor)
    elif role == visibility.TECHNICIAN:
        holds = feed_reads.open_holds(session, user_id)
        candidates = set(seqs)
        if floor is not None:
            candidates |= feed_reads.orders_touching(session, user_id, floor, also=holds)
        rows = []
        for order_id in sorted(candidates):
            timeline = feed_reads.timeline(session, order_id)
            dicts = [event_dict(e) for e in timeline]
            seen = visibility.technician_visible(user_id, dicts)
            rows += [e for e, ok in zip(timeline, seen, strict=True) if ok]
        events = _after_known(rows, seqs, floor)
    elif role in visibility.FEED_STAFF_ROLES:
        staff_rows = feed_reads.staff_events(
            session,
            watch=None if watch_all else watch,
            known=set(seqs),
            floor=floor,
            limit=limit * 2,
        )
        events = _after_known(staff_rows, seqs, floor)
    more = len(events) > limit
    events = events[:limit]
    chat = _chat_replay(
        session,
        user_id=user_id,
        role=role,
        chat_cursor=chat_cursor,
        watch=watch,
        watch_all=watch_all,
        config=config,
        cipher=cipher,
    )
    locations = (
        current_locations(session, user_id=user_id, role=role, now=now, cipher=cipher)
        if role == "customer"
        else []
    )
    event_cursor = feed_reads.last_event_id(session)
    chat_max = session.exec(select(func.max(ChatMessage.id))).one() or 0
    return {
        "events": events,
        "holds": holds,
        "chat": chat,
        "locations": locations,
        "more": more,
        "cursor": int(event_cursor) if not more else (events[-1]["id"] if events else 0),
        "chat_cursor": int(chat_max),
    }


def _after_known(
    rows: Sequence[OrderEvent], seqs: dict[str, int], floor: int | None
) -> list[dict[str, Any]]:
    """Unique events, ordered by id (so per-order seq order), minus what the client has."""
    out: dict[int, OrderEvent] = {}
    for event in rows:
        event_id = event.id
        if event_id is None:  # rows read from the database always have their id
            raise ValueError(f"order event {event.order_id}#{event.seq} has no id")
        known = seqs.get(event.order_id)
        if known is not None:
            if event.seq <= known:
                continue
        elif floor is None or event_id <= floor:
            continue
        out[event_id] = event
    return [event_dict(out[k]) for k in sorted(out)]


def _chat_replay(
    session: Session,
    *,
    user_id: str,
    role: str,
    chat_cursor: int | None,
    watch: set[str],
    watch_all: bool,
    config: RealtimeSettings,
    cipher: FieldCipher,
) -> list[dict[str, Any]]:
    if chat_cursor is None:
        return []
    floor = max(0, chat_cursor - config.replay_lookback_ids)
    stmt = select(ChatMessage).where(col(ChatMessage.id) > floor)
    if role == visibility.CUSTOMER:
        stmt = stmt.where(ChatMessage.customer_id == user_id)
    elif role == visibility.TECHNICIAN:
        mine = feed_reads.assigned_to(user_id)
        stmt = stmt.where(ChatMessage.thread == "order", col(ChatMessage.order_id).in_(mine))
    elif role in visibility.FEED_STAFF_ROLES:
        if not watch_all:
            stmt = stmt.where(
                or_(ChatMessage.thread == "support", col(ChatMessage.order_id).in_(watch))
            )
    else:
        return []
    rows = session.exec(stmt.order_by(col(ChatMessage.id)).limit(config.replay_limit)).all()
    return [chat_dict(r, cipher) for r in rows]
