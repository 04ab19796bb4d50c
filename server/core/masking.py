"""Mask contact details typed into chat (pure; no I/O).

Taking a deal off the platform is a severe violation in the house rules, and the
usual first step is swapping a phone number or a WeChat id in chat. The mask catches
the common spellings — separators between digits (``138 1234 5678``,
``+86-138-1234-5678``), full-width digits, Chinese numerals (``幺三八…``), messenger
keywords followed by an id (``vx: abc_123``, ``微信 abc123``, ``QQ 12345678``) and
e-mail addresses — and reports which kinds it found so the attempt can be counted.
It errs towards masking: a false positive costs a re-typed message, a miss costs a
customer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MASK = "***"

# Chinese numerals people use to dodge digit filters, mapped one character to one digit
# so spans found in the translated text are the spans of the original.
_CN_DIGITS = str.maketrans(
    {
        "零": "0",
        "〇": "0",
        "○": "0",
        "洞": "0",
        "一": "1",
        "壹": "1",
        "幺": "1",
        "妖": "1",
        "二": "2",
        "贰": "2",
        "两": "2",
        "三": "3",
        "叁": "3",
        "四": "4",
        "肆": "4",
        "五": "5",
        "伍": "5",
        "六": "6",
        "陆": "6",
        "七": "7",
        "柒": "7",
        "拐": "7",
        "八": "8",
        "捌": "8",
        "九": "9",
        "玖": "9",
        "勾": "9",
    }
)

_SEP = r"[\s\-\.·•—_/()（）\[\]【】,，、]"
# A run of digits with at most three separator characters between neighbours.
_DIGIT_RUN = re.compile(rf"(?:[+＋]\s*)?[0-9](?:{_SEP}{{0,3}}[0-9])+")

_MOBILE = re.compile(r"(?:0{0,2}86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}[0-9]{7,8}")
_HOTLINE = re.compile(r"(?:400|800)[0-9]{7}")
_LONG_NUMBER = 11  # any run of this many digits is treated as a contact number

_KEYWORDS = (
    r"微\s*信号?|[威薇徽维]\s*信|v\s*信|weixin|wechat|we\s*chat|vx|wx|v\s*x|w\s*x|wxid"
    # a lone "v" is a handle keyword only in the shapes people use for it: "V：", "加v"
    r"|v(?=\s*[:：=＝])|(?<=[加我])v"
    r"|qq号?|扣扣|企鹅号?|telegram|tg|whatsapp|line|skype|email|邮箱|电话|手机号?|tel|phone|联系方式"
)
_HANDLE = re.compile(
    rf"(?P<kw>(?<![A-Za-z])(?:{_KEYWORDS}))(?P<sep>(?:\s*(?:is|id|号|是|为|:|：|=|＝|-|加|搜)){{0,3}}\s*)"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9_\-]{3,29})",
    re.IGNORECASE,
)
_GENERIC = re.compile(r"line|email|邮箱|电话|手机号?|tel|phone|联系方式|tg", re.IGNORECASE)
_WXID = re.compile(r"wxid_[A-Za-z0-9_\-]{4,}", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class MaskResult:
    text: str
    kinds: tuple[str, ...]  # sorted, unique: "phone", "messenger", "email"

    @property
    def masked(self) -> bool:
        return bool(self.kinds)


def _normalise(text: str) -> str:
    """Same length as ``text``: full-width forms to ASCII, Chinese numerals to digits."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out).translate(_CN_DIGITS)


def _phone_kind(digits: str) -> bool:
    if len(digits) >= _LONG_NUMBER:
        return True
    return any(p.fullmatch(digits) for p in (_MOBILE, _LANDLINE, _HOTLINE))


def mask_contacts(text: str) -> MaskResult:
    """Return ``text`` with contact details replaced by ``***`` and the kinds found."""
    if not text:
        return MaskResult(text or "", ())
    shadow = _normalise(text)
    spans: list[tuple[int, int, str]] = []
    for m in _EMAIL.finditer(shadow):
        spans.append((m.start(), m.end(), "email"))
    for m in _WXID.finditer(shadow):
        spans.append((m.start(), m.end(), "messenger"))
    for m in _HANDLE.finditer(shadow):
        handle = m.group("id")
        # "电话 2 点" or "the phone is broken" are not handles: after a generic word an id
        # needs a digit; after a messenger name, letters long enough will do
        generic = _GENERIC.fullmatch(m.group("kw")) is not None
        if any(c.isdigit() for c in handle) or (not generic and len(handle) >= 6):
            spans.append((m.start("id"), m.end("id"), "messenger"))
    for m in _DIGIT_RUN.finditer(shadow):
        digits = re.sub(r"[^0-9]", "", m.group())
        if _phone_kind(digits):
            spans.append((m.start(), m.end(), "phone"))
    if not spans:
        return MaskResult(text, ())
    spans.sort()
    merged: list[list] = []
    for start, end, kind in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2].add(kind)
        else:
            merged.append([start, end, {kind}])
    pieces, cursor, kinds = [], 0, set()
    for start, end, found in merged:
        pieces.append(text[cursor:start])
        pieces.append(MASK)
        cursor = end
        kinds |= found
    pieces.append(text[cursor:])
    return MaskResult("".join(pieces), tuple(sorted(kinds)))


def mask_name(name: str) -> str:
    """A person's name as others see it: the first character, then stars (王**)."""
    name = name.strip()
    if not name:
        return "*"
    return name[0] + "*" * min(max(len(name) - 1, 1), 2)
