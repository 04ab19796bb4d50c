"""培训 in the app's state against a real server: the courses and the month's minutes,
a course's lessons marked studied (counted once), the quiz answered and graded by the
server, and the line that tells the technician where he stands."""

from __future__ import annotations

from server.training import courses as tc
from technician_app.i18n import t
from technician_app.state import TechnicianState
from technician_app.state.training import minutes_line
from tests.apps.conftest import LiveServer


async def test_courses_lessons_and_a_quiz(live_server: LiveServer, tech: TechnicianState) -> None:
    account = live_server.ready_technician("赵师傅")
    assert await tech.login(account["phone"], account["password"])

    await tech.load_training()
    training = tech.me.training
    assert training is not None and training.minutes_this_month == 0
    assert "safety_basics" in [c.id for c in training.courses]
    key, values = minutes_line(training)
    assert key in {"training.short_now", "training.short_later"}
    assert "120" in t("zh", key, **values)

    await tech.load_course("safety_basics")
    course = tech.me.courses_open["safety_basics"]
    assert len(course.lesson_list) == 3 and not any(x.done for x in course.lesson_list)
    await tech.study_lesson("safety_basics", 0)
    await tech.study_lesson("safety_basics", 0)  # again: counted once
    assert tech.me.courses_open["safety_basics"].lesson_list[0].done
    assert tech.me.training is not None and tech.me.training.minutes_this_month == 10

    right = [q.answer for q in tc.shared()["safety_basics"].quiz]
    tech.choose("safety_basics", 0, (right[0] + 1) % 3)  # one wrong, the rest unanswered
    result = await tech.submit_quiz("safety_basics")
    assert result is not None and not result.passed and result.wrong == [0, 1, 2, 3]
    for i, answer in enumerate(right):
        tech.choose("safety_basics", i, answer)
    result = await tech.submit_quiz("safety_basics")
    assert result is not None and result.passed and result.attempts == 2
    assert tech.me.quiz_results["safety_basics"].percent == 100
    assert tech.me.quiz_choices["safety_basics"] == {}  # cleared for another attempt
    summary = next(c for c in tech.me.training.courses if c.id == "safety_basics")
    assert summary.passed and summary.best_percent == 100


def test_the_home_screen_warns_only_when_it_costs_orders() -> None:
    from client.models import TrainingRead
    from technician_app.i18n import t
    from technician_app.state.training import home_warning

    base = dict(
        month="2026-12", minutes_this_month=45, minimum_minutes=120, met=False,
        factor_from_day=11, fewer_offers=False, course_required=False, pass_percent=80,
        courses=[],
    )  # fmt: skip
    assert home_warning(None) is None
    assert home_warning(TrainingRead(**base)) is None  # short, but not costing orders yet
    key, values = home_warning(TrainingRead(**{**base, "fewer_offers": True}))  # type: ignore[misc]
    assert t("zh", key, **values) == "本月已学习 45 / 120 分钟。未达标期间派单会减少，学完即恢复"
    held = home_warning(TrainingRead(**{**base, "fewer_offers": True, "course_required": True}))
    assert held == ("training.course_required", {})
