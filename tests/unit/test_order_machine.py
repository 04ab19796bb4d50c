"""Every (state, action) pair: legal ones move as the table says, others are refused."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.orders import machine
from server.orders.machine import (
    Action,
    Actor,
    ActorKind,
    Context,
    GuardFailed,
    IllegalTransition,
    NotAllowed,
    OrderView,
    SopStep,
    Status,
)

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CUSTOMER = Actor(ActorKind.CUSTOMER, "usr_c")
OTHER_CUSTOMER = Actor(ActorKind.CUSTOMER, "usr_x")
TECH = Actor(ActorKind.TECHNICIAN, "usr_t")
OTHER_TECH = Actor(ActorKind.TECHNICIAN, "usr_u")
STAFF = Actor(ActorKind.STAFF, "usr_s")
SYSTEM = Actor(ActorKind.SYSTEM)
ACTORS = {
    ActorKind.CUSTOMER: CUSTOMER,
    ActorKind.TECHNICIAN: TECH,
    ActorKind.STAFF: STAFF,
    ActorKind.SYSTEM: SYSTEM,
}

# The expected table, written out independently of the implementation.
EXPECTED = {
    (Status.PENDING_PAYMENT, Action.PAYMENT_SUCCEEDED): Status.PENDING_DISPATCH,
    (Status.PENDING_DISPATCH, Action.OFFER): Status.OFFERED,
    (Status.OFFERED, Action.DECLINE): Status.PENDING_DISPATCH,
    (Status.OFFERED, Action.OFFER_TIMEOUT): Status.PENDING_DISPATCH,
    (Status.OFFERED, Action.ACCEPT): Status.ACCEPTED,
    (Status.PENDING_DISPATCH, Action.CLAIM): Status.ACCEPTED,
    (Status.PENDING_DISPATCH, Action.ASSIGN): Status.ACCEPTED,
    (Status.ACCEPTED, Action.TRANSFER): Status.PENDING_DISPATCH,
    (Status.ACCEPTED, Action.DEPART): Status.EN_ROUTE,
    (Status.EN_ROUTE, Action.ARRIVE): Status.ARRIVED,
    (Status.ARRIVED, Action.START): Status.IN_SERVICE,
    (Status.IN_SERVICE, Action.FINISH): Status.AWAITING_CONFIRMATION,
    (Status.AWAITING_CONFIRMATION, Action.CONFIRM): Status.COMPLETED,
    (Status.AWAITING_CONFIRMATION, Action.AUTO_CONFIRM): Status.COMPLETED,
    (Status.AWAITING_CONFIRMATION, Action.DISPUTE): Status.DISPUTED,
    (Status.COMPLETED, Action.DISPUTE): Status.DISPUTED,
    (Status.DISPUTED, Action.RESOLVE): Status.COMPLETED,
    **{
        (s, Action.CANCEL): Status.CANCELLED
        for s in (
            Status.PENDING_PAYMENT,
            Status.PENDING_DISPATCH,
            Status.OFFERED,
            Status.ACCEPTED,
            Status.EN_ROUTE,
            Status.ARRIVED,
        )
    },
}

EXPECTED_ACTORS = {
    Action.PAYMENT_SUCCEEDED: {ActorKind.SYSTEM},
    Action.OFFER: {ActorKind.SYSTEM},
    Action.DECLINE: {ActorKind.TECHNICIAN},
    Action.OFFER_TIMEOUT: {ActorKind.SYSTEM},
    Action.ACCEPT: {ActorKind.TECHNICIAN},
    Action.CLAIM: {ActorKind.TECHNICIAN},
    Action.ASSIGN: {ActorKind.STAFF, ActorKind.SYSTEM},
    Action.TRANSFER: {ActorKind.TECHNICIAN, ActorKind.STAFF, ActorKind.SYSTEM},
    Action.DEPART: {ActorKind.TECHNICIAN},
    Action.ARRIVE: {ActorKind.TECHNICIAN, ActorKind.STAFF},
    Action.START: {ActorKind.TECHNICIAN},
    Action.FINISH: {ActorKind.TECHNICIAN},
    Action.CONFIRM: {ActorKind.CUSTOMER},
    Action.AUTO_CONFIRM: {ActorKind.SYSTEM},
    Action.DISPUTE: {ActorKind.CUSTOMER},
    Action.RESOLVE: {ActorKind.STAFF},
    Action.CANCEL: {ActorKind.CUSTOMER, ActorKind.STAFF, ActorKind.SYSTEM},
}


def happy_view(status: Status) -> OrderView:
    """An order whose guards all pass."""
    return OrderView(
        status=status,
        customer_id="usr_c",
        technician_id="usr_t",
        offered_technician_id="usr_t",
        work_order_confirmed=True,
        sop_required_steps=(1, 2),
        sop_done_steps=(1, 2),
        completed_at=NOW - timedelta(days=1),
    )


def happy_context() -> Context:
    return Context(now=NOW, distance_to_address_m=50.0, technician_id="usr_t", reason="test")


def test_table_matches_expectation():
    assert {k: v.to for k, v in machine.TRANSITIONS.items()} == EXPECTED
    for (_, action), transition in machine.TRANSITIONS.items():
        assert set(transition.actors) == EXPECTED_ACTORS[action], action


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_pair(status: Status, action: Action):
    view = happy_view(status)
    for kind in ActorKind:
        actor = ACTORS[kind]
        if (status, action) not in EXPECTED:
            with pytest.raises(IllegalTransition) as err:
                machine.decide(view, action, actor, happy_context())
            assert err.value.status == status
            continue
        if kind not in EXPECTED_ACTORS[action]:
            with pytest.raises(NotAllowed):
                machine.decide(view, action, actor, happy_context())
            continue
        decision = machine.decide(view, action, actor, happy_context())
        assert decision.to_status == EXPECTED[(status, action)]
        assert decision.events and decision.events[0].type == machine.EVENT_TYPES[action]
        assert decision.events[0].payload["from"] == status.value


def test_terminal_states_have_no_exit_but_dispute():
    assert machine.allowed_actions(Status.CANCELLED) == []
    assert machine.allowed_actions(Status.COMPLETED) == [Action.DISPUTE]


def test_allowed_actions_for_an_actor_kind_follow_the_table():
    for status in Status:
        for kind in ActorKind:
            expected = {
                action
                for (source, action) in EXPECTED
                if source == status and kind in EXPECTED_ACTORS[action]
            }
            assert set(machine.allowed_actions_for(status, kind)) == expected, (status, kind)
    assert machine.allowed_actions_for(Status.ACCEPTED, ActorKind.TECHNICIAN) == [
        Action.TRANSFER,
        Action.DEPART,
    ]


# The groups each status is in (what an order read's ``status_groups`` says), written out
# independently of the implementation.
EXPECTED_GROUPS: dict[Status, set[str]] = {
    Status.PENDING_PAYMENT: set(),
    Status.PENDING_DISPATCH: set(),
    Status.OFFERED: set(),
    Status.ACCEPTED: {"assigned", "tracking", "work_order_open"},
    Status.EN_ROUTE: {"assigned", "tracking", "work_order_open"},
    Status.ARRIVED: {"assigned", "work_order_open", "on_site"},
    Status.IN_SERVICE: {"assigned", "on_site", "working", "service_started"},
    Status.AWAITING_CONFIRMATION: {"assigned", "service_started"},
    Status.COMPLETED: {"service_started", "terminal"},
    Status.CANCELLED: {"terminal"},
    Status.DISPUTED: {"service_started"},
}


def test_status_groups_are_sets_of_statuses_named_once():
    assert {
        "terminal": machine.TERMINAL,
        "tracking": machine.TRACKING,
        "service_started": machine.SERVICE_STARTED,
        "assigned": machine.ASSIGNED,
        "work_order_open": machine.WORK_ORDER_OPEN,
        "on_site": machine.ON_SITE,
        "working": machine.WORKING,
    } == machine.STATUS_GROUPS
    for name, members in machine.STATUS_GROUPS.items():
        assert members, name
        assert members <= set(Status), name
    assert set(EXPECTED_GROUPS) == set(Status)
    for status, expected in EXPECTED_GROUPS.items():
        named = machine.status_groups(status)
        assert set(named) == expected, status
        assert named == [n for n in machine.STATUS_GROUPS if n in expected]  # the dict's order
        assert expected == {n for n, m in machine.STATUS_GROUPS.items() if status in m}


def test_status_groups_agree_with_the_moves():
    """The groups are phases of the machine: no move leads back out of the service once it
    started, tracking ends at arrival and the work order's phase at the start, and SOP
    steps are ticked exactly while working."""
    for (source, _action), transition in machine.TRANSITIONS.items():
        if source in machine.SERVICE_STARTED:
            assert transition.to in machine.SERVICE_STARTED
    assert machine.TRANSITIONS[(Status.EN_ROUTE, Action.ARRIVE)].to not in machine.TRACKING
    assert machine.TRANSITIONS[(Status.ARRIVED, Action.START)].to not in machine.WORK_ORDER_OPEN
    assert machine.TERMINAL.isdisjoint(machine.ASSIGNED)
    for status in Status:
        if status in machine.WORKING:
            continue
        with pytest.raises(IllegalTransition):
            machine.check_sop_step(
                status=status, steps=(SopStep(1, "a"),), done=(), step_no=1, has_photo=False
            )


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (Status.OFFERED, Action.ACCEPT, OTHER_TECH),
        (Status.OFFERED, Action.DECLINE, OTHER_TECH),
        (Status.ACCEPTED, Action.DEPART, OTHER_TECH),
        (Status.ACCEPTED, Action.TRANSFER, OTHER_TECH),
        (Status.AWAITING_CONFIRMATION, Action.CONFIRM, OTHER_CUSTOMER),
        (Status.PENDING_DISPATCH, Action.CANCEL, OTHER_CUSTOMER),
    ],
)
def test_only_the_right_person(status, action, actor):
    with pytest.raises(NotAllowed):
        machine.decide(happy_view(status), action, actor, happy_context())


def test_accept_assigns_the_technician_and_clears_the_offer():
    view = OrderView(status=Status.OFFERED, customer_id="usr_c", offered_technician_id="usr_t")
    decision = machine.decide(view, Action.ACCEPT, TECH, Context(now=NOW))
    assert decision.technician_id == "usr_t"
    assert decision.offered_technician_id is None


def test_offer_needs_a_technician_and_records_it():
    view = OrderView(status=Status.PENDING_DISPATCH, customer_id="usr_c")
    with pytest.raises(GuardFailed) as err:
        machine.decide(view, Action.OFFER, SYSTEM, Context(now=NOW))
    assert err.value.code == "technician_required"
    decision = machine.decide(view, Action.OFFER, SYSTEM, Context(now=NOW, technician_id="usr_t"))
    assert decision.offered_technician_id == "usr_t"
    assert decision.technician_id is None


def test_transfer_clears_the_technician():
    decision = machine.decide(
        happy_view(Status.ACCEPTED), Action.TRANSFER, TECH, Context(now=NOW, reason="sick")
    )
    assert decision.technician_id is None
    assert decision.events[0].payload["previous_technician_id"] == "usr_t"
    assert decision.events[0].payload["reason"] == "sick"


@pytest.mark.parametrize("reason", [None, "", "   "])
@pytest.mark.parametrize("actor", [TECH, STAFF, SYSTEM])
def test_transfer_needs_a_reason(reason, actor):
    with pytest.raises(GuardFailed) as err:
        ctx = Context(now=NOW, reason=reason)
        machine.decide(happy_view(Status.ACCEPTED), Action.TRANSFER, actor, ctx)
    assert err.value.code == "reason_required"


@pytest.mark.parametrize(
    ("distance", "code"),
    [(None, "location_required"), (201.0, "outside_geofence"), (5000.0, "outside_geofence")],
)
def test_arrive_geofence(distance, code):
    ctx = Context(now=NOW, distance_to_address_m=distance, checkin_radius_m=200)
    with pytest.raises(GuardFailed) as err:
        machine.decide(happy_view(Status.EN_ROUTE), Action.ARRIVE, TECH, ctx)
    assert err.value.code == code


def test_arrive_inside_fence_and_support_override():
    ctx = Context(now=NOW, distance_to_address_m=199.0, checkin_radius_m=200)
    assert (
        machine.decide(happy_view(Status.EN_ROUTE), Action.ARRIVE, TECH, ctx).to_status
        == Status.ARRIVED
    )
    ctx = Context(now=NOW, distance_to_address_m=None)
    assert (
        machine.decide(happy_view(Status.EN_ROUTE), Action.ARRIVE, STAFF, ctx).to_status
        == Status.ARRIVED
    )


def test_start_needs_confirmed_work_order():
    view = OrderView(status=Status.ARRIVED, customer_id="usr_c", technician_id="usr_t")
    with pytest.raises(GuardFailed) as err:
        machine.decide(view, Action.START, TECH, Context(now=NOW))
    assert err.value.code == "work_order_not_confirmed"


def test_finish_needs_every_step_and_no_pending_change_request():
    view = OrderView(
        status=Status.IN_SERVICE,
        customer_id="usr_c",
        technician_id="usr_t",
        sop_required_steps=(1, 2, 3),
        sop_done_steps=(1, 3),
    )
    with pytest.raises(GuardFailed) as err:
        machine.decide(view, Action.FINISH, TECH, Context(now=NOW))
    assert err.value.code == "sop_incomplete"
    assert err.value.details["missing_steps"] == [2]
    view = OrderView(
        status=Status.IN_SERVICE,
        customer_id="usr_c",
        technician_id="usr_t",
        pending_change_requests=1,
    )
    with pytest.raises(GuardFailed) as err:
        machine.decide(view, Action.FINISH, TECH, Context(now=NOW))
    assert err.value.code == "change_request_pending"


def test_dispute_after_sale_window():
    view = OrderView(
        status=Status.COMPLETED, customer_id="usr_c", completed_at=NOW - timedelta(days=8)
    )
    with pytest.raises(GuardFailed) as err:
        machine.decide(view, Action.DISPUTE, CUSTOMER, Context(now=NOW, after_sale_days=7))
    assert err.value.code == "after_sale_window_closed"
    view = OrderView(
        status=Status.COMPLETED, customer_id="usr_c", completed_at=NOW - timedelta(days=6)
    )
    assert (
        machine.decide(
            view, Action.DISPUTE, CUSTOMER, Context(now=NOW, after_sale_days=7)
        ).to_status
        == Status.DISPUTED
    )


def test_technician_cannot_cancel():
    with pytest.raises(NotAllowed):
        machine.decide(happy_view(Status.ACCEPTED), Action.CANCEL, TECH, happy_context())


STEPS = (
    SopStep(1, "到达拍门牌", photo_required=True),
    SopStep(2, "清洁"),
    SopStep(3, "完工拍照", photo_required=True),
)


def test_sop_steps_in_order_with_photos():
    with pytest.raises(GuardFailed) as err:
        machine.check_sop_step(
            status=Status.IN_SERVICE, steps=STEPS, done=(), step_no=2, has_photo=False
        )
    assert err.value.code == "sop_out_of_order"
    with pytest.raises(GuardFailed) as err:
        machine.check_sop_step(
            status=Status.IN_SERVICE, steps=STEPS, done=(), step_no=1, has_photo=False
        )
    assert err.value.code == "sop_photo_required"
    event = machine.check_sop_step(
        status=Status.IN_SERVICE, steps=STEPS, done=(), step_no=1, has_photo=True
    )
    assert event.payload["step_no"] == 1
    with pytest.raises(GuardFailed) as err:
        machine.check_sop_step(
            status=Status.IN_SERVICE, steps=STEPS, done=(1,), step_no=1, has_photo=True
        )
    assert err.value.code == "sop_step_done"
    with pytest.raises(GuardFailed) as err:
        machine.check_sop_step(
            status=Status.IN_SERVICE, steps=STEPS, done=(1,), step_no=9, has_photo=True
        )
    assert err.value.code == "sop_step_unknown"
    with pytest.raises(IllegalTransition):
        machine.check_sop_step(
            status=Status.ARRIVED, steps=STEPS, done=(), step_no=1, has_photo=True
        )


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_any_action_sequence_stays_in_known_states(actions):
    """Random walks never reach an unknown state, and every applied step is in the table."""
    view = OrderView(
        status=Status.PENDING_PAYMENT,
        customer_id="usr_c",
        work_order_confirmed=True,
        completed_at=NOW,
    )
    for action in actions:
        actor = ACTORS[sorted(EXPECTED_ACTORS[action])[0]]
        if actor.kind == ActorKind.TECHNICIAN:
            actor = Actor(
                ActorKind.TECHNICIAN, view.technician_id or view.offered_technician_id or "usr_t"
            )
        try:
            decision = machine.decide(view, action, actor, happy_context())
        except machine.TransitionError:
            continue
        assert EXPECTED[(view.status, action)] == decision.to_status
        view = OrderView(
            status=decision.to_status,
            customer_id="usr_c",
            technician_id=decision.technician_id,
            offered_technician_id=decision.offered_technician_id,
            work_order_confirmed=True,
            completed_at=NOW,
        )
        assert view.status in set(Status)
