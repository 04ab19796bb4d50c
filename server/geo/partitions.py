"""City partitions: the unit the dispatcher works in, one round at a time each.

A partition is a one-degree cell of latitude and longitude (about 110 × 85 km at
Beijing's latitude): a city and its outskirts. Orders of different partitions are
dispatched independently; a technician near a border may be considered by both.
"""

from __future__ import annotations

import math

CELL_DEGREES = 1.0


def partition_of(lat: float, lng: float) -> str:
    """The partition of a point, as a stable name ("39:116")."""
    return f"{math.floor(lat / CELL_DEGREES)}:{math.floor(lng / CELL_DEGREES)}"
