"""家庭账户: invite by phone (as family or staff) and withdraw an invitation still pending
(撤回, confirmed), answer the invitations received, the members with their monthly caps
(the main account sets them and removes members; a member leaves); and 家庭余额支付 on
an order's payment step, for a member."""

from __future__ import annotations

import flet as ft

from client.models import FamilyInvitationRead, FamilyPersonRead
from customer_app.components.common import (
    act,
    button,
    do,
    field,
    keyed,
    local,
    muted,
    page_view,
    section,
)
from customer_app.i18n import money, t
from customer_app.state import CustomerState
from customer_app.state.family import WITHDRAWING


def _kind(lang: str, kind: str | None) -> str:
    return t(lang, f"family_kind.{kind or 'family'}")


def _invitation_text(lang: str, key: str, who: FamilyPersonRead, inv: FamilyInvitationRead) -> str:
    """An invitation in one line: who (the inviter, or the one invited), as what, until."""
    return t(
        lang,
        key,
        name=who.name,
        phone=who.phone_masked,
        kind=_kind(lang, inv.kind),
        until=local(inv.expires_at),
    )


def received_section(state: CustomerState) -> ft.Control | None:
    lang = state.session.lang
    rows = state.me.family.invitations_received if state.me.family else []
    if not rows:
        return None

    def row(inv: FamilyInvitationRead) -> ft.Control:
        text = _invitation_text(lang, "family_invited_by", inv.main, inv)
        return keyed(
            f"family-invitation-{inv.invitation_id}",
            ft.Column(
                [
                    ft.Text(text),
                    ft.Row(
                        [
                            button(
                                f"family-accept-{inv.invitation_id}",
                                t(lang, "family_accept"),
                                act(state.accept_family, inv.invitation_id),
                                disabled=state.session.busy,
                            ),
                            button(
                                f"family-decline-{inv.invitation_id}",
                                t(lang, "family_decline"),
                                act(state.decline_family, inv.invitation_id),
                                kind="outlined",
                                disabled=state.session.busy,
                            ),
                        ]
                    ),
                ]
            ),
        )

    return section(t(lang, "family_received"), *[row(inv) for inv in rows])


def sent_row(state: CustomerState, inv: FamilyInvitationRead) -> ft.Control:
    """A pending invitation with 撤回, which asks once more (确认撤回 / 保留) before it
    takes the invitation back."""
    lang = state.session.lang
    iid = inv.invitation_id
    line = _invitation_text(lang, "family_sent_line", inv.member, inv)
    busy = state.session.busy
    if state.session.form.get(WITHDRAWING) == iid:
        actions = [
            muted(t(lang, "family_withdraw_ask", name=inv.member.name), 12),
            button(
                f"family-withdraw-confirm-{iid}",
                t(lang, "family_withdraw_confirm"),
                act(state.withdraw_family, iid),
                disabled=busy,
            ),
            button(
                f"family-withdraw-keep-{iid}",
                t(lang, "family_withdraw_keep"),
                do(state.keep_family_invitation),
                kind="outlined",
                disabled=busy,
            ),
        ]
    else:
        actions = [
            button(
                f"family-withdraw-{iid}",
                t(lang, "family_withdraw"),
                do(state.ask_withdraw_family, iid),
                kind="text",
                disabled=busy,
            )
        ]
    return keyed(f"family-sent-{iid}", ft.Row([muted(line), *actions], wrap=True))


def invite_section(state: CustomerState) -> ft.Control | None:
    """Only a main account (or who is in no family yet) invites."""
    lang = state.session.lang
    fam = state.me.family
    if fam is None or fam.role == "member":
        return None
    sent = [sent_row(state, inv) for inv in fam.invitations_sent]
    return section(
        t(lang, "family_invite"),
        muted(t(lang, "family_intro", n=fam.max_members)),
        field(state, "family_phone", t(lang, "family_phone"), keyboard=ft.KeyboardType.PHONE),
        ft.Row(
            [
                button(
                    "family-invite-family",
                    t(lang, "family_invite_family"),
                    act(state.invite_family, "family"),
                    disabled=state.session.busy,
                ),
                button(
                    "family-invite-staff",
                    t(lang, "family_invite_staff"),
                    act(state.invite_family, "staff"),
                    kind="outlined",
                    disabled=state.session.busy,
                ),
            ],
            wrap=True,
        ),
        *([muted(t(lang, "family_sent"))] + sent if sent else []),
    )


