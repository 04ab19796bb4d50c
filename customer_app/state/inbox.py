"""The inbox: reminders, delay notices and decisions the server sends the customer. Listed
from ``/me/notifications``; a new one arrives on the live feed (``live_feed`` hands it
here) and joins the list at once, unread. A tap on one opens what it is about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from client.api import ApiError, NetworkError
from client.models import NotificationRead
from client.notices import notice_route
from customer_app.model import JSON
from customer_app.state.core import StateCore, log


class Inbox(StateCore):
    if TYPE_CHECKING:  # provided by the other parts of CustomerState

        async def load_route(self, route: str) -> None: ...

    async def open_inbox(self) -> None:
        if not self.require_login("/inbox"):
            return
        self.go("/inbox")
        await self.load_inbox()

    async def load_inbox(self) -> None:
        self.support.notices = await self._try("inbox", self.client.notifications(limit=100), [])
        self.support.unread_notices = sum(1 for n in self.support.notices if n.read_at is None)
        self._changed()

    async def load_unread(self) -> None:
        """The count the "me" page shows beside the way in."""
        reply = await self._try("inbox", self.client.unread_notifications())
        if reply is not None:
            self.support.unread_notices = reply.unread

    async def read_notice(self, notification_id: str) -> None:
        try:
            read = await self._run("inbox", self.client.read_notification(notification_id))
        except (ApiError, NetworkError):
            self._changed()
            return
        if read is not None:
            self.support.notices = [read if n.id == read.id else n for n in self.support.notices]
            self.support.unread_notices = sum(1 for n in self.support.notices if n.read_at is None)
        self._changed()

    async def open_notice(self, notification_id: str) -> None:
        """A tap on a notice: read, and the screen it is about opened (its ``route``, or
        its order's page), with the inbox behind it for the back arrow."""
        note = next((n for n in self.support.notices if n.id == notification_id), None)
        if note is None:
            return
        if note.read_at is None:
            await self.read_notice(notification_id)
        route = notice_route(note.data)
        if route is not None:
            self.go(route)
            await self.load_route(route)

    async def read_all_notices(self) -> None:
        try:
            await self._run("inbox", self.client.read_all_notifications())
        except (ApiError, NetworkError):
            self._changed()
            return
        await self.load_inbox()

    def _on_notification(self, message: JSON) -> None:
        """A pushed notification: first in the list, unread (once, however often pushed)."""
        try:
            note = NotificationRead.model_validate(message.get("notification") or {})
        except ValidationError as exc:
            log.info("notification push not understood: %s", exc)
            return
        if all(n.id != note.id for n in self.support.notices):
            self.support.notices.insert(0, note)
            self.support.touch()
            self.support.unread_notices += note.read_at is None
