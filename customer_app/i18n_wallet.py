"""The customer's texts of the stored value (储值余额): the 钱包 page, its history's
kinds, top-ups and paying from the balance. Merged into :data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

WALLET_TEXTS: Texts = {
    "wallet": {"zh": "钱包", "en": "Wallet"},
    "wallet_open": {"zh": "钱包 · 余额 {amount}", "en": "Wallet · balance {amount}"},
    "wallet_balance": {"zh": "余额", "en": "Balance"},
    "wallet_limit": {"zh": "余额上限 {amount}", "en": "Balance limit {amount}"},
    "top_up": {"zh": "充值", "en": "Top up"},
    "top_up_amount": {"zh": "充值 {amount}", "en": "Top up {amount}"},
    "top_up_scan": {
        "zh": "请用微信或支付宝扫码支付 {amount}",
        "en": "Scan with WeChat or Alipay to pay {amount}",
    },
    "top_up_confirm": {"zh": "已完成支付", "en": "I have paid"},
    "topped_up": {"zh": "充值成功", "en": "Topped up"},
    "wallet_history": {"zh": "余额明细", "en": "History"},
    "wallet_kind.top_up": {"zh": "充值", "en": "Top-up"},
    "wallet_kind.payment": {"zh": "订单支付", "en": "Order payment"},
    "wallet_kind.refund": {"zh": "退款到余额", "en": "Refund to balance"},
    "wallet_kind.family_payment": {"zh": "家庭成员订单支付", "en": "A family member's order"},
    "wallet_kind.family_refund": {"zh": "家庭成员订单退款", "en": "A family member's refund"},
    "wallet_kind.other": {"zh": "其他", "en": "Other"},
    "pay_by_balance": {"zh": "余额支付 {amount}", "en": "Pay {amount} from balance"},
    "balance_line": {"zh": "余额 {amount}", "en": "Balance {amount}"},
    "balance_short": {
        "zh": "余额不足，还差 {amount}，请先充值",
        "en": "The balance is {amount} short; top up first",
    },
}
