"""The technician web app in headless Chromium against a real server: sign in, receive
an order from the server, accept, navigate, check in, get the work order signed on
the screen, tick every SOP step (with photos), finish. Screenshots go to tests/e2e/out/.

The app runs with a ten-minute poll: the offer reaches the open screen only through the
live feed (the poll is the fallback)."""

from __future__ import annotations

import time

import pytest

from technician_app import signature
from tests.apps.conftest import DEMO_ADDRESS

pytestmark = pytest.mark.e2e

PHOTO = signature.render([[(4, 4), (40, 30)]], width=48, height=36)


def verified_technician(server, operator: dict) -> dict:  # noqa: ANN001
    """Skills and the health certificate daily cleaning needs, approved by an operator
    (accepting an offer re-checks both)."""
    tech = server.register("technician", name="王师傅")
    r = server.call(
        "PUT", "/technician/profile", tech, json={"skills": ["cleaning"], "experience_years": 6}
    )
    assert r.status_code == 200, r.text
    r = server.call(
        "PUT",
        "/technician/service-area",
        tech,
        json={
            "center": {"lat": DEMO_ADDRESS["lat"] + 0.0036, "lng": DEMO_ADDRESS["lng"]},
            "radius_km": 10,
        },
    )
    assert r.status_code == 200, r.text
    r = server.call(
        "POST",
        "/files",
        tech,
        files={"file": ("health.png", PHOTO, "image/png")},
        data={"kind": "certificate"},
    )
    assert r.status_code == 201, r.text
    r = server.call(
        "POST",
        "/technician/certificates",
        tech,
        json={
            "type": "health",
            "file_id": r.json()["id"],
            "number": "HC-1",
            "expires_on": "2030-01-01",
        },
    )
    assert r.status_code == 201, r.text
    r = server.call(
        "POST",
        f"/ops/technicians/{tech['user']['id']}/verify",
        operator,
        json={"decision": "approve", "note": "ok"},
    )
    assert r.status_code == 200, r.text
    return tech


def _wait_for_location(  # noqa: ANN001
    server, technician_id: str, order_id: str | None, timeout: float = 30
) -> None:
    """A point reported by the app (``order_id``: one of that trip; None: any, such as
    the ones dispatch reads before departure)."""
    from sqlmodel import Session, select

    from server.realtime.models import TechnicianLocation

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(server.engine) as session:
            point = session.exec(
                select(TechnicianLocation).where(
                    TechnicianLocation.technician_id == technician_id,
                    TechnicianLocation.order_id == order_id if order_id else True,
                )
            ).first()
        if point is not None:
            return
        time.sleep(0.5)
    raise AssertionError("the app did not report its location on the way to the job")


def _sign_on_the_pad(page) -> None:  # noqa: ANN001
    """Draw a signature with the mouse. The pad's semantics node is rebuilt when a pushed
    event re-renders the screen, so a locator that went stale is looked up again."""
    from playwright.sync_api import Error as PlaywrightError

    for _attempt in range(5):
        pad = page.locator("[flt-semantics-identifier='signature_pad']")
        try:
            pad.scroll_into_view_if_needed(timeout=10_000)
            box = pad.bounding_box(timeout=10_000)
        except PlaywrightError:
            page.wait_for_timeout(300)
            continue
        if box is None:
            continue
        page.mouse.move(box["x"] + 30, box["y"] + 40)
        page.mouse.down()
        for i in range(1, 12):
            page.mouse.move(box["x"] + 30 + i * 22, box["y"] + 40 + (i % 3) * 25, steps=3)
        page.mouse.up()
        return
    raise AssertionError("the signature pad never settled on the screen")


# The seconds an offer card has left to answer, from its "N 秒" (-1 with none shown).
SECONDS_LEFT = """() => {
    for (const el of document.querySelectorAll('flt-semantics, [aria-label]')) {
        const text = (el.getAttribute('aria-label') || '') + ' ' + (el.textContent || '');
        const m = text.match(/(\\d+) 秒/);
        if (m) return Number(m[1]);
    }
    return -1;
}"""


