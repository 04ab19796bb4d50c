"""The apps' shared way of speaking Chinese (the default) and English: a table of
texts by key, looked up with :func:`translate`, and the words both apps use alike.

Each app keeps its own table (customers and technicians are told different things) and
merges in :data:`COMMON` and :data:`ORDER_STATUS`. A missing English text falls back to
the Chinese one, a missing key shows the key itself: visible in review, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping

# key -> {"zh": ..., "en": ...}
Texts = Mapping[str, Mapping[str, str]]

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# What both apps say in the same words: the language switch and the way back.
COMMON: Texts = {
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    # a language is named in its own words, whatever the screen's language
    "lang.zh": {"zh": "中文", "en": "中文"},
    "lang.en": {"zh": "English", "en": "English"},
    "back": {"zh": "返回", "en": "Back"},
}

# The order statuses that mean the same to a customer and a technician. The others
# (waiting for dispatch, on the way, awaiting confirmation, disputed) are worded by each
# app for its own reader.
ORDER_STATUS: Texts = {
    "status.PENDING_PAYMENT": {"zh": "待支付", "en": "Awaiting payment"},
    "status.ACCEPTED": {"zh": "已接单", "en": "Accepted"},
    "status.IN_SERVICE": {"zh": "服务中", "en": "In service"},
    "status.COMPLETED": {"zh": "已完成", "en": "Completed"},
    "status.CANCELLED": {"zh": "已取消", "en": "Cancelled"},
}

# The inbox, alike in both apps: the screen's words, and each kind of notice the server
# sends by its kind (``notice_kind.<kind>``; a kind without words here shows the server's title).
INBOX: Texts = {
    "inbox": {"zh": "消息", "en": "Messages"},
    "inbox_unread": {"zh": "消息（{n} 条未读）", "en": "Messages ({n} unread)"},
    "inbox_empty": {"zh": "暂无消息", "en": "No messages yet"},
    "inbox_read_all": {"zh": "全部已读", "en": "Mark all read"},
    "inbox_mark_read": {"zh": "标为已读", "en": "Mark read"},
    "inbox_new": {"zh": "未读", "en": "New"},
    "inbox_unavailable": {"zh": "消息暂未开放", "en": "Messages are not available yet"},
    "notice_kind.reminder.day_before": {"zh": "明天有预约", "en": "Your visit is tomorrow"},
    "notice_kind.reminder.hour_before": {
        "zh": "预约一小时内开始",
        "en": "Your visit starts within the hour",
    },
    "notice_kind.technician.departed": {"zh": "师傅已出发", "en": "Your technician is on the way"},
    "notice_kind.technician.late": {"zh": "师傅将晚到", "en": "Your technician is running late"},
    "notice_kind.technician.not_departed": {"zh": "请立即出发", "en": "Please set off now"},
    "notice_kind.support.not_departed": {"zh": "师傅未出发", "en": "Technician has not set off"},
    "notice_kind.technician.service_overrun": {
        "zh": "服务已超出预计时长",
        "en": "The visit is running past its planned time",
    },
    "notice_kind.support.service_overrun": {"zh": "服务超时", "en": "A visit is running over time"},
    "notice_kind.certificate.expiring": {
        "zh": "证书本月到期",
        "en": "A certificate expires this month",
    },
    "notice_kind.certificate.expired": {"zh": "证书已过期", "en": "Certificate expired"},
    "notice_kind.payment.lapsing": {
        "zh": "订单即将失效，请尽快支付",
        "en": "Pay soon to keep your booking",
    },
    "notice_kind.invoice.emailed": {"zh": "电子发票已发送至邮箱", "en": "Invoice sent by e-mail"},
    "notice_kind.delay.requested": {
        "zh": "师傅申请改约，请确认",
        "en": "Your technician asks to move the visit",
    },
    "notice_kind.delay.accepted": {"zh": "客户已同意改约", "en": "The customer took the new time"},
    "notice_kind.delay.declined": {
        "zh": "客户未同意改约，订单已改派",
        "en": "Move declined; the order went to another technician",
    },
    "notice_kind.delay.expired": {
        "zh": "改约未获答复，订单已改派",
        "en": "No answer; the order went to another technician",
    },
    "notice_kind.delay.redispatched": {
        "zh": "正在为您重新安排师傅",
        "en": "Finding you another technician",
    },
}


def notice_title(table: Texts, lang: str, kind: str, title: str) -> str:
    """A notification's title in ``lang`` by its kind; the server's own title otherwise
    (the kinds added later, the ones whose title says more than the kind)."""
    key = f"notice_kind.{kind}"
    return translate(table, lang, key) if key in table else title


def language(lang: str | None) -> str:
    """A known language code: ``lang`` itself, else the default."""
    return lang if lang in LANGS else DEFAULT_LANG


def merged(*tables: Texts) -> dict[str, Mapping[str, str]]:
    """One table from several; a key must be defined once (a clash is a mistake)."""
    out: dict[str, Mapping[str, str]] = {}
    for table in tables:
        clash = out.keys() & table.keys()
        if clash:
            raise ValueError(f"text keys defined twice: {sorted(clash)}")
        out.update(table)
    return out


def translate(table: Texts, lang: str, key: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (else Chinese, else the key), with ``values``
    filled into its ``{placeholders}``."""
    entry = table.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**values) if values else text


def rating_text(average: float) -> str:
    """An average rating to one decimal, rounded down: 4.75 reads 4.7, so a score never
    looks better than it is (4.8 is for 4.8 and above)."""
    tenths = int(round(average * 1000)) // 100  # 4.7999999 is 4.8, not 4.7
    return f"{tenths / 10:.1f}"
