"""钱包: the stored-value balance, top-ups with the rules' preset amounts (paid on the
provider's checkout, as an order is), and what moved the balance; and 余额支付 on an
order's payment step."""

from __future__ import annotations

import flet as ft

from customer_app.components.common import act, button, keyed, local, muted, page_view, section
from customer_app.i18n import money, t
from customer_app.state import CustomerState


def balance_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    sv = state.me.stored
    if sv is None:
        return section(t(lang, "wallet_balance"), muted(t(lang, "unavailable")))
    return section(
        t(lang, "wallet_balance"),
        ft.Text(money(sv.balance), key="wallet-balance", size=28, weight=ft.FontWeight.BOLD),
        muted(t(lang, "wallet_limit", amount=money(sv.max_balance))),
    )


def top_up_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    sv = state.me.stored
    if sv is None:
        return ft.Container()
    pending = state.me.top_up_payment
    if pending is not None:  # the provider's checkout, as for an order
        return section(
            t(lang, "top_up"),
            ft.Row(
                [
                    ft.Icon(ft.Icons.QR_CODE_2, size=96, color=ft.Colors.GREY_800),
                    muted(t(lang, "top_up_scan", amount=money(pending.amount))),
                ]
            ),
            button(
                "top-up-confirm",
                t(lang, "top_up_confirm"),
                act(state.approve_top_up),
                expand=True,
                disabled=state.session.busy,
            ),
        )
    room = max(sv.max_balance - sv.balance, 0)
    presets = [
        button(
            f"top-up-{amount}",
            t(lang, "top_up_amount", amount=money(amount)),
            act(state.start_top_up, amount),
            kind="outlined",
            disabled=amount > room,  # past the balance's limit
        )
        for amount in sv.top_up_presets
    ]
    return section(t(lang, "top_up"), ft.Row(presets, wrap=True))


def history_section(state: CustomerState) -> ft.Control:
    lang = state.session.lang
    sv = state.me.stored
    lines = sv.history if sv else []
    rows: list[ft.Control] = [
        keyed(
            f"wallet-line-{line.entry_id}",
            ft.ListTile(
                title=ft.Text(t(lang, f"wallet_kind.{line.kind}")),
                subtitle=ft.Text(local(line.at), size=12),
                trailing=ft.Text(("+" if line.amount > 0 else "") + money(line.amount)),
                dense=True,
            ),
        )
        for line in lines
    ]
    return section(t(lang, "wallet_history"), *(rows or [muted(t(lang, "none"))]))


def balance_payment(state: CustomerState) -> list[ft.Control]:
    """余额支付: the balance beside the checkout; short of the amount, the button is off
    and says by how much."""
    lang = state.session.lang
    balance = state.balance()
    if balance is None:  # not known (the server has no wallet, or is out of reach)
        return []
    short = state.balance_short_by()
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(t(lang, "balance_line", amount=money(balance))),
                button(
                    "pay-balance",
                    t(lang, "pay_by_balance", amount=money(state.amount_to_pay())),
                    act(state.pay_from_balance),
                    kind="outlined",
                    disabled=state.session.busy or short > 0,
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        )
    ]
    if short:
        rows.append(muted(t(lang, "balance_short", amount=money(short)), 12))
    return rows


def wallet_view(state: CustomerState) -> ft.View:
    controls = [balance_section(state), top_up_section(state), history_section(state)]
    return page_view(state, "/wallet", t(state.session.lang, "wallet"), controls)
