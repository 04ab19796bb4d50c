"""钱包 and 余额支付 through the customer app's state against a live server: top up with a
preset amount on the provider's checkout, see the balance and its history, pay an order
from the balance (offered but disabled, with its reason, while the balance is short), and
a cancellation puts the money (less its fee) back into the wallet."""

from __future__ import annotations

import flet as ft

from customer_app.i18n import money
from customer_app.state import CustomerState
from customer_app.views.me import me_view
from customer_app.views.order import order_view
from customer_app.views.wallet import wallet_view
from tests.apps.conftest import LiveServer
from tests.apps.customer.conftest import signed_in


def _controls(root: object) -> list[object]:
    """Every control under ``root``, list tiles' title, subtitle and trailing too."""
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        out.append(node)
        for attr in ("controls", "content", "appbar", "title", "subtitle", "trailing"):
            child = getattr(node, attr, None)
            if isinstance(child, list):
                todo.extend(child)
            elif child is not None and not isinstance(child, str):
                todo.append(child)
    return out


def keyed_control(root: object, key: str) -> ft.Control:
    return next(c for c in _controls(root) if getattr(c, "key", None) == key)


def texts(root: object) -> list[str]:
    return [str(c.value) for c in _controls(root) if isinstance(c, ft.Text)]


async def place_unpaid(state: CustomerState) -> None:
    await state.open_service("svc_window_cleaning")
    await state.begin_booking("svc_window_cleaning")
    state.choose_slot(next(s for s in state.booking.slots if s.available))
    state.update_draft(units=8)  # dearer than the first preset top-up
    assert await state.request_quote() is not None, state.session.error
    assert await state.place_order() is not None, state.session.error
    assert state.visit.order.status == "PENDING_PAYMENT"


async def test_top_up_pay_from_balance_and_cancel_back(
    state: CustomerState, server: LiveServer
) -> None:
    await state.start()
    await signed_in(state, server, "钱女士")
    await state.load_me()
    assert state.me.stored is not None and state.me.stored.balance == 0
    assert "钱包 · 余额 ¥0.00" in [
        str(getattr(c, "content", "")) for c in _controls(me_view(state))
    ]

    await state.open_wallet()
    assert state.session.route == "/wallet"
    presets = state.me.stored.top_up_presets
    assert presets and keyed_control(wallet_view(state), f"top-up-{presets[0]}") is not None
    assert await state.start_top_up(presets[0]) is not None, state.session.error
    assert "已完成支付" in [str(getattr(c, "content", "")) for c in _controls(wallet_view(state))]
    assert await state.approve_top_up(), state.session.error
    assert state.session.notice == "topped_up" and state.me.stored.balance == presets[0]
    screen = texts(wallet_view(state))
    assert money(presets[0]) in screen and f"+{money(presets[0])}" in screen
    assert screen.count("充值") == 2  # the top-up section's heading, and the history's line

    # an order dearer than the balance: 余额支付 shown, disabled, with what is missing
    await place_unpaid(state)
    due = state.amount_to_pay()
    assert due > presets[0]
    pay = keyed_control(order_view(state), "pay-balance")
    assert pay.disabled
    short = money(due - presets[0])
    assert f"余额不足，还差 {short}，请先充值" in texts(order_view(state))
    assert not await state.pay_from_balance()
    assert state.session.last_error_code == "wallet_balance_short"
    assert state.visit.order.status == "PENDING_PAYMENT"

    # topped up enough: paid from the balance in one step
    order_id = state.visit.order.id
    await state.open_wallet()
    assert await state.start_top_up(due) is not None, state.session.error
    assert await state.approve_top_up(), state.session.error
    await state.open_order(order_id)
    assert not keyed_control(order_view(state), "pay-balance").disabled
    assert await state.pay_from_balance(), state.session.error
    assert state.session.notice == "paid" and state.visit.order.status == "PENDING_DISPATCH"
    assert state.me.stored.balance == presets[0]
    assert (
        state.me.stored.history[0].kind == "payment" and state.me.stored.history[0].amount == -due
    )

    # cancelled: what the fee leaves is back in the wallet
    quote = await state.load_cancel_quote()
    assert quote is not None and quote.refund == due - quote.fee
    assert await state.cancel("计划有变"), state.session.error
    await state.open_wallet()
    assert state.me.stored.balance == presets[0] + quote.refund
    assert "退款到余额" in texts(wallet_view(state))
