"""The technician's texts for moving a visit (改约): the order screen's panel and what the
state says when the customer answers. Merged into :data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

DELAY_TEXTS: Texts = {
    "delay.title": {"zh": "申请改约", "en": "Move the visit"},
    "delay.hint": {
        "zh": "客户同意后按新时间上门；客户拒绝或未及时答复，订单将改派给其他师傅",
        "en": "If the customer agrees, you come at the new time; if not, or with no answer "
        "in time, the order goes to another technician",
    },
    "delay.today": {"zh": "今天", "en": "Today"},
    "delay.day": {"zh": "新的日期", "en": "New day"},
    "delay.time": {"zh": "新的时间", "en": "New time"},
    "delay.reason": {"zh": "改约原因（客户可见）", "en": "Why (the customer reads it)"},
    "delay.submit": {"zh": "提交改约申请", "en": "Ask the customer"},
    "delay.reason_line": {"zh": "原因：{text}", "en": "Why: {text}"},
    "delay.status.pending": {
        "zh": "等待客户确认：改到 {when}（客户需在 {until} 前答复）",
        "en": "Waiting for the customer: move to {when} (answer due by {until})",
    },
    "delay.status.accepted": {"zh": "客户已同意：改到 {when}", "en": "Accepted: moved to {when}"},
    "delay.status.declined": {
        "zh": "客户未同意改到 {when}，订单已改派",
        "en": "Declined ({when}); the order went to another technician",
    },
    "delay.status.expired": {
        "zh": "客户未答复改到 {when}，订单已改派",
        "en": "No answer ({when}); the order went to another technician",
    },
    "delay.status.withdrawn": {
        "zh": "改到 {when} 的申请已失效（订单已出发或变更）",
        "en": "The request for {when} lapsed (the order moved on)",
    },
    "notice.delay_time": {"zh": "请选择新的日期和时间", "en": "Pick the new day and time"},
    "notice.delay_reason": {"zh": "请填写改约原因", "en": "Say why the visit must move"},
    "notice.delay_sent": {
        "zh": "改约申请已提交，等待客户确认",
        "en": "Request sent; waiting for the customer",
    },
    "notice.delay_accepted": {
        "zh": "客户已同意改约，请按新时间上门",
        "en": "The customer took the new time; come then",
    },
    "notice.delay_declined": {
        "zh": "客户未同意改约，订单已改派给其他师傅",
        "en": "The customer declined; the order went to another technician",
    },
    "notice.delay_expired": {
        "zh": "客户未及时答复改约，订单已改派给其他师傅",
        "en": "No answer in time; the order went to another technician",
    },
}
