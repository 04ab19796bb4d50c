"""The customer's texts for an order once placed: its statuses and the words of its
timeline, the order page (tracking, contact, extra work, cancelling, confirming) and the
review and complaint forms. Merged into :data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

# Statuses worded for the customer (the ones both apps share are in client.i18n).
STATUS_TEXTS: Texts = {
    "status.PENDING_DISPATCH": {"zh": "待接单", "en": "Finding a technician"},
    "status.OFFERED": {"zh": "待接单", "en": "Finding a technician"},
    "status.EN_ROUTE": {"zh": "师傅已出发", "en": "On the way"},
    "status.ARRIVED": {"zh": "师傅已到达", "en": "Arrived"},
    "status.AWAITING_CONFIRMATION": {"zh": "待确认完成", "en": "Awaiting your confirmation"},
    "status.DISPUTED": {"zh": "投诉处理中", "en": "Under dispute"},
}

ORDER_TEXTS: Texts = {
    "order": {"zh": "订单详情", "en": "Order"},
    "order_no": {"zh": "订单号 {id}", "en": "Order {id}"},
    "timeline": {"zh": "订单进度", "en": "Timeline"},
    "scheduled": {"zh": "预约时间", "en": "Scheduled"},
    "technician": {"zh": "服务人员", "en": "Technician"},
    "map_home": {"zh": "服务地址", "en": "Your address"},
    "map_technician": {"zh": "师傅位置", "en": "Technician"},
    "eta": {
        "zh": "{name}距您{km}公里，预计{minutes}分钟到达",
        "en": "{name} is {km} km away, about {minutes} min",
    },
    "master": {"zh": "{surname}师傅", "en": "{name}"},
    "on_the_way": {"zh": "师傅位置", "en": "On the way"},
    "waiting_location": {"zh": "等待师傅位置", "en": "Waiting for the technician's position"},
    "location_after_departure": {
        "zh": "师傅出发后，这里显示他的实时位置",
        "en": "The technician's position shows here once they set off",
    },
    "contact": {"zh": "联系师傅", "en": "Call"},
    "contact_number": {"zh": "隐私号 {number}", "en": "Virtual number {number}"},
    "chat": {"zh": "聊天", "en": "Chat"},
    "chat_technician": {"zh": "联系师傅", "en": "Message technician"},
    "chat_support": {"zh": "联系客服", "en": "Contact support"},
    "message": {"zh": "输入消息", "en": "Message"},
    "send": {"zh": "发送", "en": "Send"},
    "cancel_order": {"zh": "取消订单", "en": "Cancel order"},
    "cancel_fee": {
        "zh": "现在取消将收取 {fee}，退还 {refund}",
        "en": "Cancelling now costs {fee}; {refund} refunded",
    },
    "cancel_free": {"zh": "现在取消免费，全额退款", "en": "Cancelling now is free; full refund"},
    "cancel_confirm": {"zh": "确认取消", "en": "Confirm cancellation"},
    "keep_order": {"zh": "不取消", "en": "Keep order"},
    "sign_work_order": {"zh": "确认电子工单", "en": "Sign the work order"},
    "work_order_signed": {"zh": "工单已确认", "en": "Work order signed"},
    "change_request": {"zh": "师傅申请增加项目", "en": "The technician asks to add work"},
    "approve": {"zh": "同意", "en": "Approve"},
    "cr_support": {
        "zh": "金额较大，客服核实后再请您确认",
        "en": "Support checks this first, then asks you",
    },
    "reject": {"zh": "拒绝", "en": "Reject"},
    "cr_reason": {"zh": "原因：{reason}", "en": "Why: {reason}"},
    "cr_photo": {"zh": "师傅拍摄的照片", "en": "The technician's photo"},
    "cr_approved": {"zh": "已同意", "en": "Approved"},
    "cr_rejected": {"zh": "已拒绝", "en": "Rejected"},
    "cr_each": {
        "zh": "请逐项确认：同意的项目计入加项费用",
        "en": "Answer each item: approved ones are added to the bill",
    },
    "confirm_done": {"zh": "确认完成", "en": "Confirm completion"},
    "photos": {"zh": "服务照片", "en": "Photos"},
    "review": {"zh": "评价", "en": "Review"},
    "write_review": {"zh": "评价本次服务", "en": "Review this visit"},
    "review_text": {"zh": "说说您的体验", "en": "Tell us how it went"},
    "submit_review": {"zh": "提交评价", "en": "Submit review"},
    "reviewed": {"zh": "已评价，感谢！", "en": "Reviewed, thank you!"},
    "dim_response": {"zh": "响应速度", "en": "Responsiveness"},
    "dim_skill": {"zh": "专业技能", "en": "Skill"},
    "dim_attitude": {"zh": "服务态度", "en": "Attitude"},
    "dim_care": {"zh": "物品完好", "en": "Care of belongings"},
    "complain": {"zh": "投诉", "en": "Complain"},
    "complaint_text": {"zh": "请描述问题", "en": "Describe the problem"},
    "complaint_category": {"zh": "问题类型", "en": "Problem"},
    "cat_quality": {"zh": "服务质量", "en": "Quality"},
    "cat_late": {"zh": "迟到", "en": "Late"},
    "cat_damage": {"zh": "物品损坏", "en": "Damage"},
    "cat_attitude": {"zh": "服务态度", "en": "Attitude"},
    "cat_overcharge": {"zh": "乱收费", "en": "Overcharging"},
    "cat_other": {"zh": "其他", "en": "Other"},
    "submit_complaint": {"zh": "提交投诉", "en": "Submit complaint"},
    "complaint_filed": {
        "zh": "投诉已提交，款项已冻结，客服将介入处理",
        "en": "Complaint filed; the money is frozen and support will step in",
    },
    "booked_price": {"zh": "下单金额", "en": "Booked price"},
    "extra_line": {"zh": "加项：{name} × {quantity}", "en": "Extra: {name} × {quantity}"},
    "extras_paid_line": {"zh": "加项已支付", "en": "Extras paid"},
    "amount_due_line": {"zh": "待支付", "en": "Still to pay"},
    "placed_at": {"zh": "下单时间 {time}", "en": "Ordered {time}"},
    "live": {"zh": "实时", "en": "Live"},
    "reconnecting": {"zh": "重新连接中…", "en": "Reconnecting…"},
}

# The timeline's lines: ``event.`` and the order event's type. ``event.matching`` is a
# run of dispatch's offers, declines and time-outs collapsed into one line.
EVENT_TEXTS: Texts = {
    "event.matching": {"zh": "正在为您匹配师傅…", "en": "Finding you a technician…"},
    "event.order.created": {"zh": "订单已创建", "en": "Order created"},
    "event.order.paid": {"zh": "支付成功，正在为您匹配师傅", "en": "Paid; finding a technician"},
    "event.order.offered": {"zh": "已派单给附近师傅", "en": "Offered to a nearby technician"},
    "event.order.offer_declined": {"zh": "师傅未接单，继续匹配", "en": "Declined; still matching"},
    "event.order.offer_timed_out": {"zh": "继续为您匹配师傅", "en": "Still matching"},
    "event.order.accepted": {"zh": "师傅已接单", "en": "A technician accepted"},
    "event.order.claimed": {"zh": "师傅已接单", "en": "A technician took the order"},
    "event.order.assigned": {"zh": "已为您安排师傅", "en": "A technician was assigned"},
    "event.order.transferred": {"zh": "师傅转单，重新匹配中", "en": "Handed back; matching again"},
    "event.order.departed": {"zh": "师傅已出发", "en": "The technician set off"},
    "event.order.arrived": {"zh": "师傅已到达", "en": "The technician arrived"},
    "event.order.work_order_confirmed": {"zh": "电子工单已确认", "en": "Work order signed"},
    "event.order.started": {"zh": "开始服务", "en": "Work started"},
    "event.order.sop_step_done": {"zh": "完成步骤：{title}", "en": "Step done: {title}"},
    "event.order.finished": {"zh": "服务完成，请确认", "en": "Work finished; please confirm"},
    "event.order.confirmed": {"zh": "您已确认完成", "en": "You confirmed completion"},
    "event.order.auto_confirmed": {"zh": "已自动确认完成", "en": "Confirmed automatically"},
    "event.order.cancelled": {"zh": "订单已取消", "en": "Order cancelled"},
    "event.order.disputed": {"zh": "投诉处理中，款项已冻结", "en": "Complaint open; money frozen"},
    "event.order.change_requested": {"zh": "师傅申请增加项目", "en": "Extra work proposed"},
    "event.order.change_answered": {"zh": "您已答复加项申请", "en": "You answered the extra work"},
    "event.order.change_support_approved": {
        "zh": "客服已核实加项",
        "en": "Support checked the extra work",
    },
    "event.order.change_approved": {"zh": "您已同意加项", "en": "You approved the extra work"},
    "event.order.change_rejected": {"zh": "您已拒绝加项", "en": "You declined the extra work"},
    "event.order.technician_suspended": {
        "zh": "原师傅暂停接单，正在为您重新匹配",
        "en": "Your technician is unavailable; finding another",
    },
    "event.dispatch.placed": {"zh": "正在为您匹配师傅…", "en": "Finding you a technician…"},
    "event.dispatch.unplaced": {
        "zh": "附近师傅较忙，客服正在为您安排",
        "en": "Technicians nearby are busy; support is arranging one",
    },
    "event.order.extras_paid": {"zh": "加项费用已支付", "en": "Extra work paid"},
    "event.order.auto_confirm_held": {
        "zh": "自动确认已暂停",
        "en": "Automatic confirmation on hold",
    },
    "event.order.payment_returned": {"zh": "款项已退回", "en": "Payment returned"},
    "event.order.refunded": {"zh": "已退款", "en": "Refunded"},
    "event.order.resolved": {"zh": "投诉已处理", "en": "Complaint resolved"},
    # an event this version does not know yet: still readable
    "event.unknown": {"zh": "订单更新", "en": "Order updated"},
}
