"""Injection strings in every text field of every operation, as a role that may call it.

Built from the OpenAPI schema: each JSON body is filled from its schema with every string
set to the attack (numbers 1, booleans true, one item per list), every string query
parameter and every path parameter carries it too. Whatever the server makes of it, the
answer is deliberate: a 2xx that stored it as plain data, or a 4xx with an error code,
never a 5xx. The tables are still there afterwards.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import inspect

from tests.security.test_authorization_matrix import EXPECTED, ROLES
from tests.security.test_hostile_input import INJECTIONS

ATTACKS = [INJECTIONS[1], INJECTIONS[2], INJECTIONS[6]]  # SQL, path traversal, NUL bytes


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _fill(schema: dict, spec: dict, attack: str, depth: int = 0) -> Any:
    """A value shaped by ``schema`` whose every string is ``attack``."""
    schema = _resolve(schema, spec)
    for combinator in ("anyOf", "oneOf", "allOf"):
        options = [s for s in schema.get(combinator, []) if _resolve(s, spec).get("type") != "null"]
        if options:
            return _fill(options[0], spec, attack, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            name: _fill(sub, spec, attack, depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_fill(schema.get("items", {}), spec, attack, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    return attack


def _calls(spec: dict, attack: str):  # noqa: ANN202
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1") or path.endswith("/ws"):
            continue
        for method, operation in operations.items():
            url = re.sub(r"\{[^}]+\}", quote(attack, safe=""), path)
            params = {
                p["name"]: attack
                for p in operation.get("parameters", [])
                if p["in"] == "query"
                and _resolve(p.get("schema", {}), spec).get("type") in (None, "string")
            }
            content = operation.get("requestBody", {}).get("content", {})
            body = None
            if "application/json" in content:
                body = _fill(content["application/json"]["schema"], spec, attack)
            yield method.upper(), path, url, params, body


@pytest.mark.parametrize("attack", ATTACKS, ids=["sql", "path", "nul"])
def test_every_text_field_takes_injection_as_data(api, attack: str) -> None:  # noqa: ANN001
    users = {"anonymous": None}
    for role in ROLES[1:]:
        users[role] = api.register(role) if role in ("customer", "technician") else api.staff(role)
    api.order(users["customer"])  # some rows for the queries to meet
    spec = api.app.openapi()
    failures = []
    calls, stored = 0, 0
    for method, path, url, params, body in _calls(spec, attack):
        allowed = EXPECTED[(method, path[len("/api/v1") :])]
        role = next(r for r in ROLES if r in allowed)
        user = users[role]
        response = api.client.request(
            method, url, params=params or None, json=body, headers=user["headers"] if user else {}
        )
        calls += 1
        stored += method != "GET" and response.status_code < 300
        if response.status_code >= 500:
            failures.append(
                f"{method} {path} as {role}: {response.status_code} {response.text[:150]}"
            )
        elif response.status_code >= 400:
            assert response.json()["error"]["code"], (method, path, response.text[:200])
    # most writes refuse the attack as an id; some (sign-up, profile, notes) store it as text
    assert calls > 100 and stored >= 3, (calls, stored)
    assert not failures, "\n".join(failures)
    assert "service_order" in inspect(api.app.state.engine).get_table_names()
