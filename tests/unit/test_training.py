"""Training's pure core: the courses file, quiz grading, lesson minutes, the city month and
its minimum, the level-C hold; and the training factor in both dispatch paths."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from server.catalog import knowledge
from server.dispatch.columns import TechnicianColumns
from server.dispatch.engine import decide
from server.dispatch.facts import JobFacts, TechnicianFacts, TechnicianStats, WeeklyWindow
from server.dispatch.geo import CircleArea, LatLng, RoadFactorTravelTime
from server.dispatch.spatial import GridIndex
from server.rules.dispatch import ScoringPolicy
from server.rules.training import TrainingRules
from server.training import courses as tc

RULES = TrainingRules()
TZ = "Asia/Shanghai"


def course() -> tc.Course:
    return tc.Course(
        id="c",
        title="课程",
        kind="required",
        duration_minutes=31,
        lessons=tuple(tc.Lesson(f"第{i}课", "内容", ()) for i in range(3)),
        quiz=tuple(tc.Question(f"问题{i}", ("甲", "乙", "丙"), i % 3) for i in range(5)),
    )


# ----------------------------------------------------------------- the file


def test_the_shipped_courses_load_against_the_knowledge_base():
    loaded = tc.load(tc.DEFAULT_COURSES, knowledge.shared().entries)
    assert len(loaded) >= 3
    assert {c.kind for c in loaded} == {"required", "skill"}
    for c in loaded:
        assert 3 <= len(c.quiz) <= 5
        assert all(0 <= q.answer < len(q.choices) for q in c.quiz)


def _file(**change: object) -> dict:
    raw = {
        "id": "x",
        "title": "安全",
        "kind": "required",
        "duration_minutes": 30,
        "lessons": [{"title": "一", "text": "内容", "articles": ["daily_cleaning"]}],
        "quiz": [{"question": f"问{i}", "choices": ["对", "错"], "answer": 0} for i in range(3)],
    }
    return {"courses": [raw | change]}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"kind": "fun"}, "kind"),
        ({"duration_minutes": 0}, "duration"),
        ({"lessons": []}, "lesson"),
        ({"quiz": [{"question": "问", "choices": ["对", "错"], "answer": 0}]}, "3 to 5"),
        (
            {
                "quiz": [
                    {"question": f"问{i}", "choices": ["对", "错"], "answer": 2} for i in range(3)
                ]
            },
            "answer",
        ),
        ({"lessons": [{"title": "一", "text": "内容", "articles": ["nope"]}]}, "nope"),
        ({"title": " "}, "text"),
    ],
)
def test_a_broken_file_is_refused(change, match):
    assert tc.parse(_file(), {"daily_cleaning"})
    with pytest.raises(tc.CourseFileError, match=match):
        tc.parse(_file(**change), {"daily_cleaning"})


def test_duplicate_ids_are_refused():
    data = _file()
    data["courses"] *= 2
    with pytest.raises(tc.CourseFileError, match="duplicate"):
        tc.parse(data)


# ----------------------------------------------------------------- grading


def test_grading_counts_right_answers_and_the_pass_mark():
    c = course()  # answers 0, 1, 2, 0, 1
    full = tc.grade(c, [0, 1, 2, 0, 1], RULES)
    assert (full.correct, full.total, full.percent, full.passed, full.wrong) == (
        5,
        5,
        100,
        True,
        (),
    )
    four = tc.grade(c, [0, 1, 2, 0, 2], RULES)
    assert (four.percent, four.passed, four.wrong) == (80, True, (4,))  # 80 % passes
    three = tc.grade(c, [0, 1, 2, -1, 2], RULES)  # -1: unanswered, wrong
    assert (three.percent, three.passed, three.wrong) == (60, False, (3, 4))
    assert tc.grade(c, [0, 1, 2, 0, 2], TrainingRules(pass_percent=100)).passed is False


def test_lesson_minutes_add_up_to_the_course():
    c = course()
    shares = [tc.lesson_minutes(c, i) for i in range(3)]
    assert sum(shares) == 31 and max(shares) - min(shares) <= 1


# ----------------------------------------------------------------- the month


def test_the_month_is_the_city_calendar_month():
    # 2026-11-30 17:00 UTC is already 1 December in Shanghai
    start, end = tc.month_bounds(datetime(2026, 11, 30, 17, 0, tzinfo=UTC), TZ)
    assert (start.month, start.day, end.month) == (12, 1, 1) and end.year == 2027
    assert start.astimezone(UTC) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_short_of_the_minimum_only_from_the_set_day():
    early = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)  # the 10th, 23:00 in Shanghai
    late = early + timedelta(hours=1)  # the 11th in Shanghai
    assert not tc.short_of_minimum(0, early, TZ, RULES)
    assert tc.short_of_minimum(119, late, TZ, RULES)
    assert not tc.short_of_minimum(120, late, TZ, RULES)
    assert tc.short_of_minimum(0, early, TZ, TrainingRules(factor_from_day=1))
    assert not tc.short_of_minimum(0, late, TZ, TrainingRules(monthly_minimum_minutes=0))


def test_level_c_needs_a_passed_course():
    assert tc.on_hold_for_course("C", False, RULES)
    assert not tc.on_hold_for_course("C", True, RULES)
    assert not tc.on_hold_for_course("B", False, RULES)
    assert not tc.on_hold_for_course("C", False, TrainingRules(c_level_requires_course=False))


def test_rules_are_validated():
    with pytest.raises(ValidationError):
        TrainingRules(factor_from_day=0)
    with pytest.raises(ValidationError):
        ScoringPolicy(training_factor=1.2)


# ----------------------------------------------------------------- dispatch

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
CENTER = LatLng(31.2304, 121.4737)
JOB = JobFacts(
    id="ord-1",
    customer_id="cust-1",
    location=CENTER,
    start=NOW + timedelta(hours=2),
    end=NOW + timedelta(hours=4),
    required_skills=frozenset({"cleaning"}),
    price_fen=15_000,
)


def tech(tid: str, km: float, short: bool) -> TechnicianFacts:
    where = LatLng(CENTER.lat + km / 111.195, CENTER.lng)
    return TechnicianFacts(
        id=tid,
        skills=frozenset({"cleaning"}),
        service_areas=(CircleArea(CENTER, 30),),
        home=where,
        location=where,
        weekly=tuple(WeeklyWindow(d, time(7), time(22)) for d in range(7)),
        stats=TechnicianStats(active_jobs=1, training_short=short),
    )


@pytest.mark.parametrize("factor", [0.9, 0.5, 1.0])
def test_the_training_factor_is_the_same_in_both_paths(factor):
    techs = {t.id: t for t in (tech("done", 1.0, False), tech("short", 0.9, True))}
    index = GridIndex(1000.0)
    for t in techs.values():
        assert t.location is not None
        index.insert(t.id, t.location.lat, t.location.lng)
    kw = dict(now=NOW, travel=RoadFactorTravelTime(), index=index)
    scoring = ScoringPolicy(training_factor=factor)
    one = decide(JOB, techs, scoring=scoring, **kw).ranked
    many = decide(
        JOB, techs, scoring=scoring, columns=TechnicianColumns.build(techs.values()), **kw
    ).ranked
    assert [c.technician_id for c in one] == [c.technician_id for c in many]
    for a, b in zip(one, many, strict=True):
        assert a.score == pytest.approx(b.score, abs=1e-9)
        assert a.factors == b.factors
    by_id = {c.technician_id: c for c in one}
    if factor == 1.0:
        assert "training_short" not in by_id["short"].factors
    else:
        assert by_id["short"].factors == {"training_short": factor}
        alone = decide(
            JOB, {"short": replace(techs["short"], stats=TechnicianStats(active_jobs=1))}, **kw
        )
        assert by_id["short"].score == pytest.approx(alone.ranked[0].score * factor)


def test_a_move_to_level_c_says_a_course_is_needed():
    from server.reviews.levels import level_notice

    assert level_notice("B", "C", course_required=True) == "等级调整 B→C，需通过培训考核后才能接单"
    assert level_notice("B", "C", course_required=False) == "等级调整 B→C"
    assert level_notice("A", "B", course_required=False) == "等级调整 A→B"
