"""Exact positions at rest: encrypted, with a coarse copy in clear for the queries that
only need to know roughly where (dispatch's box search, travel estimates, the map of a
district). A copied database places a home within a block, not at its door.
"""

from __future__ import annotations

from server.core.crypto import FieldCipher

COARSE_DECIMALS = 3  # ≈ 110 m north–south, 85 m east–west in Beijing: a block, not a door


def coarse(value: float) -> float:
    return round(value, COARSE_DECIMALS)


def seal_point(cipher: FieldCipher, lat: float, lng: float) -> str:
    return cipher.encrypt(f"{lat!r},{lng!r}")  # repr: the float comes back exactly


def open_point(cipher: FieldCipher, token: str) -> tuple[float, float]:
    lat, lng = cipher.decrypt(token).split(",")
    return float(lat), float(lng)
