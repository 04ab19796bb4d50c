"""The customer's texts for booking: the options, the day and time, the address and the
map, coupons and points, the price with each of its lines, and paying. Merged into
:data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

BOOKING_TEXTS: Texts = {
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
    "weekday.0": {"zh": "周一", "en": "Mon"},
    "weekday.1": {"zh": "周二", "en": "Tue"},
    "weekday.2": {"zh": "周三", "en": "Wed"},
    "weekday.3": {"zh": "周四", "en": "Thu"},
    "weekday.4": {"zh": "周五", "en": "Fri"},
    "weekday.5": {"zh": "周六", "en": "Sat"},
    "weekday.6": {"zh": "周日", "en": "Sun"},
    "day_chip": {"zh": "{month}/{day} {weekday}", "en": "{weekday} {day}/{month}"},
}

# A price line by its code (``base``, ``night_surcharge``, ``coupon:fixed`` ...): the
# server words each line in Chinese; in English the line is worded here from its code and
# detail. A code not listed keeps the server's words.
LINE_TEXTS: Texts = {
    "line.base": {"zh": "基础服务费", "en": "Service"},
    "line.base_hours": {"zh": "基础服务费 {units}小时", "en": "Service, {units} h"},
    "line.area_surcharge": {"zh": "超面积 {area}㎡", "en": "Extra area, {area} m²"},
    "line.peak": {"zh": "高峰时段 ×{factor}", "en": "Peak time ×{factor}"},
    "line.night_surcharge": {"zh": "夜间服务 +{percent}%", "en": "Night service +{percent}%"},
    "line.traffic_subsidy": {"zh": "交通补贴", "en": "Travel allowance"},
    "line.membership": {"zh": "会员折扣", "en": "Member discount"},
    "line.points": {"zh": "积分抵扣 {points}分", "en": "{points} points used"},
    "line.service_card": {"zh": "服务卡抵扣", "en": "Service card"},
    "line.extra": {"zh": "{name} ×{quantity}", "en": "{name} ×{quantity}"},
}
