"""Street maps for both apps (``flet-map``): a destination (the home), someone on the way
to it, the line between them, and optionally the circle within which a check-in counts.

Tiles come from ``DOORSTEP_MAP_TILES`` (an ``{z}/{x}/{y}`` URL template; OpenStreetMap's by
default, whose WGS-84 Web Mercator matches the positions the server keeps). Without a
network the map still draws its markers, line and circle on a plain background."""

from __future__ import annotations

import os
from typing import Any

import flet as ft
import flet_map as fm

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tile_template() -> str:
    return os.environ.get("DOORSTEP_MAP_TILES") or DEFAULT_TILES


def _tiles(app: str) -> fm.TileLayer:
    """The street tiles under every map; tiles that fail are dropped, not retried."""
    return fm.TileLayer(
        url_template=tile_template(),
        user_agent_package_name=app,
        evict_error_tile_strategy=fm.TileLayerEvictErrorTileStrategy.DISPOSE,
    )


def _circle(center: fm.MapLatitudeLongitude, radius_m: float, color: str) -> fm.CircleLayer:
    """A circle of ``radius_m`` metres on the ground (a check-in fence, a service area)."""
    return fm.CircleLayer(
        circles=[
            fm.CircleMarker(
                coordinates=center,
                radius=radius_m,
                use_radius_in_meter=True,
                color=ft.Colors.with_opacity(0.14, color),
                border_color=color,
                border_stroke_width=2,
            )
        ]
    )


def _labelled(icon: ft.Control, label: str | None) -> ft.Control:
    return ft.Semantics(label=label, content=icon) if label else icon


def _framed(street: fm.Map, height: int) -> ft.Control:
    return ft.Container(
        street, height=height, border_radius=12, clip_behavior=ft.ClipBehavior.HARD_EDGE
    )


def street_map(
    home: tuple[float, float],
    mover: tuple[float, float] | None,
    *,
    mover_icon: Any = ft.Icons.DIRECTIONS_BIKE,  # noqa: ANN401
    circle_m: float | None = None,
    app: str = "org.doorstep",
    height: int = 240,
    home_label: str | None = None,
    mover_label: str | None = None,
) -> ft.Control:
    """The home and the one on the way; the labels name the two markers for screen
    readers (and for tests that follow the marker across the map)."""
    here = fm.MapLatitudeLongitude(*home)
    markers = [
        fm.Marker(
            content=_labelled(ft.Icon(ft.Icons.HOME, color=ft.Colors.TEAL_800), home_label),
            coordinates=here,
        )
    ]
    layers: list[fm.MapLayer] = [_tiles(app)]
    if circle_m:
        layers.append(_circle(here, circle_m, ft.Colors.GREEN_700))
    fit = None
    if mover is not None:
        there = fm.MapLatitudeLongitude(*mover)
        layers.append(
            fm.PolylineLayer(
                polylines=[
                    fm.PolylineMarker(
                        coordinates=[there, here], color=ft.Colors.ORANGE_700, stroke_width=4
                    )
                ]
            )
        )
        markers.append(
            fm.Marker(
                content=_labelled(ft.Icon(mover_icon, color=ft.Colors.ORANGE_800), mover_label),
                coordinates=there,
            )
        )
        fit = fm.CameraFit(coordinates=[here, there], padding=ft.Padding.all(40))
    layers.append(fm.MarkerLayer(markers=markers))
    return _framed(
        fm.Map(
            # a new map (camera fitted to both) once the one on the way is first seen;
            # after that the camera stays where the user left it
            key="with-mover" if mover is not None else "home-only",
            layers=layers,
            initial_center=here,
            initial_zoom=15,
            initial_camera_fit=fit,
            bgcolor=ft.Colors.TEAL_50,
        ),
        height,
    )