def test_full_job_in_the_browser(e2e_server, flet_web_app, open_app, ui, screenshot) -> None:  # noqa: ANN001
    operator = e2e_server.staff("operator")
    tech = verified_technician(e2e_server, operator)
    # a slow CI browser must not lose the offer to the default 20-second answer window
    r = e2e_server.call(
        "PUT",
        "/ops/settings",
        operator,
        json={"rules": {"dispatch": {"offer_timeout_seconds": 180}}},
    )
    assert r.status_code == 200, r.text
    customer = e2e_server.register("customer", name="李女士")
    # the browser is the device: its position (no --location) starts about 1 km from the door
    far = (DEMO_ADDRESS["lat"] + 0.009, DEMO_ADDRESS["lng"])
    # the poll (the app's fallback) is ten minutes away: the offer can only come by push
    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url, geolocation=far)

    screenshot(page, "technician_login", "注册成为技师")
    ui.tap(page, "登录")  # empty form: the server refuses, the app says why
    ui.wait_text(page, "手机号或密码错误")
    ui.fill(page, "手机号", tech["phone"])
    ui.fill(page, "密码", tech["password"])
    ui.tap(page, "登录")
    ui.wait_text(page, "今日工作")
    screenshot(page, "technician_home_empty", "今日工作")

    # dispatch offers an order to this technician while the app is open
    order = e2e_server.offer(customer, tech["user"]["id"], hours_ahead=2)
    (listed,) = e2e_server.call("GET", "/technician/offers", tech).json()
    assert listed["offer_id"] == order["offer_id"] and listed["order_id"] == order["id"]
    accept = ui.button(page, "接单", exact=True).first  # only the full-screen offer card has it
    accept.wait_for(state="visible", timeout=20_000)
    ui.wait_text(page, "三里屯 · 400 米")  # district and distance, never the address
    ui.wait_text(page, " 秒")  # the answer countdown, which counts down
    first = page.evaluate(SECONDS_LEFT)
    page.wait_for_function(
        f"([n]) => {{ const s = ({SECONDS_LEFT})(); return s >= 0 && s < n; }}", arg=[first]
    )
    # the offer rang: the chime was played (and a phone vibrates)
    page.wait_for_function("() => window.doorstepPlays.some(src => src.includes('offer.wav'))")
    screenshot(page, "technician_offer", "三里屯 · 400 米")
    ui.taps = 0  # accept → navigate → check in, counted
    ui.tap(page, "接单", exact=True)
    ui.wait_text(page, "导航并出发")
    accepted = e2e_server.call("GET", f"/orders/{order['id']}", customer).json()
    assert accepted["status"] == "ACCEPTED" and accepted["technician_id"] == tech["user"]["id"]
    assert e2e_server.call("GET", "/technician/offers", tech).json() == []
    # once accepted the app reports the device position by itself (for dispatch; the
    # customer sees it only from departure)
    _wait_for_location(e2e_server, tech["user"]["id"], None)
    # README: "Order accepted", on its map (the door, the technician, the check-in circle)
    screenshot(page, "technician_order", "1.0 公里", gone="今日路线")

    with page.context.expect_page(timeout=10_000) as _maps:  # the map app (a new tab on the web)
        ui.tap(page, "导航并出发")
    ui.wait_text(page, "到达签到")
    _wait_for_location(e2e_server, tech["user"]["id"], order["id"])  # points of this trip
    on_the_way = ui.taps
    ui.tap(page, "到达签到")  # a kilometre away: the geofence says how far
    ui.wait_text(page, "米内签到")
    page.context.set_geolocation(  # walked to the door (~40 m)
        {"latitude": DEMO_ADDRESS["lat"], "longitude": DEMO_ADDRESS["lng"] + 0.0005}
    )
    # at the door the device is read again ("exact": the refusal banner above also begins
    # with 到达签到)
    ui.tap(page, "到达签到", exact=True)
    ui.wait_text(page, "客户签字确认")
    assert on_the_way + 1 <= 3, on_the_way  # a technician who taps check-in at the door

    # the customer signs the work order on the technician's screen
    _sign_on_the_pad(page)
    screenshot(page, "technician_work_order", "客户签字确认")
    ui.tap(page, "客户签字确认")
    ui.wait_text(page, "电子工单已确认")
    ui.tap(page, "开始服务")
    ui.wait_text(page, "服务步骤")

    steps = e2e_server.call("GET", f"/orders/{order['id']}", customer).json()["sop"]
    for step in steps:
        label = f"拍照并完成第 {step['no']} 步" if step["photo"] else f"完成第 {step['no']} 步"
        ui.tap(page, label)
        if step["photo"]:  # taken with the camera there and then, seen, then used
            ui.wait_text(page, "对准施工部位，点“拍照”")
            ui.tap(page, "拍照", exact=True)
            ui.wait_text(page, "照片清楚吗？清楚就使用，不清楚就重拍")
            if step["no"] == 1:
                screenshot(page, "technician_camera", "使用照片")
            ui.tap(page, "使用照片")
        ui.wait_text(page, f"{step['no']} / {len(steps)}")
        if step["photo"]:
            ui.wait_text(page, f"第 {step['no']} 步照片")  # its thumbnail beside the step
        if step["no"] == 3:
            screenshot(page, "technician_sop", f"3 / {len(steps)}")
    ui.tap(page, "完成服务")
    ui.wait_text(page, "确认服务已全部完成")  # one slip of the thumb must not end the visit
    ui.tap(page, "确认完成")
    ui.wait_text(page, "服务已完成，等待客户确认")
    screenshot(page, "technician_finished", "服务已完成，等待客户确认")

    assert e2e_server.file_documents() == 1  # the signed work order's PDF, after the reply
    final = e2e_server.call("GET", f"/orders/{order['id']}", customer).json()
    assert final["status"] == "AWAITING_CONFIRMATION"
    assert final["work_order_file_id"]
    assert all(s["done_at"] for s in final["sop"])
    events = [
        e["type"] for e in e2e_server.call("GET", f"/orders/{order['id']}/events", customer).json()
    ]
    assert (
        events.index("order.departed")
        < events.index("order.arrived")
        < events.index("order.started")
    )

    ui.tap(page, "返回")
    ui.wait_text(page, "今日工作")
    screenshot(page, "technician_home", "今日工作")

    # the customer confirms: the pay is among today's earnings, by hour and by service
    r = e2e_server.call("POST", f"/orders/{order['id']}/confirm", customer, json={})
    assert r.status_code == 200, r.text
    ui.wait_text(page, "今天暂无订单")  # pushed: the job has left today's route (home settled)
    ui.tap_to(page, "收入", "今日每小时收入", exact=True)
    ui.wait_text(page, "日常保洁")  # the job's service among the day's income
    screenshot(page, "technician_earnings", "按服务类别")
    # 经营分析: the job counted today, its income, where it was and the district beside him
    ui.tap_to(page, "经营分析", "收入构成（按服务品类）")
    ui.wait_text(page, "客户分布")
    ui.wait_text(page, "区域对比")
    screenshot(page, "technician_analytics", "收入构成（按服务品类）")
    ui.scroll_to(page, "区域对比")
    screenshot(page, "technician_analytics_map", "区域对比", desktop=False)
    ui.tap(page, "返回")

    # the customer's rating reaches the technician's ratings; nothing is left to sync
    r = e2e_server.call(
        "POST",
        f"/orders/{order['id']}/reviews",
        customer,
        json={"response": 5, "skill": 5, "attitude": 5, "care": 4, "text": "准时，干净利落"},
    )
    assert r.status_code == 201, r.text
    ui.tap(page, "返回")
    ui.tap(page, "评价与投诉")
    screenshot(page, "technician_ratings", "准时，干净利落")
    ui.tap(page, "返回")
    ui.tap(page, "同步记录")
    screenshot(page, "technician_sync", "没有待同步的操作")


