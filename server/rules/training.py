"""Training rules (the ``training`` section): the monthly minimum, when falling short of it
starts to cost offers, the quiz pass mark and the level-C course requirement.

The dispatch factor itself is ``dispatch.scoring.training_factor``, beside the other
standing multipliers.
"""

from pydantic import BaseModel, ConfigDict, Field


class TrainingRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # "平台要求技师每月完成至少2小时培训" (seed 003): minutes of study per city month.
    monthly_minimum_minutes: int = Field(default=120, ge=0, le=24 * 60)
    # From this day of the city month on, a technician still under the minimum gets the
    # dispatch factor: nobody is penalised on the 1st for a month just begun.
    factor_from_day: int = Field(default=11, ge=1, le=28)
    # Share of right answers (percent) that passes a course's quiz.
    pass_percent: int = Field(default=80, ge=1, le=100)
    # "C级服务商需参加平台培训并通过考核,否则暂停接单" (seed 002): a level-C technician
    # gets no orders until he has passed a course's quiz.
    c_level_requires_course: bool = True
