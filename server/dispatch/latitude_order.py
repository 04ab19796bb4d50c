"""Positioned technicians' rows in order of latitude, per skill, kept as they move. Pure.

A decision reads the rows whose latitude lies in its search box: a band of a list sorted
by latitude (``TechnicianColumns.positioned``). Sorting 10,000 rows again after every
reported position would land on the next decision in a live city, where positions
arrive every second; so the lists are patched instead: the rows that moved since a list
was built are taken out and put back where a fresh stable sort would put them (a search
and an insert each). Past ``PATCH_ROWS`` moved rows the list is sorted afresh.
"""

from __future__ import annotations

import numpy as np

PATCH_ROWS = 256

Lists = tuple[np.ndarray, np.ndarray, np.ndarray, int]  # rows, lats, lngs, moves seen


class ByLatitude:
    def __init__(self) -> None:
        self._lists: dict[int, Lists] = {}  # by skill bit (-1: every row)
        self._moved: list[int] = []  # rows whose position, skills or presence changed

    def moved(self, row: int, *, limit: int) -> None:
        """``row`` may have changed place (or left, or joined): past ``limit`` remembered
        moves every list is dropped (to be sorted afresh when next asked for)."""
        self._moved.append(row)
        if len(self._moved) > limit:
            self._moved.clear()
            self._lists.clear()

    def rows(
        self, bit: int, pos_lat: np.ndarray, pos_lng: np.ndarray, skills: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The positioned rows (with skill ``bit``, if set) by latitude, rows of equal
        latitude by row; their latitudes and longitudes (copies, side by side: a search
        box's band is read in one sweep)."""
        got = self._lists.get(bit)
        if got is not None and got[3] < len(self._moved):
            moved = np.unique(np.array(self._moved[got[3] :], dtype=np.intp))
            got = (
                self._patched(got, moved, bit, pos_lat, pos_lng, skills)
                if moved.size <= PATCH_ROWS
                else None
            )
        if got is None:
            rows = np.flatnonzero(~np.isnan(pos_lat))
            if bit >= 0:
                rows = rows[(skills[rows] >> bit) & 1 == 1]
            rows = rows[np.argsort(pos_lat[rows], kind="stable")]
            got = (rows, pos_lat[rows], pos_lng[rows], len(self._moved))
        self._lists[bit] = got
        return got[0], got[1], got[2]

    def _patched(
        self,
        got: Lists,
        moved: np.ndarray,
        bit: int,
        pos_lat: np.ndarray,
        pos_lng: np.ndarray,
        skills: np.ndarray,
    ) -> Lists:
        """``got`` with the ``moved`` rows taken out, then those still positioned (and with
        the skill) put back where a fresh stable sort would put them."""
        rows, lats, lngs, _ = got
        keep = ~np.isin(rows, moved)
        rows, lats, lngs = rows[keep], lats[keep], lngs[keep]
        add = moved[~np.isnan(pos_lat[moved])]
        if bit >= 0:
            add = add[(skills[add] >> bit) & 1 == 1]
        add_lats = pos_lat[add]
        order = np.lexsort((add, add_lats))
        add, add_lats = add[order], add_lats[order]
        lo = np.searchsorted(lats, add_lats, side="left")
        hi = np.searchsorted(lats, add_lats, side="right")
        # among rows of equal latitude, by row (the stable sort's order)
        at = [a + int(np.count_nonzero(rows[a:b] < r)) for a, b, r in zip(lo, hi, add, strict=True)]
        return (
            np.insert(rows, at, add),
            np.insert(lats, at, add_lats),
            np.insert(lngs, at, pos_lng[add]),
            len(self._moved),
        )
