"""The offline queue at work. Every field action is first written to
:class:`technician_app.offline.OfflineQueue` with the device time and an idempotency
key, applied to the local copy of the order ("pending sync"), then the queue is
replayed in order: at once with signal, when the connection returns without. A
refusal of the action just taken is shown at once; a refusal during a later replay
stays on the rejected list until the technician reads it (a refused location point is
only logged)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from client.api import ApiError, NetworkError
from client.error_texts import error_text
from client.models import OrderRead
from technician_app import navigation
from technician_app.commands import Command, Sending, command_of
from technician_app.i18n import t
from technician_app.offline import PENDING, SYNCED, QueuedAction
from technician_app.state.core import TechnicianCore, log
from technician_app.state.labels import ACTION_LABELS
from technician_app.state.model import DEFAULT_CHECKIN_RADIUS_M

# What a queued move does to the local copy of the order before the server answers:
# what the order read will say after it (status, the technician's next moves, the
# status's groups), so the screen offers the next step without signal. The one place
# the app foresees the order machine; tests/apps check it against the server's machine.
_ON_THE_WAY = ("assigned", "tracking", "work_order_open")
OPTIMISTIC: dict[str, dict[str, Any]] = {
    "accept": {
        "status": "ACCEPTED",
        "allowed_actions": ("transfer", "depart"),
        "status_groups": _ON_THE_WAY,
    },
    "depart": {"status": "EN_ROUTE", "allowed_actions": ("arrive",), "status_groups": _ON_THE_WAY},
    "arrive": {
        "status": "ARRIVED",
        "allowed_actions": ("start",),
        "status_groups": ("assigned", "work_order_open", "on_site"),
    },
    "start": {
        "status": "IN_SERVICE",
        "allowed_actions": ("finish",),
        "status_groups": ("assigned", "on_site", "working", "service_started"),
    },
    "finish": {
        "status": "AWAITING_CONFIRMATION",
        "allowed_actions": (),
        "status_groups": ("assigned", "service_started"),
    },
}
OPTIMISTIC["claim"] = OPTIMISTIC["accept"]
# The queued actions the server answers with the order read (kept as the local copy).
ORDER_REPLIES = frozenset(OPTIMISTIC) | {"transfer", "sop_done", "sign_work_order"}


def foreseen(order: OrderRead, kind: str) -> OrderRead:
    """The order read the server will send after the technician's move ``kind``."""
    after = OPTIMISTIC[kind]
    return order.model_copy(
        update={
            "status": after["status"],
            "allowed_actions": list(after["allowed_actions"]),
            "status_groups": list(after["status_groups"]),
        }
    )


