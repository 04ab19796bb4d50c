"""通知设置: the customer's switches — app push, SMS, e-mail, and the notices he may do
without (reminders before a visit, the technician's progress) — saved as soon as one is
turned. Essential notices (payment, a visit moved, invoices, safety) are shown on and
cannot be turned; a refusal is said in his words and the switches go back to what the
server holds."""

from __future__ import annotations

from client.api import ApiError, NetworkError
from client.notice_settings import Switch, muted_after, shown_after
from customer_app.state.core import StateCore

FEATURE = "notice_settings"


class NoticeSettings(StateCore):
    async def open_notice_settings(self) -> None:
        if not self.require_login("/notice-settings"):
            return
        self.go("/notice-settings")
        await self.load_notice_settings()

    async def load_notice_settings(self) -> None:
        got = await self._try(FEATURE, self.client.notification_preferences())
        if got is not None:
            self.me.notice_settings = got
        self._changed()

    async def set_notice_switch(self, switch: Switch, name: str, on: bool) -> bool:
        """Turn one switch and save the whole setting; False when it was not saved."""
        before = self.me.notice_settings
        if before is None:
            return False
        self.clear_messages()
        channels, groups = muted_after(before, switch, name, on)
        self.me.notice_settings = shown_after(before, switch, name, on)
        self._changed()
        try:
            saved = await self._run(
                FEATURE,
                self.client.save_notification_preferences(
                    muted_channels=channels, muted_groups=groups
                ),
                quiet_missing=False,
            )
        except (ApiError, NetworkError):
            saved = None
        if saved is None:  # refused or unreachable: the switch shows what is saved
            self.me.notice_settings = before
            self._changed()
            return False
        self.me.notice_settings = saved
        self.session.notice = "notice_settings.saved"
        self._changed()
        return True
