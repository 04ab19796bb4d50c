"""The fields of ``TechnicianColumns``: which facts are kept, how they are laid out.

Most fields are one array each. The first test every candidate meets reads ``gate``
(fit, skills, status) in one gather; the later tests, run on the few candidates left,
read ``block``: one row of floats per technician, so that one gather brings all of a
technician's row (the field arrays named in ``BLOCK`` are views of its columns).
"""

from __future__ import annotations

import numpy as np

AREA_NONE, AREA_CIRCLE, AREA_PYTHON = 0, 1, 2
# The ``status`` bits of what keeps a technician from fitting: 1 not verified, 2
# suspended, 4 offline, 8 over the daily cap, 16 online but absent (no sign of life).
STATUS_ABSENT_BIT = 4


class ColumnFields:
    # Field arrays (set in ``__init__`` / ``_views``), one value per row.
    used: np.ndarray
    daily_cap: np.ndarray
    jobs_today: np.ndarray
    earnings: np.ndarray
    active_jobs: np.ndarray
    pos_lat: np.ndarray
    pos_lng: np.ndarray
    level: np.ndarray
    rating_count: np.ndarray
    good_rate: np.ndarray
    reviews_30d: np.ndarray
    complaint_rate: np.ndarray
    cr_orders: np.ndarray
    received: np.ndarray
    accepted: np.ndarray
    taken: np.ndarray
    transfers: np.ndarray
    training_short: np.ndarray
    fit: np.ndarray
    skills: np.ndarray
    status: np.ndarray
    area_kind: np.ndarray
    c_lat: np.ndarray
    c_lng: np.ndarray
    c_r_m: np.ndarray
    bb_lat_lo: np.ndarray
    bb_lat_hi: np.ndarray
    bb_lng_lo: np.ndarray
    bb_lng_hi: np.ndarray
    has_loc: np.ndarray
    loc_lat: np.ndarray
    loc_lng: np.ndarray
    has_home: np.ndarray
    home_lat: np.ndarray
    home_lng: np.ndarray
    max_dist_m: np.ndarray
    mode: np.ndarray
    weekly: np.ndarray
    n_busy: np.ndarray
    n_off: np.ndarray

    _SCALARS: dict[str, object] = {
        "used": False,
        "daily_cap": -1,
        "jobs_today": 0,
        "earnings": 0,
        "active_jobs": 0,
        "pos_lat": np.nan,
        "pos_lng": np.nan,
        "level": 0,
        "rating_count": 0,
        "good_rate": np.nan,
        "reviews_30d": 0,
        "complaint_rate": np.nan,
        "cr_orders": 0,
        "received": 0,
        "accepted": 0,
        "taken": 0,
        "transfers": 0,
        "training_short": False,
    }
    # The first test of every candidate, gathered together: [fit, skills, status]. ``fit``:
    # verified, not suspended, online and present, under any daily cap; ``status``: the
    # bits of what is not (above), for the explanation.
    GATE = ("fit", "skills", "status")
    # What the later tests read of the few candidates left, one row of floats each (one
    # gather brings a technician's whole row; field arrays are views of its columns).
    BLOCK = (
        ("area_kind", AREA_NONE),
        ("c_lat", 0.0),
        ("c_lng", 0.0),
        ("c_r_m", 0.0),
        ("bb_lat_lo", 0.0),
        ("bb_lat_hi", 0.0),
        ("bb_lng_lo", 0.0),
        ("bb_lng_hi", 0.0),
        ("has_loc", 0.0),
        ("loc_lat", 0.0),
        ("loc_lng", 0.0),
        ("has_home", 0.0),
        ("home_lat", 0.0),
        ("home_lng", 0.0),
        ("max_dist_m", np.inf),
        ("mode", 0.0),
        ("weekly", -1.0),
        ("n_busy", 0.0),
        ("n_off", 0.0),
    )
    COL = {name: i for i, (name, _) in enumerate(BLOCK)}
