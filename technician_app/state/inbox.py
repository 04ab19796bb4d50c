"""The inbox: reminders to set off, certificates about to expire, decisions on complaints
and appeals. Listed from ``/me/notifications``; a new one arrives on the live feed
(``live`` hands it here) and joins the list at once, unread."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from client.models import NotificationRead
from technician_app.state.core import TechnicianCore

log = logging.getLogger("technician_app.inbox")


class Inbox(TechnicianCore):
    async def load_inbox(self) -> None:
        notes = await self._guard(self.client.notifications(limit=100), feature="inbox", quiet=True)
        if notes is not None:
            self.live.inbox, self.live.inbox_loaded = list(notes), True
            self.live.inbox_unread = sum(1 for n in self.live.inbox if n.read_at is None)
            self.changed()

    async def read_notice(self, notification_id: str) -> None:
        read = await self._guard(self.client.read_notification(notification_id), feature="inbox")
        if read is not None:
            self.live.inbox = [read if n.id == read.id else n for n in self.live.inbox]
            self.live.inbox_unread = sum(1 for n in self.live.inbox if n.read_at is None)
            self.changed()

    async def read_all_notices(self) -> None:
        done = await self._guard(self.client.read_all_notifications(), feature="inbox")
        if done is not None:
            await self.load_inbox()

    def on_notification(self, message: dict[str, Any]) -> None:
        """A pushed notification: first in the list, unread (once, however often pushed)."""
        try:
            note = NotificationRead.model_validate(message.get("notification") or {})
        except ValidationError as exc:
            log.info("notification push not understood: %s", exc)
            return
        if all(n.id != note.id for n in self.live.inbox):
            self.live.inbox.insert(0, note)
            self.live.touch()
            self.live.inbox_unread += note.read_at is None
