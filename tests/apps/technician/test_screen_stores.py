"""Which screens a change re-renders: every screen follows the session and the sync
store (its status strip), and the stores it reads (``technician_app.views``): a pushed
notice redraws the inbox, not the training page; the offline queue marks the sync store."""

from __future__ import annotations

from pathlib import Path

from technician_app.state import TechnicianState


def follow(state: TechnicianState, *stores: str) -> list[int]:
    told: list[int] = []
    state.subscribe(lambda: told.append(1), ("session", "sync", *stores))
    return told


def offline_phone(folder: Path) -> TechnicianState:
    return TechnicianState("http://127.0.0.1:9", folder, use_feed=False)


async def test_a_pushed_notice_redraws_the_inbox_and_not_the_training_page(
    tmp_path: Path,
) -> None:
    state = offline_phone(tmp_path)
    training, inbox = follow(state, "me"), follow(state, "live")
    pushed = {
        "type": "notification",
        "notification": {
            "id": "ntf_1",
            "kind": "depart_reminder",
            "title": "请立即出发",
            "body": "日常保洁 · 06-10 10:00",
            "data": {"order_id": "ord_x"},
            "created_at": "2026-06-10T02:15:00+00:00",
            "read_at": None,
        },
    }
    await state._on_feed_message(pushed)
    assert (len(training), len(inbox)) == (0, 1)
    assert state.live.inbox_unread == 1


def test_the_offline_queue_marks_the_sync_store(tmp_path: Path) -> None:
    state = offline_phone(tmp_path)
    banner: list[int] = []
    state.subscribe(lambda: banner.append(1), ("sync",))
    action = state.queue.enqueue("chat", order_id="ord_x", params={"text": "到楼下了"})
    state.changed()
    assert banner == [1]
    state.queue.mark_attempt(action.id, message="no signal")
    state.changed()
    assert banner == [1, 1]
    state.changed()  # nothing new
    assert banner == [1, 1]


def test_a_new_language_redraws_every_screen(tmp_path: Path) -> None:
    state = offline_phone(tmp_path)
    training, inbox = follow(state, "me"), follow(state, "live")
    state.set_language("en")
    assert (len(training), len(inbox)) == (1, 1)


def test_a_notice_and_its_dismissal_reach_every_screen(tmp_path: Path) -> None:
    state = offline_phone(tmp_path)
    training = follow(state, "me")
    state.notify("已保存，待同步")
    assert len(training) == 1 and state.session.notices
    state.dismiss_notices()  # the strip's 知道了
    assert len(training) == 2 and state.session.notices == []
