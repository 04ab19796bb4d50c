"""The two conversations: the order's chat with the technician and the customer's
support thread (new lines arrive through the live feed, ``live_feed``)."""

from __future__ import annotations

from client.api import ApiError, NetworkError
from customer_app.state.core import StateCore


class Chat(StateCore):
    async def submit_chat(self) -> bool:
        ok = await self.send_chat(str(self.form.get("chat-text", "")))
        if ok:
            self.form["chat-text"] = ""
            self._changed()
        return ok

    async def send_chat(self, text: str) -> bool:
        if self.order is None or not text.strip():
            return False
        try:
            msg = await self._run(
                "chat",
                self.client.send_message(self.order.id, text=text.strip()),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.messages:
            self.messages.append(msg)
        self._changed()
        return True

    async def open_support(self) -> None:
        if not self.require_login("/support"):
            return
        self.go("/support")
        await self.load_support()

    async def submit_support(self) -> bool:
        ok = await self.send_support(str(self.form.get("support-text", "")))
        if ok:
            self.form["support-text"] = ""
            self._changed()
        return ok

    async def load_support(self) -> None:
        self.support_messages = await self._try("support_chat", self.client.support_messages(), [])
        self._changed()

    async def send_support(self, text: str) -> bool:
        if not text.strip():
            return False
        try:
            msg = await self._run(
                "support_chat",
                self.client.send_support_message(
                    text=text.strip(), order_id=self.order.id if self.order else None
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.support_messages:
            self.support_messages.append(msg)
        self._changed()
        return True
