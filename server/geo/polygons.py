"""Is a point inside a polygon drawn on the map. Pure: no I/O.

``point_in_polygon`` is the one test the server uses: the technicians' service areas
(``technicians.availability.Area``) and dispatch's (``dispatch.geo.PolygonArea``).
"""

from __future__ import annotations

from collections.abc import Sequence


def _on_segment(py: float, px: float, ay: float, ax: float, by: float, bx: float) -> bool:
    cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
    scale = max(abs(bx - ax), abs(by - ay), 1e-12)
    if abs(cross) > 1e-12 * scale:
        return False
    return min(ax, bx) - 1e-12 <= px <= max(ax, bx) + 1e-12 and (
        min(ay, by) - 1e-12 <= py <= max(ay, by) + 1e-12
    )


def point_in_polygon(lat: float, lng: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Even-odd ray casting on (lat, lng) vertices; points on an edge count as inside.

    Service areas are district-sized, so treating lat/lng as planar is accurate enough;
    polygons crossing the antimeridian are not supported (no city needs one).
    """
    n = len(polygon)
    if n < 3:
        raise ValueError("a polygon needs at least 3 vertices")
    inside = False
    j = n - 1
    for i in range(n):
        yi, xi = polygon[i][0], polygon[i][1]
        yj, xj = polygon[j][0], polygon[j][1]
        if _on_segment(lat, lng, yi, xi, yj, xj):
            return True
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < x_cross:
                inside = not inside
        j = i
    return inside
