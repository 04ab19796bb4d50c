"""Chinese and English strings of the customer app (Chinese by default).

Keys are stable identifiers; screens call ``t(lang, key, **values)``. A missing English
string falls back to Chinese, a missing key shows the key itself (visible in review,
never a crash).
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "到家服务", "en": "Doorstep"},
    "tagline": {
        "zh": "3分钟下单，价格透明，全程可见",
        "en": "Book in 3 minutes, clear prices, every step visible",
    },
    # auth
    "login": {"zh": "登录", "en": "Sign in"},
    "register": {"zh": "注册", "en": "Sign up"},
    "logout": {"zh": "退出登录", "en": "Sign out"},
    "phone": {"zh": "手机号", "en": "Phone"},
    "password": {"zh": "密码", "en": "Password"},
    "name": {"zh": "称呼", "en": "Name"},
    "name_optional": {"zh": "称呼（选填）", "en": "Name (optional)"},
    "have_account": {"zh": "已有账号？去登录", "en": "Have an account? Sign in"},
    "no_account": {"zh": "没有账号？注册", "en": "New here? Sign up"},
    # home / browse
    "home": {"zh": "首页", "en": "Home"},
    "search": {"zh": "搜索服务，如 擦玻璃", "en": "Search, e.g. window cleaning"},
    "search_button": {"zh": "搜索", "en": "Search"},
    "categories": {"zh": "全部分类", "en": "All categories"},
    "filters": {"zh": "筛选", "en": "Filters"},
    "filter_duration": {"zh": "时长", "en": "Duration"},
    "filter_gender": {"zh": "服务人员性别", "en": "Technician gender"},
    "filter_level": {"zh": "经验级别", "en": "Experience level"},
    "any": {"zh": "不限", "en": "Any"},
    "dur_short": {"zh": "2小时内", "en": "Up to 2 h"},
    "dur_half": {"zh": "2-4小时", "en": "2–4 h"},
    "dur_long": {"zh": "4小时以上", "en": "Over 4 h"},
    "female": {"zh": "女", "en": "Female"},
    "male": {"zh": "男", "en": "Male"},
    "level_junior": {"zh": "1年以上", "en": "1+ years"},
    "level_senior": {"zh": "3年以上", "en": "3+ years"},
    "level_expert": {"zh": "5年以上", "en": "5+ years"},
    "results": {"zh": "搜索结果", "en": "Results"},
    "no_results": {"zh": "没有找到相关服务", "en": "No matching service"},
    "rec_repeat": {"zh": "再来一单", "en": "Book again"},
    "rec_nearby": {"zh": "附近热门", "en": "Popular nearby"},
    "rec_seasonal": {"zh": "当季推荐", "en": "In season"},
    "from_price": {"zh": "{price}起", "en": "from {price}"},
    "per_unit": {"zh": "{price}/{unit}", "en": "{price} per {unit}"},
    # service page
    "included": {"zh": "服务内容", "en": "What is included"},
    "sop": {"zh": "服务流程", "en": "How the visit goes"},
    "price_rules": {"zh": "价格说明", "en": "How the price works"},
    "acceptance": {"zh": "验收标准", "en": "Acceptance criteria"},
    "reviews": {"zh": "用户评价", "en": "Reviews"},
    "no_reviews": {"zh": "暂无评价", "en": "No reviews yet"},
    "book_now": {"zh": "立即预约", "en": "Book now"},
    "materials_platform": {"zh": "含清洁剂/工具，由平台提供", "en": "Materials and tools included"},
    "materials_customer": {"zh": "需自备工具/耗材", "en": "Customer provides materials"},
    "rule_hourly": {
        "zh": "按小时计价：每小时{price}，{min}小时起，最多{max}小时。",
        "en": "Priced by the hour: {price} per hour, {min} to {max} hours.",
    },
    "rule_item": {
        "zh": "按{unit}计价：每{unit}{price}，{min}{unit}起。",
        "en": "Priced per {unit}: {price} each, at least {min}.",
    },
    "rule_area": {
        "zh": "基础价含{band}㎡以内，超出部分每{step}㎡加{price}。",
        "en": "The base covers up to {band} m²; every started {step} m² above adds {price}.",
    },
    "rule_night": {
        "zh": "夜间（22:00后）上门另加夜间服务费，报价中单列。",
        "en": "Visits after 22:00 carry a night surcharge, shown as its own line.",
    },
    "rule_addons": {"zh": "可选加项按固定价格另计：", "en": "Optional add-ons at fixed prices:"},
    "rule_rate_card": {
        "zh": "现场加项只能从以下价目表中选择，须经您同意：",
        "en": "On-site extras can only come from this list, and only with your approval:",
    },
    "photo_evidence": {"zh": "（拍照留证）", "en": " (photo taken)"},
    "duration_min": {"zh": "约{minutes}分钟", "en": "about {minutes} min"},
    "technicians": {"zh": "服务人员", "en": "Technicians"},
    # technician page
    "experience_years": {"zh": "从业{years}年", "en": "{years} years of experience"},
    "certificates": {"zh": "资质证书", "en": "Certificates"},
    "ratings": {"zh": "评分", "en": "Ratings"},
    "past_work": {"zh": "服务案例", "en": "Past work"},
    "choose_technician": {"zh": "指定这位师傅", "en": "Prefer this technician"},
    # booking
    "book_title": {"zh": "预约下单", "en": "Book"},
    "quantity_hours": {"zh": "时长（小时）", "en": "Hours"},
    "quantity_items": {"zh": "数量（{unit}）", "en": "Quantity ({unit})"},
    "area": {"zh": "面积（㎡）", "en": "Area (m²)"},
    "addons": {"zh": "加项", "en": "Add-ons"},
    "less": {"zh": "减少", "en": "Fewer"},
    "more": {"zh": "增加", "en": "More"},
    "date": {"zh": "日期", "en": "Date"},
    "time_slot": {"zh": "时间段", "en": "Time slot"},
    "slot_full": {"zh": "已约满", "en": "Full"},
    "slot_closed": {"zh": "不可约", "en": "Closed"},
    "slot_left": {"zh": "余{n}", "en": "{n} left"},
    "slots_estimated": {
        "zh": "时段余量以下单时为准",
        "en": "Availability is confirmed when you order",
    },
    "address": {"zh": "服务地址", "en": "Address"},
    "address_label": {"zh": "地址名称（如 家）", "en": "Label (e.g. Home)"},
    "address_detail": {"zh": "楼号/单元/门牌号", "en": "Building, unit, door"},
    "place_search": {"zh": "搜索小区、写字楼、地标", "en": "Search a compound, office, landmark"},
    "search_places": {"zh": "搜索", "en": "Search"},
    "picked_place": {"zh": "已选：", "en": "Chosen: "},
    "move_pin": {"zh": "位置不准？在地图上点准确的楼", "en": "Not quite? Tap the exact building"},
    "pin_map": {"zh": "地址位置", "en": "The address"},
    "pin_moved": {"zh": "已按地图上点的位置", "en": "Placed where you tapped the map"},
    "quote_pending": {
        "zh": "选好时间和地址后自动显示价格",
        "en": "The price shows once time and place are chosen",
    },
    "quote_working": {"zh": "正在计算价格", "en": "Working out the price"},
    "best_coupon_applied": {"zh": "已为您选用最优惠的券", "en": "Your best coupon is applied"},
    "consent_agree": {"zh": "我已阅读并同意", "en": "I have read and agree to"},
    "terms_link": {"zh": "《用户协议》", "en": "the User Agreement"},
    "privacy_link": {"zh": "《隐私政策》", "en": "the Privacy Policy"},
    "policy_version": {"zh": "版本 {version}", "en": "Version {version}"},
    "close_policy": {"zh": "收起", "en": "Close"},
    "price_updating": {"zh": "价格更新中…", "en": "Updating the price…"},
    "price_needs_slot": {
        "zh": "选好时间后更新价格",
        "en": "The price updates once a time is chosen",
    },
    "change_coupon": {"zh": "更换", "en": "Change"},
    "best_coupon": {"zh": "自动选最优惠", "en": "Best for me"},
    "no_usable_coupon": {"zh": "暂无可用", "en": "None usable"},
    "use_my_location": {"zh": "使用当前位置", "en": "Use my location"},
    "my_location": {"zh": "当前位置", "en": "My location"},
    "location_denied": {
        "zh": "未获得定位权限：请在浏览器或系统设置中允许定位，或搜索地址",
        "en": "No permission to locate: allow it in the browser or system settings, or search",
    },
    "location_off": {
        "zh": "定位服务已关闭：请打开定位，或搜索地址",
        "en": "Location is off: turn it on, or search",
    },
    "location_failed": {
        "zh": "暂时无法定位，请搜索地址",
        "en": "Could not locate you; please search",
    },
    "pick_a_place": {"zh": "请先搜索并选择地点", "en": "Search and pick a place first"},
    "no_places": {
        "zh": "没有找到这个地点，换个说法试试",
        "en": "No such place found; try other words",
    },
    "save_address": {"zh": "保存地址", "en": "Save address"},
    "saved_places": {"zh": "常用地址", "en": "Saved places"},
    "notes": {"zh": "备注（特殊要求）", "en": "Notes (special requests)"},
    "preferred_technician": {"zh": "指定师傅", "en": "Preferred technician"},
    "coupon": {"zh": "优惠券", "en": "Coupon"},
    "no_coupon": {"zh": "不使用优惠券", "en": "No coupon"},
    "use_points": {"zh": "使用积分抵扣", "en": "Use points"},
    "points_balance": {"zh": "积分 {points}", "en": "{points} points"},
    "get_quote": {"zh": "计算价格", "en": "Get the price"},
    "quote": {"zh": "费用明细", "en": "Price breakdown"},
    "total": {"zh": "合计", "en": "Total"},
    "quote_expires": {"zh": "报价有效期至 {time}", "en": "Price held until {time}"},
    "submit_order": {"zh": "提交订单", "en": "Place order"},
    "pay": {"zh": "去支付", "en": "Pay"},
    "pay_extras": {"zh": "支付加项费用", "en": "Pay for the extra work"},
    "completed_orders": {"zh": "已完成{n}单", "en": "{n} orders completed"},
    "pay_title": {"zh": "收银台（沙箱）", "en": "Checkout (sandbox)"},
    "pay_hint": {
        "zh": "扫码或点击下方按钮完成支付",
        "en": "Scan the code or press the button to pay",
    },
    "confirm_payment": {"zh": "确认支付 {amount}", "en": "Pay {amount}"},
    "paid": {"zh": "支付成功", "en": "Paid"},
    # order page
    "order": {"zh": "订单详情", "en": "Order"},
    "order_no": {"zh": "订单号 {id}", "en": "Order {id}"},
    "timeline": {"zh": "订单进度", "en": "Timeline"},
    "scheduled": {"zh": "预约时间", "en": "Scheduled"},
    "technician": {"zh": "服务人员", "en": "Technician"},
    "map_home": {"zh": "服务地址", "en": "Your address"},
    "map_technician": {"zh": "师傅位置", "en": "Technician"},
    "eta": {
        "zh": "{name}距您{km}公里，预计{minutes}分钟到达",
        "en": "{name} is {km} km away, about {minutes} min",
    },
    "master": {"zh": "{surname}师傅", "en": "{name}"},
    "on_the_way": {"zh": "师傅位置", "en": "On the way"},
    "waiting_location": {"zh": "等待师傅位置", "en": "Waiting for the technician's position"},
    "location_after_departure": {
        "zh": "师傅出发后，这里显示他的实时位置",
        "en": "The technician's position shows here once they set off",
    },
    "contact": {"zh": "联系师傅", "en": "Call"},
    "contact_number": {"zh": "隐私号 {number}", "en": "Virtual number {number}"},
    "chat": {"zh": "聊天", "en": "Chat"},
    "chat_technician": {"zh": "联系师傅", "en": "Message technician"},
    "chat_support": {"zh": "联系客服", "en": "Contact support"},
    "message": {"zh": "输入消息", "en": "Message"},
    "send": {"zh": "发送", "en": "Send"},
    "cancel_order": {"zh": "取消订单", "en": "Cancel order"},
    "cancel_fee": {
        "zh": "现在取消将收取 {fee}，退还 {refund}",
        "en": "Cancelling now costs {fee}; {refund} refunded",
    },
    "cancel_free": {"zh": "现在取消免费，全额退款", "en": "Cancelling now is free; full refund"},
    "cancel_confirm": {"zh": "确认取消", "en": "Confirm cancellation"},
    "keep_order": {"zh": "不取消", "en": "Keep order"},
    "sign_work_order": {"zh": "确认电子工单", "en": "Sign the work order"},
    "work_order_signed": {"zh": "工单已确认", "en": "Work order signed"},
    "change_request": {"zh": "师傅申请增加项目", "en": "The technician asks to add work"},
    "approve": {"zh": "同意", "en": "Approve"},
    "cr_support": {
        "zh": "金额较大，客服核实后再请您确认",
        "en": "Support checks this first, then asks you",
    },
    "reject": {"zh": "拒绝", "en": "Reject"},
    "cr_reason": {"zh": "原因：{reason}", "en": "Why: {reason}"},
    "cr_photo": {"zh": "师傅拍摄的照片", "en": "The technician's photo"},
    "cr_approved": {"zh": "已同意", "en": "Approved"},
    "cr_rejected": {"zh": "已拒绝", "en": "Rejected"},
    "cr_each": {
        "zh": "请逐项确认：同意的项目计入加项费用",
        "en": "Answer each item: approved ones are added to the bill",
    },
    "confirm_done": {"zh": "确认完成", "en": "Confirm completion"},
    "photos": {"zh": "服务照片", "en": "Photos"},
    "review": {"zh": "评价", "en": "Review"},
    "write_review": {"zh": "评价本次服务", "en": "Review this visit"},
    "review_text": {"zh": "说说您的体验", "en": "Tell us how it went"},
    "submit_review": {"zh": "提交评价", "en": "Submit review"},
    "reviewed": {"zh": "已评价，感谢！", "en": "Reviewed, thank you!"},
    "dim_response": {"zh": "响应速度", "en": "Responsiveness"},
    "dim_skill": {"zh": "专业技能", "en": "Skill"},
    "dim_attitude": {"zh": "服务态度", "en": "Attitude"},
    "dim_care": {"zh": "物品完好", "en": "Care of belongings"},
    "complain": {"zh": "投诉", "en": "Complain"},
    "complaint_text": {"zh": "请描述问题", "en": "Describe the problem"},
    "complaint_category": {"zh": "问题类型", "en": "Problem"},
    "cat_quality": {"zh": "服务质量", "en": "Quality"},
    "cat_late": {"zh": "迟到", "en": "Late"},
    "cat_damage": {"zh": "物品损坏", "en": "Damage"},
    "cat_attitude": {"zh": "服务态度", "en": "Attitude"},
    "cat_overcharge": {"zh": "乱收费", "en": "Overcharging"},
    "cat_other": {"zh": "其他", "en": "Other"},
    "submit_complaint": {"zh": "提交投诉", "en": "Submit complaint"},
    "complaint_filed": {
        "zh": "投诉已提交，款项已冻结，客服将介入处理",
        "en": "Complaint filed; the money is frozen and support will step in",
    },
    "booked_price": {"zh": "下单金额", "en": "Booked price"},
    "extra_line": {"zh": "加项：{name} × {quantity}", "en": "Extra: {name} × {quantity}"},
    "extras_paid_line": {"zh": "加项已支付", "en": "Extras paid"},
    "amount_due_line": {"zh": "待支付", "en": "Still to pay"},
    "placed_at": {"zh": "下单时间 {time}", "en": "Ordered {time}"},
    "live": {"zh": "实时", "en": "Live"},
    "reconnecting": {"zh": "重新连接中…", "en": "Reconnecting…"},
    # me
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
    "next_level_any": {
        "zh": "距下一等级：年消费 {spent} / {target}",
        "en": "Next level: {spent} of {target} this year",
    },
    "coupon_kind_fixed": {"zh": "立减券", "en": "Money-off coupon"},
    "coupon_kind_threshold": {"zh": "满减券", "en": "Spend-and-save coupon"},
    "coupon_kind_percent": {"zh": "折扣券", "en": "Discount coupon"},
    "coupon_any": {"zh": "优惠券", "en": "Coupon"},
    "invoices": {"zh": "发票", "en": "Invoices"},
    "request_invoice": {"zh": "申请发票", "en": "Request invoice"},
    "invoice_title": {"zh": "发票抬头", "en": "Invoice title"},
    "invoice_pending": {"zh": "PDF 开具中", "en": "PDF on its way"},
    "invoice_ready": {"zh": "PDF 已开具", "en": "PDF ready"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "unavailable": {"zh": "该功能暂未开放", "en": "Not available yet"},
    "back": {"zh": "返回", "en": "Back"},
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
}

STATUS: dict[str, dict[str, str]] = {
    "PENDING_PAYMENT": {"zh": "待支付", "en": "Awaiting payment"},
    "PENDING_DISPATCH": {"zh": "待接单", "en": "Finding a technician"},
    "OFFERED": {"zh": "待接单", "en": "Finding a technician"},
    "ACCEPTED": {"zh": "已接单", "en": "Accepted"},
    "EN_ROUTE": {"zh": "师傅已出发", "en": "On the way"},
    "ARRIVED": {"zh": "师傅已到达", "en": "Arrived"},
    "IN_SERVICE": {"zh": "服务中", "en": "In service"},
    "AWAITING_CONFIRMATION": {"zh": "待确认完成", "en": "Awaiting your confirmation"},
    "COMPLETED": {"zh": "已完成", "en": "Completed"},
    "CANCELLED": {"zh": "已取消", "en": "Cancelled"},
    "DISPUTED": {"zh": "投诉处理中", "en": "Under dispute"},
}

# A run of dispatch's offers, declines and time-outs, collapsed into one line
MATCHING_EVENT = "matching"

EVENTS: dict[str, dict[str, str]] = {
    MATCHING_EVENT: {"zh": "正在为您匹配师傅…", "en": "Finding you a technician…"},
    "order.created": {"zh": "订单已创建", "en": "Order created"},
    "order.paid": {"zh": "支付成功，正在为您匹配师傅", "en": "Paid; finding a technician"},
    "order.offered": {"zh": "已派单给附近师傅", "en": "Offered to a nearby technician"},
    "order.offer_declined": {"zh": "师傅未接单，继续匹配", "en": "Declined; still matching"},
    "order.offer_timed_out": {"zh": "继续为您匹配师傅", "en": "Still matching"},
    "order.accepted": {"zh": "师傅已接单", "en": "A technician accepted"},
    "order.claimed": {"zh": "师傅已接单", "en": "A technician took the order"},
    "order.assigned": {"zh": "已为您安排师傅", "en": "A technician was assigned"},
    "order.transferred": {"zh": "师傅转单，重新匹配中", "en": "Handed back; matching again"},
    "order.departed": {"zh": "师傅已出发", "en": "The technician set off"},
    "order.arrived": {"zh": "师傅已到达", "en": "The technician arrived"},
    "order.work_order_confirmed": {"zh": "电子工单已确认", "en": "Work order signed"},
    "order.started": {"zh": "开始服务", "en": "Work started"},
    "order.sop_step_done": {"zh": "完成步骤：{title}", "en": "Step done: {title}"},
    "order.finished": {"zh": "服务完成，请确认", "en": "Work finished; please confirm"},
    "order.confirmed": {"zh": "您已确认完成", "en": "You confirmed completion"},
    "order.auto_confirmed": {"zh": "已自动确认完成", "en": "Confirmed automatically"},
    "order.cancelled": {"zh": "订单已取消", "en": "Order cancelled"},
    "order.disputed": {"zh": "投诉处理中，款项已冻结", "en": "Complaint open; money frozen"},
    "order.change_requested": {"zh": "师傅申请增加项目", "en": "Extra work proposed"},
    "order.change_answered": {"zh": "您已答复加项申请", "en": "You answered the extra work"},
    "order.change_support_approved": {
        "zh": "客服已核实加项",
        "en": "Support checked the extra work",
    },
    "order.change_approved": {"zh": "您已同意加项", "en": "You approved the extra work"},
    "order.change_rejected": {"zh": "您已拒绝加项", "en": "You declined the extra work"},
    "order.technician_suspended": {
        "zh": "原师傅暂停接单，正在为您重新匹配",
        "en": "Your technician is unavailable; finding another",
    },
    "dispatch.placed": {"zh": "正在为您匹配师傅…", "en": "Finding you a technician…"},
    "dispatch.unplaced": {
        "zh": "附近师傅较忙，客服正在为您安排",
        "en": "Technicians nearby are busy; support is arranging one",
    },
    "order.extras_paid": {"zh": "加项费用已支付", "en": "Extra work paid"},
    "order.auto_confirm_held": {"zh": "自动确认已暂停", "en": "Automatic confirmation on hold"},
    "order.payment_returned": {"zh": "款项已退回", "en": "Payment returned"},
    "order.refunded": {"zh": "已退款", "en": "Refunded"},
    "order.resolved": {"zh": "投诉已处理", "en": "Complaint resolved"},
}


def has_text(key: str) -> bool:
    return key in _STRINGS


def t(lang: str, key: str, **values: object) -> str:
    entry = _STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def status_label(lang: str, status: str) -> str:
    entry = STATUS.get(status)
    return (entry.get(lang) or entry["zh"]) if entry else status


def event_label(lang: str, event_type: str, payload: dict | None = None) -> str:
    entry = EVENTS.get(event_type)
    if entry is None:  # an event this version does not know yet: still readable
        return "订单更新" if lang == "zh" else "Order updated"
    text = entry.get(lang) or entry["zh"]
    payload = payload or {}
    if "{title}" in text:
        title = payload.get("title")
        if isinstance(title, dict):
            title = title.get(lang) or title.get("zh") or ""
        title = (
            title
            or payload.get(f"title_{lang}")
            or payload.get("title_zh")
            or str(payload.get("step_no", ""))
        )
        return text.format(title=title)
    return text


def money(fen: int, currency: str = "CNY") -> str:
    """Fen to a display string: 12345 -> ¥123.45 (integer arithmetic, no floats)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    symbol = "¥" if currency == "CNY" else f"{currency} "
    return f"{sign}{symbol}{fen // 100}.{fen % 100:02d}"
