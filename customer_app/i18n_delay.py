"""The customer's texts for the technician's request to move a visit (改约): the order
page's section, the notes after an answer and the timeline's lines. Merged into
:data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

DELAY_TEXTS: Texts = {
    "delay_title": {"zh": "师傅申请改约", "en": "Your technician asks to move the visit"},
    "delay_from": {"zh": "原预约：{when}", "en": "Booked: {when}"},
    "delay_to": {"zh": "新时间：{when}", "en": "New time: {when}"},
    "delay_reason": {"zh": "原因：{reason}", "en": "Why: {reason}"},
    "delay_deadline": {
        "zh": "请在 {until} 前答复；拒绝或逾期未答复，将保留原时间并为您重新安排师傅",
        "en": "Answer by {until}. If you decline or do not answer, the booked time stands "
        "and another technician is found",
    },
    "delay_accept": {"zh": "同意改约", "en": "Take the new time"},
    "delay_decline": {"zh": "拒绝，保留原时间", "en": "Decline, keep my time"},
    "delay_accepted": {"zh": "您已同意改约：新时间 {when}", "en": "You took the new time: {when}"},
    "delay_declined": {
        "zh": "您已拒绝改约，正在为您重新安排师傅",
        "en": "You declined; another technician is being found",
    },
    "delay_expired": {
        "zh": "改约申请未及时答复，已为您重新安排师傅",
        "en": "No answer in time; another technician is being found",
    },
    "delay_accepted_notice": {
        "zh": "已同意改约，预约时间已更新",
        "en": "Done: the visit moved to the new time",
    },
    "delay_declined_notice": {
        "zh": "已拒绝改约，正在为您重新安排师傅",
        "en": "Declined: another technician is being found",
    },
    # the timeline's lines
    "event.order.delay_requested": {"zh": "师傅申请改约", "en": "The technician asked to move it"},
    "event.order.delay_accepted": {"zh": "您已同意改约", "en": "You took the new time"},
    "event.order.delay_declined": {"zh": "您已拒绝改约", "en": "You declined the new time"},
    "event.order.delay_expired": {
        "zh": "改约未答复，重新匹配师傅",
        "en": "No answer to the move; matching again",
    },
}
