"""通知设置: the technician's switches — app push, SMS, e-mail, and the notices he may do
without (a certificate running out) — saved as soon as one is turned. His work alerts,
a visit moved and safety stay on; a refusal is said on the status strip and the
switches go back to what the server holds.

Online only: the setting is the server's record, so nothing is queued.
"""

from __future__ import annotations

from client.notice_settings import Switch, muted_after, shown_after
from technician_app.i18n import t
from technician_app.state.core import TechnicianCore

FEATURE = "notice_settings"


class NoticeSettings(TechnicianCore):
    async def load_notice_settings(self) -> None:
        got = await self._guard(self.client.notification_preferences(), feature=FEATURE)
        if got is not None:
            self.me.notice_settings = got
        self.changed()

    async def set_notice_switch(self, switch: Switch, name: str, on: bool) -> bool:
        """Turn one switch and save the whole setting; False when it was not saved."""
        before = self.me.notice_settings
        if before is None:
            return False
        channels, groups = muted_after(before, switch, name, on)
        self.me.notice_settings = shown_after(before, switch, name, on)
        self.changed()
        saved = await self._guard(
            self.client.save_notification_preferences(muted_channels=channels, muted_groups=groups)
        )
        if saved is None:  # refused or unreachable: the switch shows what is saved
            self.me.notice_settings = before
            self.changed()
            return False
        self.me.notice_settings = saved
        self.notify(t(self.session.lang, "notice_settings.saved"), "success", FEATURE)
        return True
