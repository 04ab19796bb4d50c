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
from technician_app.i18n import t
from technician_app.state.labels import location_help

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
    state = use_app("live", "me")
    lang = state.session.lang
    now: dict[str, Any] = use_stable(
        lambda: {
            "mode": "circle",
            "center": state.live.location or CITY_CENTER,
            "radius": DEFAULT_RADIUS_KM,
            "corners": [],
            "centred": "",  # where the centre came from: "" (not chosen yet), here, map
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
            change(center=point, centred="map")

    async def here(_e: Any) -> None:  # noqa: ANN401
        if await state.refresh_location() and state.live.location is not None:
            change(center=state.live.location, centred="here")
        else:
            problem = state.live.location_problem or ""
            state.notify(
                location_help(lang, problem),
                "error",
                problem or "location_required",
            )

    polygon = now["mode"] == "polygon"
    modes = ft.Row(
        [
            ft.Chip(
                label=ft.Text(t(lang, "area.circle"), size=16),
                selected=not polygon,
                on_select=lambda _e: change(mode="circle"),
                key="area_mode_circle",
            ),
            ft.Chip(
                label=ft.Text(t(lang, "area.polygon"), size=16),
                selected=polygon,
                on_select=lambda _e: change(mode="polygon"),
                key="area_mode_polygon",
            ),
        ],
        spacing=8,
    )
    street = ft.Semantics(
        identifier="area-map",
        label=t(lang, "area.map"),
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
                t(lang, "area.corners", n=corners)
                + ("" if corners >= MIN_CORNERS else t(lang, "area.corners_min")),
                size=16,
                key="area_corners",
            ),
            ft.Row(
                [
                    outline_button(
                        t(lang, "area.undo"),
                        lambda _e: change(corners=now["corners"][:-1]),
                        key="area_undo",
                        icon=ft.Icons.UNDO,
                    ),
                    outline_button(
                        t(lang, "area.clear"),
                        lambda _e: change(corners=[]),
                        key="area_clear",
                        icon=ft.Icons.DELETE_OUTLINE,
                    ),
                ]
            ),
        ]
        hint = t(lang, "area.polygon_hint")
    else:
        tools = [
            outline_button(t(lang, "area.here"), here, key="area_here", icon=ft.Icons.MY_LOCATION),
            text_field(
                t(lang, "area.radius"),
                now["radius"],
                lambda v: change(radius=v),
                key="area_radius",
                keyboard=ft.KeyboardType.NUMBER,
            ),
        ]
        hint = t(lang, "area.circle_hint")
        if now["centred"]:  # says the tap took: the device's position can take a moment
            tools.insert(
                0,
                ft.Text(t(lang, f"area.centred_{now['centred']}"), size=16, key="area_centred"),
            )
    return ft.Column([modes, ft.Text(hint, color=MUTED), street, *tools], spacing=10)
