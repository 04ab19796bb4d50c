"""Chinese (the default) and English for the customer app, on the apps' shared machinery
(:mod:`client.i18n`). Screens and the state call ``t(lang, key, **values)`` with the
customer's language (``state.lang``, the choice kept on the device).

The texts live in tables by area (:mod:`customer_app.i18n_browse`, finding a service;
:mod:`customer_app.i18n_booking`, booking and the price's lines;
:mod:`customer_app.i18n_order`, the order, its statuses and timeline;
:mod:`customer_app.i18n_delay`, the technician's request to move the visit;
:mod:`customer_app.i18n_account`, everything around them); the words both apps share come
from :mod:`client.i18n`. What the server names in both languages (services, categories,
add-ons) is shown by :func:`customer_app.components.common.name_of`.
"""

from __future__ import annotations

from typing import Any

from client.i18n import (
    COMMON,
    DEFAULT_LANG,
    INBOX,
    LANGS,
    ORDER_STATUS,
    language,
    merged,
    notice_title,
    translate,
)
from client.models import CouponRead, QuoteLineRead
from client.notice_settings import NOTICE_SETTINGS
from customer_app.i18n_account import ACCOUNT_TEXTS
from customer_app.i18n_booking import BOOKING_TEXTS, LINE_TEXTS
from customer_app.i18n_browse import BROWSE_TEXTS
from customer_app.i18n_delay import DELAY_TEXTS
from customer_app.i18n_family import FAMILY_TEXTS
from customer_app.i18n_mall import MALL_TEXTS
from customer_app.i18n_order import EVENT_TEXTS, ORDER_TEXTS, STATUS_TEXTS
from customer_app.i18n_wallet import WALLET_TEXTS

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "MATCHING_EVENT",
    "TEXTS",
    "coupon_name",
    "discount_text",
    "event_key",
    "event_label",
    "has_text",
    "language",
    "line_label",
    "membership_name",
    "money",
    "notice_label",
    "status_label",
    "t",
]

TEXTS = merged(
    COMMON,
    MALL_TEXTS,
    NOTICE_SETTINGS,
    ORDER_STATUS,
    INBOX,
    STATUS_TEXTS,
    BROWSE_TEXTS,
    BOOKING_TEXTS,
    LINE_TEXTS,
    ORDER_TEXTS,
    EVENT_TEXTS,
    DELAY_TEXTS,
    ACCOUNT_TEXTS,
    WALLET_TEXTS,
    FAMILY_TEXTS,
)

# A run of dispatch's offers, declines and time-outs, collapsed into one line
MATCHING_EVENT = "matching"


def t(lang: str, key: str, **values: object) -> str:
    """The customer's text for ``key`` in ``lang``, ``values`` filled in."""
    return translate(TEXTS, lang, key, **values)


def notice_label(lang: str, kind: str, title: str) -> str:
    """A notification's title in the customer's language (``client.i18n.INBOX``)."""
    return notice_title(TEXTS, lang, kind, title)


def has_text(key: str) -> bool:
    return key in TEXTS


def status_label(lang: str, status: str) -> str:
    """An order status in the customer's words (an unknown one as the server sends it)."""
    key = f"status.{status}"
    return t(lang, key) if has_text(key) else status


def event_key(event_type: str) -> str:
    """The text key of a timeline line (``order.paid`` -> ``event.order.paid``)."""
    return f"event.{event_type}"


def event_label(lang: str, event_type: str, payload: dict[str, Any] | None = None) -> str:
    """One timeline line; a step's title (``order.sop_step_done``) in the customer's
    language when the server gives it in both."""
    key = event_key(event_type)
    if not has_text(key):
        return t(lang, "event.unknown")
    payload = payload or {}
    if "{title}" not in TEXTS[key]["zh"]:
        return t(lang, key)
    title = payload.get("title")
    if isinstance(title, dict):
        title = title.get(lang) or title.get(DEFAULT_LANG) or ""
    title = (
        title
        or payload.get(f"title_{lang}")
        or payload.get("title_zh")
        or str(payload.get("step_no", ""))
    )
    return t(lang, key, title=title)


def money(fen: int, currency: str = "CNY") -> str:
    """Fen to a display string: 12345 -> ¥123.45 (integer arithmetic, no floats)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{fen // 100}.{fen % 100:02d}"


def discount_text(lang: str, price_bp: int) -> str:
    """A discount by the share of the price paid, in basis points: 9000 -> 9折 / 10% off."""
    return t(
        lang, "discount", tenths=f"{price_bp / 1000:g}", percent=f"{(10000 - price_bp) / 100:g}"
    )


def membership_name(lang: str, code: str | None, name_zh: str | None) -> str:
    """A membership level by the pricing rules' code; a level only the server names (in
    Chinese) keeps its name in Chinese and is "member" in English."""
    key = f"member.{code}"
    if code and has_text(key):
        return t(lang, key)
    if lang == DEFAULT_LANG and name_zh:
        return name_zh
    return t(lang, "member.any")


def coupon_name(lang: str, coupon: CouponRead) -> str:
    """The coupon's label from the server, else the words for its kind (never its id)."""
    if coupon.label and lang == DEFAULT_LANG:  # the server words its labels in Chinese
        return coupon.label
    return coupon_kind(lang, coupon.kind)


def coupon_kind(lang: str, kind: str) -> str:
    """A coupon by its kind (立减券, 满减券, 折扣券)."""
    key = f"coupon_kind_{kind}"
    return t(lang, key) if has_text(key) else t(lang, "coupon_any")


def line_label(lang: str, line: QuoteLineRead, names: dict[str, str] | None = None) -> str:
    """A price line's words. The server words each line in Chinese, which Chinese shows
    as is; English words it from its code and detail (``names``: add-ons' and extras'
    names in English by code). A code worded nowhere here keeps the server's words."""
    if lang == DEFAULT_LANG:
        return line.label
    kind, _, code = line.code.partition(":")
    detail = line.detail or {}
    names = names or {}
    if kind == "base":
        units = detail.get("units")
        hourly = detail.get("unit") == "hour" and units is not None
        return t(lang, "line.base_hours", units=units) if hourly else t(lang, "line.base")
    if kind == "area_surcharge" and detail.get("area_m2") is not None:
        over = int(detail["area_m2"]) - int(detail.get("band_m2") or 0)
        return t(lang, "line.area_surcharge", area=over)
    if kind == "peak":
        factor = int(detail.get("multiplier_bp") or 10000) / 10000
        return t(lang, "line.peak", factor=f"{factor:g}")
    if kind == "night_surcharge":
        return t(lang, "line.night_surcharge", percent=f"{int(detail.get('bp') or 0) / 100:g}")
    if kind == "membership":
        price_bp = int(detail.get("discount_bp") or 10000)
        return f"{membership_name(lang, code, None)} {discount_text(lang, price_bp)}"
    if kind == "coupon":
        return coupon_kind(lang, code)
    if kind == "points":
        return t(lang, "line.points", points=detail.get("points", ""))
    if kind in ("addon", "extra") and code in names:
        if kind == "addon":
            return names[code]
        return t(lang, "line.extra", name=names[code], quantity=detail.get("quantity", 1))
    if has_text(f"line.{kind}"):
        return t(lang, f"line.{kind}")
    return line.label
