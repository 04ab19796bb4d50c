"""Ratings, levels and after-sale rules (the ``reviews`` section of the rules)."""

from pydantic import BaseModel, Field, model_validator


class LevelRule(BaseModel):
    """A quarterly level: reached with at least ``min_score`` (0-100) and ``min_ratings``.

    The effects of a level live with their owners: dispatch priority (S 优先派单权) is
    ``dispatch.scoring.level_values``, the commission ``payments.level_commission_bp``.
    """

    code: str = Field(pattern="^[SABC]$")
    min_score: float = Field(ge=0, le=100)
    min_ratings: int = Field(default=0, ge=0, le=10_000)
    needs_training: bool = False  # C: 需参加平台培训并通过考核


def _default_levels() -> list[LevelRule]:
    return [
        LevelRule(code="S", min_score=92, min_ratings=20),
        LevelRule(code="A", min_score=85, min_ratings=10),
        LevelRule(code="B", min_score=70, min_ratings=0),
        LevelRule(code="C", min_score=0, min_ratings=0, needs_training=True),
    ]


class ReviewRules(BaseModel):
    review_window_days: int = Field(default=15, ge=1, le=90)  # rate within this after completion
    # weight of each dimension in the score (服务响应速度/技能度/服务态度/物品完好率)
    weight_response: int = Field(default=25, ge=0, le=100)
    weight_skill: int = Field(default=30, ge=0, le=100)
    weight_attitude: int = Field(default=25, ge=0, le=100)
    weight_care: int = Field(default=20, ge=0, le=100)
    upheld_complaint_penalty: float = Field(default=5.0, ge=0, le=100)  # points off the 0-100 score
    late_arrival_penalty: float = Field(default=1.0, ge=0, le=100)
    prior_ratings: int = Field(default=3, ge=0, le=100)  # Bayesian smoothing towards prior_mean
    prior_mean: float = Field(default=4.5, ge=1, le=5)
    levels: list[LevelRule] = Field(default_factory=_default_levels)
    default_level: str = Field(default="B", pattern="^[SABC]$")  # new technicians
    appeal_window_days: int = Field(default=30, ge=1, le=365)

    @model_validator(mode="after")
    def _check(self) -> "ReviewRules":
        if self.weight_response + self.weight_skill + self.weight_attitude + self.weight_care <= 0:
            raise ValueError("at least one dimension weight must be positive")
        scores = [level.min_score for level in self.levels]
        if (
            not self.levels
            or scores != sorted(scores, reverse=True)
            or self.levels[-1].min_score != 0
        ):
            raise ValueError("levels go from the highest min_score down to one with min_score 0")
        if len({level.code for level in self.levels}) != len(self.levels):
            raise ValueError("level codes must be unique")
        return self
