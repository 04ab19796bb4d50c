"""A technician's customer notes and follow-ups (客户管理): tags and a private note on a
customer he has served, and a maintenance reminder ("28 天后更换滤芯") that shows in his
day view on the day it falls due. He names the customer by one of his orders (never by an
id of the customer's), and sees only his own notes; the note is encrypted at rest."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi import Query
from sqlmodel import col, select

from server.auth.dependencies import TechnicianUser
from server.auth.models import User
from server.catalog import service as catalog_service
from server.core.clock import as_utc
from server.core.deps import SettingsDep, UowDep
from server.core.errors import Forbidden, Unprocessable
from server.core.ids import new_id
from server.core.masking import mask_name
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.orders.models import CustomerNote, CustomerNoteIn, CustomerNoteRead, FollowUpRead, Order
from server.orders.reading import get

MAX_SPAN_DAYS = 62  # the longest stretch of follow-ups one call lists


def _his_order(uow: UnitOfWork, order_id: str, technician: User) -> Order:
    """The order, if he is (or was) its technician: only then may he note its customer."""
    order = get(uow, order_id=order_id)
    if order.technician_id != technician.id:
        raise Forbidden(
            "only the order's technician keeps notes on its customer", code="not_your_order"
        )
    return order


def _note(uow: UnitOfWork, technician_id: str, customer_id: str) -> CustomerNote | None:
    return uow.session.exec(
        select(CustomerNote).where(
            CustomerNote.technician_id == technician_id, CustomerNote.customer_id == customer_id
        )
    ).first()


def _read(uow: UnitOfWork, note: CustomerNote | None, order_id: str) -> CustomerNoteRead:
    if note is None:
        return CustomerNoteRead(
            order_id=order_id, tags=[], note="", remind_on=None, remind_what="", updated_at=None
        )
    return CustomerNoteRead(
        order_id=order_id,
        tags=list(note.tags),
        note=uow.cipher.decrypt(note.note_enc) if note.note_enc else "",
        remind_on=note.remind_on,
        remind_what=note.remind_what,
        updated_at=as_utc(note.updated_at),
    )


def read_note(uow: UnitOfWork, *, order_id: str, technician: User) -> CustomerNoteRead:
    order = _his_order(uow, order_id, technician)
    return _read(uow, _note(uow, technician.id, order.customer_id), order_id)


def save_note(
    uow: UnitOfWork, *, order_id: str, technician: User, body: CustomerNoteIn, timezone: str
) -> CustomerNoteRead:
    """Tags, note and reminder, replacing what was there (empty: cleared)."""
    order = _his_order(uow, order_id, technician)
    now = uow.clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    remind_on = body.remind_on
    if body.remind_in_days is not None:
        remind_on = today + timedelta(days=body.remind_in_days)
    if remind_on is not None and remind_on < today:
        raise Unprocessable("a reminder cannot fall in the past", code="reminder_in_past")
    if remind_on is not None and not body.remind_what.strip():
        raise Unprocessable("say what the reminder is for", code="reminder_what_missing")
    note = _note(uow, technician.id, order.customer_id)
    if note is None:
        note = CustomerNote(
            id=new_id("cnote"),
            technician_id=technician.id,
            customer_id=order.customer_id,
            order_id=order.id,
            created_at=now,
            updated_at=now,
        )
    note.order_id = order.id
    note.tags = list(dict.fromkeys(tag.strip() for tag in body.tags))
    note.note_enc = uow.cipher.encrypt(body.note.strip()) if body.note.strip() else None
    note.remind_on = remind_on
    note.remind_what = body.remind_what.strip() if remind_on is not None else ""
    note.updated_at = now
    uow.session.add(note)
    uow.session.flush()
    return _read(uow, note, order_id)


def follow_ups(
    uow: UnitOfWork, *, technician: User, until: date | None, timezone: str
) -> list[FollowUpRead]:
    """His reminders due by ``until`` (default: today, city calendar), overdue ones
    included (a reminder stays until he clears or moves it), soonest first."""
    today = uow.clock.now().astimezone(ZoneInfo(timezone)).date()
    until = until or today
    if (until - today).days > MAX_SPAN_DAYS:
        raise Unprocessable("ask for at most two months ahead", code="period_invalid")
    rows = uow.session.exec(
        select(CustomerNote, Order, User)
        # every order of his for the customer: the reminder opens the latest
        .join(
            Order,
            (col(Order.customer_id) == col(CustomerNote.customer_id))
            & (col(Order.technician_id) == technician.id),
        )
        .join(User, col(User.id) == col(CustomerNote.customer_id))
        .where(
            CustomerNote.technician_id == technician.id,
            col(CustomerNote.remind_on).is_not(None),
            col(CustomerNote.remind_on) <= until,
        )
        .order_by(col(CustomerNote.remind_on), col(CustomerNote.id), col(Order.scheduled_start))
    ).all()
    latest: dict[str, tuple[CustomerNote, Order, User]] = {}
    for note, order, customer in rows:
        latest[note.id] = (note, order, customer)  # ordered by start: the last one stays
    out = []
    for note, order, customer in latest.values():
        assert note.remind_on is not None
        service = catalog_service.get_service(uow, service_id=order.service_id)
        out.append(
            FollowUpRead(
                order_id=order.id,
                customer_name=mask_name(customer.name),
                district=order.district,
                service_name_zh=service.name_zh,
                service_name_en=service.name_en,
                tags=list(note.tags),
                remind_on=note.remind_on,
                remind_what=note.remind_what,
                overdue=note.remind_on < today,
            )
        )
    return out


# --- routes --------------------------------------------------------------------------------

router = api_router(tags=["technicians"])


@router.get("/technician/customers/by-order/{order_id}/note", response_model=CustomerNoteRead)
def get_customer_note(order_id: str, user: TechnicianUser, uow: UowDep) -> CustomerNoteRead:
    """His note on the customer of one of his orders (empty when there is none)."""
    return read_note(uow, order_id=order_id, technician=user)


@router.put("/technician/customers/by-order/{order_id}/note", response_model=CustomerNoteRead)
def put_customer_note(
    order_id: str, body: CustomerNoteIn, user: TechnicianUser, uow: UowDep, settings: SettingsDep
) -> CustomerNoteRead:
    return save_note(uow, order_id=order_id, technician=user, body=body, timezone=settings.timezone)


@router.get("/technician/follow-ups", response_model=list[FollowUpRead])
def get_follow_ups(
    user: TechnicianUser,
    uow: UowDep,
    settings: SettingsDep,
    until: date | None = Query(default=None, description="city calendar day; default today"),
) -> list[FollowUpRead]:
    return follow_ups(uow, technician=user, until=until, timezone=settings.timezone)
