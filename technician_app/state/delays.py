"""Moving a visit (改约): the technician asks the customer for another time, at least the
server's notice before the visit (two hours by default), and hears the answer.

Unlike the field actions this is not queued: the notice is counted on the server's
clock, so a request sent later from the queue would be judged against a deadline the
technician did not see. It is sent at once or not at all (offline: a notice saying so).
The answer comes by push: accepted, the job moves (the order is read again); declined
or not answered in time, the job goes to another technician and leaves his list."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from client.citytime import CITY_TZ
from client.models import DelayRequestRead, OrderRead
from technician_app.i18n import day_text, t
from technician_app.state.core import TechnicianCore
from technician_app.state.model import allows, city_day

DELAY_DAYS = 7  # today and the six days after it (the server takes up to its rule's days)
DELAY_FIRST, DELAY_LAST = time(8, 0), time(20, 0)  # the hours visits are booked in
DELAY_STEP_MINUTES = 30
MAX_DELAY_REASON = 300
# Pushed order events that end a request with the job gone to someone else.
_LOST = ("order.delay_declined", "order.delay_expired")


class DelayRequests(TechnicianCore):
    if TYPE_CHECKING:  # provided by Loading

        async def load_order(self, order_id: str) -> OrderRead | None: ...

    async def load_delay_requests(self, order_id: str) -> None:
        requests = await self._guard(
            self.client.delay_requests(order_id), feature="delay_requests", quiet=True
        )
        if requests is not None:
            self.work.delay_requests[order_id] = list(requests)
            self.work.touch()
            self.changed()

    def pending_delay(self, order_id: str) -> DelayRequestRead | None:
        """The request still waiting for the customer, if any."""
        waiting = [d for d in self.work.delay_requests.get(order_id, []) if d.status == "pending"]
        return waiting[0] if waiting else None

    def last_delay(self, order_id: str) -> DelayRequestRead | None:
        """The newest request of this job, whatever became of it."""
        requests = self.work.delay_requests.get(order_id, [])
        return requests[-1] if requests else None

    def may_request_delay(self, order_id: str) -> bool:
        """The server offers it on the order read (``request_delay``: his job, accepted,
        the notice still open) and nothing is waiting for the customer."""
        order = self.work.orders.get(order_id)
        return (
            order is not None
            and allows(order, "request_delay")
            and self.pending_delay(order_id) is None
        )

    def delay_days(self) -> list[tuple[str, str]]:
        """The days a visit can move to, as (ISO date, its name): 今天, 明日, 后天, 6月9日 …"""
        today = city_day(self.now())
        days = []
        for ahead in range(DELAY_DAYS):
            day = today + timedelta(days=ahead)
            names = {0: "delay.today", 1: "day.tomorrow", 2: "day.after_tomorrow"}
            label = (
                t(self.session.lang, names[ahead])
                if ahead in names
                else day_text(self.session.lang, day.month, day.day)
            )
            days.append((day.isoformat(), label))
        return days

    def delay_times(self, day: str) -> list[str]:
        """The start times offered on ``day`` (HH:MM, every half hour of the booking
        hours), the ones already past left out."""
        now = self.now().astimezone(CITY_TZ)
        out = []
        moment = datetime.combine(datetime.fromisoformat(day).date(), DELAY_FIRST, CITY_TZ)
        last = moment.replace(hour=DELAY_LAST.hour, minute=DELAY_LAST.minute)
        while moment <= last:
            if moment > now:
                out.append(moment.strftime("%H:%M"))
            moment += timedelta(minutes=DELAY_STEP_MINUTES)
        return out

    def delay_start(self, day: str, at: str) -> datetime | None:
        """The chosen day and time as an aware time in the city's zone (None if either
        is missing or not a real time)."""
        try:
            chosen = datetime.fromisoformat(f"{day}T{at}")
        except ValueError:
            return None
        return chosen.replace(tzinfo=CITY_TZ)

    async def request_delay(
        self, order_id: str, day: str, at: str, reason: str
    ) -> DelayRequestRead | None:
        """Ask the customer to move the visit to ``day`` ``at`` (the city's time), saying
        why. What is missing is said before anything is sent; a refusal is shown in the
        technician's words (too close to the visit, a clash with another job …)."""
        start = self.delay_start(day, at) if day and at else None
        if start is None:
            self.notify(t(self.session.lang, "notice.delay_time"), "error", "time_required")
            return None
        if not reason.strip():
            self.notify(t(self.session.lang, "notice.delay_reason"), "error", "reason_required")
            return None
        made = await self._guard(
            self.client.request_delay(
                order_id, scheduled_start=start, reason=reason.strip()[:MAX_DELAY_REASON]
            )
        )
        if made is None:
            return None
        self.work.delay_requests[order_id] = [*self.work.delay_requests.get(order_id, []), made]
        self.work.touch()
        self.notify(t(self.session.lang, "notice.delay_sent"), "success")
        await self.load_order(order_id)  # the order read no longer offers a second one
        return made

    async def on_delay_event(self, event_type: str, order_id: str) -> None:
        """A pushed ``order.delay_*`` event: the request's new state; on an accepted one
        the job at its new time; on a declined or lapsed one the job leaves his list
        (it went back to dispatch) and he is told why."""
        await self.load_delay_requests(order_id)
        if event_type in _LOST:
            order = self.work.orders.pop(order_id, None)
            self.work.touch()
            self._cache_orders()
            if order is not None:
                key = "notice.delay_declined" if event_type == _LOST[0] else "notice.delay_expired"
                self.notify(t(self.session.lang, key), "error", event_type.removeprefix("order."))
        elif event_type == "order.delay_accepted":
            await self.load_order(order_id)
            self.notify(t(self.session.lang, "notice.delay_accepted"), "success")
        self.changed()
