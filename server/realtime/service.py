"""The live feed's operations: publish after commit, replay from the database,
technician locations with ETA, and chat.

Order moves reach the feed through ``on_order_committed`` (wired in ``server.bootstrap``):
it runs after the transaction committed (in whatever thread made the move) and hands the message to
the event loop thread-safely; the broker then wakes every process's hub. A receiver
that sees a gap in an order's sequence reads the missing events from ``OrderEvent``,
and a reconnecting client replays from there too, so the broker may lose messages
without a client losing events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import String, cast, delete, func
from sqlalchemy.orm import object_session
from sqlmodel import Session, col, or_, select

from server.auth.models import Role, User
from server.core import uow
from server.core.clock import Clock, as_utc
from server.core.crypto import FieldCipher
from server.core.db import mode_engine, read_session
from server.core.errors import Forbidden, NotFound, Unprocessable
from server.core.events import Moved
from server.core.masking import mask_contacts
from server.core.points import coarse, open_point, seal_point
from server.core.ratelimit import enforce
from server.orders.models import Order, OrderEvent
from server.realtime import visibility
from server.realtime.broker import Broker, make_broker
from server.realtime.config import RealtimeSettings
from server.realtime.hub import Connection, Hub
from server.realtime.models import (
    ChatIn,
    ChatMessage,
    ChatRead,
    ContactAttempt,
    LocationAck,
    LocationIn,
    TechnicianLocation,
)

log = logging.getLogger("doorstep.realtime")

_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()
_runtimes_lock = threading.Lock()


# --- messages ------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def event_dict(event: OrderEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "order_id": event.order_id,
        "seq": event.seq,
        "type": event.type,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "occurred_at": _iso(event.occurred_at),
        "received_at": _iso(event.received_at),
        "payload": dict(event.payload or {}),
    }


def order_dict(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "technician_id": order.technician_id,
        "offered_technician_id": order.offered_technician_id,
        "status": order.status,
    }


def order_message(order: Order, events: list[OrderEvent]) -> dict[str, Any]:
    return {
        "t": "order",
        "order_id": order.id,
        "order": order_dict(order),
        "events": [event_dict(e) for e in events],
    }


def chat_dict(row: ChatMessage, cipher: FieldCipher) -> dict[str, Any]:
    return ChatRead(
        id=row.id,
        thread=row.thread,
        order_id=row.order_id,
        customer_id=row.customer_id,
        sender_id=row.sender_id,
        sender_role=row.sender_role,
        text=cipher.decrypt(row.text_enc) if row.text_enc else "",
        file_id=row.file_id,
        masked=bool(row.masked_kinds),
        created_at=as_utc(row.created_at),
    ).model_dump(mode="json")


# --- the runtime of one app -----------------------------------------------------------


class Runtime:
    """Hub + broker of one app, started with the app's lifespan."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.config: RealtimeSettings = RealtimeSettings()
        self.broker_url = app.state.settings.broker_url
        self.broker: Broker = make_broker(self.broker_url, self.config.channel)
        self.hub = Hub(
            config=self.config, store=DbFeedStore(app), now=lambda: app.state.clock.now()
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self._sync_redis = None

    @property
    def engine(self):  # noqa: ANN201
        return self.app.state.engine

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.broker.start(self.hub.dispatch, on_reconnect=self.hub.drop_all)

    async def stop(self) -> None:
        self.hub.drop_all(1001, "server_shutdown")
        await self.broker.stop()
        self.loop = None

    def publish(self, message: dict[str, Any]) -> None:
        """Callable from any thread, once the data behind ``message`` is committed."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._publish_on_loop, message)
                return
            except RuntimeError:  # loop closed between the check and the call
                log.debug("event loop closed; publishing synchronously")
        self._publish_sync(message)

    def _publish_on_loop(self, message: dict[str, Any]) -> None:
        try:
            self.broker.publish_nowait(message)
        except RuntimeError:
            self._publish_sync(message)

    def _publish_sync(self, message: dict[str, Any]) -> None:
        """No running loop (a CLI command, a script): still tell the other processes."""
        if not self.broker_url.startswith(("redis://", "rediss://", "unix://")):
            return  # in-process broker and no loop: nobody in this process is listening
        import redis

        if self._sync_redis is None:
            self._sync_redis = redis.Redis.from_url(self.broker_url)
        self._sync_redis.publish(self.config.channel, json.dumps(message, default=str))


def install(app: FastAPI) -> Runtime:
    """Attach the live feed to ``app`` (called by ``create_app``)."""
    runtime = Runtime(app)
    app.state.realtime = runtime
    with _runtimes_lock:
        _runtimes.add(runtime)

    async def start(app: FastAPI) -> None:
        await runtime.start()

    async def stop(app: FastAPI) -> None:
        await runtime.stop()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
    return runtime


def _runtimes_for(engine: Any) -> list[Runtime]:
    with _runtimes_lock:
        runtimes = list(_runtimes)
    if engine is None:
        return runtimes
    return [r for r in runtimes if engine in (r.engine, mode_engine(r.engine, write=False))]


def publish(engine: Any, message: dict[str, Any]) -> None:
    """Push ``message`` once the transaction that wrote it is durable."""
    uow.after_commit(lambda: _publish_now(engine, message))


def _publish_now(engine: Any, message: dict[str, Any]) -> None:
    runtimes = _runtimes_for(engine)
    for runtime in runtimes:
        runtime.publish(message)
    if not runtimes:
        _publish_without_app(message)


_script_redis: dict[str, Any] = {}


def _publish_without_app(message: dict[str, Any]) -> None:
    """A move made outside any server (CLI, simulation, a script) still wakes the
    workers when they share a Redis broker."""
    url = os.environ.get("DOORSTEP_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return
    import redis

    client = _script_redis.get(url)
    if client is None:
        client = _script_redis[url] = redis.Redis.from_url(url)
    channel = os.environ.get("DOORSTEP_REALTIME_CHANNEL", "doorstep:feed")
    client.publish(channel, json.dumps(message, default=str))


def on_order_committed(moved: Moved) -> None:
    if not moved.events:
        return
    session = object_session(moved.order)
    engine = session.get_bind() if session is not None else None
    publish(engine, order_message(moved.order, list(moved.events)))


# --- reads for the hub (blocking; the hub runs them in the threadpool) ------------------


class DbFeedStore:
    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def _session(self) -> Session:
        """Read-only: the feed's lookups never take SQLite's write lock."""
        return Session(mode_engine(self.app.state.engine, write=False), expire_on_commit=False)

    def check_token(self, token: str) -> tuple[str, str, datetime]:
        return check_token(self.app, token)

    def order_events(self, order_id: str, after_seq: int, upto_seq: int) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = session.exec(
                select(OrderEvent)
                .where(
                    OrderEvent.order_id == order_id,
                    OrderEvent.seq > after_seq,
                    OrderEvent.seq <= upto_seq,
                )
                .order_by(col(OrderEvent.seq))
            ).all()
            return [event_dict(e) for e in rows]

    def replay(
        self, conn: Connection, cursor: int | None, seqs: dict[str, int], chat_cursor: int | None
    ) -> dict[str, Any]:
        with self._session() as session:
            return replay(
                session=session,
                user_id=conn.user_id,
                role=conn.role,
                cursor=cursor,
                seqs=seqs,
                chat_cursor=chat_cursor,
                watch=set(conn.watch),
                watch_all=conn.watch_all,
                config=self.app.state.realtime.config,
                now=self.app.state.clock.now(),
                cipher=self.app.state.cipher,
            )


def check_token(app: FastAPI, token: str) -> tuple[str, str, datetime]:
    """(user id, role, expiry) of a valid access token; raises Unauthorized/Forbidden."""
    from server.auth.dependencies import user_from_token
    from server.core.security import decode_token

    settings, clock = app.state.settings, app.state.clock
    with read_session(app.state.engine) as session:
        user = user_from_token(token, session=session, settings=settings, clock=clock)
        payload = decode_token(token, secret=settings.secret_key, kind="access", now=clock.now())
        return user.id, user.role, datetime.fromtimestamp(int(payload["exp"]), tz=UTC)


def current_cursors(app: FastAPI) -> tuple[int, int]:
    with read_session(app.state.engine) as session:
        event_id = session.exec(select(func.max(OrderEvent.id))).one() or 0
        chat_id = session.exec(select(func.max(ChatMessage.id))).one() or 0
        return int(event_id), int(chat_id)


def _visible_order_ids_for_customer(
    session: Session, user_id: str, order_ids: set[str]
) -> set[str]:
    if not order_ids:
        return set()
    rows = session.exec(
        select(Order.id).where(col(Order.id).in_(order_ids), Order.customer_id == user_id)
    ).all()
    return set(rows)


def replay(
    *,
    session: Session,
    user_id: str,
    role: str,
    cursor: int | None,
    seqs: dict[str, int],
    chat_cursor: int | None,
    watch: set[str],
    watch_all: bool,
    config: RealtimeSettings,
    now: datetime,
    cipher: FieldCipher,
) -> dict[str, Any]:
    """Everything a connection missed: events after its per-order ``seqs`` and, for
    orders it never saw, after its global ``cursor`` (with some slack, because ids are
    handed out before commit and may become visible out of order). Duplicates are fine:
    the connection drops what it already sent."""
    limit = config.replay_limit
    floor = max(0, cursor - config.replay_lookback_ids) if cursor is not None else None
    events: list[dict[str, Any]] = []
    holds: list[str] = []
    if role == visibility.CUSTOMER:
        rows: list[OrderEvent] = []
        known = _visible_order_ids_for_customer(session, user_id, set(seqs))
        if known:
            rows += session.exec(
                select(OrderEvent)
                .where(col(OrderEvent.order_id).in_(known))
                .order_by(col(OrderEvent.id))
                .limit(limit * 2)
            ).all()
        if floor is not None:
            rows += session.exec(
                select(OrderEvent)
                .join(Order, col(Order.id) == col(OrderEvent.order_id))
                .where(Order.customer_id == user_id, col(OrderEvent.id) > floor)
                .order_by(col(OrderEvent.id))
                .limit(limit)
            ).all()
        events = _after_known(rows, seqs, floor)
    elif role == visibility.TECHNICIAN:
        holds = list(
            session.exec(
                select(Order.id).where(
                    or_(Order.technician_id == user_id, Order.offered_technician_id == user_id),
                    col(Order.status).notin_(["COMPLETED", "CANCELLED"]),
                )
            ).all()
        )
        candidates = set(seqs)
        if floor is not None:
            candidates |= set(
                session.exec(
                    select(OrderEvent.order_id)
                    .where(
                        col(OrderEvent.id) > floor,
                        or_(
                            OrderEvent.actor_id == user_id,
                            cast(OrderEvent.payload, String).contains(user_id),
                        ),
                    )
                    .distinct()
                ).all()
            )
            candidates |= set(
                session.exec(
                    select(OrderEvent.order_id)
                    .where(col(OrderEvent.id) > floor, col(OrderEvent.order_id).in_(holds))
                    .distinct()
                ).all()
            )
        rows = []
        for order_id in sorted(candidates):
            timeline = session.exec(
                select(OrderEvent)
                .where(OrderEvent.order_id == order_id)
                .order_by(col(OrderEvent.seq))
            ).all()
            dicts = [event_dict(e) for e in timeline]
            seen = visibility.technician_visible(user_id, dicts)
            rows += [e for e, ok in zip(timeline, seen, strict=True) if ok]
        events = _after_known(rows, seqs, floor)
    elif role in visibility.FEED_STAFF_ROLES:
        stmt = select(OrderEvent)
        if not watch_all:
            stmt = stmt.where(col(OrderEvent.order_id).in_(watch | set(seqs)))
        if floor is not None:
            stmt = stmt.where(
                or_(col(OrderEvent.id) > floor, col(OrderEvent.order_id).in_(set(seqs)))
            )
        elif watch_all:
            stmt = stmt.where(col(OrderEvent.order_id).in_(set(seqs)))
        events = _after_known(
            session.exec(stmt.order_by(col(OrderEvent.id)).limit(limit * 2)).all(), seqs, floor
        )
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
        _current_locations(session, user_id=user_id, role=role, now=now, cipher=cipher)
        if role == "customer"
        else []
    )
    event_cursor = session.exec(select(func.max(OrderEvent.id))).one() or 0
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
    rows: list[OrderEvent], seqs: dict[str, int], floor: int | None
) -> list[dict[str, Any]]:
    """Unique events, ordered by id (so per-order seq order), minus what the client has."""
    out: dict[int, OrderEvent] = {}
    for event in rows:
        known = seqs.get(event.order_id)
        if known is not None:
            if event.seq <= known:
                continue
        elif floor is None or event.id <= floor:
            continue
        out[event.id] = event
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
        mine = select(Order.id).where(Order.technician_id == user_id)
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


# --- technician location and ETA -------------------------------------------------------


def _travel_time():  # noqa: ANN202
    from server.dispatch.geo import RoadFactorTravelTime

    return RoadFactorTravelTime()


def eta_for(
    *, order: Order, cipher: FieldCipher, lat: float, lng: float, at: datetime, now: datetime
) -> dict[str, Any]:
    """The technician's point and how far (and long) from the door: the exact address."""
    from server.dispatch.geo import LatLng, TravelMode, distance_m

    origin, dest = LatLng(lat, lng), LatLng(*open_point(cipher, order.point_enc))
    meters = distance_m(origin, dest)
    seconds = _travel_time().seconds(origin, dest, now, TravelMode.EBIKE)
    return {
        "t": "location",
        "order_id": order.id,
        "customer_id": order.customer_id,
        "technician_id": order.technician_id,
        "lat": lat,
        "lng": lng,
        "at": _iso(at),
        "distance_m": round(meters),
        "eta_s": round(seconds),
        "eta_at": _iso(now + timedelta(seconds=seconds)),
        "text": visibility.eta_text(meters, seconds),
    }


def _tracked_orders(session: Session, technician_id: str) -> list[Order]:
    return list(
        session.exec(
            select(Order).where(
                Order.technician_id == technician_id,
                col(Order.status).in_(visibility.TRACKED_STATUSES),
            )
        ).all()
    )


def _current_locations(
    session: Session, *, user_id: str, role: str, now: datetime, cipher: FieldCipher
) -> list[dict[str, Any]]:
    orders = session.exec(
        select(Order).where(
            Order.customer_id == user_id,
            col(Order.status).in_(visibility.TRACKED_STATUSES),
            col(Order.technician_id).is_not(None),
        )
    ).all()
    out = []
    for order in orders:
        point = session.exec(  # only a point of this trip: never one from elsewhere
            select(TechnicianLocation)
            .where(
                TechnicianLocation.technician_id == order.technician_id,
                TechnicianLocation.order_id == order.id,
            )
            .order_by(col(TechnicianLocation.occurred_at).desc())
            .limit(1)
        ).first()
        if point is not None:
            lat, lng = point.point(cipher)
            out.append(
                eta_for(order=order, cipher=cipher, lat=lat, lng=lng, at=point.occurred_at, now=now)
            )
    return out


def _update_technician_location(
    session: Session, technician_id: str, lat: float, lng: float, at: datetime
) -> None:
    """Keep the technician's last known location, to the block (dispatch needs no more;
    the exact point is in the encrypted trail), in this transaction."""
    from server.technicians import service as technicians_service

    try:
        technicians_service.update_location(
            session=session,
            user_id=technician_id,
            lat=coarse(lat),
            lng=coarse(lng),
            at=at,
            commit=False,
        )
    except NotFound:
        # not onboarded yet (no profile): the points are still kept for the trip
        log.info("location from a technician without a profile", extra={"user_id": technician_id})


def record_locations(
    *,
    session: Session,
    technician: User,
    body: LocationIn,
    clock: Clock,
    limiter: Any,
    config: RealtimeSettings,
    cipher: FieldCipher,
) -> tuple[LocationAck, list[dict[str, Any]]]:
    """Store the points (one transaction); returns the reply and the messages to push
    after the caller's commit."""
    points = body.all_points()
    if not points:
        raise Unprocessable("send at least one point", code="no_points")
    if len(points) > config.location_points_per_post:
        raise Unprocessable(
            "too many points in one post",
            code="too_many_points",
            details={"max": config.location_points_per_post},
        )
    enforce(
        limiter,
        f"location:{technician.id}",
        limit=config.location_posts_per_minute,
        window_seconds=60,
    )
    now = clock.now()
    # the trip these points belong to: the order being travelled to (one at a time; the
    # one named, if several are); its customer alone is told
    tracked = _tracked_orders(session, technician.id)
    if body.order_id:
        tracked = [o for o in tracked if o.id == body.order_id]
    elif len(tracked) > 1:
        tracked = []
    tag = tracked[0].id if tracked else None
    rows = []
    for p in points:
        at = as_utc(p.occurred_at) if p.occurred_at else now
        if at > now + timedelta(minutes=5):
            raise Unprocessable(
                "a point is in the future",
                code="occurred_at_in_future",
                details={"occurred_at": at.isoformat()},
            )
        rows.append(
            TechnicianLocation(
                technician_id=technician.id,
                order_id=tag,
                point_enc=seal_point(cipher, p.lat, p.lng),
                accuracy_m=p.accuracy_m,
                speed_mps=p.speed_mps,
                heading=p.heading,
                occurred_at=at,
                received_at=now,
            )
        )
    session.add_all(rows)
    latest, (lat, lng) = max(
        ((row, (p.lat, p.lng)) for row, p in zip(rows, points, strict=True)),
        key=lambda pair: pair[0].occurred_at,
    )
    _update_technician_location(session, technician.id, lat, lng, latest.occurred_at)
    messages = [
        eta_for(order=o, cipher=cipher, lat=lat, lng=lng, at=latest.occurred_at, now=now)
        for o in tracked
    ]
    last = {"lat": lat, "lng": lng, "occurred_at": _iso(latest.occurred_at)}
    return LocationAck(
        accepted=len(rows), pushed_to_orders=[o.id for o in tracked], last=last
    ), messages


def post_locations(
    *,
    session: Session,
    technician: User,
    body: LocationIn,
    clock: Clock,
    limiter: Any,
    config: RealtimeSettings,
    cipher: FieldCipher,
) -> LocationAck:
    ack, messages = record_locations(
        session=session,
        technician=technician,
        body=body,
        clock=clock,
        limiter=limiter,
        config=config,
        cipher=cipher,
    )
    session.commit()
    for message in messages:
        publish(session.get_bind(), message)
    return ack


def sweep_locations(*, session: Session, now: datetime, retention_days: int) -> int:
    """Delete points older than the retention period; returns how many went."""
    cutoff = now - timedelta(days=retention_days)
    result = session.execute(
        delete(TechnicianLocation).where(col(TechnicianLocation.received_at) < cutoff)
    )
    session.commit()
    return int(result.rowcount or 0)


async def location_sweep_task(app: FastAPI) -> None:
    """Background task: apply the location retention period."""
    runtime: Runtime = app.state.realtime
    while True:
        try:
            removed = await asyncio.to_thread(
                _sweep_once, app, runtime.config.location_retention_days
            )
            if removed:
                log.info("location sweep removed %d points", removed)
        except asyncio.CancelledError:
            raise
        except Exception:  # a failed sweep is retried at the next tick
            log.exception("location sweep failed")
        await asyncio.sleep(runtime.config.location_sweep_seconds)


def _sweep_once(app: FastAPI, retention_days: int) -> int:
    with Session(app.state.engine) as session:
        return sweep_locations(
            session=session, now=app.state.clock.now(), retention_days=retention_days
        )


# --- chat ------------------------------------------------------------------------------

SUPPORT_SIDE = frozenset({Role.support.value, Role.operator.value, Role.admin.value})


def _order_chat_party(order: Order, user: User) -> bool:
    if user.role == Role.customer.value:
        return order.customer_id == user.id
    if user.role == Role.technician.value:
        return order.technician_id == user.id
    return user.role in SUPPORT_SIDE


def _get_order_for_chat(session: Session, order_id: str, user: User) -> Order:
    order = session.get(Order, order_id)
    if order is None or not _order_chat_party(order, user):
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def _new_message(
    *,
    session: Session,
    user: User,
    body: ChatIn,
    thread: str,
    order_id: str | None,
    customer_id: str,
    clock: Clock,
    config: RealtimeSettings,
    limiter: Any,
    cipher: FieldCipher,
) -> ChatMessage:
    if not body.text and not body.file_id:
        raise Unprocessable("a message needs text or a photo", code="empty_message")
    if len(body.text) > config.chat_text_max:
        raise Unprocessable(
            "message too long", code="message_too_long", details={"max": config.chat_text_max}
        )
    enforce(limiter, f"chat:{user.id}", limit=config.chat_posts_per_minute, window_seconds=60)
    if body.file_id:
        from server.files import service as files_service

        files_service.ensure_owned(
            session=session, file_id=body.file_id, owner=user, kinds={"photo"}
        )
    masked = mask_contacts(body.text)
    now = clock.now()
    row = ChatMessage(
        thread=thread,
        order_id=order_id,
        customer_id=customer_id,
        sender_id=user.id,
        sender_role=user.role,
        text_enc=cipher.encrypt(masked.text) if masked.text else None,
        file_id=body.file_id,
        masked_kinds=list(masked.kinds),
        created_at=now,
    )
    session.add(row)
    session.flush()
    if masked.masked:
        session.add(
            ContactAttempt(
                user_id=user.id,
                message_id=row.id,
                order_id=order_id,
                kinds=list(masked.kinds),
                created_at=now,
            )
        )
        log.warning(
            "contact details masked in chat", extra={"order_id": order_id, "user_id": user.id}
        )
        from server.ops import risk as risk_service

        session.flush()
        since = now - risk_service.contact_attempt_window(session=session)
        risk_service.contact_attempts_counted(
            session=session,
            user_id=user.id,
            attempts=contact_attempts(session=session, user_id=user.id, since=since),
            order_id=order_id,
            clock=clock,
        )
    return row


def post_order_message(
    *,
    session: Session,
    order_id: str,
    user: User,
    body: ChatIn,
    clock: Clock,
    config: RealtimeSettings,
    limiter: Any,
    cipher: FieldCipher,
) -> ChatRead:
    order = _get_order_for_chat(session, order_id, user)
    if user.role == Role.customer.value and order.technician_id is None:
        raise Forbidden("no technician is assigned yet", code="no_technician_yet")
    row = _new_message(
        session=session,
        user=user,
        body=body,
        thread="order",
        order_id=order.id,
        customer_id=order.customer_id,
        clock=clock,
        config=config,
        limiter=limiter,
        cipher=cipher,
    )
    session.commit()
    read = chat_dict(row, cipher)
    publish(
        session.get_bind(),
        {
            "t": "chat",
            "thread": "order",
            "order_id": order.id,
            "customer_id": order.customer_id,
            "technician_id": order.technician_id,
            "message": read,
        },
    )
    return ChatRead(**read)


def list_order_messages(
    *, session: Session, order_id: str, user: User, after: int, limit: int, cipher: FieldCipher
) -> list[ChatRead]:
    _get_order_for_chat(session, order_id, user)
    rows = session.exec(
        select(ChatMessage)
        .where(
            ChatMessage.thread == "order",
            ChatMessage.order_id == order_id,
            col(ChatMessage.id) > after,
        )
        .order_by(col(ChatMessage.id))
        .limit(limit)
    ).all()
    return [ChatRead(**chat_dict(r, cipher)) for r in rows]


def post_support_message(
    *,
    session: Session,
    user: User,
    body: ChatIn,
    clock: Clock,
    config: RealtimeSettings,
    limiter: Any,
    cipher: FieldCipher,
) -> ChatRead:
    if user.role == Role.customer.value:
        customer_id = user.id
        if body.order_id:
            order = session.get(Order, body.order_id)
            if order is None or order.customer_id != user.id:
                raise NotFound(
                    "order not found", code="order_not_found", details={"order_id": body.order_id}
                )
    elif user.role in SUPPORT_SIDE:
        if not body.customer_id:
            raise Unprocessable("say which customer you answer", code="customer_id_required")
        customer = session.get(User, body.customer_id)
        if customer is None or customer.role != Role.customer.value:
            raise NotFound("customer not found", code="customer_not_found")
        customer_id = customer.id
    else:
        raise Forbidden("support chat is for customers and support staff", code="role_forbidden")
    row = _new_message(
        session=session,
        user=user,
        body=body,
        thread="support",
        order_id=body.order_id,
        customer_id=customer_id,
        clock=clock,
        config=config,
        limiter=limiter,
        cipher=cipher,
    )
    session.commit()
    read = chat_dict(row, cipher)
    publish(
        session.get_bind(),
        {
            "t": "chat",
            "thread": "support",
            "order_id": body.order_id,
            "customer_id": customer_id,
            "message": read,
        },
    )
    return ChatRead(**read)


def list_support_messages(
    *,
    session: Session,
    user: User,
    after: int,
    customer_id: str | None,
    limit: int,
    cipher: FieldCipher,
) -> list[ChatRead]:
    stmt = select(ChatMessage).where(ChatMessage.thread == "support", col(ChatMessage.id) > after)
    if user.role == Role.customer.value:
        stmt = stmt.where(ChatMessage.customer_id == user.id)
    elif user.role in SUPPORT_SIDE:
        if customer_id:
            stmt = stmt.where(ChatMessage.customer_id == customer_id)
    else:
        raise Forbidden("support chat is for customers and support staff", code="role_forbidden")
    rows = session.exec(stmt.order_by(col(ChatMessage.id)).limit(limit)).all()
    return [ChatRead(**chat_dict(r, cipher)) for r in rows]


def contact_attempts(*, session: Session, user_id: str, since: datetime | None = None) -> int:
    """How often a user typed contact details into chat (risk review reads this)."""
    stmt = select(func.count()).select_from(ContactAttempt).where(ContactAttempt.user_id == user_id)
    if since is not None:
        stmt = stmt.where(col(ContactAttempt.created_at) >= since)
    return int(session.exec(stmt).one())
