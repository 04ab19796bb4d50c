"""Technician facts as numpy columns, one row (slot) per technician. Pure.

A decision over ten thousand technicians cannot afford Python's ten microseconds per
candidate, so the values the hard filters and the score read are kept here side by side
(``vector_eligibility`` and ``vector_scoring`` run on them). The ``TechnicianFacts`` stay
the source of truth: each row is written from one, on ``upsert`` (a technician added,
moved, going offline, given a new job), and the facts are kept beside the row for the
rules that stay in Python (drawn service areas, the exact check of a borderline pair,
explanations of a rejection).

Calendars are padded per row (``busy_*``, ``off_*``: as many columns as the busiest
technician has intervals), in the order of the facts' tuples, so "the first of equal
ends" picks the same interval as ``eligibility``. Times are integer microseconds since
the epoch: comparisons stay exact. What is worked out from the rows (the score's parts
that depend on the technician alone, the rating sums) is kept by ``derived`` and
recomputed only for the rows changed since; the positioned rows sorted by latitude, per
skill (``positioned``), until a position or a skill changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta

import numpy as np

from server.dispatch.column_fields import (
    AREA_CIRCLE,
    AREA_NONE,
    AREA_PYTHON,
    STATUS_ABSENT_BIT,
    ColumnFields,
)
from server.dispatch.facts import Level, TechnicianFacts, WeeklyWindow
from server.dispatch.geo import CircleArea, PolygonArea, TravelMode
from server.dispatch.latitude_order import ByLatitude

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
LEVELS = tuple(Level)
MODES = tuple(TravelMode)
NEVER_EXPIRES = 10**9  # a date ordinal past any real date
NO_CERTIFICATE, PENDING = -1, -2  # none of that kind; only unverified ones
MAX_SKILLS = 64  # skills are bits of one uint64; past this the per-candidate path runs


def to_us(when: datetime) -> int:
    """Microseconds since the epoch, exactly (``when`` is timezone-aware)."""
    return (when - EPOCH) // ONE_US


class TechnicianColumns(ColumnFields):
    """Arrays of technician facts, updated one technician at a time."""

    # One array per field, for what is read on many rows at once.
    def __init__(self, capacity: int = 64) -> None:
        self.cap = max(1, capacity)
        for name, default in self._SCALARS.items():
            setattr(self, name, np.full(self.cap, default, dtype=self._dtype(default)))
        self.gate = np.zeros((self.cap, 3), dtype=np.int64)
        self.block = np.tile(np.array([d for _, d in self.BLOCK]), (self.cap, 1))
        self._views()
        self.kb = 1  # busy columns
        self.ko = 1  # time-off columns
        self.busy_start = np.zeros((self.cap, self.kb), dtype=np.int64)
        self.busy_end = np.zeros((self.cap, self.kb), dtype=np.int64)
        self.busy_lat = np.zeros((self.cap, self.kb))
        self.busy_lng = np.zeros((self.cap, self.kb))
        self.off_start = np.zeros((self.cap, self.ko), dtype=np.int64)
        self.off_end = np.zeros((self.cap, self.ko), dtype=np.int64)
        self.cert_expiry: dict[str, np.ndarray] = {}  # kind -> best verified expiry ordinal
        self.skill_bit: dict[str, int] = {}
        self.patterns: list[tuple[WeeklyWindow, ...]] = []
        self._pattern_id: dict[tuple[WeeklyWindow, ...], int] = {}
        # (start us, end us, tz, patterns) -> which patterns cover that slot
        self.coverage: dict[tuple[int, int, str, int], np.ndarray] = {}
        self.slot: dict[str, int] = {}
        # Positioned rows in order of latitude: all, or those with one skill.
        self._by_lat = ByLatitude()
        self.facts: list[TechnicianFacts | None] = [None] * self.cap
        self.ids: list[str] = [""] * self.cap
        self.blocking: dict[str, set[int]] = {}  # customer id -> slots who blocked them
        self._free: list[int] = []
        # Rows changed since the start (slots), so derived arrays update only those rows.
        self.changes: list[int] = []
        self._derived: dict[object, tuple[object, int, tuple[np.ndarray, ...]]] = {}

    @staticmethod
    def _dtype(default: object) -> type:
        if isinstance(default, bool):
            return np.bool_
        return np.int64 if isinstance(default, int) else np.float64

    def _views(self) -> None:
        self.fit, self.skills, self.status = self.gate[:, 0], self.gate[:, 1], self.gate[:, 2]
        for i, (name, _) in enumerate(self.BLOCK):
            setattr(self, name, self.block[:, i])

    @classmethod
    def build(cls, technicians: Iterable[TechnicianFacts]) -> TechnicianColumns:
        """Rows in order of latitude: a search box's candidates then sit close together
        in memory, so a decision reads a few runs of rows instead of scattered ones
        (memory latency, not arithmetic, is most of its cost)."""
        techs = sorted(technicians, key=_latitude)
        cols = cls(capacity=len(techs) + 16)
        for tech in techs:
            cols.upsert(tech)
        return cols

    def __len__(self) -> int:
        return len(self.slot)

    @property
    def supported(self) -> bool:
        """False when a fact falls outside what the arrays hold (then the engine scans)."""
        return len(self.skill_bit) <= MAX_SKILLS

    # ------------------------------------------------------------------ updates

    def upsert(self, tech: TechnicianFacts) -> int:
        """Write (or rewrite) one technician's row from their facts."""
        k = self.slot.get(tech.id)
        if k is None:
            k = self._free.pop() if self._free else len(self.slot)
            if k >= self.cap:
                self._grow(max(2 * self.cap, k + 1))
            self.slot[tech.id] = k
        else:
            self._unblock(k)
        self.facts[k] = tech
        self.ids[k] = tech.id
        self._write(k, tech)
        self._changed(k)
        return k

    def remove(self, technician_id: str) -> None:
        k = self.slot.pop(technician_id)
        self._unblock(k)
        self.facts[k] = None
        self.ids[k] = ""
        self._moved_row(k)
        for name, default in self._SCALARS.items():
            getattr(self, name)[k] = default
        self.gate[k] = 0
        self.block[k] = [d for _, d in self.BLOCK]
        self._free.append(k)
        self._changed(k)

    def _moved_row(self, k: int) -> None:
        self._by_lat.moved(k, limit=4 * self.cap)

    def _changed(self, k: int) -> None:
        self.changes.append(k)
        if len(self.changes) > 4 * self.cap:
            self.changes.clear()
            self._derived.clear()

    def derived(
        self,
        key: object,
        owner: object,
        compute: Callable[[TechnicianColumns, np.ndarray], tuple[np.ndarray, ...]],
    ) -> tuple[np.ndarray, ...]:
        """Arrays computed from the rows (``compute(cols, rows)`` gives their values on
        ``rows``), kept up to date row by row as rows change. ``owner`` is what ``key``
        names (kept alive with the arrays, so an ``id`` in the key stays unique)."""
        got = self._derived.get(key)
        if got is None:
            rows = np.arange(self.cap)
            arrays = compute(self, rows)
        else:
            _, seen, arrays = got
            if seen == len(self.changes):
                return arrays
            rows = np.unique(np.array(self.changes[seen:], dtype=np.intp))
            rows = rows[rows < self.cap]
            for arr, fresh in zip(arrays, compute(self, rows), strict=True):
                arr[rows] = fresh
        self._derived[key] = (owner, len(self.changes), arrays)
        return arrays

    def _unblock(self, k: int) -> None:
        old = self.facts[k]
        if old is None:
            return
        for cid in old.blocked_customer_ids:
            slots = self.blocking.get(cid)
            if slots is not None:
                slots.discard(k)
                if not slots:
                    del self.blocking[cid]

    def _grow(self, cap: int) -> None:
        extra = cap - self.cap
        for name, default in self._SCALARS.items():
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full(extra, default, dtype=old.dtype)]))
        self.gate = np.concatenate([self.gate, np.zeros((extra, 3), dtype=np.int64)])
        pad = np.tile(np.array([d for _, d in self.BLOCK]), (extra, 1))
        self.block = np.concatenate([self.block, pad])
        self._views()
        for name in ("busy_start", "busy_end", "busy_lat", "busy_lng", "off_start", "off_end"):
            old = getattr(self, name)
            pad = np.zeros((extra, old.shape[1]), dtype=old.dtype)
            setattr(self, name, np.concatenate([old, pad]))
        for kind, arr in self.cert_expiry.items():
            self.cert_expiry[kind] = np.concatenate([arr, np.full(extra, -1, dtype=np.int64)])
        self.facts.extend([None] * extra)
        self.ids.extend([""] * extra)
        self._derived.clear()
        self.cap = cap

    def _widen(self, prefix: str, width: int) -> None:
        names = ("start", "end", "lat", "lng") if prefix == "busy" else ("start", "end")
        for part in names:
            old = getattr(self, f"{prefix}_{part}")
            pad = np.zeros((self.cap, width - old.shape[1]), dtype=old.dtype)
            setattr(self, f"{prefix}_{part}", np.concatenate([old, pad], axis=1))
        setattr(self, "kb" if prefix == "busy" else "ko", width)

    def _write(self, k: int, t: TechnicianFacts) -> None:
        st = t.stats
        self.used[k] = True
        self.daily_cap[k] = -1 if t.daily_cap is None else t.daily_cap
        self.jobs_today[k], self.earnings[k] = st.jobs_today, st.earnings_today_fen
        self.active_jobs[k] = st.active_jobs
        capped = t.daily_cap is not None and st.jobs_today >= t.daily_cap
        absent = t.online and not t.present
        self.fit[k] = t.verified and not t.suspended and t.online and t.present and not capped
        self.status[k] = (
            (not t.verified)
            | t.suspended << 1
            | (not t.online) << 2
            | capped << 3
            | absent << STATUS_ABSENT_BIT
        )
        where = t.location or t.home
        lat, lng = (where.lat, where.lng) if where else (np.nan, np.nan)
        if not (self.pos_lat[k] == lat and self.pos_lng[k] == lng):
            self._moved_row(k)
        self.pos_lat[k], self.pos_lng[k] = lat, lng
        self.has_loc[k] = t.location is not None
        if t.location is not None:
            self.loc_lat[k], self.loc_lng[k] = t.location.lat, t.location.lng
        self.has_home[k] = t.home is not None
        if t.home is not None:
            self.home_lat[k], self.home_lng[k] = t.home.lat, t.home.lng
        self.max_dist_m[k] = np.inf if t.max_distance_km is None else t.max_distance_km * 1000.0
        self.mode[k] = MODES.index(t.travel_mode)
        self._write_skills(k, t)
        self._write_certificates(k, t)
        self._write_area(k, t)
        self.weekly[k] = -1 if t.weekly is None else self._pattern(t.weekly)
        self._write_calendar(k, t)
        for cid in t.blocked_customer_ids:
            self.blocking.setdefault(cid, set()).add(k)
        self.level[k] = LEVELS.index(st.level)

        self.rating_count[k] = st.rating_count
        self.good_rate[k] = np.nan if st.good_rate_30d is None else st.good_rate_30d
        self.reviews_30d[k] = st.reviews_30d
        self.complaint_rate[k] = np.nan if st.complaint_rate is None else st.complaint_rate
        self.cr_orders[k] = st.orders_for_complaint_rate
        self.received[k], self.accepted[k] = st.offers_received, st.offers_accepted
        self.taken[k], self.transfers[k] = st.orders_taken_recent, st.transfers_recent
        self.training_short[k] = st.training_short

    def _write_skills(self, k: int, t: TechnicianFacts) -> None:
        mask = 0
        for skill in t.skills:
            bit = self.skill_bit.setdefault(skill, len(self.skill_bit))
            if bit < MAX_SKILLS:
                mask |= 1 << bit
        if self.skills[k] != _signed(mask):
            self._moved_row(k)
        self.skills[k] = _signed(mask)

    def skill_mask(self, skills: Iterable[str]) -> int | None:
        """The bits of these skills as the ``skills`` column holds them; None when one of
        them no technician here has (nobody qualifies)."""
        mask = 0
        for skill in skills:
            bit = self.skill_bit.get(skill)
            if bit is None or bit >= MAX_SKILLS:
                return None
            mask |= 1 << bit
        return _signed(mask)

    def _write_certificates(self, k: int, t: TechnicianFacts) -> None:
        best: dict[str, int] = {}
        for c in t.certificates:
            if not c.verified:
                best.setdefault(c.kind, PENDING)
                continue
            exp = NEVER_EXPIRES if c.expires_on is None else c.expires_on.toordinal()
            best[c.kind] = max(best.get(c.kind, -1), exp)
        for kind, arr in self.cert_expiry.items():
            arr[k] = best.pop(kind, -1)
        for kind, exp in best.items():
            arr = np.full(self.cap, -1, dtype=np.int64)
            arr[k] = exp
            self.cert_expiry[kind] = arr

    def _write_area(self, k: int, t: TechnicianFacts) -> None:
        areas = t.service_areas
        if not areas:
            self.area_kind[k] = AREA_NONE
        elif len(areas) == 1 and isinstance(areas[0], CircleArea):
            a = areas[0]
            self.area_kind[k] = AREA_CIRCLE
            self.c_lat[k], self.c_lng[k] = a.center.lat, a.center.lng
            self.c_r_m[k] = a.radius_km * 1000.0
        else:
            # Drawn areas (and several areas) are checked in Python, after a box test: a
            # point outside every polygon's box is in none of them.
            self.area_kind[k] = AREA_PYTHON
            box = (-np.inf, np.inf, -np.inf, np.inf)
            if all(isinstance(a, PolygonArea) for a in areas):
                lats = [v[0] for a in areas if isinstance(a, PolygonArea) for v in a.vertices]
                lngs = [v[1] for a in areas if isinstance(a, PolygonArea) for v in a.vertices]
                box = (min(lats), max(lats), min(lngs), max(lngs))
            self.bb_lat_lo[k], self.bb_lat_hi[k], self.bb_lng_lo[k], self.bb_lng_hi[k] = box

    def _pattern(self, windows: tuple[WeeklyWindow, ...]) -> int:
        pid = self._pattern_id.get(windows)
        if pid is None:
            pid = self._pattern_id[windows] = len(self.patterns)
            self.patterns.append(windows)
        return pid

    def _write_calendar(self, k: int, t: TechnicianFacts) -> None:
        if len(t.busy) > self.kb:
            self._widen("busy", max(len(t.busy), 2 * self.kb))
        if len(t.time_off) > self.ko:
            self._widen("off", max(len(t.time_off), 2 * self.ko))
        self.n_busy[k] = len(t.busy)
        for i, b in enumerate(t.busy):
            self.busy_start[k, i], self.busy_end[k, i] = to_us(b.start), to_us(b.end)
            self.busy_lat[k, i], self.busy_lng[k, i] = b.location[0], b.location[1]
        self.n_off[k] = len(t.time_off)
        for i, r in enumerate(t.time_off):
            self.off_start[k, i], self.off_end[k, i] = to_us(r.start), to_us(r.end)

    # ------------------------------------------------------------------ reads

    def positioned(self, bit: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positioned rows (with skill ``bit`` only, if set) by latitude, their latitudes
        and longitudes (``latitude_order.ByLatitude``)."""
        return self._by_lat.rows(bit, self.pos_lat, self.pos_lng, self.skills)

    def narrowest(self, skills: Iterable[str]) -> int | None:
        """Of these skills' bits, the one fewest positioned rows have (-1: no skill asked
        for, every row); None when no row has one of them (nobody qualifies)."""
        best, size = -1, None
        for skill in skills:
            bit = self.skill_bit.get(skill)
            if bit is None or bit >= MAX_SKILLS:
                return None
            n = self.positioned(bit)[0].size
            if size is None or n < size:
                best, size = bit, n
        return best

    def in_box(
        self, lat_lo: float, lat_hi: float, lng_lo: float, lng_hi: float, bit: int = -1
    ) -> np.ndarray:
        """Positioned rows inside the box (those with skill ``bit`` only, if set): a
        latitude band from the rows kept sorted by latitude, then the longitude test."""
        rows, lats, lngs = self.positioned(bit)
        a = int(np.searchsorted(lats, lat_lo, side="left"))
        b = int(np.searchsorted(lats, lat_hi, side="right"))
        band, band_lngs = rows[a:b], lngs[a:b]
        return band[(band_lngs >= lng_lo) & (band_lngs <= lng_hi)]

    def slots_of(self, ids: Iterable[str]) -> np.ndarray:
        get = self.slot.get
        found = [k for k in map(get, ids) if k is not None]
        return np.array(found, dtype=np.intp)

    def member_mask(self, ids: Iterable[str] | Mapping[str, object]) -> np.ndarray:
        mask = np.zeros(self.cap, dtype=bool)
        mask[self.slots_of(ids)] = True
        return mask


def _latitude(tech: TechnicianFacts) -> float:
    where = tech.location or tech.home
    return where.lat if where else math.inf


def _signed(mask: int) -> int:
    """A 64-bit mask as the int64 the column stores."""
    return mask - (1 << 64) if mask >= 1 << 63 else mask
