"""Chinese (the default) and English for the technician app, on the apps' shared
machinery (:mod:`client.i18n`). Screens and the state call ``t(lang, key, **values)``
with the technician's language (``state.session.lang``, his choice kept on the device).

The texts live in tables by subject (:mod:`technician_app.i18n_work`, the job;
:mod:`technician_app.i18n_delay`, moving a visit; :mod:`technician_app.i18n_account`,
everything around it; :mod:`technician_app.i18n_knowledge`, the knowledge base;
:mod:`technician_app.i18n_training`, training); the words both apps share come from
:mod:`client.i18n` (通知设置's from :mod:`client.notice_settings`).
"""

from __future__ import annotations

import calendar

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
from client.notice_settings import NOTICE_SETTINGS
from technician_app.i18n_account import ACCOUNT_TEXTS, MONEY_TEXTS
from technician_app.i18n_business import BUSINESS_TEXTS
from technician_app.i18n_delay import DELAY_TEXTS
from technician_app.i18n_knowledge import KNOWLEDGE_TEXTS
from technician_app.i18n_training import TRAINING_TEXTS
from technician_app.i18n_work import STATUS_TEXTS, WORK_TEXTS

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "TEXTS",
    "day_text",
    "language",
    "local_name",
    "notice_label",
    "t",
]

TEXTS = merged(
    COMMON,
    ORDER_STATUS,
    INBOX,
    STATUS_TEXTS,
    WORK_TEXTS,
    DELAY_TEXTS,
    ACCOUNT_TEXTS,
    MONEY_TEXTS,
    BUSINESS_TEXTS,
    KNOWLEDGE_TEXTS,
    TRAINING_TEXTS,
    NOTICE_SETTINGS,
)


def t(lang: str, key: str, **values: object) -> str:
    """The technician's text for ``key`` in ``lang``, ``values`` filled in."""
    return translate(TEXTS, lang, key, **values)


def notice_label(lang: str, kind: str, title: str) -> str:
    """A notification's title in the technician's language (``client.i18n.INBOX``)."""
    return notice_title(TEXTS, lang, kind, title)


def day_text(lang: str, month: int, day: int, time: str | None = None) -> str:
    """A calendar day (and a clock time) as the technician reads it: 6月5日 / Jun 5."""
    names = {"month": month, "day": day, "month_name": calendar.month_abbr[month]}
    if time is None:
        return t(lang, "day.date", **names)
    return t(lang, "day.date_time", time=time, **names)


def local_name(lang: str, zh: str | None, en: str | None) -> str:
    """A name the server gives in both languages (a service, a skill, a step): the
    English one in English when there is one, else the Chinese."""
    return (en if lang == "en" and en else zh) or ""
