"""The live feed's operations: publish after commit, replay from the database,
technician locations with ETA, and chat.

Order moves reach the feed through ``on_order_committed`` (wired in ``server.bootstrap``):
it runs after the transaction committed (in whatever thread made the move) and hands the message to
the event loop thread-safely; the broker then wakes every process's hub. A receiver
that sees a gap in an order's sequence reads the missing events from ``OrderEvent``,
and a reconnecting client replays from there too, so the broker may lose messages
without a client losing events.

This module is the realtime package's face for routes and other domains: it re-exports
what they call from the modules that do the work (``runtime``: hub, broker and publishing;
``replay``: what the hub reads; ``eta`` and ``locations``: technicians' points; ``messages``:
the feed's message shapes), and holds chat itself, whose masked contact details are
reported to risk review (``server.risk``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from server.auth.models import Role, User
from server.core.errors import Forbidden, NotFound, Unprocessable
from server.core.masking import mask_contacts
from server.core.ratelimit import enforce
from server.core.uow import UnitOfWork
from server.files import service as files_service
from server.orders import queries as order_queries
from server.orders.models import Order
from server.realtime.config import RealtimeSettings
from server.realtime.locations import location_sweep_once, post_locations, sweep_locations
from server.realtime.messages import chat_dict
from server.realtime.models import ChatIn, ChatMessage, ChatRead, ContactAttempt
from server.realtime.pool_feed import push_left_to_pool, push_pool_change
from server.realtime.replay import check_token, current_cursors
from server.realtime.runtime import Runtime, install, on_order_committed, publish
from server.risk import service as risk_service

__all__ = [
    "Runtime",
    "check_token",
    "contact_attempts",
    "current_cursors",
    "install",
    "list_order_messages",
    "list_support_messages",
    "location_sweep_once",
    "on_order_committed",
    "post_locations",
    "post_order_message",
    "post_support_message",
    "publish",
    "push_left_to_pool",
    "push_pool_change",
    "sweep_locations",
]

log = logging.getLogger("doorstep.realtime")


# --- chat ------------------------------------------------------------------------------

SUPPORT_SIDE = frozenset({Role.support.value, Role.operator.value, Role.admin.value})


def _order_chat_party(order: Order, user: User) -> bool:
    if user.role == Role.customer.value:
        return order.customer_id == user.id
    if user.role == Role.technician.value:
        return order.technician_id == user.id
    return user.role in SUPPORT_SIDE


def _get_order_for_chat(session: Session, order_id: str, user: User) -> Order:
    order = order_queries.find(session, order_id)
    if order is None or not _order_chat_party(order, user):
        raise NotFound("order not found", code="order_not_found", details={"order_id": order_id})
    return order


def _new_message(
    uow: UnitOfWork,
    *,
    user: User,
    body: ChatIn,
    thread: str,
    order_id: str | None,
    customer_id: str,
    config: RealtimeSettings,
    limiter: Any,
) -> ChatMessage:
    session = uow.session
    cipher = uow.cipher
    clock = uow.clock
    if not body.text and not body.file_id:
        raise Unprocessable("a message needs text or a photo", code="empty_message")
    if len(body.text) > config.chat_text_max:
        raise Unprocessable(
            "message too long", code="message_too_long", details={"max": config.chat_text_max}
        )
    enforce(limiter, f"chat:{user.id}", limit=config.chat_posts_per_minute, window_seconds=60)
    if body.file_id:
        files_service.ensure_owned(uow, file_id=body.file_id, owner=user, kinds={"photo"})
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

        session.flush()
        since = now - risk_service.contact_attempt_window(uow)
        risk_service.contact_attempts_counted(
            uow,
            user_id=user.id,
            attempts=contact_attempts(uow, user_id=user.id, since=since),
            order_id=order_id,
        )
    return row


def post_order_message(
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
    body: ChatIn,
    config: RealtimeSettings,
    limiter: Any,
) -> ChatRead:
    session = uow.session
    cipher = uow.cipher
    order = _get_order_for_chat(session, order_id, user)
    if user.role == Role.customer.value and order.technician_id is None:
        raise Forbidden("no technician is assigned yet", code="no_technician_yet")
    row = _new_message(
        uow,
        user=user,
        body=body,
        thread="order",
        order_id=order.id,
        customer_id=order.customer_id,
        config=config,
        limiter=limiter,
    )
    read = chat_dict(row, cipher)
    publish(
        uow,
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
    uow: UnitOfWork,
    *,
    order_id: str,
    user: User,
    after: int,
    limit: int,
) -> list[ChatRead]:
    session = uow.session
    cipher = uow.cipher
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
    uow: UnitOfWork,
    *,
    user: User,
    body: ChatIn,
    config: RealtimeSettings,
    limiter: Any,
) -> ChatRead:
    session = uow.session
    cipher = uow.cipher
    if user.role == Role.customer.value:
        customer_id = user.id
        if body.order_id:
            order = order_queries.find(session, body.order_id)
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
        uow,
        user=user,
        body=body,
        thread="support",
        order_id=body.order_id,
        customer_id=customer_id,
        config=config,
        limiter=limiter,
    )
    read = chat_dict(row, cipher)
    publish(
        uow,
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
    uow: UnitOfWork,
    *,
    user: User,
    after: int,
    customer_id: str | None,
    limit: int,
) -> list[ChatRead]:
    session = uow.session
    cipher = uow.cipher
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


def contact_attempts(uow: UnitOfWork, *, user_id: str, since: datetime | None = None) -> int:
    """How often a user typed contact details into chat (risk review reads this)."""
    session = uow.session
    stmt = select(func.count()).select_from(ContactAttempt).where(ContactAttempt.user_id == user_id)
    if since is not None:
        stmt = stmt.where(col(ContactAttempt.created_at) >= since)
    return int(session.exec(stmt).one())