def route_map(
    stops: list[tuple[float, float]],
    me: tuple[float, float] | None,
    *,
    app: str = "org.doorstep",
    height: int = 220,
) -> ft.Control:
    """A day's visits in order: numbered stops and the line through them from where I
    am, the camera fitted to all of them."""
    points = [fm.MapLatitudeLongitude(*p) for p in stops]
    path = ([fm.MapLatitudeLongitude(*me)] if me is not None else []) + points
    markers = [
        fm.Marker(
            content=ft.Container(
                ft.Text(str(n), color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                bgcolor=ft.Colors.BLUE_800,
                border_radius=15,
                alignment=ft.Alignment.CENTER,
            ),
            coordinates=point,
        )
        for n, point in enumerate(points, start=1)
    ]
    if me is not None:
        markers.append(
            fm.Marker(
                content=ft.Icon(ft.Icons.PERSON_PIN_CIRCLE, color=ft.Colors.ORANGE_800),
                coordinates=path[0],
            )
        )
    layers: list[fm.MapLayer] = [_tiles(app)]
    if len(path) > 1:
        layers.append(
            fm.PolylineLayer(
                polylines=[
                    fm.PolylineMarker(coordinates=path, color=ft.Colors.BLUE_700, stroke_width=4)
                ]
            )
        )
    layers.append(fm.MarkerLayer(markers=markers))
    fit = fm.CameraFit(coordinates=path, padding=ft.Padding.all(36)) if len(path) > 1 else None
    return _framed(
        fm.Map(
            key=f"route-{len(path)}",  # refitted when a stop is added or removed
            layers=layers,
            initial_center=path[0],
            initial_zoom=14,
            initial_camera_fit=fit,
            bgcolor=ft.Colors.BLUE_50,
        ),
        height,
    )


def area_map(
    center: tuple[float, float],
    on_tap: Any,  # noqa: ANN401
    *,
    radius_km: float | None = None,
    polygon: list[tuple[float, float]] | None = None,
    app: str = "org.doorstep",
    height: int = 260,
) -> ft.Control:
    """A service area being drawn: a circle round the centre (tapping moves the centre),
    or a polygon whose corners are the taps so far (a line until the third)."""
    if polygon is None:
        return pin_map(
            center, on_tap, radius_m=(radius_km or 0) * 1000, zoom=11, app=app, height=height
        )
    corners = [fm.MapLatitudeLongitude(*p) for p in polygon]
    layers: list[fm.MapLayer] = [_tiles(app)]
    if len(corners) >= 3:
        layers.append(
            fm.PolygonLayer(
                polygons=[
                    fm.PolygonMarker(
                        coordinates=corners,
                        color=ft.Colors.with_opacity(0.15, ft.Colors.BLUE_700),
                        border_color=ft.Colors.BLUE_700,
                        border_stroke_width=2,
                    )
                ]
            )
        )
    elif len(corners) == 2:
        layers.append(
            fm.PolylineLayer(
                polylines=[
                    fm.PolylineMarker(coordinates=corners, color=ft.Colors.BLUE_700, stroke_width=2)
                ]
            )
        )
    layers.append(
        fm.MarkerLayer(
            markers=[
                fm.Marker(
                    content=ft.Icon(ft.Icons.CIRCLE, color=ft.Colors.BLUE_800, size=12),
                    coordinates=corner,
                )
                for corner in corners
            ]
        )
    )
    return _framed(
        fm.Map(
            layers=layers,
            key="area-polygon",  # the camera stays where the user put it while drawing
            initial_center=fm.MapLatitudeLongitude(*center),
            initial_zoom=11,
            bgcolor=ft.Colors.BLUE_50,
            on_tap=on_tap,
        ),
        height,
    )


def pin_map(
    center: tuple[float, float],
    on_tap: Any,  # noqa: ANN401
    *,
    radius_m: float | None = None,
    zoom: float = 17,
    app: str = "org.doorstep",
    height: int = 200,
    pin_label: str | None = None,
) -> ft.Control:
    """A pin the user places by tapping the map (a home's exact building, an area's
    centre), with the circle around it when there is one."""
    here = fm.MapLatitudeLongitude(*center)
    layers: list[fm.MapLayer] = [_tiles(app)]
    if radius_m:
        layers.append(_circle(here, radius_m, ft.Colors.BLUE_700))
    layers.append(
        fm.MarkerLayer(
            markers=[
                fm.Marker(
                    content=_labelled(
                        ft.Icon(ft.Icons.LOCATION_ON, color=ft.Colors.BLUE_800), pin_label
                    ),
                    coordinates=here,
                )
            ]
        )
    )
    return _framed(
        fm.Map(
            layers=layers,
            key=f"pin-{center[0]:.6f},{center[1]:.6f}",  # centred again on the new pin
            initial_center=here,
            initial_zoom=zoom,
            bgcolor=ft.Colors.BLUE_50,
            on_tap=on_tap,
        ),
        height,
    )


def spots_map(
    spots: list[tuple[float, float, int]],
    *,
    cell_m: float = 550.0,
    app: str = "org.doorstep",
    height: int = 240,
) -> ft.Control:
    """Where the work was: one circle per grid cell (``lat, lng, count``), darker where
    there was more, the camera fitted to all of them (a heat map of coarse cells, never
    a customer's home)."""
    most = max((n for _, _, n in spots), default=1)
    points = [fm.MapLatitudeLongitude(lat, lng) for lat, lng, _ in spots]
    circles = [
        fm.CircleMarker(
            coordinates=point,
            radius=cell_m,
            use_radius_in_meter=True,
            color=ft.Colors.with_opacity(0.2 + 0.6 * n / most, ft.Colors.DEEP_ORANGE_700),
            border_stroke_width=0,
        )
        for point, (_, _, n) in zip(points, spots, strict=True)
    ]
    fit = fm.CameraFit(coordinates=points, padding=ft.Padding.all(36)) if len(points) > 1 else None
    return _framed(
        fm.Map(
            key=f"spots-{len(points)}",
            layers=[_tiles(app), fm.CircleLayer(circles=circles)],
            initial_center=points[0] if points else fm.MapLatitudeLongitude(31.2304, 121.4737),
            initial_zoom=13,
            initial_camera_fit=fit,
            bgcolor=ft.Colors.ORANGE_50,
        ),
        height,
    )
