"""The live feed's messages: an order's events, the order itself and a chat line as the
JSON dicts the hub sends, shared by publishing, replay, locations and chat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.core.clock import as_utc
from server.core.crypto import FieldCipher
from server.orders.models import Order, OrderEvent
from server.realtime.models import ChatMessage, ChatRead


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def event_dict(event: OrderEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "order_id": event.order_id,
        "seq": event.seq,
        "type": event.type,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "occurred_at": iso(event.occurred_at),
        "received_at": iso(event.received_at),
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


POOL_ADDED, POOL_REMOVED = "added", "removed"


def pool_message(order_id: str, change: str, technician_ids: list[str]) -> dict[str, Any]:
    """The pool changed for ``technician_ids``: ``order_id`` entered it (``added``) or left
    it (``removed``: taken by someone, cancelled). The apps reload their pool; who else
    was told is never sent on."""
    return {"t": "pool", "order_id": order_id, "change": change, "technician_ids": technician_ids}


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
