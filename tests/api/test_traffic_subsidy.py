"""The traffic subsidy of a quote (seed 002: a technician farther than 5 km costs the
customer a subsidy) comes from the nearest technician with the service's skills, found
in growing boxes around the address on indexed columns."""

from __future__ import annotations

from tests.api.test_dispatch import north_km, ready_technician


def _subsidy(api, customer: dict) -> int:  # noqa: ANN001
    quote = api.quote(customer)
    return sum(line["amount"] for line in quote["lines"] if line["code"] == "traffic_subsidy")


def test_no_technician_with_the_skills_means_no_subsidy(api):  # noqa: ANN001
    operator = api.staff("operator")
    ready_technician(
        api, "王师傅", home=north_km(1), skills=("appliance_repair",), operator=operator
    )
    assert _subsidy(api, api.register()) == 0


def test_the_nearest_skilled_technician_sets_the_subsidy(api):  # noqa: ANN001
    operator, customer = api.staff("operator"), api.register()
    ready_technician(api, "远师傅", home=north_km(8.5), operator=operator)
    # 8.5 km: 5 km free, 4 started km at 2 yuan past it, on a 10 yuan base (default rules)
    assert _subsidy(api, customer) == 1000 + 4 * 200
    ready_technician(api, "更远师傅", home=north_km(40), operator=operator)
    assert _subsidy(api, customer) == 1000 + 4 * 200  # a farther one changes nothing
    ready_technician(api, "近师傅", home=north_km(3), operator=operator)
    assert _subsidy(api, customer) == 0


def test_only_technicians_past_the_cap_distance_cost_the_cap(api):  # noqa: ANN001
    operator = api.staff("operator")
    ready_technician(api, "很远师傅", home=north_km(60), operator=operator)
    assert _subsidy(api, api.register()) == 5000
