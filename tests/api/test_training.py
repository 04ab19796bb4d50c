"""Training through the API: courses with progress, lessons counted once in the city month,
quizzes graded on the server with attempts kept, the minimum and its note, who may read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.training import courses as tc


@pytest.fixture
def tech(api):  # noqa: ANN001, ANN201
    return api.register("technician", "王师傅")


def right_answers(course_id: str) -> list[int]:
    return [q.answer for q in tc.shared()[course_id].quiz]


def test_the_list_shows_courses_and_the_month(api, tech, clock):
    clock.set(datetime(2026, 12, 15, 4, 0, tzinfo=UTC))
    tech = api.login(tech)
    r = api.get("/technician/courses", tech)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["month"] == "2026-12"
    assert body["minutes_this_month"] == 0 and body["minimum_minutes"] == 120
    assert body["met"] is False and body["fewer_offers"] is True  # the 15th: it counts
    assert body["course_required"] is False  # a new technician is level B
    ids = [c["id"] for c in body["courses"]]
    assert "safety_basics" in ids and all(c["lessons_done"] == 0 for c in body["courses"])


def test_a_course_page_has_no_answers_and_links_articles(api, tech):
    r = api.get("/technician/courses/safety_basics", tech)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["title"] == "上门作业安全基础"
    assert all("answer" not in q for q in page["quiz"])
    links = page["lesson_list"][0]["articles"]
    assert [(x["service_id"], x["name_zh"]) for x in links][0] == ("svc_circuit_repair", "电路检修")
    assert api.get("/knowledge/svc_circuit_repair", tech).status_code == 200
    assert sum(lesson["minutes"] for lesson in page["lesson_list"]) == page["duration_minutes"]


def test_studying_counts_each_lesson_once_in_the_city_month(api, tech, clock):
    clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))  # 1 December in Shanghai
    tech = api.login(tech)
    first = api.post("/technician/courses/safety_basics/study", tech, json={"lesson": 0})
    assert first.status_code == 200, first.text
    again = api.post("/technician/courses/safety_basics/study", tech, json={"lesson": 0})
    assert again.json()["minutes_done"] == first.json()["minutes_done"] == 10
    for lesson in (1, 2):
        api.post("/technician/courses/safety_basics/study", tech, json={"lesson": lesson})
    body = api.get("/technician/courses", tech).json()
    assert body["month"] == "2026-12" and body["minutes_this_month"] == 30
    assert body["fewer_offers"] is False  # the 1st: nobody is penalised yet
    clock.set(datetime(2027, 1, 2, 4, 0, tzinfo=UTC))
    tech = api.login(tech)
    assert api.get("/technician/courses", tech).json()["minutes_this_month"] == 0


def test_the_quiz_is_graded_and_attempts_kept(api, tech):
    answers = right_answers("service_etiquette")
    wrong = [(a + 1) % 3 for a in answers]
    r = api.post("/technician/courses/service_etiquette/quiz", tech, json={"answers": wrong})
    assert r.status_code == 200, r.text
    assert r.json()["passed"] is False and r.json()["attempts"] == 1
    assert r.json()["wrong"] == [0, 1, 2]
    r = api.post("/technician/courses/service_etiquette/quiz", tech, json={"answers": answers})
    assert r.json() | {"attempts": 2} == r.json() and r.json()["percent"] == 100
    course = next(
        c
        for c in api.get("/technician/courses", tech).json()["courses"]
        if c["id"] == "service_etiquette"
    )
    assert course["passed"] is True and course["attempts"] == 2 and course["best_percent"] == 100


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/technician/courses/nope/quiz", {"answers": [0, 0, 0]}, 404, "course_not_found"),
        ("/technician/courses/safety_basics/quiz", {"answers": [0]}, 422, "quiz_answers_invalid"),
        (
            "/technician/courses/safety_basics/quiz",
            {"answers": [9, 0, 0, 0]},
            422,
            "quiz_answers_invalid",
        ),
        ("/technician/courses/safety_basics/study", {"lesson": 7}, 422, "lesson_not_found"),
    ],
)
def test_bad_requests_are_named(api, tech, path, body, status, code):
    r = api.post(path, tech, json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_only_technicians_train(api):
    customer = api.register("customer")
    assert api.get("/technician/courses", customer).status_code == 403
    assert api.get("/technician/courses").status_code == 401


def test_level_c_without_a_passed_course_is_held_from_dispatch(api, tech, clock):
    from server.technicians.models import TechnicianProfile
    from server.training import service as training_service
    from tests.unit_of_work import unit_of_work

    tid = tech["user"]["id"]
    with unit_of_work(api.app) as uow:
        profile = uow.session.get(TechnicianProfile, tid)
        assert profile is not None
        profile.level = "C"
        uow.session.add(profile)
    assert api.get("/technician/courses", tech).json()["course_required"] is True
    clock.set(datetime(2026, 12, 20, 4, 0, tzinfo=UTC))
    tech = api.login(tech)

    def flags() -> tuple[frozenset[str], frozenset[str]]:
        with unit_of_work(api.app) as uow:
            return training_service.dispatch_flags(
                uow, {tid: "C"}, now=clock.now(), timezone="Asia/Shanghai"
            )

    assert flags() == (frozenset({tid}), frozenset({tid}))  # short of minutes, and held
    answers = right_answers("safety_basics")
    assert api.post(
        "/technician/courses/safety_basics/quiz", tech, json={"answers": answers}
    ).json()["passed"]
    for lesson in range(3):
        api.post("/technician/courses/cleaning_basics/study", tech, json={"lesson": lesson})
        api.post("/technician/courses/safety_basics/study", tech, json={"lesson": lesson})
    minutes = api.get("/technician/courses", tech).json()["minutes_this_month"]
    assert minutes == 75 and flags() == (frozenset({tid}), frozenset())  # passed, still short
    for lesson in range(2):
        api.post("/technician/courses/appliance_basics/study", tech, json={"lesson": lesson})
    assert flags() == (frozenset(), frozenset())  # 45 + 30 + 45 = 120 minutes
    body = api.get("/technician/courses", tech).json()
    assert body["course_required"] is False and body["met"] is True


def test_dispatch_reads_the_minimum_and_the_level_c_hold(api, clock):
    from server.dispatch import world as dispatch_world
    from server.technicians.models import TechnicianProfile
    from tests.api.test_dispatch import ADDRESS, ready_technician
    from tests.unit_of_work import unit_of_work

    clock.set(datetime(2026, 12, 5, 4, 0, tzinfo=UTC))  # the 5th: not counted yet
    tech = ready_technician(api, "孙师傅", home=ADDRESS)
    tid = tech["user"]["id"]

    def facts():  # noqa: ANN202
        with unit_of_work(api.app) as uow:
            world = dispatch_world.load_world(
                uow, now=clock.now(), timezone="Asia/Shanghai", ids=[tid], presence=False
            )
            return world.techs[tid]

    assert not facts().stats.training_short and not facts().suspended
    clock.set(datetime(2026, 12, 12, 4, 0, tzinfo=UTC))
    tech = api.login(tech)
    assert facts().stats.training_short
    with unit_of_work(api.app) as uow:
        profile = uow.session.get(TechnicianProfile, tid)
        assert profile is not None
        profile.level = "C"
        uow.session.add(profile)
    assert facts().suspended  # level C without a passed course: no offers
    answers = right_answers("cleaning_basics")
    api.post("/technician/courses/cleaning_basics/quiz", tech, json={"answers": answers})
    assert not facts().suspended


def test_the_operator_sets_the_minimum_and_the_pass_mark(api, tech):
    operator = api.staff("operator")
    bad = api.put("/ops/settings", operator, json={"rules": {"training": {"factor_from_day": 31}}})
    assert bad.status_code == 422
    r = api.put(
        "/ops/settings",
        operator,
        json={"rules": {"training": {"monthly_minimum_minutes": 10, "pass_percent": 60}}},
    )
    assert r.status_code == 200, r.text
    api.post("/technician/courses/safety_basics/study", tech, json={"lesson": 0})
    body = api.get("/technician/courses", tech).json()
    assert body["minimum_minutes"] == 10 and body["met"] is True and body["pass_percent"] == 60
    answers = right_answers("safety_basics")
    answers[0] = (answers[0] + 1) % 3
    answers[1] = (answers[1] + 1) % 3  # 2 of 4 right: 50 %
    r = api.post("/technician/courses/safety_basics/quiz", tech, json={"answers": answers})
    assert r.json()["percent"] == 50 and r.json()["passed"] is False
    answers[1] = right_answers("safety_basics")[1]  # 75 %
    r = api.post("/technician/courses/safety_basics/quiz", tech, json={"answers": answers})
    assert r.json()["passed"] is True and r.json()["pass_percent"] == 60
