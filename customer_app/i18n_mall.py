"""The 积分商城 screen's texts (zh/en)."""

from __future__ import annotations

MALL_TEXTS: dict[str, dict[str, str]] = {
    "mall": {"zh": "积分商城", "en": "Points mall"},
    "mall_balance": {"zh": "我的积分：{n}", "en": "My points: {n}"},
    "mall_points": {"zh": "{n} 积分", "en": "{n} points"},
    "mall_redeem": {"zh": "兑换", "en": "Exchange"},
    "mall_stock_left": {"zh": "剩余 {n} 件", "en": "{n} left"},
    "mall_my_left": {"zh": "每人限兑 · 还可兑 {n} 次", "en": "You may take {n} more"},
    "mall_coupon_terms": {
        "zh": "{amount}优惠券，{days}天内有效",
        "en": "{amount} off, valid {days} days",
    },
    "mall_coupon_threshold": {"zh": "满{threshold}可用", "en": "on orders over {threshold}"},
    "mall_coupon_service": {"zh": "限{service}使用", "en": "for {service} only"},
    "mall_product": {"zh": "实物商品，寄送到：{place}", "en": "Shipped to: {place}"},
    "mall_product_no_place": {
        "zh": "实物商品，需先保存一个地址",
        "en": "Shipped; save an address first",
    },
    "mall_sold_out_short": {"zh": "已兑完", "en": "Sold out"},
    "mall_limit_reached_short": {"zh": "已达限兑次数", "en": "Limit reached"},
    "mall_points_short": {"zh": "积分不足", "en": "Not enough points"},
    "mall_no_address": {"zh": "请先在预约时保存地址", "en": "Save an address when booking first"},
    "mall_redeemed": {
        "zh": "兑换成功，优惠券已放入钱包",
        "en": "Done: the coupon is in your wallet",
    },
    "mall_redeemed_product": {"zh": "兑换成功，我们会尽快发货", "en": "Done: we will ship it soon"},
    "mall_mine": {"zh": "我的兑换", "en": "My exchanges"},
    "mall_status.issued": {"zh": "已发放", "en": "Issued"},
    "mall_status.to_ship": {"zh": "待发货", "en": "To ship"},
    "mall_status.shipped": {"zh": "已发货 · 运单号 {no}", "en": "Shipped · {no}"},
    "mall_empty": {"zh": "暂无商品", "en": "Nothing to exchange yet"},
    "open_mall": {"zh": "积分商城", "en": "Points mall"},
}
