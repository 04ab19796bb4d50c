"""The pure price engine: a quote is a list of coded lines that add up to the total.

Order of the lines (each one a client can show by its code):

    base, area_surcharge, addon:<code>         the service itself
    peak:<code>                                 peak / seasonal multiplier (highest matching)
    night_surcharge                             after 22:00 local
    traffic_subsidy                             nearest eligible technician farther than 5 km
    service_card                                a prepaid card visit covers the base hours
    membership:<level>                          member discount (e.g. gold pays 90%)
    coupon:<kind>                               at most ``max_coupons_per_order`` coupons
    points                                      points redeemed (e.g. 500 points = 40 CNY)

Every discount is at most what is left to pay, so the total is never negative. No I/O
here: the service gathers the facts (coupons, points balance, membership, distance).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from server.core.money import Money, apply_bp
from server.rules.pricing import PeakRule, PricingRules


class PricingError(ValueError):
    def __init__(self, message: str, code: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


@dataclass(frozen=True)
class Line:
    code: str
    label: str
    amount: Money
    detail: dict[str, Any] = field(default_factory=dict)


COUPON_KINDS = ("fixed", "threshold", "percent", "new_customer", "referral")


@dataclass(frozen=True)
class CouponOffer:
    """A coupon the customer holds, as the engine needs to see it."""

    id: str
    kind: str  # one of COUPON_KINDS
    amount: Money = 0  # fixed, threshold, new_customer, referral: money off
    threshold: Money = 0  # the running price must reach this (满100减20: threshold 10000)
    percent_bp: int = 0  # percent: 2000 = 20% off
    cap: Money = 0  # percent: most money off (0: no cap)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    service_ids: tuple[str, ...] = ()  # empty: any service
    stackable: bool = False  # may be combined with other coupons
    first_order_only: bool = False
    label: str = ""


@dataclass(frozen=True)
class CardOffer:
    """A service card visit the customer wants to use on this booking."""

    id: str
    service_id: str
    units_per_visit: int
    visits_left: int
    label: str = "服务卡抵扣"


@dataclass(frozen=True)
class CustomerFacts:
    membership_code: str = "regular"
    membership_label: str = "普通会员"
    membership_discount_bp: int = 10000
    points_balance: int = 0
    is_first_order: bool = True


@dataclass(frozen=True)
class PriceRequest:
    pricing: dict[str, Any]  # the service's pricing block from the catalog
    addons_available: tuple[dict[str, Any], ...]
    units: int | None  # hours or items; None: the service's minimum
    area_m2: int | None
    addon_codes: tuple[str, ...]
    local_start: datetime  # in the city's time zone
    service_id: str = ""
    now: datetime | None = None  # for coupon validity; None: local_start
    nearest_distance_m: float | None = (
        None  # nearest eligible technician (None: unknown, no subsidy)
    )
    customer: CustomerFacts = field(default_factory=CustomerFacts)
    coupons: tuple[CouponOffer, ...] = ()
    points: int = 0
    card: CardOffer | None = None


@dataclass(frozen=True)
class PriceResult:
    lines: tuple[Line, ...]
    units: int

    @property
    def total(self) -> Money:
        return sum(line.amount for line in self.lines)

    @property
    def gross(self) -> Money:
        """The price before any discount (what the split is computed on)."""
        return sum(line.amount for line in self.lines if line.amount > 0)


def is_night(hour: int, rules: PricingRules) -> bool:
    if rules.night_start_hour > rules.night_end_hour:
        return hour >= rules.night_start_hour or hour < rules.night_end_hour
    return rules.night_start_hour <= hour < rules.night_end_hour


def peak_applies(rule: PeakRule, local_start: datetime, service_id: str) -> bool:
    if rule.service_ids and service_id not in rule.service_ids:
        return False
    if rule.weekdays and local_start.weekday() not in rule.weekdays:
        return False
    if rule.months and local_start.month not in rule.months:
        return False
    if not rule.start_hour <= local_start.hour < rule.end_hour:
        return False
    day = local_start.date()
    if rule.date_from and day < rule.date_from:
        return False
    return not (rule.date_to and day > rule.date_to)


def traffic_subsidy_full_at_m(rules: PricingRules) -> float:
    """The distance past which the traffic subsidy is the same (the cap): the nearest
    technician need only be searched for within it."""
    room = rules.traffic_subsidy_cap - rules.traffic_subsidy_base
    if rules.traffic_subsidy_per_km <= 0 or room <= 0:
        return float(rules.traffic_subsidy_threshold_m)
    return float(
        rules.traffic_subsidy_threshold_m + 1000 * -(-room // rules.traffic_subsidy_per_km)
    )


def visit_minutes(pricing: dict[str, Any], duration_minutes: int, units: int | None) -> int:
    """How long the visit takes for ``units`` (the service's minimum when not given): an
    hourly service books its hours; any other counts its minutes per unit (4 panes at 15
    minutes each take an hour). The slot offered and the quote's window both use it."""
    n = units if units is not None else int(pricing.get("min_units", 1))
    if pricing.get("unit", "hour") == "hour":
        return 60 * n
    return int(duration_minutes) * max(n, 1)


def traffic_subsidy(distance_m: float | None, rules: PricingRules) -> Money:
    if distance_m is None or distance_m <= rules.traffic_subsidy_threshold_m:
        return 0
    extra_km = -(-int(distance_m - rules.traffic_subsidy_threshold_m) // 1000)  # started km
    return min(
        rules.traffic_subsidy_base + rules.traffic_subsidy_per_km * extra_km,
        rules.traffic_subsidy_cap,
    )


def for_new_customers_only(kind: str, first_order_only: bool) -> bool:
    """A 新客券: only a customer with no order yet (cancelled ones aside) may hold it in
    view or use it; the wallet lists and the quote applies it by this one rule."""
    return first_order_only or kind == "new_customer"


def coupon_problem(
    coupon: CouponOffer, *, running: Money, now: datetime, service_id: str, is_first_order: bool
) -> dict[str, Any] | None:
    """Why a coupon does not apply (a reason code and its facts), or None."""
    if coupon.kind not in COUPON_KINDS:
        return {"reason": "unknown_kind", "kind": coupon.kind}
    if coupon.valid_from and now < coupon.valid_from:
        return {"reason": "not_yet_valid", "valid_from": coupon.valid_from.isoformat()}
    if coupon.valid_until and now >= coupon.valid_until:
        return {"reason": "expired", "valid_until": coupon.valid_until.isoformat()}
    if coupon.service_ids and service_id not in coupon.service_ids:
        return {"reason": "service_not_covered", "service_ids": list(coupon.service_ids)}
    if for_new_customers_only(coupon.kind, coupon.first_order_only) and not is_first_order:
        return {"reason": "first_order_only"}
    if running < coupon.threshold:
        return {"reason": "below_threshold", "threshold": coupon.threshold, "amount": running}
    return None


def coupon_value(coupon: CouponOffer, running: Money) -> Money:
    if coupon.kind == "percent":
        off = apply_bp(running, coupon.percent_bp)
        if coupon.cap:
            off = min(off, coupon.cap)
    else:
        off = coupon.amount
    return max(0, min(off, running))


def _coupon_label(coupon: CouponOffer) -> str:
    if coupon.label:
        return coupon.label
    if coupon.kind == "threshold":
        return f"满{coupon.threshold // 100}减{coupon.amount // 100}"
    if coupon.kind == "percent":
        return f"{(10000 - coupon.percent_bp) / 1000:g}折券"
    if coupon.kind == "new_customer":
        return f"新客首单立减{coupon.amount // 100}元"
    if coupon.kind == "referral":
        return f"邀请奖励券{coupon.amount // 100}元"
    return f"优惠券减{coupon.amount // 100}元"


def price(request: PriceRequest, rules: PricingRules) -> PriceResult:
    p = request.pricing
    unit = p.get("unit", "hour")
    min_units = int(p.get("min_units", 1))
    max_units = int(p.get("max_units", max(min_units, 1) * 10))
    units = request.units if request.units is not None else min_units
    if not min_units <= units <= max_units:
        raise PricingError(
            f"choose between {min_units} and {max_units} {unit}s",
            "units_out_of_range",
            {"min_units": min_units, "max_units": max_units},
        )
    unit_price = int(p["unit_price"])
    lines = [
        Line(
            "base",
            "基础服务费" if unit == "item" else f"基础服务费 {units}小时",
            unit_price * units,
            {"unit": unit, "units": units, "unit_price": unit_price},
        )
    ]

    band = int(p.get("area_band_m2", 0) or 0)
    if band and request.area_m2 is not None and request.area_m2 > band:
        step = max(int(p.get("area_step_m2", 10)), 1)
        steps = -(-(request.area_m2 - band) // step)  # ceiling
        lines.append(
            Line(
                "area_surcharge",
                f"超面积 {request.area_m2 - band}㎡",
                steps * int(p.get("area_step_price", 0)),
                {"area_m2": request.area_m2, "band_m2": band, "steps": steps},
            )
        )

    available = {a["code"]: a for a in request.addons_available}
    if len(set(request.addon_codes)) != len(request.addon_codes):
        raise PricingError(
            "each add-on once", "addon_duplicate", {"addons": list(request.addon_codes)}
        )
    for code in request.addon_codes:
        addon = available.get(code)
        if addon is None:
            raise PricingError(
                "unknown add-on", "addon_unknown", {"addon": code, "available": sorted(available)}
            )
        lines.append(Line(f"addon:{code}", addon["name_zh"], int(addon["price"])))

    service_part = sum(line.amount for line in lines)
    peaks = [
        r for r in rules.peak_rules if peak_applies(r, request.local_start, request.service_id)
    ]
    if peaks:
        top = max(peaks, key=lambda r: r.multiplier_bp)
        extra = apply_bp(service_part, top.multiplier_bp - 10000)
        if extra:
            lines.append(
                Line(
                    f"peak:{top.code}",
                    f"{top.label} ×{top.multiplier_bp / 10000:g}",
                    extra,
                    {"multiplier_bp": top.multiplier_bp},
                )
            )

    if is_night(request.local_start.hour, rules) and rules.night_surcharge_bp:
        subtotal = sum(line.amount for line in lines)
        lines.append(
            Line(
                "night_surcharge",
                f"夜间服务 +{rules.night_surcharge_bp / 100:g}%",
                apply_bp(subtotal, rules.night_surcharge_bp),
                {"bp": rules.night_surcharge_bp},
            )
        )

    subsidy = traffic_subsidy(request.nearest_distance_m, rules)
    if subsidy:
        lines.append(
            Line(
                "traffic_subsidy",
                f"交通补贴(服务者距离超过{rules.traffic_subsidy_threshold_m / 1000:g}公里)",
                subsidy,
                {"distance_m": round(request.nearest_distance_m or 0)},
            )
        )

    discountable = sum(line.amount for line in lines if line.code != "traffic_subsidy")
    lines.extend(_discounts(request, rules, lines, discountable, unit_price, units))
    return PriceResult(lines=tuple(lines), units=units)


def _discounts(
    request: PriceRequest,
    rules: PricingRules,
    lines: list[Line],
    discountable: Money,
    unit_price: Money,
    units: int,
) -> list[Line]:
    out: list[Line] = []
    running = sum(line.amount for line in lines)
    card = request.card
    if card is not None:
        if card.service_id != request.service_id:
            raise PricingError(
                "this card is for another service",
                "card_not_applicable",
                {"reason": "service_not_covered", "service_id": card.service_id},
            )
        if card.visits_left < 1:
            raise PricingError(
                "this card has no visits left", "card_not_applicable", {"reason": "no_visits_left"}
            )
        covered = min(units, card.units_per_visit)
        off = min(unit_price * covered, running)
        out.append(Line("service_card", card.label, -off, {"card_id": card.id, "units": covered}))
        running -= off
        discountable -= off

    facts = request.customer
    member_applied = False
    if facts.membership_discount_bp < 10000 and discountable > 0:
        off = min(discountable - apply_bp(discountable, facts.membership_discount_bp), running)
        if off > 0:
            out.append(
                Line(
                    f"membership:{facts.membership_code}",
                    f"{facts.membership_label} {facts.membership_discount_bp / 1000:g}折",
                    -off,
                    {"discount_bp": facts.membership_discount_bp},
                )
            )
            running -= off
            member_applied = True

    coupons = request.coupons
    if len({c.id for c in coupons}) != len(coupons):
        raise PricingError("each coupon once", "coupon_duplicate")
    if len(coupons) > rules.max_coupons_per_order:
        raise PricingError(
            f"at most {rules.max_coupons_per_order} coupon(s) per order",
            "coupon_not_stackable",
            {"reason": "too_many_coupons", "max": rules.max_coupons_per_order},
        )
    if len(coupons) > 1 and not all(c.stackable for c in coupons):
        raise PricingError(
            "these coupons cannot be combined",
            "coupon_not_stackable",
            {"reason": "not_stackable", "coupon_ids": [c.id for c in coupons if not c.stackable]},
        )
    if coupons and member_applied and not rules.coupons_with_membership:
        raise PricingError(
            "coupons do not combine with the member discount",
            "coupon_not_stackable",
            {"reason": "membership_discount_applied"},
        )
    now = request.now or request.local_start
    for coupon in coupons:
        problem = coupon_problem(
            coupon,
            running=running,
            now=now,
            service_id=request.service_id,
            is_first_order=facts.is_first_order,
        )
        if problem is not None:
            raise PricingError(
                "this coupon does not apply",
                "coupon_not_applicable",
                {"coupon_id": coupon.id, **problem},
            )
        off = coupon_value(coupon, running)
        out.append(
            Line(f"coupon:{coupon.kind}", _coupon_label(coupon), -off, {"coupon_id": coupon.id})
        )
        running -= off

    if request.points:
        if request.points < 0 or request.points % rules.points_redeem_block:
            raise PricingError(
                f"redeem points in blocks of {rules.points_redeem_block}",
                "points_invalid",
                {"block": rules.points_redeem_block},
            )
        if request.points > facts.points_balance:
            raise PricingError(
                "not enough points", "points_insufficient", {"balance": facts.points_balance}
            )
        if coupons and not rules.points_with_coupons:
            raise PricingError("points do not combine with coupons", "points_not_stackable")
        value = request.points // rules.points_redeem_block * rules.points_redeem_value
        limit = apply_bp(running, rules.points_max_share_bp)
        if value > limit:
            max_points = limit // max(rules.points_redeem_value, 1) * rules.points_redeem_block
            raise PricingError(
                "too many points for this order",
                "points_exceed_limit",
                {"max_points": max_points, "max_share_bp": rules.points_max_share_bp},
            )
        if value:
            out.append(
                Line("points", f"积分抵扣 {request.points}分", -value, {"points": request.points})
            )
    return out


def price_with_best_coupon(
    request: PriceRequest, rules: PricingRules, held: tuple[CouponOffer, ...]
) -> PriceResult:
    """The lowest price the customer's coupons allow, one coupon at a time (what an app's
    "best coupon picked for you" means); the request's own coupons are ignored. Coupons
    that do not apply here are skipped; with none usable the price has no coupon. Ties
    go to the coupon listed first (the caller lists the soonest to expire first)."""
    best = price(replace(request, coupons=()), rules)
    for coupon in held:
        try:
            candidate = price(replace(request, coupons=(coupon,)), rules)
        except PricingError:
            continue
        if candidate.total < best.total:
            best = candidate
    return best


def price_change_items(
    *,
    rate_card: tuple[dict[str, Any], ...],
    items: tuple[tuple[str, int], ...],
    local_start: datetime,
    rules: PricingRules,
    max_quantity: int = 10,
) -> tuple[Line, ...]:
    """Price on-site extras from the service's published rate card only (no free-form
    prices), with the same night rule as the booking."""
    card = {entry["code"]: entry for entry in rate_card}
    lines: list[Line] = []
    for code, quantity in items:
        entry = card.get(code)
        if entry is None:
            raise PricingError(
                "not on this service's rate card",
                "rate_card_item_unknown",
                {"code": code, "available": sorted(card)},
            )
        if not 1 <= quantity <= max_quantity:
            raise PricingError(
                f"quantity must be 1 to {max_quantity}",
                "quantity_out_of_range",
                {"code": code, "max_quantity": max_quantity},
            )
        lines.append(
            Line(
                f"extra:{code}",
                f"{entry['name_zh']} ×{quantity}",
                int(entry["price"]) * quantity,
                {"code": code, "quantity": quantity, "unit_price": int(entry["price"])},
            )
        )
    if lines and is_night(local_start.hour, rules) and rules.night_surcharge_bp:
        subtotal = sum(line.amount for line in lines)
        lines.append(
            Line(
                "night_surcharge",
                f"夜间服务 +{rules.night_surcharge_bp / 100:g}%",
                apply_bp(subtotal, rules.night_surcharge_bp),
                {"bp": rules.night_surcharge_bp},
            )
        )
    return tuple(lines)


def membership_for(yearly_spend: Money, rules: PricingRules) -> tuple[int, Any]:
    """The level reached by a year's spend: (index, MembershipLevel)."""
    index = 0
    for i, level in enumerate(rules.membership_levels):
        if yearly_spend >= level.min_yearly_spend:
            index = i
    return index, rules.membership_levels[index]


def points_earned(paid: Money, rules: PricingRules) -> int:
    """1 point per whole CNY paid (by setting)."""
    return max(paid, 0) // 100 * rules.points_per_yuan
