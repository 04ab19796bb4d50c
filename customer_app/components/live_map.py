"""The tracking map (``flet-map``): the home, the technician, the line between them.

Tiles come from ``DOORSTEP_MAP_TILES`` (an ``{z}/{x}/{y}`` URL template; OpenStreetMap's by
default, whose WGS-84 Web Mercator matches the positions the server keeps). Without a
network the map still draws its markers and line on a plain background."""

from __future__ import annotations

import os

import flet as ft
import flet_map as fm

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tile_template() -> str:
    return os.environ.get("DOORSTEP_MAP_TILES") or DEFAULT_TILES


def live_map(
    home: tuple[float, float], technician: tuple[float, float] | None, *, height: int = 240
) -> ft.Control:
    here = fm.MapLatitudeLongitude(*home)
    markers = [fm.Marker(content=ft.Icon(ft.Icons.HOME, color=ft.Colors.TEAL_800), coordinates=here)]
    layers: list[fm.MapLayer] = [
        fm.TileLayer(
            url_template=tile_template(),
            user_agent_package_name="org.doorstep.customer",
            evict_error_tile_strategy=fm.TileLayerEvictErrorTileStrategy.DISPOSE,
        )
    ]
    fit = None
    if technician is not None:
        there = fm.MapLatitudeLongitude(*technician)
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
                content=ft.Icon(ft.Icons.DIRECTIONS_BIKE, color=ft.Colors.ORANGE_800),
                coordinates=there,
            )
        )
        fit = fm.CameraFit(coordinates=[here, there], padding=ft.Padding.all(40))
    layers.append(fm.MarkerLayer(markers=markers))
    return ft.Container(
        fm.Map(
            # a new map (camera fitted to both) once the technician is first seen; after
            # that the camera stays where the customer left it
            key="with-technician" if technician is not None else "home-only",
            layers=layers,
            initial_center=here,
            initial_zoom=15,
            initial_camera_fit=fit,
            bgcolor=ft.Colors.TEAL_50,
        ),
        height=height,
        border_radius=12,
        clip_behavior=ft.ClipBehavior.HARD_EDGE,
    )
