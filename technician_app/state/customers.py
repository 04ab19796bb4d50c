"""客户管理: the technician's own notes on the customers he serves (tags, a private note,
a maintenance reminder), read and saved per order, and the reminders due, which the home
screen lists as 回访提醒. The notes need the server (they are his record, kept there);
the due list is cached for a start without signal."""

from __future__ import annotations

from datetime import date

from client.models import FollowUpRead
from technician_app.i18n import t
from technician_app.state.core import TechnicianCore

# The tags offered as chips (his own words can be typed too).
PRESET_TAGS = ("老客户", "重要客户", "有宠物", "需提前电话", "家有老人", "家有小孩")
# Reminder choices in days (0: none): a filter every month, a check-up a quarter, a year.
REMIND_DAYS = (0, 7, 14, 28, 30, 90, 180, 365)


class CustomerNotes(TechnicianCore):
    async def load_customer_note(self, order_id: str) -> None:
        got = await self._guard(self.client.customer_note(order_id), quiet=True)
        if got is not None:
            self.work.customer_records[order_id] = got
            self.work.touch()
            self.changed()

    async def save_customer_note(
        self,
        order_id: str,
        *,
        tags: list[str],
        note: str,
        remind_in_days: int,
        remind_what: str,
    ) -> bool:
        saved = await self._guard(
            self.client.save_customer_note(
                order_id,
                tags=tags,
                note=note,
                remind_in_days=remind_in_days or None,
                remind_what=remind_what if remind_in_days else "",
            )
        )
        if saved is None:
            return False
        self.work.customer_records[order_id] = saved
        self.work.touch()
        self.notify(t(self.session.lang, "customer_note.saved"), "success", "customer_note_saved")
        await self.load_follow_ups()
        return True

    async def load_follow_ups(self) -> None:
        got = await self._guard(self.client.follow_ups(), quiet=True)
        if got is not None:
            self.work.follow_ups = list(got)
            self.queue.cache_models("follow_ups", {f.order_id: f for f in got})
            self.changed()


def follow_up_line(f: FollowUpRead, today: date, lang: str) -> str:
    """ "王** · 更换滤芯 · 日常保洁 · 朝阳区 · 逾期 3 天" in the technician's words."""
    service = f.service_name_en if lang == "en" and f.service_name_en else f.service_name_zh
    late = (today - f.remind_on).days
    when = t(lang, "follow_up.overdue", n=late) if late > 0 else t(lang, "follow_up.today")
    parts = [f.customer_name, f.remind_what, service, f.district, when]
    return " · ".join(p for p in parts if p)
