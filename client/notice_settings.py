"""通知设置, alike in both apps: one switch turned becomes the whole setting the server
replaces (``PUT /me/notification-preferences``), and the words of the screen.

The server decides what may be turned off: its reply lists the channels and the groups of
the person's role, essential ones ``locked`` (shown on, disabled, with the reason). A
switch sends everything muted after the change, never only the change, so two quick
taps cannot leave half a setting.
"""

from __future__ import annotations

from typing import Literal

from client.i18n import Texts, translate
from client.models import NotificationPreferencesRead

Switch = Literal["channel", "group"]


def muted_after(
    prefs: NotificationPreferencesRead, switch: Switch, name: str, on: bool
) -> tuple[list[str], list[str]]:
    """The muted channels and groups once ``name`` is turned ``on`` (or off)."""
    channels = [c.channel for c in prefs.channels if not c.on]
    groups = [g.group for g in prefs.groups if not g.on and not g.locked]
    names = channels if switch == "channel" else groups
    if on and name in names:
        names.remove(name)
    elif not on and name not in names:
        names.append(name)
    return channels, groups


def switch_words(
    table: Texts, lang: str, switch: Switch, name: str, *, locked: bool = False
) -> tuple[str, str]:
    """A switch's label and its one-line explanation, led by why it cannot be turned off
    when ``locked`` (a group the app has no words for yet: its name, no explanation)."""
    key, hint_key = f"notice_{switch}.{name}", f"notice_{switch}_hint.{name}"
    label = translate(table, lang, key) if key in table else name
    hint = translate(table, lang, hint_key) if key in table and hint_key in table else ""
    if locked:
        hint = translate(table, lang, "notice_settings.locked") + (f" · {hint}" if hint else "")
    return label, hint


def shown_after(
    prefs: NotificationPreferencesRead, switch: Switch, name: str, on: bool
) -> NotificationPreferencesRead:
    """The switches as they look once ``name`` is turned (a locked one never turns):
    shown while the server saves, so the screen never says otherwise than the switch."""
    if switch == "channel":
        channels = [
            c.model_copy(update={"on": on}) if c.channel == name else c for c in prefs.channels
        ]
        return prefs.model_copy(update={"channels": channels})
    groups = [
        g.model_copy(update={"on": on}) if g.group == name and not g.locked else g
        for g in prefs.groups
    ]
    return prefs.model_copy(update={"groups": groups})


NOTICE_SETTINGS: Texts = {
    "notice_settings": {"zh": "通知设置", "en": "Notification settings"},
    "notice_settings.channels": {"zh": "接收方式", "en": "How you are told"},
    "notice_settings.channels_note": {
        "zh": "关闭的方式不再发送可选通知；订单、支付、安全等必要通知仍会送达。"
        "所有通知都会保留在消息中。",
        "en": "A channel turned off carries no optional notices; the ones your orders and "
        "safety need still come. Messages keeps every notice.",
    },
    "notice_settings.groups": {"zh": "通知类型", "en": "What you are told"},
    "notice_settings.locked": {
        "zh": "必要通知，不能关闭",
        "en": "Essential: always on",
    },
    "notice_settings.saved": {"zh": "已保存", "en": "Saved"},
    "notice_settings.loading": {"zh": "正在加载…", "en": "Loading…"},
    "notice_settings.unavailable": {
        "zh": "通知设置暂未开放",
        "en": "Notification settings are not available yet",
    },
    "notice_channel.push": {"zh": "应用推送", "en": "App push"},
    "notice_channel.sms": {"zh": "短信", "en": "SMS"},
    "notice_channel.email": {"zh": "邮件", "en": "E-mail"},
    "notice_group.reminders": {"zh": "上门前提醒", "en": "Reminders before a visit"},
    "notice_group_hint.reminders": {
        "zh": "预约前一天和前一小时",
        "en": "The day before and the hour before",
    },
    "notice_group.visit_progress": {"zh": "服务进度", "en": "Visit progress"},
    "notice_group_hint.visit_progress": {
        "zh": "师傅已出发、师傅将晚到",
        "en": "The technician set off, or is running late",
    },
    "notice_group.certificates": {"zh": "证书到期提醒", "en": "Certificates expiring"},
    "notice_group_hint.certificates": {
        "zh": "证书本月到期时提醒一次",
        "en": "Once, in the month a certificate expires",
    },
    "notice_group.payments": {"zh": "支付提醒", "en": "Payment reminders"},
    "notice_group_hint.payments": {
        "zh": "未支付的预约即将失效",
        "en": "An unpaid booking is about to lapse",
    },
    "notice_group.invoices": {"zh": "电子发票", "en": "Invoices"},
    "notice_group_hint.invoices": {
        "zh": "您申请的发票发送到您填写的邮箱",
        "en": "The invoice you asked for, to the address you gave",
    },
    "notice_group.order_changes": {"zh": "改约与订单变动", "en": "Visits moved or reassigned"},
    "notice_group_hint.order_changes": {
        "zh": "需要答复的改约申请、订单重新派单",
        "en": "Requests that need your answer; an order sent back to dispatch",
    },
    "notice_group.work_alerts": {"zh": "工作提醒", "en": "Work alerts"},
    "notice_group_hint.work_alerts": {
        "zh": "未按时出发、服务超时",
        "en": "Not yet on the way, or past the planned time",
    },
    "notice_group.safety": {"zh": "安全通知", "en": "Safety"},
    "notice_group_hint.safety": {"zh": "紧急求助与安全提醒", "en": "SOS and safety notices"},
}
