"""The technician's texts for training (培训). Merged into :data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

TRAINING_TEXTS: Texts = {
    "nav.training": {"zh": "培训", "en": "Training"},
    "training.met": {
        "zh": "本月已学习 {done} 分钟，已达到每月 {minimum} 分钟的要求",
        "en": "{done} minutes studied this month: the monthly {minimum} minutes are done",
    },
    "training.short_now": {
        "zh": "本月已学习 {done} / {minimum} 分钟。未达标期间派单会减少，学完即恢复",
        "en": "{done} of {minimum} minutes this month. Until done you get fewer orders",
    },
    "training.short_later": {
        "zh": "本月已学习 {done} / {minimum} 分钟。{day}日起仍未达标，派单会减少",
        "en": "{done} of {minimum} minutes this month. From day {day}, under it means fewer orders",
    },
    "training.course_required": {
        "zh": "当前为C级：需通过任一课程考核后才能继续接单",
        "en": "Level C: pass a course's quiz to receive orders again",
    },
    "training.required": {"zh": "必修", "en": "Required"},
    "training.skill": {"zh": "技能", "en": "Skills"},
    "training.progress": {
        "zh": "{kind} · {done}/{minutes} 分钟 · 课时 {lessons_done}/{lessons}",
        "en": "{kind} · {done}/{minutes} min · lessons {lessons_done}/{lessons}",
    },
    "training.passed": {"zh": "考核已通过", "en": "Quiz passed"},
    "training.not_passed": {"zh": "考核未通过", "en": "Quiz not passed yet"},
    "training.lesson": {"zh": "第{no}课 · {minutes}分钟", "en": "Lesson {no} · {minutes} min"},
    "training.mark_studied": {"zh": "标记已学习", "en": "Mark as studied"},
    "training.studied": {"zh": "已学习", "en": "Studied"},
    "training.article": {"zh": "知识库：{name}", "en": "Knowledge base: {name}"},
    "training.quiz": {"zh": "课后测验（{percent}% 及格）", "en": "Quiz ({percent}% to pass)"},
    "training.submit": {"zh": "提交答案", "en": "Submit answers"},
    "training.result_pass": {
        "zh": "答对 {correct}/{total}，{percent}分，通过！",
        "en": "{correct}/{total} right, {percent}: passed!",
    },
    "training.result_fail": {
        "zh": "答对 {correct}/{total}，{percent}分，未通过，复习后再试",
        "en": "{correct}/{total} right, {percent}: not passed; review and try again",
    },
    "training.wrong": {"zh": "答错的题：{numbers}", "en": "Wrong: {numbers}"},
    "training.loading": {"zh": "正在加载，需联网", "en": "Loading (needs a connection)"},
}
