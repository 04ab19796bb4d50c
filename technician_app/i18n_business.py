"""The 经营分析 page's texts (zh/en): the technician as a small business owner."""

from __future__ import annotations

BUSINESS_TEXTS: dict[str, dict[str, str]] = {
    "analytics.title": {"zh": "经营分析", "en": "My business"},
    "analytics.open": {"zh": "经营分析", "en": "My business"},
    "analytics.by.day": {"zh": "近14天", "en": "14 days"},
    "analytics.by.week": {"zh": "近12周", "en": "12 weeks"},
    "analytics.by.month": {"zh": "近6个月", "en": "6 months"},
    "analytics.label.day": {"zh": "{m}/{d}", "en": "{m}/{d}"},
    "analytics.label.week": {"zh": "{m}/{d}起", "en": "wk {m}/{d}"},
    "analytics.label.month": {"zh": "{m}月", "en": "M{m}"},
    "analytics.orders_total": {"zh": "完成订单", "en": "Jobs done"},
    "analytics.income_total": {"zh": "收入", "en": "Income"},
    "analytics.orders_chart": {"zh": "接单量", "en": "Jobs"},
    "analytics.income_chart": {"zh": "收入趋势", "en": "Income"},
    "analytics.by_category": {"zh": "收入构成（按服务品类）", "en": "Income by service"},
    "analytics.where": {"zh": "客户分布", "en": "Where your customers are"},
    "analytics.where_note": {
        "zh": "按约 1 公里网格统计完成订单，颜色越深单量越多",
        "en": "Jobs done per 1 km cell; darker means more",
    },
    "analytics.district": {"zh": "区域对比", "en": "Your district"},
    "analytics.district_title": {
        "zh": "{district}：本期有 {n} 位师傅接单",
        "en": "{district}: {n} technicians worked here",
    },
    "analytics.vs_orders": {
        "zh": "你完成 {mine} 单，区域平均 {avg} 单（{diff}）",
        "en": "You did {mine} jobs; the average is {avg} ({diff})",
    },
    "analytics.vs_income": {
        "zh": "你收入 ¥{mine}，区域平均 ¥{avg}（{diff}）",
        "en": "You earned ¥{mine}; the average is ¥{avg} ({diff})",
    },
    "analytics.above": {"zh": "高出 {pct}%", "en": "{pct}% above"},
    "analytics.below": {"zh": "低于 {pct}%", "en": "{pct}% below"},
    "analytics.same": {"zh": "持平", "en": "level"},
    "analytics.none": {
        "zh": "本期还没有完成的订单",
        "en": "No finished jobs in this period yet",
    },
    "analytics.unavailable": {
        "zh": "暂时无法加载经营分析，请稍后再试",
        "en": "Your business figures cannot be loaded right now",
    },
    "chart.jobs": {"zh": "单", "en": "jobs"},
    "customer_note.title": {
        "zh": "客户备注（仅自己可见）",
        "en": "Customer notes (only you see them)",
    },
    "customer_note.tags": {"zh": "标签", "en": "Tags"},
    "customer_note.own_tag": {"zh": "自定义标签", "en": "Your own tag"},
    "customer_note.note": {"zh": "备注", "en": "Note"},
    "customer_note.remind": {"zh": "回访提醒", "en": "Follow-up reminder"},
    "customer_note.remind_none": {"zh": "不提醒", "en": "None"},
    "customer_note.remind_days": {"zh": "{n}天后", "en": "in {n} days"},
    "customer_note.remind_what": {
        "zh": "提醒事项（如：更换滤芯）",
        "en": "What for (e.g. change the filter)",
    },
    "customer_note.save": {"zh": "保存备注", "en": "Save notes"},
    "customer_note.saved": {"zh": "客户备注已保存", "en": "Customer notes saved"},
    "customer_note.reminder_set": {
        "zh": "已设提醒：{day} {what}",
        "en": "Reminder set: {day} {what}",
    },
    "follow_up.title": {"zh": "回访提醒", "en": "Follow-ups due"},
    "follow_up.today": {"zh": "今天", "en": "today"},
    "follow_up.overdue": {"zh": "已过 {n} 天", "en": "{n} days overdue"},
    "loading": {"zh": "正在加载", "en": "Loading"},
}
