"""培训: the courses with progress and the month's minutes against the minimum (with the
note that being under it means fewer orders), and a course: its lessons to mark studied
(with links to the knowledge base) and its quiz with the result."""

from __future__ import annotations

import flet as ft

from client.models import CourseRead, QuizResult, TrainingRead
from technician_app.components.widgets import (
    GO,
    MUTED,
    PRIMARY,
    STOP,
    WARN,
    big_button,
    card,
    outline_button,
    view,
)
from technician_app.context import go, use_app
from technician_app.i18n import local_name, t
from technician_app.state import TechnicianState
from technician_app.state.training import minutes_line


@ft.component
def TrainingView():  # noqa: ANN201
    state = use_app("me")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_training)

    ft.use_effect(load, [])
    lang = state.session.lang
    training = state.me.training
    if training is None:
        body: list[ft.Control] = [ft.Text(t(lang, "training.loading"), size=18, color=MUTED)]
        return view("/training", t(lang, "nav.training"), body, state)
    return view("/training", t(lang, "nav.training"), _overview(training, lang), state)


def _overview(training: TrainingRead, lang: str) -> list[ft.Control]:
    key, values = minutes_line(training)
    color = GO if training.met else (STOP if training.fewer_offers else WARN)
    top: list[ft.Control] = [
        ft.ProgressBar(
            value=min(1.0, training.minutes_this_month / max(1, training.minimum_minutes)),
            color=color,
        ),
        ft.Text(t(lang, key, **values), size=18, color=color, key="training_minutes"),
    ]
    if training.course_required:
        top.append(
            ft.Text(t(lang, "training.course_required"), size=18, color=STOP, key="training_c")
        )
    rows = [
        ft.ListTile(
            leading=ft.Icon(
                ft.Icons.VERIFIED if c.passed else ft.Icons.SCHOOL,
                color=GO if c.passed else PRIMARY,
            ),
            title=ft.Text(c.title, size=20),
            subtitle=ft.Text(
                t(
                    lang,
                    "training.progress",
                    kind=t(lang, f"training.{c.kind}"),
                    done=c.minutes_done,
                    minutes=c.duration_minutes,
                    lessons_done=c.lessons_done,
                    lessons=c.lessons,
                )
                + "  ·  "
                + t(lang, "training.passed" if c.passed else "training.not_passed"),
                size=15,
                color=MUTED,
            ),
            key=f"course_{c.id}",
            on_click=lambda _e, cid=c.id: go(f"/training/{cid}"),
        )
        for c in training.courses
    ]
    return [card(*top), *rows]


@ft.component
def CourseView():  # noqa: ANN201
    state = use_app("me")
    course_id = ft.use_route_params().get("course_id", "")

    def load():  # noqa: ANN202
        ft.context.page.run_task(state.load_course, course_id)

    ft.use_effect(load, [course_id])
    lang = state.session.lang
    course = state.me.courses_open.get(course_id)
    route = f"/training/{course_id}"
    if course is None:
        body: list[ft.Control] = [ft.Text(t(lang, "training.loading"), size=18, color=MUTED)]
        return view(route, t(lang, "nav.training"), body, state, back="/training")
    pass_percent = state.me.training.pass_percent if state.me.training else 80
    return view(
        route,
        course.title,
        [*_lessons(state, course), *_quiz(state, course, pass_percent)],
        state,
        back="/training",
    )


def _lessons(state: TechnicianState, course: CourseRead) -> list[ft.Control]:
    lang = state.session.lang
    out: list[ft.Control] = []
    for lesson in course.lesson_list:

        async def studied(_e, no: int = lesson.index) -> None:  # noqa: ANN001
            await state.study_lesson(course.id, no)

        links = [
            outline_button(
                t(lang, "training.article", name=local_name(lang, a.name_zh, a.name_en)),
                lambda _e, sid=a.service_id: go(f"/knowledge/{sid}"),
                key=f"lesson_{lesson.index}_article_{a.service_id}",
                icon=ft.Icons.MENU_BOOK,
            )
            for a in lesson.articles
        ]
        mark: ft.Control = (
            ft.Text(t(lang, "training.studied"), size=16, color=GO)
            if lesson.done
            else outline_button(
                t(lang, "training.mark_studied"),
                studied,
                key=f"lesson_{lesson.index}_done",
                icon=ft.Icons.CHECK,
            )
        )
        out.append(
            card(
                ft.Text(
                    t(lang, "training.lesson", no=lesson.index + 1, minutes=lesson.minutes),
                    size=14,
                    color=MUTED,
                ),
                ft.Text(lesson.title, size=20, weight=ft.FontWeight.BOLD),
                ft.Text(lesson.text, size=17),
                *links,
                mark,
            )
        )
    return out


def _quiz(state: TechnicianState, course: CourseRead, pass_percent: int) -> list[ft.Control]:
    lang = state.session.lang
    chosen = state.me.quiz_choices.get(course.id, {})
    questions: list[ft.Control] = [
        ft.Text(t(lang, "training.quiz", percent=pass_percent), size=22, weight=ft.FontWeight.BOLD)
    ]
    for q in course.quiz:
        questions.append(ft.Text(f"{q.index + 1}. {q.question}", size=18))
        questions.append(
            ft.RadioGroup(
                content=ft.Column(
                    [ft.Radio(value=str(i), label=c) for i, c in enumerate(q.choices)]
                ),
                value=str(chosen[q.index]) if q.index in chosen else None,
                key=f"question_{q.index}",
                on_change=lambda e, qi=q.index: state.choose(course.id, qi, int(e.control.value)),
            )
        )

    async def submit(_e) -> None:  # noqa: ANN001
        await state.submit_quiz(course.id)

    questions.append(big_button(t(lang, "training.submit"), submit, key="quiz_submit"))
    result = state.me.quiz_results.get(course.id)
    if result is not None:
        questions.extend(_result(result, lang))
    return [card(*questions)]


def _result(result: QuizResult, lang: str) -> list[ft.Control]:
    key = "training.result_pass" if result.passed else "training.result_fail"
    out: list[ft.Control] = [
        ft.Text(
            t(lang, key, correct=result.correct, total=result.total, percent=result.percent),
            size=20,
            color=GO if result.passed else STOP,
            key="quiz_result",
        )
    ]
    if result.wrong:
        numbers = "、".join(str(i + 1) for i in result.wrong)
        out.append(ft.Text(t(lang, "training.wrong", numbers=numbers), size=16, color=MUTED))
    return out
