"""What a decision and a batch produce: rankings, rejections, score matrices. Pure.

The array path settles thousands of candidates without building a Python object for
each; ``LazyRanked`` and ``LazyRejections`` build a candidate's explained score, or a
technician's rejection reasons, only when read (the offer needs the best, the stored
explanation the top few and the rejection counts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from server.dispatch.eligibility import Rejection
from server.dispatch.scoring import CandidateScore


class LazyRanked(Sequence[CandidateScore]):
    """A ranking whose ``CandidateScore``s are built on first read."""

    def __init__(
        self, n: int, ids: Callable[[], list[str]], build: Callable[[int], CandidateScore]
    ) -> None:
        self._n = n
        self._ids_of = ids
        self._ids: list[str] | None = None
        self._build = build
        self._built: dict[int, CandidateScore] = {}

    @property
    def ids(self) -> list[str]:
        """The technicians in rank order (without building their scores)."""
        if self._ids is None:
            self._ids = self._ids_of()
        return self._ids

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> CandidateScore: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[CandidateScore]: ...
    def __getitem__(self, i: int | slice) -> CandidateScore | Sequence[CandidateScore]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        c = self._built.get(i)
        if c is None:
            c = self._built[i] = self._build(i)
        return c

    def __iter__(self) -> Iterator[CandidateScore]:
        return (self[i] for i in range(self._n))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]


class LazyRejections(Mapping[str, tuple[Rejection, ...]]):
    """Technician id -> why they were ruled out, worked out when first read (all at once:
    the stored explanation reads them all); the keys come in the order the per-candidate
    scan would list them."""

    def __init__(self, work_out: Callable[[], dict[str, tuple[Rejection, ...]]]) -> None:
        self._work_out = work_out
        self._reasons: dict[str, tuple[Rejection, ...]] | None = None

    @property
    def _all(self) -> dict[str, tuple[Rejection, ...]]:
        if self._reasons is None:
            self._reasons = self._work_out()
        return self._reasons

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __contains__(self, key: object) -> bool:
        return key in self._all

    def __getitem__(self, key: str) -> tuple[Rejection, ...]:
        return self._all[key]


@dataclass(frozen=True)
class DispatchDecision:
    job_id: str
    ranked: Sequence[CandidateScore]
    rejected: Mapping[str, tuple[Rejection, ...]]
    # technicians the index returned (before exact checks); the array path counts them
    # when asked (``prefiltered``), as it searches among those with the skill only
    found: int | Callable[[], int]
    search_radius_m: float

    @property
    def prefiltered(self) -> int:
        return self.found if isinstance(self.found, int) else self.found()

    @property
    def best(self) -> CandidateScore | None:
        return self.ranked[0] if self.ranked else None

    def as_dict(self) -> dict[str, Any]:
        """The explanation stored with each decision (what ops/dispatch/{id} shows)."""
        return {
            "job_id": self.job_id,
            "search_radius_m": self.search_radius_m,
            "prefiltered": self.prefiltered,
            "ranked": [c.as_dict() for c in self.ranked],
            "rejected": {
                tid: [
                    {"code": r.code.value, "message": r.message, "details": r.details} for r in rs
                ]
                for tid, rs in self.rejected.items()
            },
        }


@dataclass(frozen=True)
class BatchMatrix:
    job_ids: tuple[str, ...]
    technician_ids: tuple[str, ...]
    scores: np.ndarray  # NaN where infeasible
    distances: np.ndarray  # NaN where infeasible
    feasible: np.ndarray
    details: Mapping[tuple[int, int], CandidateScore]

    def row(self, j: int, feasible: np.ndarray | None = None) -> list[CandidateScore]:
        """Job ``j``'s feasible candidates, best first (ties to the nearer, then id)."""
        mask = self.feasible[j] if feasible is None else feasible[j]
        cols = np.flatnonzero(mask).tolist()
        ids = self.technician_ids
        s, d = self.scores[j], self.distances[j]
        cols.sort(key=lambda k: (-s[k], d[k], ids[k]))
        return [self.details[(j, k)] for k in cols]
