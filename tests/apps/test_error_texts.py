"""Every error code the server can send has words in both apps (``client.error_texts``).

The codes are read from the server's source, not listed here, so a new one fails this
test until it has words:

* ``code = "..."`` in the body of an error class (any class deriving, at any depth, from
  ``Exception`` and its kin), and a string default of its ``__init__``'s ``code``;
* ``code="..."`` given to an error class or to a code-carrying helper (``error_body``,
  ``known_filter``, ``refusal``, ``refuse``, ``HeldReply.error``), and a string in the
  ``code`` position of their positional arguments (``LedgerError(msg, "x")``,
  ``error_body("x", msg)``, ``refuse(send, 409, "x", msg)``);
* ``BUSY_CODE``; a ``problem`` tuple ``(status, "x", message)``; a ``refusal=(message,
  "x")``; what ``schema_problem`` returns; the values of ``codes = {status: "x"}``.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from client.error_texts import ERROR_TEXTS, FIELD_TEXTS, error_text, field_text

SERVER = Path(__file__).resolve().parents[2] / "server"
_ROOTS = {"Exception", "BaseException", "ValueError", "RuntimeError", "LookupError"}
_CARRIERS = {"error_body", "known_filter", "refusal", "refuse", "error"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTERS = re.compile(r"[A-Za-z]")


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _trees() -> list[ast.Module]:
    return [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SERVER.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _error_classes(classes: list[ast.ClassDef]) -> set[str]:
    errors = set(_ROOTS)
    grew = True
    while grew:
        grew = False
        for c in classes:
            if c.name not in errors and any(_name(b) in errors for b in c.bases):
                errors.add(c.name)
                grew = True
    return errors - _ROOTS


def _positional(args: ast.arguments) -> list[str]:
    return [a.arg for a in args.args if a.arg not in ("self", "cls")]


@cache
def harvest() -> dict[str, set[str]]:
    """code -> where it was seen (for the failure message)."""
    trees = _trees()
    nodes = [n for t in trees for n in ast.walk(t)]
    classes = [n for n in nodes if isinstance(n, ast.ClassDef)]
    errors = _error_classes(classes)
    found: dict[str, set[str]] = {}

    def add(code: str | None, where: str) -> None:
        if code:
            found.setdefault(code, set()).add(where)

    params: dict[str, list[str]] = {}  # callable -> its positional parameters
    for c in classes:
        if c.name not in errors:
            continue
        for item in c.body:
            if isinstance(item, ast.Assign) and any(_name(t) == "code" for t in item.targets):
                add(_str(item.value), c.name)
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                params[c.name] = _positional(item.args)
                pairs = zip(item.args.args[::-1], item.args.defaults[::-1], strict=False)
                for arg, default in pairs:
                    if arg.arg == "code":
                        add(_str(default), c.name)
    for n in nodes:
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name in _CARRIERS:
            params.setdefault(n.name, _positional(n.args))
    for _ in range(len(classes)):  # a class without its own __init__ takes its base's
        for c in classes:
            if c.name in errors and c.name not in params:
                base = next((_name(b) for b in c.bases if _name(b) in params), None)
                if base:
                    params[c.name] = params[base]

    for n in nodes:
        if isinstance(n, ast.Call):
            callee = _name(n.func)
            for kw in n.keywords:
                if kw.arg == "refusal" and isinstance(kw.value, ast.Tuple):
                    add(_str(kw.value.elts[-1]), "refusal")
            if callee not in errors and callee not in _CARRIERS:
                continue
            for kw in n.keywords:
                if kw.arg == "code":
                    add(_str(kw.value), callee)
            names = params.get(callee, [])
            if "code" in names and names.index("code") < len(n.args):
                add(_str(n.args[names.index("code")]), callee)
        elif isinstance(n, ast.Assign):
            target, value = n.targets[0], n.value
            pairs = (
                list(zip(target.elts, value.elts, strict=False))
                if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                else [(target, value)]
            )
            for t, v in pairs:
                if _name(t) == "BUSY_CODE":
                    add(_str(v), "BUSY_CODE")
                if _name(t) == "problem" and isinstance(v, ast.Tuple) and len(v.elts) == 3:
                    add(_str(v.elts[1]), "problem")
                if _name(t) == "codes" and isinstance(v, ast.Dict):
                    for code in v.values:
                        add(_str(code), "codes")
        elif isinstance(n, ast.FunctionDef) and n.name == "schema_problem":
            for r in ast.walk(n):
                if isinstance(r, ast.Return) and r.value is not None:
                    for leaf in ast.walk(r.value):
                        add(_str(leaf), "schema_problem")
    return found


def test_the_harvest_finds_the_codes_it_should() -> None:
    codes = harvest()
    assert len(codes) > 200
    for code in (
        "order_not_found",  # NotFound(..., code=...)
        "busy",  # BUSY_CODE
        "invalid_characters",  # error_body's first argument
        "actor_not_allowed",  # a class attribute of a pure-core exception
        "ledger_invalid",  # an __init__ default
        "entry_unbalanced",  # LedgerError's positional code
        "signature_invalid",  # ProviderError's positional code
        "points_invalid",  # PricingError's positional code
        "sop_step_done",  # GuardFailed(code=...)
        "availability_overlap",  # AvailabilityError(code=...)
        "status_unknown",  # known_filter(code=...)
        "not_eligible",  # refusal(reasons, "x", message)
        "idempotency_key_reused",  # refuse(send, status, "x", message)
        "bad_idempotency_key",  # a problem tuple
        "not_suspended",  # refusal=(message, "x")
        "schema_outdated",  # schema_problem
        "method_not_allowed",  # codes = {status: "x"}
    ):
        assert code in codes, code


def test_every_code_the_server_sends_has_words() -> None:
    missing = {code: sorted(where) for code, where in harvest().items() if code not in ERROR_TEXTS}
    assert not missing, missing


@pytest.mark.parametrize("code", sorted(ERROR_TEXTS))
def test_the_words_are_chinese_and_english(code: str) -> None:
    zh, en = ERROR_TEXTS[code]
    assert _CJK.search(zh) and not _LETTERS.search(zh), zh
    assert en and en.isascii() and en.strip() == en, en


@pytest.mark.parametrize("name", sorted(FIELD_TEXTS))
def test_the_field_names_are_chinese_and_english(name: str) -> None:
    zh, en = FIELD_TEXTS[name]
    assert _CJK.search(zh) and not _LETTERS.search(zh), zh
    assert en and en.isascii(), en


def test_a_known_code_in_both_languages() -> None:
    assert error_text("phone_taken") == ERROR_TEXTS["phone_taken"][0]
    assert error_text("phone_taken", "en") == ERROR_TEXTS["phone_taken"][1]
    assert error_text("invalid_credentials") == "手机号或密码错误"


def test_a_422_names_its_fields() -> None:
    details = {"errors": [{"loc": ["body", "phone"], "msg": "bad", "type": "value_error"}]}
    assert error_text("validation_error", status=422, details=details) == "请检查：手机号"
    assert error_text("validation_error", "en", details=details) == "Please check: phone number"
    two = {
        "errors": [
            {"loc": ["body", "address", "lat"], "msg": "x", "type": "x"},
            {"loc": ["body", "items", 0, "quantity"], "msg": "x", "type": "x"},
            {"loc": ["body", "internal_thing"], "msg": "x", "type": "x"},
        ]
    }
    assert error_text("validation_error", details=two) == "请检查：位置（纬度）、数量"
    assert field_text("internal_thing") is None
    unnamed = {"errors": [{"loc": ["body"], "msg": "x", "type": "x"}]}
    assert error_text("validation_error", details=unnamed) == ERROR_TEXTS["validation_error"][0]


def test_an_unknown_code_falls_back_by_status_then_to_the_generic_words() -> None:
    code = "a_code_from_a_newer_server"
    assert error_text(code, status=404) == ERROR_TEXTS["not_found"][0]
    assert error_text(code, "en", status=404) == ERROR_TEXTS["not_found"][1]
    generic = error_text(code)
    assert generic == "操作未成功，请稍后重试"
    assert error_text(code, status=599) == generic
    assert error_text(code, "en") == "That did not work; please try again"


@pytest.mark.parametrize("code", [*sorted(ERROR_TEXTS), "brand_new_code"])
def test_the_words_never_show_the_code(code: str) -> None:
    # A one-word code ("busy") may be an English word of its text; a compound one never is.
    langs = ("zh", "en") if "_" in code else ("zh",)
    for lang in langs:
        for status in (None, 404, 422):
            assert code not in error_text(code, lang, status=status)
