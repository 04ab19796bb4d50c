"""What a queued field action was, in the technician's words: the action, its step (a
SOP step's title), the job it belongs to (service and district, never an order id) and
the device time it was done. The sync screen lists pending and refused actions this way:
"完成步骤：拍照留档 · 日常保洁 · 三里屯 · 22:48:01"."""

from __future__ import annotations

from client.citytime import CITY_TZ
from client.models import OrderRead
from technician_app.i18n import local_name
from technician_app.offline import QueuedAction
from technician_app.state.labels import ACTION_LABELS


def action_summary(action: QueuedAction, order: OrderRead | None, lang: str) -> str:
    """One line: what, which step, which job, when (local time)."""
    what = ACTION_LABELS[lang].get(action.kind, action.kind)
    step_no = action.params.get("step_no") if action.kind == "sop_done" else None
    if step_no is not None and order is not None:
        step = next((s for s in order.sop if s.no == step_no), None)
        if step is not None:
            sep = ": " if lang == "en" else "："
            what = f"{what}{sep}{local_name(lang, step.title_zh, step.title_en)}"
    parts = [what]
    if order is not None:
        parts += [local_name(lang, order.service_name_zh, order.service_name_en), order.district]
    parts.append(f"{action.occurred_at.astimezone(CITY_TZ):%H:%M:%S}")
    return " · ".join(p for p in parts if p)