def _cap_text(lang: str, person: FamilyPersonRead) -> str:
    if person.monthly_cap is None:
        return t(lang, "family_no_cap")
    return t(lang, "family_cap", amount=money(person.monthly_cap))


def members_section(state: CustomerState) -> ft.Control | None:
    lang = state.session.lang
    fam = state.me.family
    if fam is None or fam.role == "none":
        return None
    me = state.session.user.id if state.session.user else ""
    rows: list[ft.Control] = []
    if fam.main is not None:
        rows.append(
            ft.ListTile(
                title=ft.Text(f"{fam.main.name} · {t(lang, 'family_main')}"),
                subtitle=ft.Text(fam.main.phone_masked),
                dense=True,
            )
        )
    for person in fam.members:
        mine = person.user_id == me
        lines: list[ft.Control] = [
            ft.Text(f"{person.name}{t(lang, 'family_you') if mine else ''}"),
            muted(f"{person.phone_masked} · {_kind(lang, person.kind)}", 12),
        ]
        if fam.role == "main" or mine:
            lines.append(muted(_cap_text(lang, person), 12))
        if fam.role == "main":
            key = f"cap_{person.user_id}"
            lines.append(
                ft.Row(
                    [
                        field(state, key, t(lang, "family_cap_field"), width=200),
                        button(
                            f"family-cap-{person.user_id}",
                            t(lang, "family_cap_save"),
                            act(state.set_family_cap, person.user_id),
                            kind="outlined",
                            disabled=state.session.busy,
                        ),
                        button(
                            f"family-remove-{person.user_id}",
                            t(lang, "family_remove"),
                            act(state.remove_family_member, person.user_id),
                            kind="text",
                            disabled=state.session.busy,
                        ),
                    ],
                    wrap=True,
                )
            )
        rows.append(keyed(f"family-member-{person.user_id}", ft.Column(lines, spacing=2)))
    if fam.role == "member":
        rows.append(
            button(
                "family-leave",
                t(lang, "family_leave"),
                act(state.leave_family),
                kind="outlined",
                disabled=state.session.busy,
            )
        )
    return section(t(lang, "family_members"), *(rows or [muted(t(lang, "family_none"))]))


def family_payment(state: CustomerState) -> list[ft.Control]:
    """家庭余额支付, for a member: what the family balance allows now and what is left of
    his monthly cap; short of the amount, the button is off and says by how much."""
    lang = state.session.lang
    allowance = state.me.allowance
    if allowance is None:
        return []
    short = state.family_short_by()
    info = t(
        lang,
        "family_allowance_line",
        amount=money(allowance.available),
        name=allowance.main_name,
    )
    rows: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(info),
                button(
                    "pay-family",
                    t(lang, "pay_by_family", amount=money(state.amount_to_pay())),
                    act(state.pay_from_family),
                    kind="outlined",
                    disabled=state.session.busy or short > 0,
                ),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
            wrap=True,
        )
    ]
    if allowance.cap_left is not None:
        rows.append(muted(t(lang, "family_cap_left", amount=money(allowance.cap_left)), 12))
    if short:
        rows.append(muted(t(lang, "family_short", amount=money(short)), 12))
    return rows


def family_view(state: CustomerState) -> ft.View:
    lang = state.session.lang
    parts = [received_section(state), members_section(state), invite_section(state)]
    controls = [part for part in parts if part is not None]
    if state.me.family is None:
        controls = [muted(t(lang, "unavailable"))]
    return page_view(state, "/family", t(lang, "family"), controls)
