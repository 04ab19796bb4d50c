"""Refusals reach the customer in Chinese, at the top of the screen and beside the field
they concern: a wrong password, a wrong code, a field the server rejects, a booking with
no time or address. Never the server's English message, never a raw code."""

from __future__ import annotations

import re

import pytest

from client.error_texts import error_text
from customer_app.state import CustomerState
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import sign_up, signed_in

CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_in_chinese(text: str | None, code: str | None) -> None:
    assert text and CJK.search(text), text
    assert not re.search(r"[A-Za-z]{3,}", text), text  # no English words, no codes
    assert code is None or code not in text


async def test_a_wrong_password_is_said_beside_the_password(
    state: CustomerState, server: LiveServer
) -> None:
    await sign_up(state, server, "周女士")
    phone = state.session.user.phone
    await state.logout()
    state.session.form.update(auth_mode="login", phone=phone, password="not my password")
    assert not await state.submit_auth()
    assert state.session.last_error_code == "invalid_credentials"
    assert_in_chinese(state.session.error, state.session.last_error_code)
    assert state.session.field_errors == {"password": state.session.error}


async def test_a_wrong_code_is_said_beside_the_code(
    state: CustomerState, server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.app.state.sms, "name", "gateway")  # the customer types it
    state.session.form.update(
        auth_mode="register", phone=server.next_phone(), password="correct horse", consent=True
    )
    assert not await state.submit_auth()
    state.session.form["code"] = (
        "000000" if "000000" not in server.app.state.sms.outbox[-1].text else "1"
    )
    assert not await state.submit_auth()
    assert state.session.last_error_code == "code_invalid"
    assert_in_chinese(state.session.field_errors.get("code"), "code_invalid")


async def test_a_field_the_server_rejects_is_named_in_chinese(
    state: CustomerState, server: LiveServer
) -> None:
    # the server's own check (a 422 naming the field), not one of the app's
    assert not await state.send_code("12")
    assert state.session.last_error_code == "validation_error"
    assert_in_chinese(state.session.error, "validation_error")
    assert "手机号" in state.session.error and set(state.session.field_errors) == {"phone"}
    state.clear_messages()
    assert state.session.field_errors == {} and state.session.error is None


async def test_a_booking_without_time_or_address_says_what_is_missing(
    state: CustomerState, server: LiveServer
) -> None:
    await signed_in(state, server)
    await state.start()
    await state.begin_booking("svc_window_cleaning")
    assert state.booking.draft is not None
    state.booking.draft.slot_start = None
    state.booking.draft.address = None
    assert await state.request_quote() is None
    assert_in_chinese(state.session.error, None)
    assert set(state.session.field_errors) == {"time_slot", "address"}
    # each field says what is wrong with it alone; the top line says both
    assert state.session.field_errors == {
        "time_slot": "请检查：上门时间",
        "address": "请检查：地址",
    }
    assert state.session.error == "请检查：上门时间、地址"


def test_unknown_codes_fall_back_to_words_never_to_the_code() -> None:
    assert_in_chinese(error_text("a_code_from_a_newer_server", status=409), "a_code")
    assert error_text("a_code_from_a_newer_server", "en").isascii()
