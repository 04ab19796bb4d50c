"""The sync screen says what each queued action was: the action and its step, the job
(service and district, never an order id) and the local time it was done."""

from __future__ import annotations

from datetime import UTC, datetime

from client.models import OrderRead, SopStepState
from technician_app.offline import QueuedAction
from technician_app.state.action_words import action_summary

DONE_AT = datetime(2026, 6, 1, 14, 48, 1, tzinfo=UTC)  # 22:48:01 in Shanghai


def action(kind: str, **params: object) -> QueuedAction:
    return QueuedAction(
        id=1,
        kind=kind,
        order_id="ord_01abc",
        params=dict(params),
        idempotency_key="k",
        occurred_at=DONE_AT,
    )


ORDER = OrderRead.model_construct(
    id="ord_01abc",
    service_name_zh="日常保洁",
    service_name_en="Daily home cleaning",
    district="三里屯",
    sop=[
        SopStepState(no=1, title_zh="上门检查", title_en="Check on arrival", photo=False),
        SopStepState(no=2, title_zh="拍照留档", title_en="Photos for the record", photo=True),
    ],
)


def test_a_step_says_which_step_of_which_job_and_when() -> None:
    text = action_summary(action("sop_done", step_no=2), ORDER, "zh")
    assert text == "完成步骤：拍照留档 · 日常保洁 · 三里屯 · 22:48:01"
    assert "ord_" not in text


def test_in_english_and_without_the_job_on_the_device() -> None:
    text = action_summary(action("sop_done", step_no=1), ORDER, "en")
    assert text.endswith("Check on arrival · Daily home cleaning · 三里屯 · 22:48:01")
    bare = action_summary(action("depart"), None, "zh")
    assert bare == "出发 · 22:48:01"
