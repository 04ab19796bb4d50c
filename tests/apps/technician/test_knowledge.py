"""知识库 in the app's state against a real server: the list, an order's article fetched
ahead, search, reading without signal (a new phone state on the same data folder keeps
it), the offline search over the kept articles, and a changed article fetched again."""

from __future__ import annotations

from pathlib import Path

from technician_app.state import TechnicianState
from technician_app.state.knowledge import step_picture
from tests.apps.conftest import LiveServer
from tests.apps.technician.conftest import DeviceClock, go_offline, go_online


async def test_the_list_search_and_an_order_article_kept_for_offline(
    live_server: LiveServer, tech: TechnicianState, tmp_path: Path, device: DeviceClock
) -> None:
    account = live_server.ready_technician("王师傅")
    assert await tech.login(account["phone"], account["password"])
    customer = live_server.register("customer", name="李女士")
    order = live_server.assign(customer, tech.user.id)
    await tech.refresh()

    await tech.load_knowledge()
    assert len(tech.me.knowledge) > 60 and "knowledge" not in tech.session.unavailable
    # the order's service is fetched ahead: readable in the basement
    service_id = order["service_id"]
    assert set(tech.me.articles) == {service_id}
    kept = tech.me.articles[service_id]
    assert [s.title_zh for s in kept.sop] == [s.title_zh for s in tech.order(order["id"]).sop]
    assert kept.faults and kept.safety

    await tech.search_knowledge("空调 漏水")
    found = tech.knowledge_shown()
    assert found[0].service_code == "ac_repair" and "漏水" in (found[0].hint or "")
    opened = await tech.load_article(found[0].service_id)
    assert opened is not None and opened.name_zh == "空调维修"

    go_offline(tech)
    await tech.search_knowledge("漏水")  # offline: over the two kept articles
    assert not tech.sync_state.connected
    assert [a.service_code for a in tech.knowledge_shown()] == ["ac_repair"]
    assert "漏水" in (tech.knowledge_shown()[0].hint or "")
    again = await tech.load_article("svc_ac_repair")
    assert again is not None and again.version == opened.version
    assert await tech.load_article("svc_piano_moving") is None  # never opened: not kept

    # the phone restarts without signal: the list and both articles are still there
    phone = TechnicianState(live_server.base_url, tmp_path / "phone", now=device, use_feed=False)
    try:
        go_offline(phone)
        assert set(phone.me.articles) == {service_id, "svc_ac_repair"}
        assert len(phone.me.knowledge) == len(tech.me.knowledge)
        await phone.search_knowledge("")
        assert len(phone.knowledge_shown()) == len(tech.me.knowledge)
    finally:
        await phone.close()

    go_online(tech, live_server)
    await tech.search_knowledge("")
    assert tech.me.knowledge_found is None


async def test_a_changed_article_is_fetched_again(
    live_server: LiveServer, tech: TechnicianState
) -> None:
    account = live_server.ready_technician("王师傅")
    assert await tech.login(account["phone"], account["password"])
    assert await tech.load_article("svc_ac_repair") is not None
    # the copy on the phone is older than the server's (as after a content update)
    stale = tech.me.articles["svc_ac_repair"].model_copy(update={"version": "old", "safety": []})
    tech.me.articles["svc_ac_repair"] = stale
    await tech.load_knowledge()
    fresh = tech.me.articles["svc_ac_repair"]
    assert fresh.version != "old" and fresh.safety


def test_each_step_has_a_picture() -> None:
    assert step_picture("到达拍摄门牌", True) == "photo_camera"
    assert step_picture("断电：拔下电源并铺设防水罩", False) == "electrical_services"
    assert step_picture("诊断：关闭燃气阀、检测并拍摄故障", False) == "photo_camera"
    assert step_picture("核验身份证与房产证", False) == "badge"
    assert step_picture("地面清扫拖洗", False) == "cleaning_services"
    assert step_picture("卸车就位、复装家具", False) == "local_shipping"
