"""A delivery whose worker died mid-send (its row left ``sending``) is claimed again once
its claim is older than ``deliver.CLAIM_TIMEOUT``, the lost send counted as an attempt;
with its attempts spent it is ``failed``. A fresh claim is never sent twice."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.core.uow import UnitOfWork
from server.notifications import deliver
from server.notifications.models import Delivery
from tests.api.ops.helpers import onboard, pay
from tests.api.payment_steps import assign


@dataclass
class CountingPush:
    """A push provider that counts what it was asked to send."""

    name: str = "counting"
    sandboxed: bool = False
    sent: list[str] = field(default_factory=list)

    def send(self, *, user_id: str, title: str, body: str) -> None:
        self.sent.append(user_id)


def departed_push(api) -> tuple[CountingPush, str]:  # noqa: ANN001
    """The customer's "on the way" notice, written with one push delivery (not yet sent)."""
    push = CountingPush()
    api.app.state.channels.push = push
    customer, tech = api.register("customer"), onboard(api)
    order = api.order(customer)
    pay(api, customer, order["id"])
    assign(api, order["id"], tech)
    assert api.post(f"/orders/{order['id']}/depart", tech, json={}).status_code == 200
    return push, customer["user"]["id"]


def row(api, user_id: str) -> Delivery:  # noqa: ANN001
    with UnitOfWork.begin(api.app.state, write=False) as uow:
        [found] = uow.session.exec(
            Delivery.__table__.select().where(Delivery.user_id == user_id)  # type: ignore[attr-defined]
        ).all()
        return Delivery.model_validate(found._mapping)


def test_a_claim_left_by_a_dead_worker_is_sent_once_after_the_timeout(api) -> None:  # noqa: ANN001
    clock, state = api.app.state.clock, api.app.state
    push, user_id = departed_push(api)
    [claimed] = deliver._claim(state, 10)  # the worker claims it, then dies before sending
    assert claimed.attempts == 1
    assert row(api, user_id).status == "sending"

    assert deliver.deliver_pending(state) == 0  # the claim is fresh: not sent twice
    clock.advance(seconds=deliver.CLAIM_TIMEOUT.total_seconds() - 1)
    assert deliver.deliver_pending(state) == 0
    assert push.sent == []

    clock.advance(seconds=2)  # the claim is stale: taken again, the lost send an attempt
    assert deliver.deliver_pending(state) == 1
    assert push.sent == [user_id]
    sent = row(api, user_id)
    assert (sent.status, sent.attempts, sent.provider) == ("sent", 2, "counting")

    clock.advance(seconds=deliver.CLAIM_TIMEOUT.total_seconds() * 2)
    assert deliver.deliver_pending(state) == 0  # each once
    assert push.sent == [user_id]


def test_a_claim_that_never_finishes_fails_once_its_attempts_are_spent(api) -> None:  # noqa: ANN001
    clock, state = api.app.state.clock, api.app.state
    push, user_id = departed_push(api)
    for attempt in range(1, deliver.MAX_ATTEMPTS + 1):
        [claimed] = deliver._claim(state, 10)  # claimed, and the worker dies every time
        assert claimed.attempts == attempt
        clock.advance(seconds=deliver.CLAIM_TIMEOUT.total_seconds() + 1)
    assert deliver._claim(state, 10) == []  # spent: failed, not claimed a fourth time
    failed = row(api, user_id)
    assert (failed.status, failed.attempts) == ("failed", deliver.MAX_ATTEMPTS)
    assert "worker stopped" in failed.error
    assert deliver.deliver_pending(state) == 0
    assert push.sent == []


def test_a_failing_send_is_tried_max_attempts_times(api) -> None:  # noqa: ANN001
    state = api.app.state
    push, user_id = departed_push(api)

    def refuse(*, user_id: str, title: str, body: str) -> None:
        push.sent.append(user_id)
        raise ConnectionError("push service down")

    push.send = refuse  # type: ignore[method-assign]
    for _ in range(deliver.MAX_ATTEMPTS + 1):
        deliver.deliver_pending(state)
    assert len(push.sent) == deliver.MAX_ATTEMPTS
    failed = row(api, user_id)
    assert (failed.status, failed.attempts, failed.error) == (
        "failed",
        deliver.MAX_ATTEMPTS,
        "push service down",
    )
