"""The technician's training over HTTP: courses with progress, a course, lessons studied,
quizzes graded here. His own records only: every route reads the signed-in technician's."""

from __future__ import annotations

from server.auth.dependencies import TechnicianUser
from server.core.deps import SettingsDep, UowDep
from server.core.routing import api_router
from server.training import service
from server.training.models import CourseRead, QuizIn, QuizResult, StudyIn, TrainingRead

router = api_router(prefix="/technician/courses", tags=["training"])


@router.get("", response_model=TrainingRead)
def courses(user: TechnicianUser, uow: UowDep, settings: SettingsDep) -> TrainingRead:
    """Every course with his progress, his minutes this city month against the minimum,
    and whether being under it costs offers now."""
    return service.overview(uow, user=user, timezone=settings.timezone)


@router.get("/{course_id}", response_model=CourseRead)
def course(course_id: str, user: TechnicianUser, uow: UowDep) -> CourseRead:
    """Lessons (with the knowledge articles they point to) and the quiz's questions, not
    its answers; 404 ``course_not_found``."""
    return service.course_page(uow, user=user, course_id=course_id)


@router.post("/{course_id}/study", response_model=CourseRead)
def study(course_id: str, body: StudyIn, user: TechnicianUser, uow: UowDep) -> CourseRead:
    """Mark a lesson studied (its minutes count once); 422 ``lesson_not_found``."""
    return service.study(uow, user=user, course_id=course_id, lesson=body.lesson)


@router.post("/{course_id}/quiz", response_model=QuizResult)
def quiz(course_id: str, body: QuizIn, user: TechnicianUser, uow: UowDep) -> QuizResult:
    """Graded on the server, the attempt kept; 422 ``quiz_answers_invalid``."""
    return service.take_quiz(uow, user=user, course_id=course_id, answers=body.answers)
