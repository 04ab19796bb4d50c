"""The two conversations: the order's chat with the technician and the customer's
support thread (new lines arrive through the live feed, ``live_feed``)."""

from __future__ import annotations

from client.api import ApiError, NetworkError
from customer_app.state.core import StateCore


class Chat(StateCore):
    async def submit_chat(self) -> bool:
        ok = await self.send_chat(str(self.session.form.get("chat-text", "")))
        if ok:
            self.session.put("chat-text", "")
            self._changed()
        return ok

    async def send_chat(self, text: str) -> bool:
        if self.visit.order is None or not text.strip():
            return False
        try:
            msg = await self._run(
                "chat",
                self.client.send_message(self.visit.order.id, text=text.strip()),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.visit.messages:
            self.visit.messages.append(msg)
            self.visit.touch()
        self._changed()
        return True

    async def open_support(self) -> None:
        if not self.require_login("/support"):
            return
        self.go("/support")
        await self.load_support()

    async def submit_support(self) -> bool:
        ok = await self.send_support(str(self.session.form.get("support-text", "")))
        if ok:
            self.session.put("support-text", "")
            self._changed()
        return ok

    async def load_support(self) -> None:
        self.support.support_messages = await self._try(
            "support_chat", self.client.support_messages(), []
        )
        self._changed()

    async def send_support(self, text: str) -> bool:
        if not text.strip():
            return False
        try:
            msg = await self._run(
                "support_chat",
                self.client.send_support_message(
                    text=text.strip(), order_id=self.visit.order.id if self.visit.order else None
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            self._changed()
            return False
        if msg and msg not in self.support.support_messages:
            self.support.support_messages.append(msg)
            self.support.touch()
        self._changed()
        return True
