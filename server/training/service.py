"""Training use cases: the technician's courses and progress, studying a lesson, taking a
quiz; and for dispatch, who is short of the month's minimum or held for level C."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from server.auth.models import User
from server.catalog.models import Service
from server.core.errors import NotFound, Unprocessable
from server.core.ids import new_id
from server.core.uow import UnitOfWork
from server.rules import store as rules_store
from server.technicians.models import TechnicianProfile
from server.training import courses as tc
from server.training.models import (
    ArticleLink,
    CourseRead,
    CourseSummary,
    LessonRead,
    LessonStudy,
    QuestionRead,
    QuizAttempt,
    QuizResult,
    TrainingRead,
)


def _course(course_id: str) -> tc.Course:
    course = tc.shared().get(course_id)
    if course is None:
        raise NotFound("no such course", code="course_not_found", details={"course_id": course_id})
    return course


def _studied(uow: UnitOfWork, tech_id: str) -> dict[str, dict[int, int]]:
    """course id -> lesson -> minutes credited."""
    out: dict[str, dict[int, int]] = {}
    rows = uow.session.exec(
        select(LessonStudy.course_id, LessonStudy.lesson, LessonStudy.minutes).where(
            LessonStudy.technician_id == tech_id
        )
    ).all()
    for cid, lesson, minutes in rows:
        out.setdefault(cid, {})[lesson] = minutes
    return out


def _attempts(uow: UnitOfWork, tech_id: str) -> dict[str, list[QuizAttempt]]:
    out: dict[str, list[QuizAttempt]] = {}
    rows = uow.session.exec(select(QuizAttempt).where(QuizAttempt.technician_id == tech_id)).all()
    for a in rows:
        out.setdefault(a.course_id, []).append(a)
    return out


def _summary(
    course: tc.Course, studied: Mapping[int, int], attempts: Sequence[QuizAttempt]
) -> CourseSummary:
    return CourseSummary(
        id=course.id,
        title=course.title,
        kind=course.kind,
        duration_minutes=course.duration_minutes,
        lessons=len(course.lessons),
        lessons_done=len(studied),
        minutes_done=sum(studied.values()),
        attempts=len(attempts),
        best_percent=max((a.percent for a in attempts), default=None),
        passed=any(a.passed for a in attempts),
    )


def monthly_minutes(
    uow: UnitOfWork, tech_ids: Sequence[str], *, now: datetime, timezone: str
) -> dict[str, int]:
    """Minutes of lessons studied in the city's calendar month, per technician."""
    if not tech_ids:
        return {}
    start, end = tc.month_bounds(now, timezone)
    rows = uow.session.exec(
        select(LessonStudy.technician_id, func.sum(LessonStudy.minutes))
        .where(
            col(LessonStudy.technician_id).in_(list(tech_ids)),
            col(LessonStudy.studied_at) >= start,
            col(LessonStudy.studied_at) < end,
        )
        .group_by(col(LessonStudy.technician_id))
    ).all()
    return {tid: int(total or 0) for tid, total in rows}


def passed_any(uow: UnitOfWork, tech_ids: Sequence[str]) -> frozenset[str]:
    if not tech_ids:
        return frozenset()
    rows = uow.session.exec(
        select(QuizAttempt.technician_id)
        .where(col(QuizAttempt.technician_id).in_(list(tech_ids)), col(QuizAttempt.passed))
        .distinct()
    ).all()
    return frozenset(rows)


def dispatch_flags(
    uow: UnitOfWork, levels: Mapping[str, str], *, now: datetime, timezone: str
) -> tuple[frozenset[str], frozenset[str]]:
    """For dispatch: those short of the month's minimum on a day it counts (fewer offers),
    and those held for level C without a passed course (no offers)."""
    rules = rules_store.current_rules(uow).training
    ids = list(levels)
    minutes = monthly_minutes(uow, ids, now=now, timezone=timezone)
    short = frozenset(
        t for t in ids if tc.short_of_minimum(minutes.get(t, 0), now, timezone, rules)
    )
    c_level = [t for t, lv in levels.items() if lv == "C"]
    passed = passed_any(uow, c_level)
    held = frozenset(t for t in c_level if tc.on_hold_for_course("C", t in passed, rules))
    return short, held


