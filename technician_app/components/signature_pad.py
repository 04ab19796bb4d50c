"""A finger-signature pad: the strokes are kept as points and rasterised to PNG by
:mod:`technician_app.signature` when the customer confirms."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft
import flet.canvas as cv

from technician_app.signature import Point

PAD_WIDTH = 360
PAD_HEIGHT = 160


@ft.component
def SignaturePad(strokes: list[list[Point]], set_strokes: Callable, label: str) -> ft.Control:  # noqa: ANN201
    """``label`` names the pad for screen readers and tests, in the screen's language."""

    def start(e: ft.DragStartEvent) -> None:
        p = e.local_position
        set_strokes(lambda cur: [*cur, [(p.x, p.y)]])

    def update(e: ft.DragUpdateEvent) -> None:
        p = e.local_position
        set_strokes(lambda cur: [*cur[:-1], [*cur[-1], (p.x, p.y)]] if cur else [[(p.x, p.y)]])

    paint = ft.Paint(stroke_width=3, color=ft.Colors.BLACK, style=ft.PaintingStyle.STROKE)
    shapes: list[cv.Shape] = [
        cv.Line(x0, y0, x1, y1, paint=paint)
        for stroke in strokes
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False)
    ]
    return ft.Semantics(
        label=label,
        identifier="signature_pad",
        container=True,
        content=ft.Container(
            ft.GestureDetector(
                content=cv.Canvas(shapes=shapes, width=PAD_WIDTH, height=PAD_HEIGHT),
                on_pan_start=start,
                on_pan_update=update,
                drag_interval=20,
            ),
            width=PAD_WIDTH,
            height=PAD_HEIGHT,
            bgcolor=ft.Colors.WHITE,
            border=ft.Border.all(2, ft.Colors.BLUE_GREY_200),
            border_radius=8,
            key="signature_pad",
        ),
    )
