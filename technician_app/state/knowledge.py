"""知识库: per service, its SOP, common faults with their fixes and safety notes.

Technicians read it where the job is, often without signal, so every article opened is
kept in the offline cache (and those of the services on the technician's own orders are
fetched ahead). With signal, loading the list compares each kept article's version with
the server's and fetches again only those that changed. Offline, the list and the
search work over what is kept: a plain search for each word in the article's text.
"""

from __future__ import annotations

from client.models import KnowledgeArticle, KnowledgeSummary
from technician_app.state.core import TechnicianCore


class Knowledge(TechnicianCore):
    knowledge_query: str = ""
    knowledge_found: list[KnowledgeSummary] | None = None  # the search's answer, if any

    async def load_knowledge(self) -> None:
        """The list; kept articles whose version changed, and those of my orders'
        services not kept yet, fetched again."""
        got = await self._guard(self.client.knowledge(), feature="knowledge", quiet=True)
        if got is not None:
            self.me.knowledge = got
            self.queue.cache_models("knowledge", {a.service_id: a for a in got})
            versions = {a.service_id: a.version for a in got}
            wanted = {o.service_id for o in self.work.orders.values()} | set(self.me.articles)
            for service_id in sorted(wanted):
                kept = self.me.articles.get(service_id)
                if service_id in versions and (
                    kept is None or kept.version != versions[service_id]
                ):
                    await self.load_article(service_id)
            gone = set(self.me.articles) - set(versions)
            if gone:  # no longer in the catalog
                for service_id in gone:
                    del self.me.articles[service_id]
                self._cache_articles()
        self.changed()

    async def load_article(self, service_id: str) -> KnowledgeArticle | None:
        """The article from the server, kept for offline; without signal the kept one."""
        got = await self._guard(self.client.knowledge_article(service_id), quiet=True)
        if got is not None:
            self.me.articles[service_id] = got
            self.me.touch()
            self._cache_articles()
            self.changed()
            return got
        return self.me.articles.get(service_id)

    async def search_knowledge(self, q: str) -> None:
        """The server's search (the catalog's segmenter and ranking); without signal,
        the kept articles that contain every word."""
        self.me.knowledge_query = q.strip()
        if not self.me.knowledge_query:
            self.me.knowledge_found = None
            self.changed()
            return
        got = await self._guard(self.client.knowledge(q=self.me.knowledge_query), quiet=True)
        self.me.knowledge_found = (
            got if got is not None else self._search_kept(self.me.knowledge_query)
        )
        self.changed()

    def knowledge_shown(self) -> list[KnowledgeSummary]:
        """What the list screen shows: the search's answer, else the whole list (offline
        and never loaded: the kept articles)."""
        if self.me.knowledge_found is not None:
            return self.me.knowledge_found
        if self.me.knowledge:
            return self.me.knowledge
        return [summary_of(a) for a in self.me.articles.values()]

    def kept_offline(self, service_id: str) -> bool:
        return service_id in self.me.articles

    def _search_kept(self, q: str) -> list[KnowledgeSummary]:
        words = [w.lower() for w in q.split()]
        found = []
        for a in self.me.articles.values():
            texts = article_texts(a)
            if all(any(w in x.lower() for x in texts) for w in words):
                hint = next((x for x in texts[2:] if any(w in x.lower() for w in words)), None)
                found.append(summary_of(a, hint))
        return found

    def _cache_articles(self) -> None:
        self.queue.cache_models("knowledge_articles", self.me.articles)


def article_texts(a: KnowledgeArticle) -> list[str]:
    """The article's texts: names first, then faults, safety notes, SOP steps."""
    return [
        a.name_zh,
        a.name_en,
        *(f"{f.problem}：{f.fix}" for f in a.faults),
        *a.safety,
        *(s.title_zh for s in a.sop),
    ]


def summary_of(a: KnowledgeArticle, hint: str | None = None) -> KnowledgeSummary:
    return KnowledgeSummary(
        service_id=a.service_id,
        service_code=a.service_code,
        name_zh=a.name_zh,
        name_en=a.name_en,
        category_zh=a.category_zh,
        icon=a.icon,
        updated_at=a.updated_at,
        version=a.version,
        hint=hint,
    )


# A step's picture: the first rule whose words the step names (a Material icon's name).
_STEP_PICTURES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("燃气",), "local_fire_department"),
    (("断电", "验电", "通电", "电源", "接线", "配电"), "electrical_services"),
    (("核验", "核对", "出示", "身份", "登记", "接送码"), "badge"),
    (("报价",), "request_quote"),
    (("记录", "日志", "填写", "小结", "报告", "计划"), "edit_note"),
    (("铜管", "排水管", "水阀", "总阀", "检漏"), "plumbing"),
    (("开启", "锁"), "key"),
    (
        ("诊断", "检测", "测量", "测试", "评估", "判断", "勘测", "试机", "试水", "试钥匙"),
        "troubleshoot",
    ),
    (("搬运", "装车", "运输", "卸车", "包装", "打包", "装箱"), "local_shipping"),
    (("烹饪", "菜", "做饭", "食谱", "进食"), "restaurant"),
    (
        (
            "喂养",
            "哺乳",
            "护理",
            "照料",
            "看护",
            "陪",
            "洗浴",
            "助浴",
            "抚触",
            "热敷",
            "老人",
            "防滑",
        ),
        "volunteer_activism",
    ),
    (
        ("清洗", "清洁", "擦", "洗", "除", "消毒", "吸尘", "疏通", "拖", "清理", "家务"),
        "cleaning_services",
    ),
    (("安装", "固定", "打孔", "组装", "挂装", "复装", "装机", "更换", "维修", "配件"), "build"),
    (("整理", "分类", "归位", "收纳", "分区", "标签"), "inventory_2"),
    (("确认", "沟通", "了解", "告知", "交接", "问候", "熟悉"), "forum"),
)


def step_picture(title_zh: str, photo: bool) -> str:
    """The icon drawn beside a SOP step: a camera where a photo is the evidence, else
    what the step does (断电 → electrical, 清洗 → cleaning ...)."""
    if photo or "拍" in title_zh:
        return "photo_camera"
    for words, icon in _STEP_PICTURES:
        if any(w in title_zh for w in words):
            return icon
    return "check_circle_outline"