def overview(uow: UnitOfWork, *, user: User, timezone: str) -> TrainingRead:
    rules = rules_store.current_rules(uow).training
    now = uow.clock.now()
    profile = uow.session.get(TechnicianProfile, user.id)  # a read: none made here
    level = (
        profile.level
        if profile is not None
        else rules_store.current_rules(uow).reviews.default_level
    )
    studied, attempts = _studied(uow, user.id), _attempts(uow, user.id)
    summaries = [
        _summary(c, studied.get(c.id, {}), attempts.get(c.id, [])) for c in tc.shared().values()
    ]
    minutes = monthly_minutes(uow, [user.id], now=now, timezone=timezone).get(user.id, 0)
    start, _ = tc.month_bounds(now, timezone)
    return TrainingRead(
        month=f"{start.year:04d}-{start.month:02d}",
        minutes_this_month=minutes,
        minimum_minutes=rules.monthly_minimum_minutes,
        met=minutes >= rules.monthly_minimum_minutes,
        factor_from_day=rules.factor_from_day,
        fewer_offers=tc.short_of_minimum(minutes, now, timezone, rules),
        course_required=tc.on_hold_for_course(level, any(s.passed for s in summaries), rules),
        pass_percent=rules.pass_percent,
        courses=summaries,
    )


def course_page(uow: UnitOfWork, *, user: User, course_id: str) -> CourseRead:
    course = _course(course_id)
    studied = _studied(uow, user.id).get(course.id, {})
    summary = _summary(course, studied, _attempts(uow, user.id).get(course.id, []))
    codes = {code for lesson in course.lessons for code in lesson.articles}
    links = {
        code: ArticleLink(service_id=sid, name_zh=zh, name_en=en)
        for code, sid, zh, en in uow.session.exec(
            select(Service.code, Service.id, Service.name_zh, Service.name_en).where(
                col(Service.code).in_(sorted(codes))
            )
        ).all()
    }
    return CourseRead(
        **summary.model_dump(),
        lesson_list=[
            LessonRead(
                index=i,
                title=lesson.title,
                text=lesson.text,
                articles=[links[c] for c in lesson.articles if c in links],
                minutes=tc.lesson_minutes(course, i),
                done=i in studied,
            )
            for i, lesson in enumerate(course.lessons)
        ],
        quiz=[
            QuestionRead(index=i, question=q.question, choices=list(q.choices))
            for i, q in enumerate(course.quiz)
        ],
    )


def study(uow: UnitOfWork, *, user: User, course_id: str, lesson: int) -> CourseRead:
    """Mark a lesson studied: its share of the course's minutes counts once, in the month
    it was first studied; marking it again changes nothing."""
    course = _course(course_id)
    if not 0 <= lesson < len(course.lessons):
        raise Unprocessable(
            "no such lesson",
            code="lesson_not_found",
            details={"course_id": course_id, "lesson": lesson},
        )
    if lesson not in _studied(uow, user.id).get(course.id, {}):
        uow.session.add(
            LessonStudy(
                id=new_id("lsn"),
                technician_id=user.id,
                course_id=course.id,
                lesson=lesson,
                minutes=tc.lesson_minutes(course, lesson),
                studied_at=uow.clock.now(),
            )
        )
        uow.session.flush()
    return course_page(uow, user=user, course_id=course_id)


def take_quiz(uow: UnitOfWork, *, user: User, course_id: str, answers: list[int]) -> QuizResult:
    """Grade the answers here (the right ones never leave the server) and keep the attempt."""
    course = _course(course_id)
    if len(answers) != len(course.quiz) or any(
        not -1 <= a < len(q.choices) for a, q in zip(answers, course.quiz, strict=False)
    ):
        raise Unprocessable(
            "one answer per question, each a choice's index or -1",
            code="quiz_answers_invalid",
            details={"course_id": course_id, "questions": len(course.quiz)},
        )
    rules = rules_store.current_rules(uow).training
    result = tc.grade(course, answers, rules)
    uow.session.add(
        QuizAttempt(
            id=new_id("quiz"),
            technician_id=user.id,
            course_id=course.id,
            answers=list(answers),
            correct=result.correct,
            total=result.total,
            percent=result.percent,
            passed=result.passed,
            attempted_at=uow.clock.now(),
        )
    )
    uow.session.flush()
    attempts = len(_attempts(uow, user.id).get(course.id, []))
    return QuizResult(
        course_id=course.id,
        correct=result.correct,
        total=result.total,
        percent=result.percent,
        passed=result.passed,
        pass_percent=rules.pass_percent,
        wrong=list(result.wrong),
        attempts=attempts,
    )
