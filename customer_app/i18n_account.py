"""The customer's texts around the orders: signing in and up, the "me" page (orders,
membership, points, coupons, invoices) and what every screen may say (loading, retry,
none). Merged into :data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

ACCOUNT_TEXTS: Texts = {
    "login": {"zh": "登录", "en": "Sign in"},
    "register": {"zh": "注册", "en": "Sign up"},
    "logout": {"zh": "退出登录", "en": "Sign out"},
    "phone": {"zh": "手机号", "en": "Phone"},
    "password": {"zh": "密码", "en": "Password"},
    "name": {"zh": "称呼", "en": "Name"},
    "name_optional": {"zh": "称呼（选填）", "en": "Name (optional)"},
    "nameless": {"zh": "用户{tail}", "en": "User {tail}"},
    "have_account": {"zh": "已有账号？去登录", "en": "Have an account? Sign in"},
    "no_account": {"zh": "没有账号？注册", "en": "New here? Sign up"},
    "me": {"zh": "我的", "en": "Me"},
    "my_orders": {"zh": "我的订单", "en": "My orders"},
    "no_orders": {"zh": "还没有订单", "en": "No orders yet"},
    "coupons": {"zh": "优惠券", "en": "Coupons"},
    "coupon_code": {"zh": "优惠码", "en": "Coupon code"},
    "claim": {"zh": "领取", "en": "Claim"},
    "coupon_claimed": {"zh": "优惠券已领取", "en": "Coupon added"},
    "points": {"zh": "积分", "en": "Points"},
    "next_level": {
        "zh": "距{level}：年消费 {spent} / {target}",
        "en": "Next, {level}: {spent} of {target} this year",
    },
    "membership": {"zh": "会员等级", "en": "Membership"},
    "coupon_kind_fixed": {"zh": "立减券", "en": "Money-off coupon"},
    "coupon_kind_threshold": {"zh": "满减券", "en": "Spend-and-save coupon"},
    "coupon_kind_percent": {"zh": "折扣券", "en": "Discount coupon"},
    "coupon_any": {"zh": "优惠券", "en": "Coupon"},
    "invoices": {"zh": "发票", "en": "Invoices"},
    "request_invoice": {"zh": "申请发票", "en": "Request invoice"},
    "invoice_title": {"zh": "发票抬头", "en": "Invoice title"},
    "invoice_pending": {"zh": "PDF 开具中", "en": "PDF on its way"},
    "invoice_ready": {"zh": "PDF 已开具", "en": "PDF ready"},
    "unavailable": {"zh": "该功能暂未开放", "en": "Not available yet"},
    "loading": {"zh": "加载中…", "en": "Loading…"},
    "retry": {"zh": "重试", "en": "Retry"},
    "code": {"zh": "短信验证码", "en": "Code from the text message"},
    "code_sent": {"zh": "验证码已发送至 {phone}", "en": "Code sent to {phone}"},
    "code_filled": {"zh": "（测试环境：验证码已自动填入）", "en": " (test server: filled in)"},
    "resend_code": {"zh": "重新发送验证码", "en": "Send the code again"},
    "none": {"zh": "无", "en": "None"},
    "remove_photo": {"zh": "移除这张照片", "en": "Remove this photo"},
    "review_photos_sent": {"zh": "附照片 {n} 张", "en": "{n} photos attached"},
    "demo_accounts": {"zh": "演示账号", "en": "Demo accounts"},
    # membership levels by the pricing rules' codes; a level the rules add later shows
    # its Chinese name in Chinese and "member" in English
    "member.regular": {"zh": "普通会员", "en": "Regular member"},
    "member.gold": {"zh": "金卡会员", "en": "Gold member"},
    "member.any": {"zh": "会员", "en": "Member"},
    # 9000 basis points of the price paid: 9折 in Chinese, 10% off in English
    "discount": {"zh": "{tenths}折", "en": "{percent}% off"},
}
