from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.orders import anomalies as a
from server.rules.ops import MonitorRules

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
START = T0 + timedelta(hours=3)
RULES = MonitorRules()


def facts(**kw) -> a.OrderFacts:
    base = {
        "status": "PENDING_DISPATCH",
        "scheduled_start": START,
        "scheduled_end": START + timedelta(hours=3),
        "created_at": T0,
        "paid_at": T0,
    }
    return a.OrderFacts(**{**base, **kw})


def test_no_accept_after_n_minutes():
    assert a.detect(facts(), T0 + timedelta(minutes=14), RULES) == []
    assert a.detect(facts(), T0 + timedelta(minutes=15), RULES) == [a.NO_ACCEPT]


def test_offer_timeouts():
    assert a.OFFER_TIMEOUTS in a.detect(
        facts(status="OFFERED", offer_timeouts=3), T0 + timedelta(minutes=1), RULES
    )
    assert a.OFFER_TIMEOUTS not in a.detect(facts(status="OFFERED", offer_timeouts=2), T0, RULES)


def test_not_departed_fifteen_minutes_after_plan():
    planned = START - timedelta(minutes=RULES.departure_lead_minutes)
    f = facts(status="ACCEPTED", accepted_at=T0)
    assert a.detect(f, planned + timedelta(minutes=14), RULES) == []
    assert a.detect(f, planned + timedelta(minutes=15), RULES) == [a.NOT_DEPARTED]
    assert (
        a.detect(
            facts(status="EN_ROUTE", departed_at=planned), planned + timedelta(minutes=20), RULES
        )
        == []
    )


def test_late_arrival_before_and_after_arriving():
    late = START + timedelta(minutes=RULES.late_arrival_grace_minutes + 1)
    assert a.LATE_ARRIVAL in a.detect(facts(status="EN_ROUTE", departed_at=T0), late, RULES)
    assert a.detect(facts(status="EN_ROUTE", departed_at=T0), START, RULES) == []
    assert a.LATE_ARRIVAL in a.detect(facts(status="ARRIVED", arrived_at=late), late, RULES)
    assert a.was_late(facts(arrived_at=late), RULES) is True
    assert a.was_late(facts(arrived_at=START), RULES) is False
    assert a.was_late(facts(), RULES) is None


def test_overrun_and_stale_confirmation():
    f = facts(status="IN_SERVICE", arrived_at=START, started_at=START)
    end = START + timedelta(hours=3, minutes=RULES.overrun_minutes)
    assert a.detect(f, end, RULES) == []
    assert a.detect(f, end + timedelta(seconds=1), RULES) == [a.SERVICE_OVERRUN]
    done = facts(status="AWAITING_CONFIRMATION", finished_at=START)
    assert a.detect(done, START + timedelta(hours=RULES.awaiting_confirmation_hours), RULES) == [
        a.AWAITING_CONFIRMATION_STALE
    ]


def test_sos_first():
    assert (
        a.detect(facts(status="IN_SERVICE", started_at=START, open_sos=1), START, RULES)[0] == a.SOS
    )


@given(st.sampled_from(["COMPLETED", "CANCELLED", "DISPUTED"]), st.integers(0, 10_000))
def test_closed_orders_raise_nothing_but_sos(status, minutes):
    f = facts(status=status, offer_timeouts=9, arrived_at=None)
    assert a.detect(f, T0 + timedelta(minutes=minutes), RULES) == []


@given(st.integers(0, 3000))
def test_codes_are_known_and_unique(minutes):
    for status in ["PENDING_DISPATCH", "OFFERED", "ACCEPTED", "EN_ROUTE", "ARRIVED", "IN_SERVICE"]:
        codes = a.detect(
            facts(
                status=status,
                started_at=START,
                arrived_at=START + timedelta(minutes=30),
                offer_timeouts=5,
                open_sos=1,
            ),
            T0 + timedelta(minutes=minutes),
            RULES,
        )
        assert len(codes) == len(set(codes)) and set(codes) <= set(a.CODES)
