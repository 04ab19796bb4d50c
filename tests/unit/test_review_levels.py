from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from server.reviews import levels as lv
from server.rules.reviews import ReviewRules

RULES = ReviewRules()


def rating(i: int, v: int = 5, **kw) -> lv.Rating:
    return lv.Rating(
        review_id=f"rev_{i}", **{"response": v, "skill": v, "attitude": v, "care": v, **kw}
    )


def test_new_technician_starts_from_the_prior():
    card = lv.score([], [], RULES)
    assert card.ratings == 0 and card.smoothed_mean == RULES.prior_mean
    assert card.level == "B"  # 87.5 points but not enough ratings for A
    assert card.next_level == "A" and card.next_level_needs == {"ratings": 10.0}


def test_many_five_stars_reach_s_and_a_complaint_drops_it():
    ratings = [rating(i) for i in range(30)]
    card = lv.score(ratings, [], RULES)
    assert card.level == "S" and card.next_level is None
    penalties = [lv.penalty_for("upheld_complaint", "cmp_1", RULES)] * 2
    card = lv.score(ratings, penalties, RULES)
    assert card.penalty_points == 10 and card.level == "A" and card.next_level_needs["score"] > 0


def test_poor_ratings_are_c():
    card = lv.score([rating(i, 2) for i in range(20)], [], RULES)
    assert card.level == "C"
    assert card.dimension_means == {"response": 2, "skill": 2, "attitude": 2, "care": 2}


def test_weights_apply():
    r = rating(1, 5, care=1)
    expected = (
        RULES.weight_response * 5
        + RULES.weight_skill * 5
        + RULES.weight_attitude * 5
        + RULES.weight_care
    ) / 100
    assert abs(lv.rating_mean(r, RULES) - expected) < 1e-9


_dim = st.integers(1, 5)


@given(st.lists(st.tuples(_dim, _dim, _dim, _dim), max_size=40), st.integers(0, 5))
def test_score_bounded_and_monotone_in_penalties(values, complaints):
    ratings = [lv.Rating(f"r{i}", *v) for i, v in enumerate(values)]
    penalties = [lv.penalty_for("upheld_complaint", f"c{i}", RULES) for i in range(complaints)]
    card = lv.score(ratings, penalties, RULES)
    more = lv.score(ratings, [*penalties, lv.penalty_for("late_arrival", "x", RULES)], RULES)
    assert 0 <= card.score <= 100 and more.score <= card.score
    order = [level.code for level in RULES.levels]
    assert order.index(more.level) >= order.index(card.level)


def test_quarters():
    assert lv.quarter_of(date(2026, 6, 1)) == ("2026Q2", date(2026, 4, 1), date(2026, 7, 1))
    assert lv.quarter_of(date(2026, 12, 31)) == ("2026Q4", date(2026, 10, 1), date(2027, 1, 1))
    assert lv.previous_quarter(date(2026, 1, 5)) == ("2025Q4", date(2025, 10, 1), date(2026, 1, 1))
