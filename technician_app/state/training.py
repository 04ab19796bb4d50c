"""培训: courses with progress, a course's lessons marked studied, its quiz graded by the
server, and the month's minutes against the minimum (under it: fewer orders).

Online only: what counts (minutes, passes) is the server's record, so nothing is queued.
"""

from __future__ import annotations

from client.models import QuizResult, TrainingRead
from technician_app.i18n import t
from technician_app.state.core import TechnicianCore


class Training(TechnicianCore):
    async def load_training(self, quiet: bool = False) -> None:
        """``quiet``: for the home screen's warning (no notice when it cannot load)."""
        got = await self._guard(self.client.courses(), feature="training", quiet=quiet)
        if got is not None:
            self.me.training = got
        self.changed()

    async def load_course(self, course_id: str) -> None:
        got = await self._guard(self.client.course(course_id), feature="training")
        if got is not None:
            self.me.courses_open = {**self.me.courses_open, course_id: got}
        self.changed()

    async def study_lesson(self, course_id: str, lesson: int) -> None:
        """Mark a lesson studied; the month's minutes are read again."""
        got = await self._guard(self.client.study_lesson(course_id, lesson))
        if got is not None:
            self.me.courses_open = {**self.me.courses_open, course_id: got}
            await self.load_training()
        self.changed()

    def choose(self, course_id: str, question: int, choice: int) -> None:
        chosen = {**self.me.quiz_choices.get(course_id, {}), question: choice}
        self.me.quiz_choices = {**self.me.quiz_choices, course_id: chosen}
        self.changed()

    async def submit_quiz(self, course_id: str) -> QuizResult | None:
        """Send the chosen answers (an unchosen question as -1); keep the result."""
        course = self.me.courses_open.get(course_id)
        if course is None:
            return None
        chosen = self.me.quiz_choices.get(course_id, {})
        answers = [chosen.get(q.index, -1) for q in course.quiz]
        got = await self._guard(self.client.take_quiz(course_id, answers))
        if got is not None:
            self.me.quiz_results = {**self.me.quiz_results, course_id: got}
            key = "training.result_pass" if got.passed else "training.result_fail"
            words = t(
                self.session.lang, key, correct=got.correct, total=got.total, percent=got.percent
            )
            # on the status strip too: the result below the quiz may be off screen
            self.notify(words, "success" if got.passed else "error", "quiz_result")
            self.me.quiz_choices = {**self.me.quiz_choices, course_id: {}}
            await self.load_training()
            await self.load_course(course_id)
        self.changed()
        return got


def minutes_line(training: TrainingRead) -> tuple[str, dict[str, object]]:
    """The month's minutes against the minimum, as a text key and its values: met, short
    and costing orders now, or short but not yet (before ``factor_from_day``)."""
    values: dict[str, object] = {
        "done": training.minutes_this_month,
        "minimum": training.minimum_minutes,
        "day": training.factor_from_day,
    }
    if training.met:
        return "training.met", values
    if training.fewer_offers:
        return "training.short_now", values
    return "training.short_later", values


def home_warning(training: TrainingRead | None) -> tuple[str, dict[str, object]] | None:
    """What the home screen must say about training, as a text key and its values: held
    at level C until a course is passed, or getting fewer orders for being under the
    month's minimum; None when neither (what is only coming is said on the 培训 page)."""
    if training is None:
        return None
    if training.course_required:
        return "training.course_required", {}
    if training.fewer_offers:
        return minutes_line(training)
    return None
