"""When the technician is alerted beyond the screen: a new offer (twenty seconds to
answer), his order cancelled, his change request answered, a message from the customer
or support, a notice in the inbox. The state decides; a ``technician_app.notifier``
delivers (a system notification on a device, the status strip's notice on the web).

The rule: alert unless the app is in the foreground *and* showing the screen the news
belongs to (the home for an offer, the order's screen for its news, the inbox for a
notice); each thing is alerted once, however often it is pushed or reloaded. The
system's permission is asked once per device, the first time he goes online for orders,
when he knows why the app wants it. Texts are in his language, with names and times, no
ids; the payload is the route a tap opens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from client.citytime import CITY_TZ
from client.models import ChatRead, NotificationRead
from technician_app.i18n import day_text, local_name, notice_label, t
from technician_app.notifier import Notifier
from technician_app.state.core import TechnicianCore
from technician_app.state.labels import yuan
from technician_app.state.model import Offer

log = logging.getLogger("technician_app.alerts")

OFFER_ROUTE = "/"  # the home shows a pending offer first
INBOX_ROUTE = "/inbox"
PERMISSION_ASKED = "alerts_permission_asked"  # the queue's cache: asked on this device
MEMORY = 500  # how many alerted things are remembered (the oldest are forgotten first)
CHAT_CHARS = 80  # a message's text in the notification, at most


def order_route(order_id: str) -> str:
    return f"/order/{order_id}"


def _when(moment: Any, lang: str) -> str:  # noqa: ANN401 - a datetime or None
    if moment is None:
        return ""
    local = moment.astimezone(CITY_TZ)
    return day_text(lang, local.month, local.day, local.strftime("%H:%M"))


class UrgentAlerts(TechnicianCore):
    # -- wiring (main.py) -------------------------------------------------------------

    def use_notifier(self, notifier: Notifier) -> None:
        self.notifier = notifier

    def set_foreground(self, foreground: bool) -> None:
        """The app's window is shown (True) or backgrounded / minimized (False)."""
        self.foreground = foreground

    def set_shown_route(self, read: Callable[[], str | None]) -> None:
        """How to read the screen on show (main.py: the page's route, read when needed)."""
        self.shown_route = read

    # -- the decisions ----------------------------------------------------------------

    def _seen_there(self, route: str) -> bool:
        shown = (self.shown_route() or "/").split("?", 1)[0]
        return self.foreground and shown == route

    async def ask_alert_permission(self) -> None:
        """Once per device: the first time he goes online for orders."""
        if self.queue.cache_get(PERMISSION_ASKED):
            return
        self.queue.cache_set(PERMISSION_ASKED, True)
        granted = await self.notifier.ask_permission()
        log.info("notification permission %s", "granted" if granted else "refused")

    async def _alert(self, key: str, title: str, body: str, route: str) -> None:
        if key in self._alerted:
            return
        self._alerted[key] = None
        while len(self._alerted) > MEMORY:
            del self._alerted[next(iter(self._alerted))]
        if self._seen_there(route):
            return  # on that screen already: the screen shows it (and the offer rings)
        await self.notifier.notify(title, body, route)

    async def _alert_offers(self) -> None:
        """Each offer (not the pool's open orders) once, by its offer id."""
        for offer in self.work.offers:
            if offer.source == "offer":
                left = offer.seconds_left(self.now())
                title = (
                    t(self.session.lang, "alert.offer.title", n=left)
                    if left
                    else t(self.session.lang, "alert.offer.title_open")
                )
                await self._alert(f"offer:{offer.id}", title, self._offer_line(offer), OFFER_ROUTE)

    def _offer_line(self, offer: Offer) -> str:
        parts = [
            offer.service_name,
            offer.district,
            _when(offer.scheduled_start, self.session.lang),
        ]
        if offer.pay is not None:
            parts.append(t(self.session.lang, "alert.offer.pay", amount=yuan(offer.pay)))
        return " · ".join(p for p in parts if p)

    async def _alert_feed(self, message: dict[str, Any]) -> None:
        """A pushed order event, chat line or inbox notice that deserves an alert."""
        kind = str(message.get("type") or "")
        if kind == "event":
            await self._alert_event(message)
        elif kind == "chat":
            await self._alert_chat(message.get("message") or {})
        elif kind == "notification":
            await self._alert_notice(message.get("notification") or {})

    async def _alert_event(self, message: dict[str, Any]) -> None:
        event_type = str(message.get("event_type") or "")
        order = self.work.orders.get(str(message.get("order_id") or ""))
        if order is None:  # not his order (or not one this device knows)
            return
        actor = str(message.get("actor_role") or "")
        payload = message.get("payload") or {}
        service = local_name(self.session.lang, order.service_name_zh, order.service_name_en)
        when = _when(order.scheduled_start, self.session.lang)
        key = f"event:{message.get('id') or (order.id, event_type, message.get('seq'))}"
        if event_type == "order.cancelled" and actor != "technician":
            who = "customer" if actor == "customer" else "platform"
            title = t(self.session.lang, "alert.cancelled.title")
            body = t(self.session.lang, f"alert.cancelled.{who}", service=service, when=when)
        elif event_type in ("order.change_approved", "order.change_rejected"):
            answer = event_type.removeprefix("order.change_")
            title = t(self.session.lang, f"alert.change_{answer}.title")
            amount = yuan(int(payload.get("amount") or 0))
            body = t(
                self.session.lang, f"alert.change_{answer}.body", service=service, amount=amount
            )
        else:
            return
        await self._alert(key, title, body, order_route(order.id))

    async def _alert_chat(self, raw: dict[str, Any]) -> None:
        try:
            chat = ChatRead.model_validate(raw)
        except ValidationError as exc:
            log.info("chat push not understood: %s", exc)
            return
        if chat.sender_role == "technician" or not chat.order_id:
            return
        who = "customer" if chat.sender_role == "customer" else "support"
        text = chat.text.strip() or t(self.session.lang, "alert.chat.photo")
        if len(text) > CHAT_CHARS:
            text = text[: CHAT_CHARS - 1] + "…"
        await self._alert(
            f"chat:{chat.id}",
            t(self.session.lang, f"alert.chat.{who}"),
            text,
            order_route(chat.order_id),
        )

    async def _alert_notice(self, raw: dict[str, Any]) -> None:
        try:
            note = NotificationRead.model_validate(raw)
        except ValidationError as exc:
            log.info("notification push not understood: %s", exc)
            return
        if note.read_at is None:
            title = notice_label(self.session.lang, note.kind, note.title)
            await self._alert(f"notice:{note.id}", title, note.body, INBOX_ROUTE)
