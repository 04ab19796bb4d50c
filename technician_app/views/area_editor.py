"""The service area, drawn on a map: a circle round a centre (where the map is tapped, or
the device's position) with a radius in kilometres, or a polygon whose corners are tapped
one by one (a district's streets rarely make a circle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from client.maps import area_map
from technician_app.components.hooks import use_stable
from technician_app.components.widgets import MUTED, outline_button, text_field
from technician_app.context import use_app
from technician_app.state import LOCATION_HELP

CITY_CENTER = (39.9205, 116.4373)  # where the map opens with no position yet (朝阳, the demo city)
MIN_CORNERS = 3
DEFAULT_RADIUS_KM = "10"


def radius_km(text: str) -> float:
    """The typed radius, within what the server accepts; 10 km when unreadable."""
    try:
        return min(max(float(text), 0.5), 50.0)
    except ValueError:
        return float(DEFAULT_RADIUS_KM)


def area_of(drawn: dict[str, Any]) -> dict[str, Any]:
    """What the editor shows, as the service-area request: a circle or a polygon."""
    if drawn["mode"] == "polygon":
        return {"polygon": list(drawn["corners"])}
    return {"center": drawn["center"], "radius_km": radius_km(drawn["radius"])}


def polygon_unfinished(area: dict[str, Any]) -> bool:
    return "polygon" in area and len(area["polygon"]) < MIN_CORNERS


@ft.component
def AreaEditor(keep: Callable[[dict[str, Any]], None]) -> ft.Control:
    """Reports every change through ``keep`` (the form's save reads the last one: a tap on
    save can arrive before the re-render that carries the last change)."""
    state = use_app()
    now: dict[str, Any] = use_stable(
        lambda: {
            "mode": "circle",
            "center": state.location or CITY_CENTER,
            "radius": DEFAULT_RADIUS_KM,
            "corners": [],
        }
    )
    _version, set_version = ft.use_state(0)

    def change(**values: Any) -> None:
        now.update(values)
        keep(area_of(now))
        set_version(lambda v: v + 1)

    def tapped(e: Any) -> None:  # noqa: ANN401
        point = (e.coordinates.latitude, e.coordinates.longitude)
        if now["mode"] == "polygon":
            change(corners=[*now["corners"], point])
        else:
            change(center=point)

    async def here(_e: Any) -> None:  # noqa: ANN401
        if await state.refresh_location() and state.location is not None:
            change(center=state.location)
        else:
            problem = state.location_problem or ""
            state.notify(
                LOCATION_HELP.get(problem, LOCATION_HELP[""]),
                "error",
                problem or "location_required",
            )

    polygon = now["mode"] == "polygon"
    modes = ft.Row(
        [
            ft.Chip(
                label=ft.Text("圆形范围", size=16),
                selected=not polygon,
                on_select=lambda _e: change(mode="circle"),
                key="area_mode_circle",
            ),
            ft.Chip(
                label=ft.Text("画多边形", size=16),
                selected=polygon,
                on_select=lambda _e: change(mode="polygon"),
                key="area_mode_polygon",
            ),
        ],
        spacing=8,
    )
    street = ft.Semantics(
        identifier="area-map",
        label="服务区域地图",
        container=True,
        content=area_map(
            now["center"],
            tapped,
            radius_km=None if polygon else radius_km(now["radius"]),
            polygon=now["corners"] if polygon else None,
            app="org.doorstep.technician",
        ),
    )
    if polygon:
        corners = len(now["corners"])
        tools: list[ft.Control] = [
            ft.Text(
                f"已标 {corners} 个点" + ("" if corners >= MIN_CORNERS else "（至少3个）"),
                size=16,
                key="area_corners",
            ),
            ft.Row(
                [
                    outline_button(
                        "撤销上一点",
                        lambda _e: change(corners=now["corners"][:-1]),
                        key="area_undo",
                        icon=ft.Icons.UNDO,
                    ),
                    outline_button(
                        "清除重画",
                        lambda _e: change(corners=[]),
                        key="area_clear",
                        icon=ft.Icons.DELETE_OUTLINE,
                    ),
                ]
            ),
        ]
        hint = "依次点地图标出服务范围的各个角，范围内的订单会派给您"
    else:
        tools = [
            outline_button("以当前位置为中心", here, key="area_here", icon=ft.Icons.MY_LOCATION),
            text_field(
                "服务半径（公里）",
                now["radius"],
                lambda v: change(radius=v),
                key="area_radius",
                keyboard=ft.KeyboardType.NUMBER,
            ),
        ]
        hint = "点地图选择服务区域中心，圆圈内的订单会派给您"
    return ft.Column([modes, ft.Text(hint, color=MUTED), street, *tools], spacing=10)
