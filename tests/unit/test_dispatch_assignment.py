import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from server.dispatch.assignment import assign_optimal
from simulation.baselines import assign_exhaustive, greedy_best_first, greedy_nearest_first


@st.composite
def problems(draw, max_jobs=7, max_techs=8):
    n = draw(st.integers(0, max_jobs))
    m = draw(st.integers(0, max_techs))
    scores = draw(arrays(np.float64, (n, m), elements=st.floats(0, 1, allow_nan=False)))
    mask = draw(arrays(np.bool_, (n, m)))
    dist = draw(arrays(np.float64, (n, m), elements=st.floats(0, 20_000, allow_nan=False)))
    return scores, mask, dist


def _valid(a, mask):
    jobs = [j for j, _ in a.pairs]
    techs = [t for _, t in a.pairs]
    assert len(set(jobs)) == len(jobs), "a job assigned twice"
    assert len(set(techs)) == len(techs), "a technician assigned twice"
    assert all(mask[j, t] for j, t in a.pairs), "an infeasible pair was assigned"


@settings(max_examples=400, deadline=None)
@given(problems())
def test_optimal_is_valid_exact_and_beats_greedy(problem):
    scores, mask, dist = problem
    opt = assign_optimal(scores, mask)
    _valid(opt, mask)
    for baseline in (greedy_best_first(scores, mask), greedy_nearest_first(scores, dist, mask)):
        _valid(baseline, mask)
        assert opt.total >= baseline.total - 1e-9
    assert opt.total == pytest.approx(assign_exhaustive(scores, mask).total, abs=1e-9)
    assert set(opt.unassigned_jobs) == set(range(scores.shape[0])) - {j for j, _ in opt.pairs}


@settings(max_examples=200, deadline=None)
@given(problems())
def test_coverage_mode_maximizes_the_number_of_assigned_jobs(problem):
    scores, mask, dist = problem
    cov = assign_optimal(scores, mask, prefer_coverage=True)
    _valid(cov, mask)
    most = len(assign_exhaustive(np.ones_like(scores), mask).pairs) if scores.size else 0
    assert len(cov.pairs) == most
    assert len(cov.pairs) >= len(greedy_nearest_first(scores, dist, mask).pairs)


def test_weight_and_coverage_objectives_differ_when_they_should():
    # Job 0 is worth a lot with tech 0; job 1 can only use tech 0 and is worth little.
    scores = np.array([[10.0, 1.0], [1.0, np.nan]])
    by_weight = assign_optimal(scores)
    assert by_weight.pairs == ((0, 0),) and by_weight.total == 10.0
    by_cover = assign_optimal(scores, prefer_coverage=True)
    assert by_cover.pairs == ((0, 1), (1, 0)) and by_cover.total == 2.0


def test_greedy_nearest_first_can_be_beaten():
    # Job 0 takes the nearest (tech 0), which job 1 needed; the optimum swaps them.
    scores = np.array([[0.6, 0.5], [0.9, 0.0]])
    mask = np.array([[True, True], [True, False]])
    dist = np.array([[100.0, 200.0], [100.0, 1.0]])
    greedy = greedy_nearest_first(scores, dist, mask)
    assert greedy.pairs == ((0, 0),)
    opt = assign_optimal(scores, mask)
    assert opt.pairs == ((0, 1), (1, 0)) and opt.total == pytest.approx(1.4)


def test_edge_cases():
    assert assign_optimal(np.zeros((0, 3))).pairs == ()
    assert assign_optimal(np.full((2, 2), np.nan)).unassigned_jobs == (0, 1)
    with pytest.raises(ValueError):
        assign_optimal(np.array([[-1.0]]))
    with pytest.raises(ValueError):
        assign_optimal(np.zeros(3))
    with pytest.raises(ValueError):
        assign_optimal(np.zeros((2, 2)), np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError):
        assign_exhaustive(np.zeros((9, 9)))


def test_large_rectangular_instance():
    rng = np.random.default_rng(7)
    scores = rng.random((300, 200))
    mask = rng.random((300, 200)) < 0.3
    opt = assign_optimal(scores, mask)
    _valid(opt, mask)
    assert len(opt.pairs) <= 200
    assert opt.total >= greedy_best_first(scores, mask).total
