"""What the technician reads, in his words: labels of statuses, actions and verification
states, the refusals he can act on, what to do when the device gives no position, and
money as yuan. Kept apart so the screens and the state say the same thing."""

from __future__ import annotations

# What to do when the device gives no position (check-in and the customer's tracking need it)
LOCATION_HELP = {
    "location_denied": "未获得定位权限：请在系统（网页版：浏览器）设置中允许本应用使用位置，"
    "签到和顾客查看您的位置都需要",
    "location_off": "定位服务已关闭：请在系统设置中打开定位后再签到",
    "location_failed": "暂时无法获取位置：请到开阔处稍后再试",
    "": "无法获取当前位置，请开启定位后再签到",
}

ACTION_LABELS = {
    "accept": "接单",
    "decline": "拒单",
    "claim": "抢单",
    "depart": "出发",
    "arrive": "到达签到",
    "start": "开始服务",
    "sop_done": "完成步骤",
    "finish": "完成服务",
    "transfer": "转单",
    "sign_work_order": "客户签字确认工单",
    "change_request": "增项申请",
    "message": "发送消息",
    "sos": "紧急求助",
    "location": "上报位置",
    "complaint_reply": "申诉回复",
}
STATUS_LABELS = {
    "PENDING_PAYMENT": "待支付",
    "PENDING_DISPATCH": "待派单",
    "OFFERED": "待接单",
    "ACCEPTED": "已接单",
    "EN_ROUTE": "出发中",
    "ARRIVED": "已到达",
    "IN_SERVICE": "服务中",
    "AWAITING_CONFIRMATION": "待客户确认",
    "COMPLETED": "已完成",
    "CANCELLED": "已取消",
    "DISPUTED": "售后处理中",
}
# A status that needs more than its label: a banner on the order screen, and what follows.
STATUS_NOTES = {
    "AWAITING_CONFIRMATION": ("服务已完成，等待客户确认", "客户确认后订单完成，收入计入结算。"),
}
# Refusals the technician can act on, in his words (others show the server's message).
REFUSAL_TEXTS = {
    "code_required": "请输入短信验证码",
    "code_invalid": "验证码不正确",
    "code_expired": "验证码已失效，请重新获取",
    "phone_taken": "该手机号已注册，请直接登录",
    "technician_suspended": "账号已暂停接单，暂不能上线；恢复后会通知你",
    "not_verified": "资料审核通过后才能上线接单",
    "service_area_required": "请先设置服务范围，再上线接单",
}

VERIFICATION_LABELS = {
    "pending": "资料审核中",
    "verified": "已认证",
    "approved": "已认证",
    "rejected": "审核未通过",
    "suspended": "已暂停接单",
    "incomplete": "资料未完善",
    "not_submitted": "资料未提交，请完善资料",
}


def yuan(fen: int | None) -> str:
    """Money is integer fen everywhere; this is only for display."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"