class QueueSync(TechnicianCore):
    if TYPE_CHECKING:  # provided by Loading

        async def load_order(self, order_id: str) -> OrderRead | None: ...

    async def _act(
        self,
        command: Command,
        order_id: str | None,
        *,
        blob: bytes | None = None,
        quiet: bool = False,
    ) -> QueuedAction:
        kind = command.kind
        action = self.queue.enqueue(
            kind, order_id=order_id, params=command.params(), blob=blob, occurred_at=self.now()
        )
        self._apply_locally(action)
        self.changed()
        await self.sync(current=action.id, quiet=quiet)
        final = self.queue.get(action.id)
        if final.status == SYNCED:
            # done now: a refusal of an earlier try (check-in too far away) no longer stands
            self.session.notices[:] = [n for n in self.session.notices if n.kind != "error"]
            self.session.touch()
        if final.status == PENDING and not quiet:
            label = ACTION_LABELS[self.session.lang].get(kind, kind)
            self.notify(
                t(self.session.lang, "notice.saved_pending", action=label), "info", "pending_sync"
            )
        return final

    def _apply_locally(self, action: QueuedAction) -> None:
        """The local copy of the order as the server will read it once the action is
        replayed (a new model; the old one is left as it was)."""
        order = self.work.orders.get(action.order_id or "")
        if order is None:
            return
        oid, when = order.id, action.occurred_at
        if action.kind in OPTIMISTIC:
            self.work.orders[oid] = foreseen(order, action.kind)
            self.work.touch()
        elif action.kind == "transfer":
            self.work.orders.pop(oid, None)
            self.work.touch()
        elif action.kind == "sop_done":
            step_no = action.params.get("step_no")
            sop = [
                s.model_copy(update={"done_at": when}) if s.no == step_no else s for s in order.sop
            ]
            self.work.orders[oid] = order.model_copy(update={"sop": sop})
            self.work.touch()
        elif action.kind == "sign_work_order":
            self.work.orders[oid] = order.model_copy(update={"work_order_confirmed_at": when})
            self.work.touch()
        self._cache_orders()

    async def sync(self, *, current: int | None = None, quiet: bool = False) -> None:
        """Replay the queue in order. ``current`` is the action the technician just took:
        a refusal of it is shown at once (and acknowledged); a refusal of an older,
        replayed action stays on the rejected list until the technician reads it."""
        async with self._sync_lock:
            if not self.queue.pending():
                return
            report = await self.queue.replay(self._perform)
        self._set_connected(not report.stopped_offline)
        touched: set[str] = set()
        for done in report.synced:
            # the queue keeps each reply as JSON: an order read becomes the local copy
            if done.kind in ORDER_REPLIES and done.result is not None:
                order = OrderRead.model_validate(done.result)
                if done.kind == "transfer":
                    self.work.orders.pop(order.id, None)
                    self.work.touch()
                else:
                    self.work.orders[order.id] = order
                    self.work.touch()
            elif done.order_id and done.kind != "location":
                touched.add(done.order_id)
        for rejected in report.rejected:
            if rejected.kind == "location":
                # a refused position (order no longer tracked, clock far off) is of no use
                # to the technician: keep it in the log, off the banner
                log.info("location refused: %s", rejected.error_code)
                self.queue.acknowledge(rejected.id)
                continue
            if rejected.order_id:
                touched.add(rejected.order_id)
            text = self.refusal_text(rejected)
            if rejected.id == current:
                self.queue.acknowledge(rejected.id)
                self.notify(text, "error", rejected.error_code)
            elif not quiet:
                self.notify(
                    t(self.session.lang, "notice.sync_refused", text=text),
                    "error",
                    rejected.error_code,
                )
        if not self.queue.pending():
            # "saved, waiting to sync" is no longer true once nothing waits
            self.session.notices[:] = [n for n in self.session.notices if n.code != "pending_sync"]
            self.session.touch()
        self._cache_orders()
        for order_id in touched:
            await self.load_order(order_id)
        self.changed()

    def refusal_text(self, action: QueuedAction) -> str:
        """Why a queued action was refused, in the technician's words and language."""
        lang = self.session.lang
        label = ACTION_LABELS[lang].get(action.kind, action.kind)
        if action.error_code == "outside_geofence":
            distance = action.error_details.get("distance_m")
            radius = action.error_details.get("radius_m", DEFAULT_CHECKIN_RADIUS_M)
            return t(
                lang,
                "refusal.geofence",
                action=label,
                distance=navigation.format_distance(float(distance or 0), lang),
                radius=f"{float(radius):.0f}",
            )
        if action.error_code in ("illegal_transition", "conflict"):
            return t(lang, "refusal.changed", action=label)
        text = error_text(action.error_code or "", lang, details=action.error_details)
        return t(lang, "refusal.other", action=label, text=text)

    async def _perform(self, action: QueuedAction) -> Any:  # noqa: ANN401
        """Send one queued action; the idempotency key makes a repeat harmless."""
        out = Sending(
            client=self.client,
            key=action.idempotency_key,
            when=action.occurred_at,
            order_id=action.order_id or "",
            blob=action.blob,
        )
        return await command_of(action).send(out)

    async def _probe(self) -> None:
        with contextlib.suppress(NetworkError, ApiError):
            await self.client.healthz()
            self._set_connected(True)
            await self.sync()
