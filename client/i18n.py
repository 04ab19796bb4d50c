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
