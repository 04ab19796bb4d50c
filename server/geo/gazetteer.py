"""The embedded gazetteer: named places of the demo district, for address search offline.

``assets/gazetteer.yaml`` lists residential compounds, office towers, landmarks, stations
and roads with their WGS-84 position, district and common aliases; the demo city's
districts (``assets/demo_city.yaml``) are added. Each name is also indexed by its pinyin,
whole (``sanlitun``) and by initials (``slt``), so a customer typing either finds it.
Pure once loaded: searching reads memory only.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from server.geo.coords import haversine_m

ASSETS = Path(__file__).resolve().parents[2] / "assets"
GAZETTEER = ASSETS / "gazetteer.yaml"
DEMO_CITY = ASSETS / "demo_city.yaml"
NEAREST_WITHIN_M = 1500.0  # reverse geocoding names a place only this close


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # compound | office | landmark | station | road | district
    district: str
    address: str
    lat: float
    lng: float
    keys: tuple[str, ...] = field(default=(), repr=False)  # lower-case search forms


def _keys(*names: str) -> tuple[str, ...]:
    # imported on first use: it costs a good part of a second at every process start
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for name in names:
        if not name:
            continue
        compact = re.sub(r"\s+", "", name).lower()
        syllables = [s.lower() for s in lazy_pinyin(compact)]
        initials = lazy_pinyin(compact, style=Style.FIRST_LETTER)
        for key in (compact, "".join(syllables), "".join(initials).lower()):
            if key and key not in out:
                out.append(key)
    return tuple(out)


class Gazetteer:
    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    def search(
        self, q: str, *, near: tuple[float, float] | None = None, limit: int = 10
    ) -> list[Entry]:
        """Entries whose name, alias or pinyin starts with or contains ``q``: prefix
        matches first, then the nearest to ``near``, then the shortest name."""
        term = re.sub(r"\s+", "", q).lower()
        if not term:
            return []
        scored = []
        for entry in self.entries:
            rank = min(
                (0 if key.startswith(term) else 1 for key in entry.keys if term in key),
                default=None,
            )
            if rank is None:
                continue
            away = haversine_m(near[0], near[1], entry.lat, entry.lng) if near else 0.0
            scored.append((rank, away, len(entry.name), entry.name, entry))
        scored.sort(key=lambda s: s[:4])
        return [s[-1] for s in scored[:limit]]

    def nearest(self, lat: float, lng: float) -> Entry | None:
        """The nearest named place (not a road or a whole district) within
        ``NEAREST_WITHIN_M``."""
        best, best_m = None, NEAREST_WITHIN_M
        for entry in self.entries:
            if entry.kind in ("road", "district"):
                continue
            away = haversine_m(lat, lng, entry.lat, entry.lng)
            if away <= best_m:
                best, best_m = entry, away
        return best


def _entry(
    name: str, kind: str, district: str, address: str, lat: float, lng: float, aliases: list[str]
) -> Entry:
    return Entry(
        name, kind, district, address or name, float(lat), float(lng), _keys(name, *aliases)
    )


@functools.cache
def load(path: Path = GAZETTEER, demo_city: Path = DEMO_CITY) -> Gazetteer:
    """Read once per process."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = []
    for row in data["places"]:
        name, kind, district, lat, lng = row[:5]
        aliases = [a for a in (row[5] if len(row) > 5 else "").split("|") if a]
        address = row[6] if len(row) > 6 else ""
        entries.append(_entry(name, kind, district, address, lat, lng, aliases))
    city = yaml.safe_load(demo_city.read_text(encoding="utf-8"))
    for d in city["districts"]:
        entries.append(
            _entry(
                d["name_zh"],
                "district",
                d["name_zh"],
                f"{city['city']}{d['name_zh']}",
                d["lat"],
                d["lng"],
                [d["name_en"]],
            )
        )
    return Gazetteer(entries)