def test_a_new_technician_sets_the_service_area_on_the_map(
    e2e_server, flet_web_app, open_app, ui, screenshot
) -> None:  # noqa: ANN001
    """Sign up, then the service area's centre from the device's position (the browser
    shares one), its radius typed, saved: no coordinates typed anywhere."""
    wudaokou = (39.9925, 116.3381)
    url = flet_web_app("technician_app", e2e_server.base_url, "--poll", "600")
    page = open_app(url, geolocation=wudaokou)
    ui.tap(page, "注册成为技师")
    phone = e2e_server.next_phone()
    ui.fill(page, "姓名", "赵师傅")
    ui.fill(page, "手机号", phone)
    ui.fill(page, "密码（至少8位）", "correct horse")
    ui.tap(page, "注册", exact=True)  # not yet: his agreements are ticked first
    ui.wait_text(page, "请先阅读并勾选同意《技师服务协议》和《技师隐私政策》")
    ui.tap(page, "《技师服务协议》")  # readable in full on the sign-up screen
    ui.wait_text(page, "欢迎加入上门服务平台成为服务技师")
    ui.check(page, "我已阅读并同意下列两份协议")
    screenshot(page, "technician_signup", "欢迎加入上门服务平台成为服务技师")
    ui.tap(page, "注册", exact=True)
    ui.wait_text(page, "点地图选择服务区域中心")
    ui.fill(page, "服务半径（公里）", "6")
    ui.tap(page, "以当前位置为中心")
    ui.wait_text(page, "中心：我的当前位置")  # the device's position arrived (it takes a moment)
    screenshot(page, "technician_service_area", "点地图选择服务区域中心", desktop=False)
    ui.tap(page, "保存资料")
    ui.wait_text(page, "资料已保存")
    tech = e2e_server.call(
        "POST", "/auth/login", json={"phone": phone, "password": "correct horse"}
    ).json()
    area = e2e_server.call("GET", "/technician/service-area", tech).json()
    assert area["kind"] == "circle" and area["radius_km"] == 6
    assert abs(area["center"]["lat"] - wudaokou[0]) < 1e-6
    assert abs(area["center"]["lng"] - wudaokou[1]) < 1e-6

    # a district's streets rarely make a circle: the area drawn corner by corner instead
    ui.check(page, "画多边形")
    ui.wait_text(page, "已标 0 个点")
    for n, (fx, fy) in enumerate(((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)), 1):
        _tap_map_until(page, ui, fx, fy, n)
    screenshot(page, "technician_service_area_polygon", "已标 4 个点")
    ui.tap(page, "保存资料")
    drawn = _wait_for_area(e2e_server, tech, "polygon")
    lats = [p[0] for p in drawn["polygon"]]
    lngs = [p[1] for p in drawn["polygon"]]
    assert len(drawn["polygon"]) == 4  # the four taps, in order, round the browser's position
    assert min(lats) < wudaokou[0] < max(lats) and min(lngs) < wudaokou[1] < max(lngs)


_CORNERS = """() => {
  const text = Array.from(document.querySelectorAll('flt-semantics'))
      .map(el => el.getAttribute('aria-label') || el.textContent || '')
      .find(t => /已标 \\d+ 个点/.test(t)) || '';
  const found = text.match(/已标 (\\d+) 个点/);
  return found ? Number(found[1]) : -1;
}"""


def _tap_map_until(page, ui, fx: float, fy: float, corners: int) -> None:  # noqa: ANN001
    """Tap the map at a fraction of its box until the editor counts ``corners`` (a tap
    that lands before the map takes input is tapped again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(3):
        ui.tap_map(page, "服务区域地图", fx, fy)
        try:
            page.wait_for_function(f"() => ({_CORNERS})() >= {corners}", timeout=5_000)
        except PlaywrightTimeout:
            continue
        assert page.evaluate(f"() => ({_CORNERS})()") == corners
        return
    raise AssertionError(f"the map did not take corner {corners}")


def _wait_for_area(server, tech: dict, kind: str, timeout: float = 30) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        area = server.call("GET", "/technician/service-area", tech).json()
        if area["kind"] == kind:
            return area
        time.sleep(0.2)
    raise AssertionError(f"no {kind} service area saved")
