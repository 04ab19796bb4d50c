"""What the technician reads, in his words and language: labels of statuses, actions and
verification states, what to do when the device gives no position, and money as yuan.
Kept apart so the screens and the state say the same thing. The label tables are
``{lang: {code: text}}``, built from :data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from client.citytime import CITY_TZ
from technician_app.i18n import DEFAULT_LANG, LANGS, day_text, language, t


def _by_lang(prefix: str, codes: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """One table's codes as {lang: {code: text}}: callers pick their language's dict."""
    return {lang: {code: t(lang, f"{prefix}.{code}") for code in codes} for lang in LANGS}


# What to do when the device gives no position (check-in and the customer's tracking
# need it); "" is the words for a problem without a name.
LOCATION_HELP = _by_lang(
    "location_help", ("location_denied", "location_off", "location_failed", "")
)
ACTION_LABELS = _by_lang(
    "action",
    (
        "accept",
        "decline",
        "claim",
        "depart",
        "arrive",
        "start",
        "sop_done",
        "finish",
        "transfer",
        "sign_work_order",
        "change_request",
        "message",
        "sos",
        "location",
        "complaint_reply",
    ),
)
ORDER_STATUSES = (
    "PENDING_PAYMENT",
    "PENDING_DISPATCH",
    "OFFERED",
    "ACCEPTED",
    "EN_ROUTE",
    "ARRIVED",
    "IN_SERVICE",
    "AWAITING_CONFIRMATION",
    "COMPLETED",
    "CANCELLED",
    "DISPUTED",
)
STATUS_LABELS = _by_lang("status", ORDER_STATUSES)
# A status that needs more than its label: a banner on the order screen, and what follows.
STATUS_NOTES = {
    lang: {
        status: (t(lang, f"status_note.{status}.title"), t(lang, f"status_note.{status}.text"))
        for status in ("AWAITING_CONFIRMATION",)
    }
    for lang in LANGS
}
VERIFICATION_LABELS = _by_lang(
    "verification",
    ("pending", "verified", "approved", "rejected", "suspended", "incomplete", "not_submitted"),
)


def location_help(lang: str, problem: str | None) -> str:
    """What to do about ``problem`` (why the device gave no position)."""
    words = LOCATION_HELP[language(lang)]
    return words.get(problem or "", words[""])


def yuan(fen: int | None) -> str:
    """Money is integer fen everywhere; this is only for display."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"


# --- money, in the technician's words -----------------------------------------------------

# A line of the earnings statement by its ledger kind (the server's ``EarningOrder.kind``)
EARNING_KINDS = (
    "split",
    "cancellation",
    "compensation",
    "freeze",
    "unfreeze",
    "payout",
    "withdrawal",
)
COMPENSATION_MEMOS = {"transfer compensation": "earning.transfer_compensation"}
_SPLIT_MEMO = re.compile(r"split\s+(\d+)/(\d+)\s*bp")


def city_datetime_text(value: datetime | None, lang: str = DEFAULT_LANG) -> str:
    """A server time as the technician's clock shows it: 12月3日 14:05 (Asia/Shanghai)."""
    if value is None:
        return "—"
    local = value.astimezone(CITY_TZ)
    return day_text(lang, local.month, local.day, f"{local:%H:%M}")


def platform_fee_text(memo: str, lang: str = DEFAULT_LANG) -> str:
    """The platform's cut of an order's split, as a percentage: 平台服务费 15%."""
    match = _SPLIT_MEMO.search(memo or "")
    if match is None:
        return ""
    return t(lang, "earning.platform_fee", percent=f"{int(match.group(2)) / 100:g}")


def earning_line_text(
    kind: str, memo: str, service_name: str | None = None, lang: str = DEFAULT_LANG
) -> str:
    """One line of the statement: what the money is for, never the ledger's memo."""
    key = f"earning.{kind}" if kind in EARNING_KINDS else "earning.other"
    if kind == "compensation" and memo in COMPENSATION_MEMOS:
        key = COMPENSATION_MEMOS[memo]
    label = t(lang, key)
    head = label
    if service_name and kind in ("split", "cancellation", "freeze", "unfreeze", "compensation"):
        head = t(lang, "earning.with_service", service=service_name, label=label)
    if kind == "split":
        fee = platform_fee_text(memo, lang)
        return f"{head} · {fee}" if fee else head
    return head


def payout_text(payout: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """A payout or withdrawal row: what it was and, for a withdrawal, the masked card."""
    kind = str(payout.get("kind") or "")
    label = t(lang, f"payout.{kind}" if kind in ("payout", "withdrawal") else "payout.other")
    card = payout.get("bank_account")
    return f"{label} {card}" if card else label


def frozen_amount(lines: list[Any]) -> int:
    """Money held back by open complaints in the statement: clawed back (``freeze``)
    and not yet given back (``unfreeze``)."""
    held = -sum(line.amount for line in lines if line.kind in ("freeze", "unfreeze"))
    return max(0, held)


def money_state_notes(
    *, balance: int, available: int, frozen: int, disputed_orders: int, lang: str = DEFAULT_LANG
) -> list[str]:
    """Why money is or is not withdrawable yet, from the server's figures: what may go
    out now, what waits for the T+1 settlement, what a complaint holds."""
    pending = max(0, balance - available)
    notes = [t(lang, "money_note.available", amount=yuan(available))]
    if pending:
        notes.append(t(lang, "money_note.pending", amount=yuan(pending)))
    if frozen or disputed_orders:
        held = f" {yuan(frozen)}" if frozen else ""
        count = t(lang, "money_note.frozen_count", n=disputed_orders) if disputed_orders else ""
        notes.append(t(lang, "money_note.frozen", amount=held, count=count))
    if not available and not pending and not frozen and not disputed_orders:
        notes.append(t(lang, "money_note.nothing"))
    return notes


def order_value_label(lang: str = DEFAULT_LANG) -> str:
    """What the customer pays for the job (always named, never a bare figure)."""
    return t(lang, "money.order_value")


def expected_pay_label(lang: str = DEFAULT_LANG) -> str:
    """The technician's share of the job."""
    return t(lang, "money.expected_pay")
