"""The technician's training (``/technician/courses``): courses with his progress and the
month's minutes against the minimum, a course's lessons and quiz, marking a lesson
studied, taking the quiz (graded by the server)."""

from __future__ import annotations

from client.api.core import ClientCore
from client.models import CourseRead, QuizResult, TrainingRead


class TrainingApi(ClientCore):
    async def courses(self) -> TrainingRead:
        """Every course with progress, minutes this month and whether that costs offers."""
        return await self._get("/technician/courses", model=TrainingRead)

    async def course(self, course_id: str) -> CourseRead:
        """Lessons (with knowledge article ids) and the quiz's questions, not its answers."""
        return await self._get(f"/technician/courses/{course_id}", model=CourseRead)

    async def study_lesson(self, course_id: str, lesson: int) -> CourseRead:
        """Mark a lesson studied; its minutes count once."""
        return await self._post(
            f"/technician/courses/{course_id}/study", {"lesson": lesson}, model=CourseRead
        )

    async def take_quiz(self, course_id: str, answers: list[int]) -> QuizResult:
        """One chosen index per question (-1: unanswered); the server grades it."""
        return await self._post(
            f"/technician/courses/{course_id}/quiz", {"answers": answers}, model=QuizResult
        )
