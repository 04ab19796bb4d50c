"""Training records (lessons studied, quiz attempts) and what the API returns."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PField
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from server.core.jsontypes import json_column


class LessonStudy(SQLModel, table=True):
    """A lesson the technician marked studied: its share of the course's minutes, once."""

    __tablename__ = "lesson_study"
    __table_args__ = (
        UniqueConstraint("technician_id", "course_id", "lesson", name="uq_lesson_study"),
    )

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    course_id: str = Field(max_length=60)
    lesson: int
    minutes: int
    studied_at: datetime = Field(index=True)


class QuizAttempt(SQLModel, table=True):
    """One graded quiz: the answers given and the result, kept for the record."""

    __tablename__ = "quiz_attempt"

    id: str = Field(primary_key=True, max_length=40)
    technician_id: str = Field(foreign_key="app_user.id", index=True, max_length=40)
    course_id: str = Field(max_length=60)
    answers: list[int] = Field(default_factory=list, sa_column=json_column())
    correct: int
    total: int
    percent: int
    passed: bool = Field(index=True)
    attempted_at: datetime


class StudyIn(BaseModel):
    lesson: int = PField(ge=0, le=50)


class QuizIn(BaseModel):
    # one chosen index per question, in order; -1 leaves a question unanswered
    answers: list[int] = PField(min_length=1, max_length=10)


class CourseSummary(BaseModel):
    id: str
    title: str
    kind: str  # required | skill
    duration_minutes: int
    lessons: int
    lessons_done: int
    minutes_done: int
    attempts: int
    best_percent: int | None
    passed: bool


class ArticleLink(BaseModel):
    """A knowledge-base article a lesson points to (``GET /knowledge/{service_id}``)."""

    service_id: str
    name_zh: str
    name_en: str


class LessonRead(BaseModel):
    index: int
    title: str
    text: str
    articles: list[ArticleLink]
    minutes: int
    done: bool


class QuestionRead(BaseModel):
    index: int
    question: str
    choices: list[str]


class CourseRead(CourseSummary):
    lesson_list: list[LessonRead]
    quiz: list[QuestionRead]


class TrainingRead(BaseModel):
    month: str  # YYYY-MM, the city's calendar month
    minutes_this_month: int
    minimum_minutes: int
    met: bool
    factor_from_day: int
    fewer_offers: bool  # under the minimum on a day it counts: the dispatch factor applies
    course_required: bool  # level C without a passed course: no orders until one is passed
    pass_percent: int
    courses: list[CourseSummary]


class QuizResult(BaseModel):
    course_id: str
    correct: int
    total: int
    percent: int
    passed: bool
    pass_percent: int
    wrong: list[int]
    attempts: int
