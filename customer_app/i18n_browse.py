"""The customer's texts for finding a service: the app's name, home (search, filters,
recommendations, the catalog), a service's page and a technician's page. Merged into
:data:`customer_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

BROWSE_TEXTS: Texts = {
    "app_title": {"zh": "到家服务", "en": "Doorstep"},
    "tagline": {
        "zh": "3分钟下单，价格透明，全程可见",
        "en": "Book in 3 minutes, clear prices, every step visible",
    },
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
    "no_results_for": {
        "zh": "暂无与“{query}”相关的服务，换个说法试试，或从上面的分类里找找",
        "en": "We offer no service for “{query}”. Try other words, or browse the categories above",
    },
    "rec_repeat": {"zh": "再来一单", "en": "Book again"},
    "rec_nearby": {"zh": "附近热门", "en": "Popular nearby"},
    "rec_popular": {"zh": "平台热销", "en": "Best sellers"},
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
    "hour_unit": {"zh": "小时", "en": "hour"},
    # the home screen's switch names the other language, in its own words
    "lang.switch": {"zh": "EN", "en": "中文"},
    "tech_level": {"zh": "{level}级", "en": "Level {level}"},
    "good_rate_30d": {"zh": "近30天好评率 {percent}%", "en": "{percent}% good reviews (30 days)"},
    "skills": {"zh": "服务技能", "en": "Skills"},
}
