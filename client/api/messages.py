"""Files (photos, signatures, certificates, PDFs: ``/files``), the two conversations (an
order's chat between customer and technician, and the customer's support thread) and
the inbox (``/me/notifications``: reminders, delays, decisions; new ones also arrive on
the live feed as ``{"type": "notification"}``) with its settings (通知设置: which
outside channels and optional notices one has turned off)."""

from __future__ import annotations

from client.api.core import ClientCore, _clean, parse_reply
from client.models import (
    ChatRead,
    FileRead,
    NotificationPreferencesRead,
    NotificationRead,
    UnreadRead,
)


class MessagesApi(ClientCore):
    # -- files ----------------------------------------------------------------------

    async def upload(
        self,
        data: bytes,
        *,
        filename: str = "photo.jpg",
        content_type: str = "image/jpeg",
        kind: str = "photo",
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> FileRead:
        form = _clean({"kind": kind, "order_id": order_id})
        reply = await self.request(
            "POST",
            "/files",
            files={"file": (filename, data, content_type)},
            data=form,
            idempotency_key=idempotency_key,
        )
        return parse_reply(FileRead, reply, "/files")

    async def download(self, file_id: str) -> bytes:
        return await self.request("GET", f"/files/{file_id}")

    # -- chat -----------------------------------------------------------------------

    async def send_message(
        self,
        order_id: str,
        *,
        text: str = "",
        file_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> ChatRead:
        body = {"text": text, "file_id": file_id}
        path = f"/orders/{order_id}/messages"
        return await self._post(path, body, model=ChatRead, key=idempotency_key)

    async def messages(self, order_id: str, *, after: int = 0, limit: int = 200) -> list[ChatRead]:
        path = f"/orders/{order_id}/messages"
        return await self._get_list(path, model=ChatRead, after=after, limit=limit)

    async def send_support_message(
        self,
        *,
        text: str = "",
        file_id: str | None = None,
        order_id: str | None = None,
        customer_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> ChatRead:
        """Customer → support; support staff pass ``customer_id`` to answer a customer's thread."""
        body = {"text": text, "file_id": file_id, "order_id": order_id, "customer_id": customer_id}
        return await self._post("/support/messages", body, model=ChatRead, key=idempotency_key)

    async def support_messages(
        self, *, after: int = 0, customer_id: str | None = None, limit: int = 200
    ) -> list[ChatRead]:
        return await self._get_list(
            "/support/messages", model=ChatRead, after=after, customer_id=customer_id, limit=limit
        )

    # -- the inbox ------------------------------------------------------------------

    async def notifications(
        self, *, unread: bool = False, limit: int = 50
    ) -> list[NotificationRead]:
        return await self._get_list(
            "/me/notifications", model=NotificationRead, unread=unread, limit=limit
        )

    async def read_notification(self, notification_id: str) -> NotificationRead:
        path = f"/me/notifications/{notification_id}/read"
        return await self._post(path, {}, model=NotificationRead)

    async def read_all_notifications(self) -> UnreadRead:
        return await self._post("/me/notifications/read-all", {}, model=UnreadRead)

    async def unread_notifications(self) -> UnreadRead:
        return await self._get("/me/notifications/unread", model=UnreadRead)

    async def notification_preferences(self) -> NotificationPreferencesRead:
        """One's switches: channels, and the role's groups (essential ones locked)."""
        return await self._get("/me/notification-preferences", model=NotificationPreferencesRead)

    async def save_notification_preferences(
        self, *, muted_channels: list[str], muted_groups: list[str]
    ) -> NotificationPreferencesRead:
        """Replace the whole setting; an essential group is refused (notice_group_locked)."""
        body = {"muted_channels": muted_channels, "muted_groups": muted_groups}
        return await self._put(
            "/me/notification-preferences", body, model=NotificationPreferencesRead
        )
