"""The pure price engine: lines add up, never negative, each rule and coupon kind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.pricing import engine
from server.pricing.engine import CardOffer, CouponOffer, CustomerFacts, PriceRequest, PricingError
from server.rules.pricing import PeakRule, PricingRules

TZ = ZoneInfo("Asia/Shanghai")
DAILY = {
    "unit": "hour",
    "unit_price": 4000,
    "min_units": 2,
    "max_units": 8,
    "area_band_m2": 80,
    "area_step_m2": 10,
    "area_step_price": 1000,
}
ADDONS = (
    {"code": "high_window", "name_zh": "高空擦外窗", "price": 5000},
    {"code": "fridge_inside", "name_zh": "冰箱内部清洁", "price": 3000},
)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def req(**kw) -> PriceRequest:
    base = dict(
        pricing=DAILY,
        addons_available=ADDONS,
        units=3,
        area_m2=None,
        addon_codes=(),
        local_start=datetime(2026, 6, 2, 10, 0, tzinfo=TZ),
        service_id="svc_daily_cleaning",
        now=NOW,
    )
    base.update(kw)
    return PriceRequest(**base)


def codes(result) -> list[str]:
    return [line.code for line in result.lines]


def test_seed_numbers():
    r = engine.price(req(units=3, area_m2=95, addon_codes=("high_window",)), PricingRules())
    assert codes(r) == ["base", "area_surcharge", "addon:high_window"]
    assert [ln.amount for ln in r.lines] == [12000, 2000, 5000]  # 40/h, +10 per started 10 m2, +50
    night = engine.price(req(local_start=datetime(2026, 6, 2, 22, 30, tzinfo=TZ)), PricingRules())
    assert codes(night)[-1] == "night_surcharge" and night.total == 12000 + 3600  # +30%


def test_traffic_subsidy_only_past_5_km():
    rules = PricingRules()
    assert "traffic_subsidy" not in codes(engine.price(req(nearest_distance_m=4999), rules))
    assert "traffic_subsidy" not in codes(engine.price(req(nearest_distance_m=None), rules))
    r = engine.price(req(nearest_distance_m=7200), rules)
    assert r.lines[-1].code == "traffic_subsidy" and r.lines[-1].amount == 1000 + 3 * 200
    assert (
        engine.price(req(nearest_distance_m=90_000), rules).lines[-1].amount
        == rules.traffic_subsidy_cap
    )


def test_peak_multiplier_highest_matching():
    rules = PricingRules(
        peak_rules=[
            PeakRule(code="weekend", label="周末", multiplier_bp=11000, weekdays=[5, 6]),
            PeakRule(
                code="spring_festival",
                label="春节前",
                multiplier_bp=15000,
                date_from=date(2027, 1, 25),
                date_to=date(2027, 2, 5),
            ),
        ]
    )
    saturday = datetime(2026, 6, 6, 10, 0, tzinfo=TZ)
    r = engine.price(req(local_start=saturday), rules)
    assert r.lines[-1].code == "peak:weekend" and r.lines[-1].amount == 1200
    festival_saturday = datetime(2027, 1, 30, 10, 0, tzinfo=TZ)
    r = engine.price(req(local_start=festival_saturday), rules)
    assert codes(r) == ["base", "peak:spring_festival"] and r.total == 18000


def test_gold_member_pays_90_percent_but_not_on_traffic():
    gold = CustomerFacts(
        membership_code="gold", membership_label="金卡会员", membership_discount_bp=9000
    )
    r = engine.price(req(customer=gold, nearest_distance_m=6000), PricingRules())
    assert codes(r) == ["base", "traffic_subsidy", "membership:gold"]
    assert r.lines[-1].amount == -1200 and r.gross == 12000 + 1200


@pytest.mark.parametrize(
    "coupon, off",
    [
        (CouponOffer(id="c1", kind="fixed", amount=2000), 2000),
        (CouponOffer(id="c2", kind="threshold", amount=2000, threshold=10000), 2000),  # 满100减20
        (CouponOffer(id="c3", kind="percent", percent_bp=2000, cap=1500), 1500),  # 20% capped at 15
        (CouponOffer(id="c4", kind="percent", percent_bp=1000), 1200),
        (CouponOffer(id="c5", kind="new_customer", amount=5000), 5000),  # 新客首单立减50
        (CouponOffer(id="c6", kind="referral", amount=5000), 5000),
        (CouponOffer(id="c7", kind="fixed", amount=99999), 12000),  # never below zero
    ],
)
def test_each_coupon_kind(coupon, off):
    r = engine.price(req(coupons=(coupon,)), PricingRules())
    assert r.lines[-1].code == f"coupon:{coupon.kind}" and r.lines[-1].amount == -off
    assert r.total == 12000 - off


@pytest.mark.parametrize(
    "coupon, facts, reason",
    [
        (
            CouponOffer(id="t", kind="threshold", amount=2000, threshold=20000),
            CustomerFacts(),
            "below_threshold",
        ),
        (
            CouponOffer(id="e", kind="fixed", amount=100, valid_until=NOW - timedelta(seconds=1)),
            CustomerFacts(),
            "expired",
        ),
        (
            CouponOffer(id="f", kind="fixed", amount=100, valid_from=NOW + timedelta(days=1)),
            CustomerFacts(),
            "not_yet_valid",
        ),
        (
            CouponOffer(id="n", kind="new_customer", amount=5000),
            CustomerFacts(is_first_order=False),
            "first_order_only",
        ),
        (
            CouponOffer(id="s", kind="fixed", amount=100, service_ids=("svc_other",)),
            CustomerFacts(),
            "service_not_covered",
        ),
    ],
)
def test_coupon_not_applicable_says_why(coupon, facts, reason):
    with pytest.raises(PricingError) as exc:
        engine.price(req(coupons=(coupon,), customer=facts), PricingRules())
    assert exc.value.code == "coupon_not_applicable" and exc.value.details["reason"] == reason


def test_best_coupon_saves_the_most_and_skips_what_does_not_apply():
    held = (
        CouponOffer(id="small", kind="fixed", amount=1000),
        CouponOffer(id="high", kind="threshold", amount=9000, threshold=50000),  # 满500: no
        CouponOffer(id="pct", kind="percent", percent_bp=2000, cap=3000),  # 20% of 120 = 24
        CouponOffer(id="same", kind="fixed", amount=2400),  # ties with pct: the first wins
    )
    best = engine.price_with_best_coupon(req(), PricingRules(), held)
    assert best.total == 12000 - 2400 and best.lines[-1].detail == {"coupon_id": "pct"}
    none_apply = engine.price_with_best_coupon(req(), PricingRules(), held[1:2])
    assert none_apply.total == 12000 and codes(none_apply)[-1] == "base"
    # where points do not combine with coupons the points are kept, no coupon is taken
    points = engine.price_with_best_coupon(
        req(points=500, customer=CustomerFacts(points_balance=500)),
        PricingRules(points_with_coupons=False),
        held,
    )
    assert codes(points)[-1] == "points" and not any(c.startswith("coupon:") for c in codes(points))


@given(amounts=st.lists(st.integers(min_value=1, max_value=20000), max_size=5))
def test_best_coupon_is_never_worse_than_any_single_coupon(amounts):
    held = tuple(CouponOffer(id=f"c{i}", kind="fixed", amount=a) for i, a in enumerate(amounts))
    best = engine.price_with_best_coupon(req(), PricingRules(), held).total
    assert best <= 12000
    assert all(best <= engine.price(req(coupons=(c,)), PricingRules()).total for c in held)


def test_stacking_rules():
    a = CouponOffer(id="a", kind="fixed", amount=100)
    b = CouponOffer(id="b", kind="fixed", amount=100)
    with pytest.raises(PricingError) as exc:
        engine.price(req(coupons=(a, b)), PricingRules())
    assert exc.value.details["reason"] == "too_many_coupons"
    rules = PricingRules(max_coupons_per_order=2)
    with pytest.raises(PricingError) as exc:
        engine.price(req(coupons=(a, b)), rules)
    assert exc.value.details["reason"] == "not_stackable"
    sa, sb = (CouponOffer(id=x, kind="fixed", amount=100, stackable=True) for x in "xy")
    assert engine.price(req(coupons=(sa, sb)), rules).total == 11800
    gold = CustomerFacts(membership_discount_bp=9000)
    with pytest.raises(PricingError) as exc:
        engine.price(req(coupons=(a,), customer=gold), PricingRules(coupons_with_membership=False))
    assert exc.value.details["reason"] == "membership_discount_applied"


def test_points_and_service_card():
    facts = CustomerFacts(points_balance=1200)
    r = engine.price(req(points=500, customer=facts), PricingRules())
    assert r.lines[-1].code == "points" and r.lines[-1].amount == -4000  # 500 points = one hour
    for points, code in (
        (300, "points_invalid"),
        (1500, "points_insufficient"),
        (1000, "points_exceed_limit"),
    ):
        with pytest.raises(PricingError) as exc:
            engine.price(req(points=points, customer=facts), PricingRules())
        assert exc.value.code == code
    card = CardOffer(id="crd", service_id="svc_daily_cleaning", units_per_visit=3, visits_left=2)
    r = engine.price(req(units=4, card=card), PricingRules())
    assert r.lines[-1].code == "service_card" and r.total == 4000
    with pytest.raises(PricingError):
        engine.price(
            req(
                card=CardOffer(
                    id="x", service_id="svc_daily_cleaning", units_per_visit=3, visits_left=0
                )
            ),
            PricingRules(),
        )


def test_change_items_only_from_rate_card():
    card = ({"code": "balcony_clean", "name_zh": "阳台清洁", "price": 3000},)
    lines = engine.price_change_items(
        rate_card=card,
        items=(("balcony_clean", 2),),
        local_start=datetime(2026, 6, 2, 23, 0, tzinfo=TZ),
        rules=PricingRules(),
    )
    assert [ln.amount for ln in lines] == [6000, 1800]
    with pytest.raises(PricingError) as exc:
        engine.price_change_items(
            rate_card=card, items=(("gold_plating", 1),), local_start=NOW, rules=PricingRules()
        )
    assert exc.value.code == "rate_card_item_unknown"


def test_membership_levels_and_points_earned():
    rules = PricingRules()
    assert engine.membership_for(499999, rules)[1].code == "regular"
    assert engine.membership_for(500000, rules)[1].code == "gold"
    assert engine.points_earned(19050, rules) == 190


coupon_st = st.one_of(
    st.builds(CouponOffer, id=st.just("f"), kind=st.just("fixed"), amount=st.integers(0, 50000)),
    st.builds(
        CouponOffer,
        id=st.just("t"),
        kind=st.just("threshold"),
        amount=st.integers(0, 50000),
        threshold=st.integers(0, 8000),
    ),
    st.builds(
        CouponOffer,
        id=st.just("p"),
        kind=st.just("percent"),
        percent_bp=st.integers(1, 9999),
        cap=st.integers(0, 50000),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    units=st.integers(2, 8),
    area=st.one_of(st.none(), st.integers(1, 500)),
    addons=st.sets(st.sampled_from(["high_window", "fridge_inside"])),
    hour=st.integers(0, 23),
    distance=st.one_of(st.none(), st.floats(0, 50000)),
    discount_bp=st.sampled_from([10000, 9500, 9000, 5000]),
    coupons=st.lists(coupon_st, max_size=1),
    points_blocks=st.integers(0, 3),
    card_units=st.one_of(st.none(), st.integers(1, 8)),
    peak_bp=st.one_of(st.none(), st.integers(10000, 30000)),
)
def test_lines_sum_to_total_and_never_negative(
    units, area, addons, hour, distance, discount_bp, coupons, points_blocks, card_units, peak_bp
):
    rules = PricingRules(
        points_max_share_bp=10000,
        peak_rules=[PeakRule(code="p", label="高峰", multiplier_bp=peak_bp)] if peak_bp else [],
    )
    card = (
        CardOffer(
            id="c", service_id="svc_daily_cleaning", units_per_visit=card_units, visits_left=1
        )
        if card_units
        else None
    )
    request = req(
        units=units,
        area_m2=area,
        addon_codes=tuple(sorted(addons)),
        local_start=datetime(2026, 6, 2, hour, 0, tzinfo=TZ),
        nearest_distance_m=distance,
        customer=CustomerFacts(membership_discount_bp=discount_bp, points_balance=10_000),
        coupons=tuple(coupons),
        points=500 * points_blocks,
        card=card,
    )
    try:
        result = engine.price(request, rules)
    except PricingError as exc:  # a refusal is an answer with a code, never a wrong price
        assert exc.code in {"coupon_not_applicable", "points_exceed_limit"}
        return
    assert result.total == sum(line.amount for line in result.lines)
    assert result.total >= 0
    assert all(isinstance(line.amount, int) for line in result.lines)
    running = 0
    for line in result.lines:
        running += line.amount
        assert running >= 0
