"""The technician's texts for the knowledge base (知识库). Merged into
:data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

KNOWLEDGE_TEXTS: Texts = {
    "nav.knowledge": {"zh": "知识库", "en": "Knowledge base"},
    "knowledge.search": {"zh": "搜索服务、故障或步骤", "en": "Search services, faults or steps"},
    "knowledge.search_button": {"zh": "搜索", "en": "Search"},
    "knowledge.clear": {"zh": "全部文章", "en": "All articles"},
    "knowledge.none": {
        "zh": "没有找到相关文章，换个说法试试",
        "en": "No article found; try other words",
    },
    "knowledge.empty": {
        "zh": "还没有保存的文章，联网后打开知识库即可下载",
        "en": "No article saved yet: open the knowledge base once online to download them",
    },
    "knowledge.offline": {
        "zh": "当前无网络：显示已保存在本机的文章",
        "en": "No signal: showing the articles saved on this phone",
    },
    "knowledge.saved": {"zh": "已离线保存", "en": "Saved offline"},
    "knowledge.found": {"zh": "找到 {n} 篇", "en": "{n} found"},
    "knowledge.sop": {"zh": "操作步骤（SOP）", "en": "Steps (SOP)"},
    "knowledge.faults": {"zh": "常见问题与处理", "en": "Common faults and fixes"},
    "knowledge.safety": {"zh": "安全须知", "en": "Safety"},
    "knowledge.photo": {"zh": "需拍照留证", "en": "Photo required"},
    "knowledge.fix": {"zh": "处理：{fix}", "en": "Fix: {fix}"},
    "knowledge.step": {"zh": "第{no}步", "en": "Step {no}"},
    "knowledge.updated": {"zh": "{category} · 更新于 {date}", "en": "{category} · updated {date}"},
    "knowledge.not_saved": {
        "zh": "这篇文章还没有保存到本机，联网后再打开",
        "en": "This article is not saved on this phone yet; open it again once online",
    },
    "knowledge.for_order": {"zh": "查看知识库", "en": "Knowledge base"},
}
