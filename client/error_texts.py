"""What the apps say when the server refuses: every error code it can send, in Chinese and
English, for both apps.

The server's ``message`` is for developers (English, terse); people read ``error_text``.
A 422 that names its fields (``details.errors[].loc``) says which fields to check, in the
field's own words (``FIELD_TEXTS``). A code missing here (a newer server) falls back to
words by status, never to the code itself. ``tests/apps/test_error_texts.py`` reads the
server's source for every code it raises and fails when one has no words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# code -> (zh, en)
ERROR_TEXTS: dict[str, tuple[str, str]] = {
    # The client's own (no answer, or an answer without the error shape).
    "network_error": ("网络连接失败，请稍后重试", "Cannot reach the server; try again"),
    "unavailable": ("此功能暂不可用", "This feature is not available yet"),
    # Generic shapes.
    "bad_request": ("请求有误，请检查后重试", "The request was not accepted; check and retry"),
    "unauthorized": ("登录已失效，请重新登录", "Please sign in again"),
    "forbidden": ("您没有权限进行此操作", "You are not allowed to do this"),
    "not_found": ("内容不存在或已删除", "Not found, or no longer there"),
    "conflict": ("状态已变化，请刷新后重试", "Things changed meanwhile; refresh and retry"),
    "gone": ("内容已失效", "No longer available"),
    "payload_too_large": ("文件太大，请压缩后再上传", "The file is too large"),
    "unsupported_media_type": ("不支持的文件格式", "Unsupported file type"),
    "validation_error": ("填写内容有误，请检查", "Some fields are not valid; please check"),
    "time_without_offset": ("时间格式有误", "The time has no time zone"),
    "rate_limited": ("操作太频繁，请稍后再试", "Too many attempts; try again shortly"),
    "busy": ("系统繁忙，请稍后重试", "The service is busy; try again shortly"),
    "method_not_allowed": ("此操作暂不可用", "This action is not available"),
}

# Field names of request bodies and queries -> (zh, en), for "please check: ...".
FIELD_TEXTS: dict[str, tuple[str, str]] = {
    "phone": ("手机号", "phone number"),
    "password": ("密码", "password"),
    "code": ("验证码", "verification code"),
    "address": ("地址", "address"),
    "time_slot": ("上门时间", "visit time"),
}

# By status, for a code this table does not know yet.
_BY_STATUS: dict[int, str] = {401: "unauthorized", 403: "forbidden", 404: "not_found"}
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
