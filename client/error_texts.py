"""What the apps say when the server refuses: every error code it can send, in Chinese and
English, for both apps.

The server's ``message`` is for developers (English, terse); people read ``error_text``.
A 422 that names its fields (``details.errors[].loc``) says which fields to check, in the
field's own words (``FIELD_TEXTS``). A code missing here (a newer server) falls back to
words by status, never to the code itself. The tables live in ``client.error_texts_table``;
``tests/apps/test_error_texts.py`` reads the server's source for every code it raises and
fails when one has no words there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from client.error_texts_table import ERROR_TEXTS, FIELD_TEXTS

__all__ = ["ERROR_TEXTS", "FIELD_TEXTS", "error_text", "field_text", "invalid_fields"]

# By status, for a code this table does not know yet.
_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "busy",
}
_FALLBACK = ("操作未成功，请稍后重试", "That did not work; please try again")


def _pick(texts: tuple[str, str], lang: str) -> str:
    return texts[1] if lang == "en" else texts[0]


def field_text(name: str, lang: str = "zh") -> str | None:
    """A request field's name in the user's words, None for one not listed."""
    got = FIELD_TEXTS.get(name)
    return None if got is None else _pick(got, lang)


def invalid_fields(details: Mapping[str, Any] | None) -> list[str]:
    """The fields a 422 names (the last named part of each error's ``loc``), in order."""
    out: list[str] = []
    for err in (details or {}).get("errors") or ():
        loc = [str(p) for p in (err.get("loc") or ()) if not str(p).isdigit()]
        name = loc[-1] if loc and loc[-1] not in ("body", "query", "path") else None
        if name and name not in out:
            out.append(name)
    return out


def error_text(
    code: str,
    lang: str = "zh",
    *,
    status: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> str:
    """The words for a refusal: its code's own, a 422's fields, or the status's."""
    if code == "validation_error":
        names = [field_text(n, lang) for n in invalid_fields(details)]
        known = [n for n in names if n]
        if known:
            sep = "、" if lang != "en" else ", "
            head = "请检查：" if lang != "en" else "Please check: "
            return head + sep.join(known)
    texts = ERROR_TEXTS.get(code)
    if texts is None and status is not None:
        texts = ERROR_TEXTS.get(_BY_STATUS.get(status, ""))
    return _pick(texts or _FALLBACK, lang)


def field_error_text(
    code: str, field: str, lang: str = "zh", details: Mapping[str, Any] | None = None
) -> str:
    """The words beside one field: a 422 is said for that field alone (请检查：地址 under
    the address, not the whole list); any other refusal is said whole."""
    if code == "validation_error":
        return error_text(code, lang, details={"errors": [{"loc": ["body", field]}]})
    return error_text(code, lang, details=details)


# Refusals that concern one field of a form, beyond a 422's own list.
CODE_FIELDS: dict[str, str] = {
    "code_required": "code",
    "code_invalid": "code",
    "code_expired": "code",
    "phone_taken": "phone",
    "invalid_credentials": "password",
}


def error_fields(code: str, details: Mapping[str, Any] | None = None) -> list[str]:
    """The form fields a refusal concerns: a 422's fields, or the code's own field."""
    if code in ("validation_error", "time_without_offset"):
        return invalid_fields(details)
    field = CODE_FIELDS.get(code)
    return [field] if field else []
