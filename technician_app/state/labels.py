"""What the technician reads, in his words: labels of statuses, actions and verification
states, the refusals he can act on, what to do when the device gives no position, and
money as yuan. Kept apart so the screens and the state say the same thing."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from client.citytime import CITY_TZ

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


# --- money, in the technician's words -----------------------------------------------------

# Two figures of one job, always named: what the customer pays, and his share of it.
ORDER_VALUE_LABEL = "订单金额"
EXPECTED_PAY_LABEL = "预计收入"

# A line of the earnings statement by its ledger kind (the server's ``EarningOrder.kind``)
EARNING_KIND_LABELS = {
    "split": "订单收入",
    "cancellation": "客户取消补偿",
    "compensation": "平台补贴",
    "freeze": "投诉处理中，收入冻结",
    "unfreeze": "投诉处理完毕，收入解冻",
    "payout": "结算到账",
    "withdrawal": "提现到银行卡",
}
COMPENSATION_MEMOS = {"transfer compensation": "转单补偿"}
PAYOUT_KIND_LABELS = {"payout": "平台结算到账", "withdrawal": "提现申请"}
_SPLIT_MEMO = re.compile(r"split\s+(\d+)/(\d+)\s*bp")


def city_datetime_text(value: datetime | None) -> str:
    """A server time as the technician's clock shows it: 12月3日 14:05 (Asia/Shanghai)."""
    if value is None:
        return "—"
    local = value.astimezone(CITY_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def platform_fee_text(memo: str) -> str:
    """The platform's cut of an order's split, as a percentage: 平台服务费 15%."""
    match = _SPLIT_MEMO.search(memo or "")
    if match is None:
        return ""
    percent = int(match.group(2)) / 100
    return f"平台服务费 {percent:g}%"


def earning_line_text(kind: str, memo: str, service_name: str | None = None) -> str:
    """One line of the statement: what the money is for, never the ledger's memo."""
    label = EARNING_KIND_LABELS.get(kind, "收入调整")
    if kind == "compensation":
        label = COMPENSATION_MEMOS.get(memo, label)
    if kind == "split":
        fee = platform_fee_text(memo)
        head = f"{service_name} {label}" if service_name else label
        return f"{head} · {fee}" if fee else head
    if service_name and kind in ("cancellation", "freeze", "unfreeze", "compensation"):
        return f"{service_name} {label}"
    return label


def payout_text(payout: dict[str, Any]) -> str:
    """A payout or withdrawal row: what it was and, for a withdrawal, the masked card."""
    label = PAYOUT_KIND_LABELS.get(str(payout.get("kind") or ""), "结算")
    card = payout.get("bank_account")
    return f"{label} {card}" if card else label


def frozen_amount(lines: list[Any]) -> int:
    """Money held back by open complaints in the statement: clawed back (``freeze``)
    and not yet given back (``unfreeze``)."""
    held = -sum(line.amount for line in lines if line.kind in ("freeze", "unfreeze"))
    return max(0, held)


def money_state_notes(
    *, balance: int, available: int, frozen: int, disputed_orders: int
) -> list[str]:
    """Why money is or is not withdrawable yet, from the server's figures: what may go
    out now, what waits for the T+1 settlement, what a complaint holds."""
    pending = max(0, balance - available)
    notes = [f"可提现 {yuan(available)}：已结算，可申请提现到银行卡"]
    if pending:
        notes.append(f"待结算 {yuan(pending)}：客户确认完成后，T+1 到账可提现")
    if frozen or disputed_orders:
        held = f" {yuan(frozen)}" if frozen else ""
        count = f"（{disputed_orders} 单）" if disputed_orders else ""
        notes.append(f"冻结{held}：投诉处理中{count}，处理完毕后按结果结算")
    if not available and not pending and not frozen and not disputed_orders:
        notes.append("暂无待结算收入：客户确认完成后，收入 T+1 可提现")
    return notes
