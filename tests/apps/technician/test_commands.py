"""The queue's typed commands: each field action is stored as its kind and fields and
read back as the same command, and an action an older build queued still replays."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest

from technician_app.commands import (
    COMMANDS,
    Accept,
    ChangeRequest,
    Command,
    Location,
    SopDone,
    Sos,
    command_of,
)
from technician_app.offline import QueuedAction
from technician_app.state.labels import ACTION_LABELS
from technician_app.state.sync import ORDER_REPLIES

WHEN = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def queued(kind: str, params: dict) -> QueuedAction:
    return QueuedAction(
        id=1, kind=kind, order_id="ord_x", params=params, idempotency_key="k", occurred_at=WHEN
    )


EXAMPLES: list[Command] = [
    Accept(offer_id="off_1"),
    SopDone(step_no=3, note="门牌已拍"),
    ChangeRequest(items=[{"code": "large_pane", "quantity": 2, "reason": "客厅落地窗"}]),
    Sos(lat=39.9, lng=116.4, note="", order_id="ord_x"),
    Location(points=[{"lat": 39.9, "lng": 116.4, "occurred_at": WHEN.isoformat()}]),
]


@pytest.mark.parametrize("command", EXAMPLES, ids=lambda c: c.kind)
def test_a_command_reads_back_as_it_was_queued(command: Command) -> None:
    assert command_of(queued(command.kind, command.params())) == command


def test_every_command_has_the_technicians_words_and_a_unique_kind() -> None:
    for lang in ("zh", "en"):
        assert set(COMMANDS) <= set(ACTION_LABELS[lang]), lang
    assert ORDER_REPLIES <= set(COMMANDS)  # the moves whose reply is the order


def test_an_older_builds_action_still_replays() -> None:
    # a single point before points were batched; a field this build no longer keeps
    old = command_of(queued("location", {"lat": 39.9, "lng": 116.4}))
    assert old == Location(lat=39.9, lng=116.4)
    assert command_of(queued("accept", {"offer_id": "off_1", "shown_for": 12})) == Accept(
        offer_id="off_1"
    )


def test_an_unknown_kind_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="unknown queued action"):
        command_of(queued("teleport", {}))


def test_fields_are_plain_json() -> None:
    """The queue stores the fields as JSON: no command may carry anything else."""
    allowed = {"str", "int", "float", "str | None", "float | None", "list[dict[str, Any]]"}
    for kind in COMMANDS.values():
        for field in fields(kind):
            assert str(field.type) in allowed, (kind.kind, field.name, field.type)
