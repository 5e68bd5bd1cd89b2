"""SGR and Learn-then-Test certificates: exact bounds, the search, ties, infeasibility, the guarantee."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import beta, binom

from tessel.runtime.errors import InvalidArgument
from tessel_selective_trainer.core.certification import METHODS, certify_risk, clopper_pearson_upper

TRIPLES = [(k, m, d) for m in (1, 2, 3, 7, 22, 100, 1000, 25000) for k in sorted({0, 1, m // 3, m - 1, m})
           for d in (0.5, 0.05, 0.001, 1e-9)]


@pytest.mark.parametrize(("k", "m", "delta"), TRIPLES)
def test_bound_is_the_clopper_pearson_upper_limit(k, m, delta):
    bound = float(clopper_pearson_upper(k, m, delta))
    if k == m:
        assert bound == 1.0
        return
    # beta.ppf(1 - δ) loses digits once 1 - δ rounds (δ = 1e-9); beta.isf(δ) is the same quantile, exact
    assert bound == pytest.approx(beta.ppf(1 - delta, k + 1, m - k), rel=1e-9 if delta > 1e-6 else 1e-6)
    assert bound == pytest.approx(beta.isf(delta, k + 1, m - k), rel=1e-12)
    # the defining equation: P(Binomial(m, b) <= k) = delta
    assert binom.cdf(k, m, bound) == pytest.approx(delta, rel=1e-6)
    if k == 0:
        assert bound == pytest.approx(-math.expm1(math.log(delta) / m), rel=1e-9)


def test_integer_counts_avoid_the_truncation_the_reference_code_suffers():
    # int(22 * (15 / 22)) == 14 in floating point; the bound must use 15 errors.
    assert int(22 * (15 / 22)) == 14
    assert float(clopper_pearson_upper(15, 22, 0.001)) > float(clopper_pearson_upper(14, 22, 0.001))
    assert float(clopper_pearson_upper(15, 22, 0.001)) == pytest.approx(beta.ppf(0.999, 16, 7))


def test_empty_coverage_is_vacuous():
    assert float(clopper_pearson_upper(0, 0, 0.01)) == 1.0


def _synthetic(m: int, seed: int):
    rng = np.random.default_rng(seed)
    kappa = rng.random(m)
    errors = (rng.random(m) < 0.3 * (1 - kappa)).astype(np.int64)  # P(error | κ) = 0.3 (1 - κ)
    return kappa, errors


def test_sgr_runs_ceil_log2_m_tests_and_reports_the_covered_counts():
    kappa, errors = _synthetic(5000, 1)
    result = certify_risk(kappa, errors, risk_target=0.05, delta=0.001)
    assert result.feasible and result.method == "sgr"
    assert result.tests == 13 and result.per_test_delta == pytest.approx(0.001 / 13)
    covered = kappa >= result.threshold
    assert result.covered_count == covered.sum()
    assert result.covered_errors == errors[covered].sum()
    assert result.coverage == pytest.approx(covered.mean())
    assert result.selective_risk == pytest.approx(errors[covered].mean())
    assert result.bound == pytest.approx(beta.ppf(1 - 0.001 / 13, result.covered_errors + 1,
                                                   result.covered_count - result.covered_errors))
    assert result.selective_risk < result.bound < 0.05
    # the population risk at coverage c is 0.15 c, so r* = 0.05 is reached at c = 1/3: certified coverage is below
    assert 0.1 < result.coverage < 1 / 3


def test_sgr_returns_the_best_passing_threshold_not_the_last_iterate():
    kappa, errors = _synthetic(3000, 2)
    result = certify_risk(kappa, errors, risk_target=0.08, delta=0.01)
    # replay the bisection by hand and collect every tested threshold
    asc = np.sort(kappa)
    tests = math.ceil(math.log2(len(kappa)))
    low, high, passing = 1, len(kappa), []
    for _ in range(tests):
        rank = math.ceil((low + high) / 2)
        theta = asc[rank - 1]
        covered = kappa >= theta
        bound = clopper_pearson_upper(errors[covered].sum(), covered.sum(), 0.01 / tests)
        if bound < 0.08:
            passing.append(covered.sum())
            high = rank
        else:
            low = rank
    assert result.covered_count == max(passing)


def test_ties_in_confidence_are_covered_together():
    kappa = np.array([1.0] * 60 + [0.9] * 30 + [0.2] * 10)
    errors = np.array([0] * 60 + [0] * 29 + [1] + [1] * 10)
    result = certify_risk(kappa, errors, risk_target=0.1, delta=0.05)
    assert result.feasible
    assert result.threshold in (1.0, 0.9)
    assert result.covered_count == (kappa >= result.threshold).sum()
    assert result.covered_errors == errors[kappa >= result.threshold].sum()
    # every method agrees on the counts of whatever threshold it returns
    for method in METHODS:
        r = certify_risk(kappa, errors, risk_target=0.1, delta=0.05, method=method)
        if r.feasible:
            assert r.covered_count in (60, 90)


@pytest.mark.parametrize("method", METHODS)
def test_an_unreachable_target_is_infeasible_with_the_smallest_bound(method):
    kappa, errors = _synthetic(200, 3)
    result = certify_risk(kappa, errors, risk_target=0.001, delta=0.001, method=method)
    assert not result.feasible
    assert result.threshold is None and result.bound is None and result.coverage == 0.0
    # zero errors on all 200 points at the per-test level is the best conceivable bound
    assert result.min_achievable_bound >= 1 - result.per_test_delta ** (1 / 200) - 1e-12
    assert result.min_achievable_bound > 0.001


def test_single_example():
    ok = certify_risk(np.array([0.7]), np.array([0]), risk_target=0.96, delta=0.05)
    assert ok.feasible and ok.tests == 1 and ok.bound == pytest.approx(0.95)
    no = certify_risk(np.array([0.7]), np.array([1]), risk_target=0.96, delta=0.05)
    assert not no.feasible and no.min_achievable_bound == 1.0


def test_fixed_sequence_stops_at_the_first_failure_and_uses_full_delta():
    kappa = np.linspace(1, 0, 1000)
    errors = np.zeros(1000, dtype=int)
    errors[600:] = 1  # the 600 most confident are right
    result = certify_risk(kappa, errors, risk_target=0.02, delta=0.01, method="fixed_sequence")
    assert result.per_test_delta == 0.01
    assert result.feasible and result.covered_errors <= 4
    nxt = clopper_pearson_upper(result.covered_errors + 1, result.covered_count + 1, 0.01)
    assert nxt >= 0.02 > result.bound


def test_bonferroni_tests_the_grid_at_delta_over_its_size():
    kappa, errors = _synthetic(2000, 4)
    result = certify_risk(kappa, errors, risk_target=0.1, delta=0.001, method="bonferroni", grid_size=50)
    assert result.tests == 50 and result.per_test_delta == pytest.approx(0.001 / 50)
    assert result.feasible and result.covered_count % 40 == 0  # coverage quantiles j/50 of 2000 points


@pytest.mark.parametrize("method", METHODS)
def test_the_guarantee_holds_in_simulation(method):
    """Violation rate P(true selective risk at θ > bound) <= δ within sampling error."""
    delta, reps = 0.1, 400
    violations = 0
    for seed in range(reps):
        kappa, errors = _synthetic(500, 1000 + seed)
        result = certify_risk(kappa, errors, risk_target=0.06, delta=delta, method=method)
        if result.feasible:
            true_risk = 0.15 * (1 - result.threshold)  # E[0.3 (1 - κ) | κ >= θ], κ ~ U(0, 1)
            violations += true_risk > result.bound
    assert violations / reps <= delta + 3 * math.sqrt(delta * (1 - delta) / reps)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(risk_target=0.0), "risk_target"),
        (dict(risk_target=1.0), "risk_target"),
        (dict(risk_target=float("nan")), "risk_target"),
        (dict(delta=0.0), "delta"),
        (dict(delta=1.5), "delta"),
        (dict(errors=np.array([0, 1])), "errors"),
        (dict(errors=np.array([0, 1, 2])), "errors"),
        (dict(errors=np.array([0, 0.5, 1])), "errors"),
        (dict(errors=np.array([0, np.nan, 1])), "errors"),
        (dict(confidence=np.array([0.1, np.nan, 0.3])), "confidence"),
        (dict(confidence=np.array([[0.1, 0.2, 0.3]])), "confidence"),
        (dict(confidence=np.array([]), errors=np.array([])), "confidence"),
        (dict(method="holm"), "method"),
        (dict(grid_size=0), "grid_size"),
        # a client-sized grid must not allocate what it asks for (2**31 - 1 once took ~22 GB)
        (dict(method="bonferroni", grid_size=2**31 - 1), "grid_size"),
    ],
)
def test_invalid_inputs_name_the_field(kwargs, field):
    arguments = dict(confidence=np.array([0.1, 0.2, 0.3]), errors=np.array([0, 1, 0]), risk_target=0.1, delta=0.01)
    arguments |= kwargs
    with pytest.raises(InvalidArgument) as raised:
        certify_risk(arguments.pop("confidence"), arguments.pop("errors"), **arguments)
    assert raised.value.field == field


def test_boolean_and_float_errors_are_accepted():
    kappa, errors = _synthetic(400, 5)
    as_int = certify_risk(kappa, errors, risk_target=0.1, delta=0.01)
    assert certify_risk(kappa, errors.astype(bool), risk_target=0.1, delta=0.01) == as_int
    assert certify_risk(kappa.astype(np.float32).astype(float), errors.astype(np.float32), risk_target=0.1,
                        delta=0.01).covered_count == as_int.covered_count
