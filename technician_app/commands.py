"""The field actions the offline queue holds, one typed command each.

A command says what the technician did (its fields) and how it reaches the server once
there is signal (``send``). The queue stores a command as its ``kind`` and its fields as
JSON, with the device time, an idempotency key and any photo; :func:`command_of` reads
it back, so an action queued by an older build still replays (unknown fields are
ignored, new optional ones take their defaults).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from client.api import DoorstepClient
from technician_app.offline import QueuedAction


@dataclass(frozen=True)
class Sending:
    """What one send needs besides the command: the client, the action's idempotency key
    and device time, its order and its photo."""

    client: DoorstepClient
    key: str
    when: datetime
    order_id: str
    blob: bytes | None

    async def upload_photo(
        self, filename: str, suffix: str, content_type: str | None = None
    ) -> str:
        """The action's photo as an order file (its own idempotency key, so a replay
        after a lost reply does not upload it twice)."""
        options = {"content_type": content_type} if content_type else {}
        uploaded = await self.client.upload(
            self.blob or b"",
            filename=filename,
            kind="photo",
            order_id=self.order_id,
            idempotency_key=f"{self.key}-{suffix}",
            **options,
        )
        return uploaded.id


@dataclass(frozen=True)
class Command(ABC):
    kind: ClassVar[str]

    def params(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @abstractmethod
    async def send(self, out: Sending) -> Any:  # noqa: ANN401  (each route's own reply)
        """Send the action to its route; every kind of action has its own."""


@dataclass(frozen=True)
class Accept(Command):
    kind: ClassVar[str] = "accept"
    offer_id: str

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.accept_offer(
            self.offer_id, idempotency_key=out.key, occurred_at=out.when
        )


@dataclass(frozen=True)
class Decline(Command):
    kind: ClassVar[str] = "decline"
    offer_id: str
    reason: str = ""

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.decline_offer(
            self.offer_id, reason=self.reason, idempotency_key=out.key, occurred_at=out.when
        )


@dataclass(frozen=True)
class Claim(Command):
    """An open order taken from the pool (the offer it was listed under, if any)."""

    kind: ClassVar[str] = "claim"
    offer_id: str | None = None

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.claim(out.order_id, idempotency_key=out.key, occurred_at=out.when)


@dataclass(frozen=True)
class Depart(Command):
    kind: ClassVar[str] = "depart"
    lat: float | None = None
    lng: float | None = None

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.depart(
            out.order_id, lat=self.lat, lng=self.lng, idempotency_key=out.key, occurred_at=out.when
        )


@dataclass(frozen=True)
class Arrive(Command):
    """The check-in at the door: the server holds it against the geofence."""

    kind: ClassVar[str] = "arrive"
    lat: float | None = None
    lng: float | None = None

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.arrive(
            out.order_id, lat=self.lat, lng=self.lng, idempotency_key=out.key, occurred_at=out.when
        )


@dataclass(frozen=True)
class Start(Command):
    kind: ClassVar[str] = "start"

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.start(out.order_id, idempotency_key=out.key, occurred_at=out.when)


@dataclass(frozen=True)
class Finish(Command):
    kind: ClassVar[str] = "finish"

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.finish(out.order_id, idempotency_key=out.key, occurred_at=out.when)


@dataclass(frozen=True)
class Transfer(Command):
    kind: ClassVar[str] = "transfer"
    reason: str

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.transfer(
            out.order_id, reason=self.reason, idempotency_key=out.key, occurred_at=out.when
        )


@dataclass(frozen=True)
class SopDone(Command):
    """One SOP step done, with its photo (the queued blob) where the step asks for one."""

    kind: ClassVar[str] = "sop_done"
    step_no: int
    note: str = ""

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        photo_id = await out.upload_photo(f"sop-{self.step_no}.jpg", "photo") if out.blob else None
        return await out.client.sop_done(
            out.order_id,
            int(self.step_no),
            photo_file_id=photo_id,
            note=self.note,
            idempotency_key=out.key,
            occurred_at=out.when,
        )


@dataclass(frozen=True)
class SignWorkOrder(Command):
    """The customer's signature on the technician's screen (the queued PNG)."""

    kind: ClassVar[str] = "sign_work_order"

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        signature = await out.upload_photo("signature.png", "signature", "image/png")
        return await out.client.confirm_work_order(
            out.order_id,
            signed_on="technician_screen",
            signature_file_id=signature,
            idempotency_key=out.key,
        )


@dataclass(frozen=True)
class ChangeRequest(Command):
    """Extra items for the customer to approve, the queued photo as their evidence."""

    kind: ClassVar[str] = "change_request"
    items: list[dict[str, Any]]

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        evidence = await out.upload_photo("change.jpg", "photo")
        items: list[Mapping[str, Any]] = [
            {**item, "photo_file_id": evidence} for item in self.items
        ]
        return await out.client.create_change_request(
            out.order_id, items=items, idempotency_key=out.key
        )


@dataclass(frozen=True)
class Message(Command):
    kind: ClassVar[str] = "message"
    text: str

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.send_message(out.order_id, text=self.text, idempotency_key=out.key)


@dataclass(frozen=True)
class Sos(Command):
    kind: ClassVar[str] = "sos"
    lat: float | None = None
    lng: float | None = None
    note: str = ""
    order_id: str | None = None

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.sos(
            lat=self.lat,
            lng=self.lng,
            order_id=self.order_id,
            note=self.note,
            occurred_at=out.when,
            idempotency_key=out.key,
        )


@dataclass(frozen=True)
class Location(Command):
    """Position points with their device times, gathered into one post while offline
    (a single point from an older build: ``lat``/``lng`` at the action's time)."""

    kind: ClassVar[str] = "location"
    points: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    lat: float | None = None
    lng: float | None = None

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        points: list[Mapping[str, Any]] = [*self.points] or [
            {"lat": self.lat, "lng": self.lng, "occurred_at": out.when}
        ]
        return await out.client.send_location(
            points, order_id=out.order_id or None, idempotency_key=out.key
        )


@dataclass(frozen=True)
class ComplaintReply(Command):
    kind: ClassVar[str] = "complaint_reply"
    complaint_id: str
    text: str

    async def send(self, out: Sending) -> Any:  # noqa: ANN401
        return await out.client.reply_complaint(
            self.complaint_id, text=self.text, idempotency_key=out.key
        )


COMMANDS: dict[str, type[Command]] = {
    c.kind: c
    for c in (
        Accept,
        Decline,
        Claim,
        Depart,
        Arrive,
        Start,
        Finish,
        Transfer,
        SopDone,
        SignWorkOrder,
        ChangeRequest,
        Message,
        Sos,
        Location,
        ComplaintReply,
    )
}


def command_of(action: QueuedAction) -> Command:
    """The queued action as its command (fields it does not know are an older build's)."""
    kind = COMMANDS.get(action.kind)
    if kind is None:
        raise ValueError(f"unknown queued action {action.kind!r}")
    known = {f.name for f in dataclasses.fields(kind)}
    return kind(**{k: v for k, v in action.params.items() if k in known})
