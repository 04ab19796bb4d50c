"""A new notification reaches its user's live connection at once, and nobody else's."""

from __future__ import annotations

import pytest

from server.notifications import centre
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_notification_is_pushed_to_its_user_alone(api, feed, app) -> None:  # noqa: ANN001
    alice, bob, operator = api.register("customer"), api.register("customer"), api.staff()
    with feed(alice) as fa, feed(bob) as fb, feed(operator) as fo:
        with unit_of_work(app) as uow:
            note = centre.post(
                uow, user_id=alice["user"]["id"], kind="reminder.hour_before", title="t", key="k1"
            )
            assert note is not None
        pushed = [m for m in fa.drain() if m["type"] == "notification"]
        assert [m["notification"]["id"] for m in pushed] == [note.id]
        assert pushed[0]["notification"]["read_at"] is None
        assert [m for m in fb.drain() if m["type"] == "notification"] == []
        assert [m for m in fo.drain() if m["type"] == "notification"] == []
        with unit_of_work(app) as uow:  # the same key again: nothing written, nothing pushed
            assert (
                centre.post(uow, user_id=alice["user"]["id"], kind="x", title="t", key="k1") is None
            )
        assert [m for m in fa.drain() if m["type"] == "notification"] == []
