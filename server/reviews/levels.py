"""Technician score and quarterly level (pure; explains itself).

Score (0-100) = smoothed weighted rating mapped from 1-5 to 0-100, minus penalties.
Each rating is the weighted mean of its four dimensions (服务响应速度 response,
技能度 skill, 服务态度 attitude, 物品完好率 care). Few ratings are pulled towards
``prior_mean`` (a Bayesian average) so one 5-star review is not an S. Penalties: each
upheld complaint and each late arrival in the period. The level is the first rule
(S, A, B, C) whose min_score and min_ratings are met.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from server.rules.reviews import ReviewRules

DIMENSIONS = ("response", "skill", "attitude", "care")


@dataclass(frozen=True)
class Rating:
    review_id: str
    response: int
    skill: int
    attitude: int
    care: int


@dataclass(frozen=True)
class Penalty:
    kind: str  # upheld_complaint | late_arrival
    ref_id: str
    points: float


@dataclass(frozen=True)
class ScoreCard:
    ratings: int
    dimension_means: dict[str, float | None]
    weighted_mean: float | None  # raw, 1-5
    smoothed_mean: float  # with the prior
    rating_score: float  # 0-100 before penalties
    penalties: list[Penalty] = field(default_factory=list)
    penalty_points: float = 0.0
    score: float = 0.0
    level: str = "B"
    next_level: str | None = None
    next_level_needs: dict[str, float] = field(default_factory=dict)


def rating_mean(rating: Rating, rules: ReviewRules) -> float:
    weights = _weights(rules)
    total = sum(weights.values())
    return sum(weights[d] * getattr(rating, d) for d in DIMENSIONS) / total


def _weights(rules: ReviewRules) -> dict[str, int]:
    return {
        "response": rules.weight_response,
        "skill": rules.weight_skill,
        "attitude": rules.weight_attitude,
        "care": rules.weight_care,
    }


def score(ratings: Sequence[Rating], penalties: Sequence[Penalty], rules: ReviewRules) -> ScoreCard:
    n = len(ratings)
    dims = {
        d: (round(sum(getattr(r, d) for r in ratings) / n, 3) if n else None) for d in DIMENSIONS
    }
    raw = sum(rating_mean(r, rules) for r in ratings) / n if n else None
    smoothed = (
        (rules.prior_ratings * rules.prior_mean + (raw or 0) * n) / (rules.prior_ratings + n)
        if (rules.prior_ratings + n)
        else rules.prior_mean
    )
    rating_score = (smoothed - 1) / 4 * 100
    points = sum(p.points for p in penalties)
    final = round(min(100.0, max(0.0, rating_score - points)), 2)
    level, nxt, needs = _level(final, n, rules)
    return ScoreCard(
        ratings=n,
        dimension_means=dims,
        weighted_mean=round(raw, 3) if raw is not None else None,
        smoothed_mean=round(smoothed, 3),
        rating_score=round(rating_score, 2),
        penalties=list(penalties),
        penalty_points=round(points, 2),
        score=final,
        level=level,
        next_level=nxt,
        next_level_needs=needs,
    )


def _level(final: float, n: int, rules: ReviewRules) -> tuple[str, str | None, dict[str, float]]:
    levels = rules.levels
    for i, rule in enumerate(levels):
        if final >= rule.min_score and n >= rule.min_ratings:
            if i == 0:
                return rule.code, None, {}
            up = levels[i - 1]
            needs = {}
            if final < up.min_score:
                needs["score"] = round(up.min_score - final, 2)
            if n < up.min_ratings:
                needs["ratings"] = float(up.min_ratings - n)
            return rule.code, up.code, needs
    return levels[-1].code, None, {}


def level_notice(old: str, new: str, *, course_required: bool) -> str:
    """The title of a level change; a move to C that needs a passed course says so
    (seed 002: C级服务商需参加平台培训并通过考核,否则暂停接单)."""
    title = f"等级调整 {old}→{new}"
    return title + "，需通过培训考核后才能接单" if course_required else title


def penalty_for(kind: str, ref_id: str, rules: ReviewRules) -> Penalty:
    points = {
        "upheld_complaint": rules.upheld_complaint_penalty,
        "late_arrival": rules.late_arrival_penalty,
    }[kind]
    return Penalty(kind=kind, ref_id=ref_id, points=points)


def quarter_of(day: date) -> tuple[str, date, date]:
    """'2026Q2', first day, first day of the next quarter."""
    q = (day.month - 1) // 3
    start = date(day.year, q * 3 + 1, 1)
    end = date(day.year + (1 if q == 3 else 0), 1 if q == 3 else q * 3 + 4, 1)
    return f"{day.year}Q{q + 1}", start, end


def previous_quarter(day: date) -> tuple[str, date, date]:
    _, start, _ = quarter_of(day)
    return quarter_of(date.fromordinal(start.toordinal() - 1))
