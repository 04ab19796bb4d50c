"""The customer's texts of family accounts (家庭账户): the family page, invitations,
members and caps, and paying from the family balance. Merged into
:data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

FAMILY_TEXTS: Texts = {
    "family": {"zh": "家庭账户", "en": "Family account"},
    "family_intro": {
        "zh": "主账户可邀请最多 {n} 位家人或员工，共享会员权益与储值余额；"
        "各自的地址和订单互不可见。",
        "en": "A main account invites up to {n} family members or staff; they share the "
        "membership and the balance, and keep their own addresses and orders.",
    },
    "family_invite": {"zh": "邀请成员", "en": "Invite"},
    "family_phone": {"zh": "对方手机号（须已注册）", "en": "Their phone (registered)"},
    "family_invite_family": {"zh": "邀请家人", "en": "Invite family"},
    "family_invite_staff": {"zh": "邀请员工", "en": "Invite staff"},
    "family_kind.family": {"zh": "家人", "en": "Family"},
    "family_kind.staff": {"zh": "企业员工", "en": "Staff"},
    "family_received": {"zh": "收到的邀请", "en": "Invitations to you"},
    "family_invited_by": {
        "zh": "{name}（{phone}）邀请您以{kind}身份加入，{until}前有效",
        "en": "{name} ({phone}) invites you as {kind}, until {until}",
    },
    "family_accept": {"zh": "接受", "en": "Accept"},
    "family_decline": {"zh": "拒绝", "en": "Decline"},
    "family_sent": {"zh": "待对方接受", "en": "Waiting for an answer"},
    "family_sent_line": {
        "zh": "{name}（{phone}）· {kind} · {until}前有效",
        "en": "{name} ({phone}) · {kind} · until {until}",
    },
    "family_withdraw": {"zh": "撤回", "en": "Withdraw"},
    "family_withdraw_ask": {
        "zh": "撤回对{name}的邀请？",
        "en": "Withdraw the invitation to {name}?",
    },
    "family_withdraw_confirm": {"zh": "确认撤回", "en": "Withdraw it"},
    "family_withdraw_keep": {"zh": "保留", "en": "Keep it"},
    "family_members": {"zh": "成员", "en": "Members"},
    "family_main": {"zh": "主账户", "en": "Main account"},
    "family_you": {"zh": "（我）", "en": " (you)"},
    "family_cap": {"zh": "每月额度 {amount}", "en": "Monthly cap {amount}"},
    "family_no_cap": {"zh": "每月额度不限", "en": "No monthly cap"},
    "family_cap_field": {"zh": "每月额度（元，留空不限）", "en": "Monthly cap (yuan, empty: none)"},
    "family_cap_save": {"zh": "保存额度", "en": "Save cap"},
    "family_remove": {"zh": "移除", "en": "Remove"},
    "family_leave": {"zh": "退出家庭账户", "en": "Leave the family"},
    "family_none": {"zh": "还没有成员", "en": "No members yet"},
    "invited": {"zh": "邀请已发送", "en": "Invitation sent"},
    "family_joined": {"zh": "已加入家庭账户", "en": "You joined the family"},
    "family_declined": {"zh": "已拒绝邀请", "en": "Invitation declined"},
    "family_withdrawn": {"zh": "已撤回邀请", "en": "Invitation withdrawn"},
    "family_removed": {"zh": "已移除成员", "en": "Member removed"},
    "family_left": {"zh": "已退出家庭账户", "en": "You left the family"},
    "saved": {"zh": "已保存", "en": "Saved"},
    "pay_by_family": {"zh": "家庭余额支付 {amount}", "en": "Pay {amount} from the family balance"},
    "family_allowance_line": {
        "zh": "家庭余额可用 {amount}（{name}）",
        "en": "Family balance available {amount} ({name})",
    },
    "family_cap_left": {"zh": "本月额度剩余 {amount}", "en": "{amount} left this month"},
    "family_short": {
        "zh": "家庭余额可用额度不足，还差 {amount}",
        "en": "The family allowance is {amount} short",
    },
}
