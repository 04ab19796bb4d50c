"""Baseline spatial indexes, measured against the ``GridIndex`` dispatch runs on.

- ``H3Index``: H3 hexagonal cells (h3 v4 API). Good when positions are also shared with
  analytics or heat maps, which speak H3 too; the grid's property tests check its ring
  arithmetic, and it theirs.
- ``NaiveIndex``: no buckets, every query scans every position.

Both share ``server.dispatch.spatial.CellIndex``'s bookkeeping and answer the
``SpatialIndex`` protocol, so the dispatch core runs on either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import h3

from server.dispatch.spatial import CellIndex


class H3Index(CellIndex):
    """Positions bucketed by H3 cell; a query walks ``grid_disk`` rings around the cell.

    Ring count: a point within ``r`` of the query lies in a cell whose centre is within
    ``r + 2*e_max`` of the query cell's centre (e = edge length = circumradius). Cells at
    grid distance k have centres at least ``1.5 * k * e_min`` away (the ring hexagon's
    apothem), so ``k = ceil((r + 2 e_max) / (1.5 e_min))`` rings are enough. Edge lengths
    come from the query cell itself, shrunk by 15 % for the distortion between nearby
    cells; the property test against a naive scan checks the bound.
    """

    def __init__(self, resolution: int = 8) -> None:
        super().__init__()
        if not 0 <= resolution <= 15:
            raise ValueError("H3 resolution must be in 0..15")
        self.resolution = resolution
        self._edge_cache: dict[str, tuple[float, float]] = {}

    def _cell(self, lat: float, lng: float) -> str:
        return h3.latlng_to_cell(lat, lng, self.resolution)

    def _edges(self, cell: str) -> tuple[float, float]:
        cached = self._edge_cache.get(cell)
        if cached is None:
            lengths = [h3.edge_length(e, unit="m") for e in h3.origin_to_directed_edges(cell)]
            cached = (min(lengths), max(lengths))
            if len(self._edge_cache) > 100_000:
                self._edge_cache.clear()
            self._edge_cache[cell] = cached
        return cached

    def rings_for(self, lat: float, lng: float, radius_m: float) -> int:
        cell = self._cell(lat, lng)
        e_min, e_max = self._edges(cell)
        return math.ceil((radius_m + 2.0 * e_max * 1.15) / (1.5 * e_min * 0.85))

    def _query_cells(self, lat: float, lng: float, radius_m: float) -> Iterable[str] | None:
        k = self.rings_for(lat, lng, radius_m)
        # Past a few hundred rings the disk has more cells than a small index has ids.
        if 3 * k * (k + 1) + 1 > 4 * max(len(self._slot), 1) + 1000:
            return None
        return h3.grid_disk(self._cell(lat, lng), k)


class NaiveIndex(CellIndex):
    """No buckets: every query scans every position. The baseline for benchmarks."""

    def _cell(self, lat: float, lng: float) -> int:
        return 0

    def _query_cells(self, lat: float, lng: float, radius_m: float) -> None:
        return None
