"""Spatial indexes of technician positions for candidate prefiltering.

``within`` returns a superset of the technicians inside the radius (every one inside is
returned, a few just outside may be); ``nearby`` applies the exact haversine check and
sorts by distance. Dispatch runs on ``GridIndex``, a plain lat/lng grid: no dependency,
and its completeness follows from simple bounds. ``CellIndex`` is the bookkeeping any
cell-bucketed index shares; the baselines it is measured against (H3 cells, a naive
scan) are in ``simulation.indexes``.

Positions move every few seconds; ``move`` is O(1) (a set removal and insertion when
the cell changes, a tuple update otherwise).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from itertools import chain
from typing import Protocol

import numpy as np

from server.dispatch.geo import validate_latlng
from server.geo.coords import EARTH_RADIUS_M, haversine_many_m

_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0


class SpatialIndex(Protocol):
    def insert(self, item_id: str, lat: float, lng: float) -> None: ...
    def move(self, item_id: str, lat: float, lng: float) -> None: ...
    def upsert(self, item_id: str, lat: float, lng: float) -> None: ...
    def remove(self, item_id: str) -> None: ...
    def within(self, lat: float, lng: float, radius_m: float) -> list[str]: ...
    def nearby(self, lat: float, lng: float, radius_m: float) -> list[tuple[str, float]]: ...
    def position(self, item_id: str) -> tuple[float, float]: ...
    def __len__(self) -> int: ...
    def __contains__(self, item_id: object) -> bool: ...


class CellIndex(ABC):
    """Shared bookkeeping.

    Each id owns a slot; coordinates live in two numpy arrays indexed by slot, and the
    cells hold slots. A query gathers the slots of the candidate cells and checks the
    exact distance for all of them in one vectorised pass.
    """

    def __init__(self) -> None:
        self._slot: dict[str, int] = {}
        self._ids: list[str | None] = []
        self._cell_of: list[object] = []
        self._lat = np.zeros(64)
        self._lng = np.zeros(64)
        self._free: list[int] = []
        self._cells: dict[object, set[int]] = {}

    @abstractmethod
    def _cell(self, lat: float, lng: float) -> object:
        """The bucket key of a position."""

    @abstractmethod
    def _query_cells(self, lat: float, lng: float, radius_m: float) -> Iterable[object] | None:
        """Cells that may hold a point within ``radius_m``; None means "scan everything"."""

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._slot

    def ids(self) -> list[str]:
        return list(self._slot)

    def position(self, item_id: str) -> tuple[float, float]:
        k = self._slot[item_id]
        return float(self._lat[k]), float(self._lng[k])

    def insert(self, item_id: str, lat: float, lng: float) -> None:
        if item_id in self._slot:
            raise ValueError(f"{item_id!r} is already indexed; use move()")
        validate_latlng(lat, lng)
        cell = self._cell(lat, lng)
        if self._free:
            k = self._free.pop()
            self._ids[k] = item_id
            self._cell_of[k] = cell
        else:
            k = len(self._ids)
            if k == len(self._lat):
                self._lat = np.concatenate([self._lat, np.zeros(k)])
                self._lng = np.concatenate([self._lng, np.zeros(k)])
            self._ids.append(item_id)
            self._cell_of.append(cell)
        self._lat[k] = lat
        self._lng[k] = lng
        self._slot[item_id] = k
        self._cells.setdefault(cell, set()).add(k)

    def move(self, item_id: str, lat: float, lng: float) -> None:
        k = self._slot[item_id]
        validate_latlng(lat, lng)
        cell = self._cell(lat, lng)
        old = self._cell_of[k]
        if cell != old:
            self._discard_from_cell(k, old)
            self._cells.setdefault(cell, set()).add(k)
            self._cell_of[k] = cell
        self._lat[k] = lat
        self._lng[k] = lng

    def upsert(self, item_id: str, lat: float, lng: float) -> None:
        if item_id in self._slot:
            self.move(item_id, lat, lng)
        else:
            self.insert(item_id, lat, lng)

    def remove(self, item_id: str) -> None:
        k = self._slot.pop(item_id)
        self._discard_from_cell(k, self._cell_of[k])
        self._ids[k] = None
        self._cell_of[k] = None
        self._free.append(k)

    def _discard_from_cell(self, slot: int, cell: object) -> None:
        members = self._cells[cell]
        members.discard(slot)
        if not members:
            del self._cells[cell]

    def _candidate_slots(self, lat: float, lng: float, radius_m: float) -> np.ndarray:
        if radius_m < 0:
            raise ValueError("radius_m must be non-negative")
        validate_latlng(lat, lng)
        cells = self._query_cells(lat, lng, radius_m)
        if cells is None:
            return np.fromiter(self._slot.values(), dtype=np.intp, count=len(self._slot))
        buckets = self._cells
        found = [buckets[c] for c in cells if c in buckets]
        return np.fromiter(chain.from_iterable(found), dtype=np.intp)

    def within(self, lat: float, lng: float, radius_m: float) -> list[str]:
        ids = self._ids
        return [ids[k] for k in self._candidate_slots(lat, lng, radius_m).tolist()]

    def nearby(self, lat: float, lng: float, radius_m: float) -> list[tuple[str, float]]:
        """Exactly the ids within ``radius_m`` (haversine), nearest first."""
        slots = self._candidate_slots(lat, lng, radius_m)
        if slots.size == 0:
            return []
        dist = haversine_many_m(lat, lng, self._lat[slots], self._lng[slots])
        keep = dist <= radius_m
        slots, dist = slots[keep], dist[keep]
        ids = self._ids
        hits = [(ids[k], d) for k, d in zip(slots.tolist(), dist.tolist(), strict=True)]
        hits.sort(key=lambda x: (x[1], x[0]))
        return hits


class GridIndex(CellIndex):
    """Positions bucketed on a regular lat/lng grid of ``cell_m`` (north-south size)."""

    def __init__(self, cell_m: float = 1000.0) -> None:
        super().__init__()
        if not cell_m > 0:
            raise ValueError("cell_m must be positive")
        self.cell_m = cell_m
        self._cell_deg = cell_m / _M_PER_DEG

    def _cell(self, lat: float, lng: float) -> tuple[int, int]:
        c = self._cell_deg
        return (math.floor(lat / c), math.floor(lng / c))

    def _query_cells(
        self, lat: float, lng: float, radius_m: float
    ) -> Iterable[tuple[int, int]] | None:
        dlat = radius_m / _M_PER_DEG
        lat_lo, lat_hi = lat - dlat, lat + dlat
        if lat_lo <= -89.0 or lat_hi >= 89.0:
            return None
        # Along a parallel a degree of longitude shrinks with cos(lat); take the widest
        # span over the band, which is at the latitude farthest from the equator.
        cos_min = math.cos(math.radians(max(abs(lat_lo), abs(lat_hi))))
        dlng = radius_m / (_M_PER_DEG * cos_min)
        if dlng >= 180.0 or lng - dlng < -180.0 or lng + dlng > 180.0:
            return None
        c = self._cell_deg
        i0, i1 = math.floor(lat_lo / c), math.floor(lat_hi / c)
        j0, j1 = math.floor((lng - dlng) / c), math.floor((lng + dlng) / c)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > 4 * max(len(self._slot), 1) + 1000:
            return None
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]
