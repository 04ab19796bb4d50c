"""Training courses: the file, quiz grading, credited study time, the month's minimum. Pure.

The courses live in ``assets/courses.yaml``, read and checked once per process at
start-up (a quiz answer out of range or a link to an unknown knowledge article stops
the server, not a reader). The right answers stay here: what the app gets is the
question and its choices; grading happens on the server.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from server.rules.training import TrainingRules

DEFAULT_COURSES = Path(__file__).resolve().parents[2] / "assets" / "courses.yaml"
KINDS = ("required", "skill")


class CourseFileError(ValueError):
    """The courses file is malformed: the server must not start with it."""


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str
    articles: tuple[str, ...]  # knowledge-base articles by service code


@dataclass(frozen=True)
class Question:
    question: str
    choices: tuple[str, ...]
    answer: int  # index of the right choice; never sent to the app


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    kind: str
    duration_minutes: int
    lessons: tuple[Lesson, ...]
    quiz: tuple[Question, ...]


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    percent: int
    passed: bool
    wrong: tuple[int, ...]  # indexes of the questions answered wrong


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CourseFileError(f"{where}: a non-empty text is required")
    return raw.strip()


def _lesson(raw: Any, where: str, known: Collection[str] | None) -> Lesson:
    if not isinstance(raw, dict):
        raise CourseFileError(f"{where}: a lesson is a mapping")
    articles = raw.get("articles") or []
    if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
        raise CourseFileError(f"{where}: articles is a list of service codes")
    if known is not None:
        unknown = [a for a in articles if a not in known]
        if unknown:
            raise CourseFileError(f"{where}: no knowledge article for {', '.join(unknown)}")
    return Lesson(_text(raw.get("title"), where), _text(raw.get("text"), where), tuple(articles))


def _question(raw: Any, where: str) -> Question:
    if not isinstance(raw, dict):
        raise CourseFileError(f"{where}: a question is a mapping")
    choices = raw.get("choices")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 6:
        raise CourseFileError(f"{where}: 2 to 6 choices")
    answer = raw.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(choices):
        raise CourseFileError(f"{where}: answer must index one of the choices")
    return Question(
        _text(raw.get("question"), where),
        tuple(_text(c, where) for c in choices),
        answer,
    )


def parse(data: Any, known_articles: Collection[str] | None = None) -> tuple[Course, ...]:
    """The courses of a parsed file; ``known_articles`` (service codes with a knowledge
    article) checks the lessons' links when given."""
    if not isinstance(data, dict) or not isinstance(data.get("courses"), list):
        raise CourseFileError("the file needs a list of courses")
    out: list[Course] = []
    for i, raw in enumerate(data["courses"]):
        where = f"course {i}"
        if not isinstance(raw, dict):
            raise CourseFileError(f"{where}: a course is a mapping")
        cid = _text(raw.get("id"), where)
        where = f"course {cid}"
        if any(c.id == cid for c in out):
            raise CourseFileError(f"{where}: duplicate id")
        kind = raw.get("kind")
        if kind not in KINDS:
            raise CourseFileError(f"{where}: kind is one of {', '.join(KINDS)}")
        minutes = raw.get("duration_minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 240:
            raise CourseFileError(f"{where}: duration_minutes is 5..240")
        lessons, quiz = raw.get("lessons"), raw.get("quiz")
        if not isinstance(lessons, list) or not lessons:
            raise CourseFileError(f"{where}: at least one lesson")
        if not isinstance(quiz, list) or not 3 <= len(quiz) <= 5:
            raise CourseFileError(f"{where}: a quiz of 3 to 5 questions")
        out.append(
            Course(
                id=cid,
                title=_text(raw.get("title"), where),
                kind=kind,
                duration_minutes=minutes,
                lessons=tuple(
                    _lesson(x, f"{where} lesson {j}", known_articles) for j, x in enumerate(lessons)
                ),
                quiz=tuple(_question(q, f"{where} question {j}") for j, q in enumerate(quiz)),
            )
        )
    if not out:
        raise CourseFileError("the file has no course")
    return tuple(out)


def load(path: Path, known_articles: Collection[str] | None = None) -> tuple[Course, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CourseFileError(f"{path}: {exc}") from exc
    return parse(data, known_articles)


_lock = threading.Lock()
_shared: dict[str, Course] | None = None


def shared(known_articles: Collection[str] | None = None) -> dict[str, Course]:
    """The process's courses by id, loaded once (start-up passes the known articles)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = {c.id: c for c in load(DEFAULT_COURSES, known_articles)}
        return _shared


def grade(course: Course, answers: Mapping[int, int] | list[int], rules: TrainingRules) -> Grade:
    """Right answers over the quiz's questions; an unanswered question counts as wrong."""
    given = dict(enumerate(answers)) if isinstance(answers, list) else dict(answers)
    wrong = tuple(i for i, q in enumerate(course.quiz) if given.get(i) != q.answer)
    total = len(course.quiz)
    correct = total - len(wrong)
    percent = correct * 100 // total
    return Grade(correct, total, percent, percent >= rules.pass_percent, wrong)


def month_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The city's calendar month around ``now``, as aware datetimes (start, next start)."""
    tz = ZoneInfo(timezone)
    local = now.astimezone(tz)
    start = datetime(local.year, local.month, 1, tzinfo=tz)
    nxt = date(local.year + (local.month == 12), local.month % 12 + 1, 1)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=tz)


def short_of_minimum(minutes: int, now: datetime, timezone: str, rules: TrainingRules) -> bool:
    """Under the month's minimum on a day it counts: the dispatch factor applies."""
    if minutes >= rules.monthly_minimum_minutes:
        return False
    return now.astimezone(ZoneInfo(timezone)).day >= rules.factor_from_day


def on_hold_for_course(level: str, passed_any: bool, rules: TrainingRules) -> bool:
    """Level C needs a passed course before orders come again (seed 002)."""
    return rules.c_level_requires_course and level == "C" and not passed_any


def lesson_minutes(course: Course, lesson: int) -> int:
    """The lesson's share of the course's length (the shares add up to it exactly)."""
    n, d = len(course.lessons), course.duration_minutes
    return d * (lesson + 1) // n - d * lesson // n
