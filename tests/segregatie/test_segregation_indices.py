"""Tests of segregation_indices: PySAL agreement on the real KWB data, hand cases, properties."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from segregation.local import MultiLocalEntropy, MultiLocationQuotient
from segregation.multigroup import MultiDissim, MultiInfoTheory, SimpsonsInteraction
from segregation.singlegroup import Atkinson, Dissim, Entropy, Gini, Interaction, Isolation

from wijkanalyse import store
from wijkanalyse.segregatie import indices as si

HERKOMST = ["a_nl_all", "a_eur_al", "a_neu_al"]
AGE = ["a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo"]
PYSAL_TWO_GROUP = {
    "dissimilarity": Dissim, "gini": Gini, "isolation": Isolation, "exposure": Interaction,
    "atkinson": Atkinson, "entropy": Entropy,
}
PYSAL_MULTIGROUP = {
    "multi_dissimilarity": MultiDissim, "multi_information_theory": MultiInfoTheory,
    "simpsons_interaction": SimpsonsInteraction,
}
SAMPLE_SIZE = 40
TOL = 1e-9


def buurt_counts(db: Path, year: int, columns: list[str]) -> pd.DataFrame:
    """Buurt-level counts of one year (one row per buurt, NaN = missing), sorted by code."""
    con = store.connect(db, read_only=True)
    try:
        df = con.execute(
            """
            SELECT o.code, r.gemeente_code, o.indicator_id, o.value
            FROM observation o JOIN regions r USING (year, code)
            WHERE r.level = 'buurt' AND o.year = ? AND list_contains(?, o.indicator_id)
            """,
            [year, columns],
        ).df()
    finally:
        con.close()
    wide = df.pivot(index=["code", "gemeente_code"], columns="indicator_id", values="value")
    return wide.reset_index().sort_values("code", ignore_index=True)


@pytest.fixture(scope="module")
def kwb2024(built_db: Path) -> pd.DataFrame:
    return buurt_counts(built_db, 2024, HERKOMST + AGE)


@pytest.fixture(scope="module")
def sample(kwb2024: pd.DataFrame) -> list[str]:
    gemeenten = np.sort(kwb2024["gemeente_code"].unique())
    rng = np.random.default_rng(2024)
    return sorted(rng.choice(gemeenten, SAMPLE_SIZE, replace=False).tolist())


# Two-group definitions on the real data: (group column, the columns that make up the total).
GROUPS = {
    "buiten Europa": ("a_neu_al", HERKOMST),
    "Nederland": ("a_nl_all", HERKOMST),
    "65 jaar of ouder": ("a_65_oo", AGE),
    "0 tot 15 jaar": ("a_00_14", AGE),
}


def two_group_frame(df: pd.DataFrame, group: str) -> pd.DataFrame:
    column, parts = GROUPS[group]
    return pd.DataFrame({"x": df[column].to_numpy(), "t": df[parts].sum(axis=1).to_numpy(),
                         "gemeente_code": df["gemeente_code"].to_numpy()})


# --------------------------------------------------------------------------------------------
# (1) Agreement with PySAL segregation on the real KWB 2024 data
# --------------------------------------------------------------------------------------------


def test_real_data_shape(kwb2024: pd.DataFrame) -> None:
    assert len(kwb2024) == 14574
    assert kwb2024["gemeente_code"].nunique() == 342
    assert not kwb2024[HERKOMST + AGE].isna().any().any()
    # CBS rounds each count separately: a group can exceed a_inw, so totals are group sums.
    herkomst_total = kwb2024[HERKOMST].sum(axis=1)
    assert (herkomst_total == 0).sum() == 504


@pytest.fixture
def pysal_gini_uncompiled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run PySAL's own Gini code as plain Python: its numba compilation takes 8–20 s."""
    import segregation.singlegroup.gini as pysal_gini

    monkeypatch.setattr(pysal_gini, "_gini_vecp", pysal_gini._gini_vecp.py_func)


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.usefixtures("pysal_gini_uncompiled")
def test_two_group_indices_agree_with_pysal(kwb2024: pd.DataFrame, sample: list[str],
                                            group: str) -> None:
    data = two_group_frame(kwb2024, group)
    by, gemeenten = pd.factorize(data["gemeente_code"])
    ours = {name: f(data["x"], data["t"], by=by) for name, f in si.TWO_GROUP_INDICES.items()}
    for values in ours.values():
        assert values.shape == (342,)
        assert not np.isnan(values).any()
    position = {gm: i for i, gm in enumerate(gemeenten)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL divides 0/0 for empty buurten
        for gm in sample:
            unit = data[data["gemeente_code"] == gm][["x", "t"]]
            for name, cls in PYSAL_TWO_GROUP.items():
                expected = cls(unit, "x", "t").statistic
                assert ours[name][position[gm]] == pytest.approx(expected, abs=TOL), (gm, name)


@pytest.mark.parametrize("columns", [HERKOMST, AGE], ids=["herkomst", "leeftijd"])
def test_multigroup_indices_agree_with_pysal(kwb2024: pd.DataFrame, sample: list[str],
                                             columns: list[str]) -> None:
    by, gemeenten = pd.factorize(kwb2024["gemeente_code"])
    counts = kwb2024[columns].to_numpy()
    ours = {name: f(counts, by=by) for name, f in si.MULTIGROUP_INDICES.items()}
    position = {gm: i for i, gm in enumerate(gemeenten)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gm in sample:
            unit = kwb2024[kwb2024["gemeente_code"] == gm][columns]
            for name, cls in PYSAL_MULTIGROUP.items():
                expected = cls(unit, columns).statistic
                assert ours[name][position[gm]] == pytest.approx(expected, abs=TOL), (gm, name)


def test_local_measures_agree_with_pysal(kwb2024: pd.DataFrame, sample: list[str]) -> None:
    by, gemeenten = pd.factorize(kwb2024["gemeente_code"])
    counts = kwb2024[HERKOMST].to_numpy()
    lq = si.multi_location_quotient(counts, by=by)
    le = si.local_entropy(counts)
    populated = counts.sum(axis=1) > 0
    assert np.isnan(lq[~populated]).all() and np.isnan(le[~populated]).all()
    assert not np.isnan(lq[populated]).any() and not np.isnan(le[populated]).any()
    # The two-group quotient is the column of the multigroup one.
    lq_neu = si.location_quotient(counts[:, 2], counts.sum(axis=1), by=by)
    np.testing.assert_allclose(lq_neu, lq[:, 2], rtol=1e-12, equal_nan=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gm in sample:
            rows = (kwb2024["gemeente_code"] == gm).to_numpy()
            unit = kwb2024.loc[rows, HERKOMST]
            keep = populated[rows]
            expected_lq = MultiLocationQuotient(unit, HERKOMST).statistics
            np.testing.assert_allclose(lq[rows][keep], expected_lq[keep], rtol=0, atol=TOL)
            expected_le = MultiLocalEntropy(unit, HERKOMST).statistics
            np.testing.assert_allclose(le[rows][keep], expected_le[keep], rtol=0, atol=TOL)
    assert len(gemeenten) == 342


def test_real_data_pinned_values(kwb2024: pd.DataFrame) -> None:
    data = two_group_frame(kwb2024, "buiten Europa")
    by, gemeenten = pd.factorize(data["gemeente_code"])
    at = {gm: i for i, gm in enumerate(gemeenten)}
    D = si.dissimilarity(data["x"], data["t"], by=by)
    H = si.multi_information_theory(kwb2024[HERKOMST].to_numpy(), by=by)
    assert D[at["GM0363"]] == pytest.approx(0.298262, abs=1e-6)  # Amsterdam
    assert D[at["GM0518"]] == pytest.approx(0.330228, abs=1e-6)  # 's-Gravenhage
    assert D[at["GM0599"]] == pytest.approx(0.240107, abs=1e-6)  # Rotterdam
    assert H[at["GM0363"]] == pytest.approx(0.076280, abs=1e-6)
    assert si.isolation(data["x"], data["t"], by=by)[at["GM0344"]] == pytest.approx(
        0.372257, abs=1e-6)  # Utrecht
    v = si.validity(data["x"], data["t"], by=by)
    assert v.n_units.sum() == 14574 and v.n_zero.sum() == 504 and v.n_suppressed.sum() == 0
    assert all(r is None for r in v.reasons("dissimilarity"))


# --------------------------------------------------------------------------------------------
# (2) Hand-computed cases
# --------------------------------------------------------------------------------------------


def test_complete_segregation() -> None:
    x, t = [50, 0, 30, 0], [50, 80, 30, 20]
    for name in ("dissimilarity", "gini", "entropy", "atkinson"):
        assert si.TWO_GROUP_INDICES[name](x, t) == pytest.approx(1.0, abs=1e-15), name
    assert si.isolation(x, t) == pytest.approx(1.0)
    assert si.exposure(x, t) == pytest.approx(0.0, abs=1e-15)
    counts = np.array([[50, 0], [0, 80], [30, 0], [0, 20]])
    assert si.multi_dissimilarity(counts) == pytest.approx(1.0)
    assert si.multi_information_theory(counts) == pytest.approx(1.0)


def test_even_spread() -> None:
    x, t = [10, 20, 5], [40, 80, 20]
    for name in ("dissimilarity", "gini", "entropy", "atkinson"):
        assert si.TWO_GROUP_INDICES[name](x, t) == pytest.approx(0.0, abs=1e-15), name
    assert si.isolation(x, t) == pytest.approx(0.25)
    assert si.exposure(x, t) == pytest.approx(0.75)
    np.testing.assert_allclose(si.location_quotient(x, t), [1.0, 1.0, 1.0])


def test_three_units_by_hand() -> None:
    # x = 10, 20, 70 of t = 100 each: X = 100, Y = 200, P = 1/3.
    x, t = [10, 20, 70], [100, 100, 100]
    # D = ½ (|.10 − .45| + |.20 − .40| + |.70 − .15|) = ½ (.35 + .20 + .55)
    assert si.dissimilarity(x, t) == pytest.approx(0.55, abs=1e-15)
    # xPx = .1·.1 + .2·.2 + .7·.7 ; xPy = .1·.9 + .2·.8 + .7·.3
    assert si.isolation(x, t) == pytest.approx(0.54, abs=1e-15)
    assert si.exposure(x, t) == pytest.approx(0.46, abs=1e-15)
    # G = Σ_ij 100² |p_i − p_j| / (2 · 300² · (1/3)(2/3)) = 2 (.1 + .6 + .5) · 10⁴ / 40 000
    assert si.gini(x, t) == pytest.approx(0.6, abs=1e-15)

    def e(p: float) -> float:
        return sum(-q * math.log(q) for q in (p, 1 - p) if q > 0)

    expected_h = sum(100 * (e(1 / 3) - e(p)) for p in (0.1, 0.2, 0.7)) / (e(1 / 3) * 300)
    assert si.entropy(x, t) == pytest.approx(expected_h, abs=1e-15)
    # A(½) = 1 − (P / (1 − P)) · (Σ √((1 − p_i) p_i) t_i / (P T))²
    s = sum(math.sqrt((1 - p) * p) * 100 for p in (0.1, 0.2, 0.7)) / 100
    assert si.atkinson(x, t) == pytest.approx(1 - 0.5 * s**2, abs=1e-15)
    # LQ = p_i / P
    np.testing.assert_allclose(si.location_quotient(x, t), [0.3, 0.6, 2.1])
    # Two groups as a counts matrix give the two-group D and H.
    counts = np.column_stack([x, np.subtract(t, x)])
    assert si.multi_dissimilarity(counts) == pytest.approx(0.55, abs=1e-15)
    assert si.multi_information_theory(counts) == pytest.approx(expected_h, abs=1e-15)
    # Simpson: 1 − (1/3)² − (2/3)² = 4/9
    assert si.simpsons_interaction(counts) == pytest.approx(4 / 9, abs=1e-15)


def test_multigroup_by_hand() -> None:
    counts = np.array([[10, 10, 10], [30, 0, 0], [0, 20, 10]])
    # T = 90, P = (4/9, 3/9, 2/9); I = Σ P_k (1 − P_k) = 1 − (16 + 9 + 4)/81 = 52/81
    assert si.simpsons_interaction(counts) == pytest.approx(52 / 81)
    P = np.array([40, 30, 20]) / 90
    t = counts.sum(axis=1)
    p = counts / t[:, None]
    expected_d = (t[:, None] * np.abs(p - P)).sum() / (2 * 90 * 52 / 81)
    assert si.multi_dissimilarity(counts) == pytest.approx(expected_d, abs=1e-15)
    np.testing.assert_allclose(si.local_entropy(counts),
                               [1.0, 0.0, -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
                                / math.log(3)])
    lq = si.multi_location_quotient(counts)
    np.testing.assert_allclose(lq[1], [1 / P[0], 0.0, 0.0])
    # With K equal groups everywhere Simpson's interaction is 1 − 1/K.
    assert si.simpsons_interaction(np.full((4, 5), 7.0)) == pytest.approx(0.8)


def test_zero_population_units_are_dropped() -> None:
    base = si.dissimilarity([10, 20, 70], [100, 100, 100])
    assert si.dissimilarity([10, 0, 20, np.nan, 70], [100, 0, 100, 0, 100]) == base
    assert si.gini([0, 10, 20, 70, 0], [0, 100, 100, 100, 0]) == pytest.approx(0.6)
    counts = np.array([[10, 90], [0, 0], [20, 80], [70, 30]])
    assert si.multi_dissimilarity(counts) == pytest.approx(0.55)
    assert np.isnan(si.location_quotient([10, 0], [100, 0])[1])
    assert np.isnan(si.local_entropy(counts)[1])
    v = si.validity([10, 0, 20], [100, 0, 100])
    assert (v.n_units[0], v.n_zero[0], v.n_suppressed[0]) == (3, 1, 0)


def test_suppressed_counts_make_the_partition_nan_with_a_reason() -> None:
    x = [10, np.nan, 20, 30, 5, 5]
    t = [100, 50, 100, 100, 50, 50]
    by = np.array([0, 0, 0, 1, 1, 1])
    for name, f in si.TWO_GROUP_INDICES.items():
        result = f(x, t, by=by)
        assert np.isnan(result[0]), name
        assert not np.isnan(result[1]), name
    counts = np.array([[10, 90], [np.nan, 40], [20, 80], [30, 70], [5, 45], [5, 45]])
    for name, f in si.MULTIGROUP_INDICES.items():
        result = f(counts, by=by)
        assert np.isnan(result[0]) and not np.isnan(result[1]), name
    v = si.validity(x, t, by=by)
    assert list(v.n_suppressed) == [1, 0]
    reasons = v.reasons("dissimilarity")
    assert reasons[0] == ("1 van de 3 buurten/wijken hebben geheimgehouden (onderdrukte) "
                          "aantallen: de index zou onvolledig zijn")
    assert reasons[1] is None
    assert si.validity(counts, by=by).n_suppressed.tolist() == [1, 0]
    # Location quotients: the whole partition without a reference share, else only the unit.
    lq = si.location_quotient(x, t, by=by)
    assert np.isnan(lq[:3]).all() and not np.isnan(lq[3:]).any()
    lq = si.location_quotient(x, t, by=by, reference=[0.2, 0.1])
    np.testing.assert_allclose(lq, [0.5, np.nan, 1.0, 3.0, 1.0, 1.0])


def test_undefined_indices_are_nan_not_a_number() -> None:
    absent = ([0, 0], [10, 20])
    everyone = ([10, 20], [10, 20])
    for name in ("dissimilarity", "gini", "entropy", "atkinson"):
        f = si.TWO_GROUP_INDICES[name]
        assert math.isnan(f(*absent)) and math.isnan(f(*everyone)), name
    assert math.isnan(si.isolation(*absent)) and math.isnan(si.exposure(*absent))
    assert si.isolation(*everyone) == 1.0 and si.exposure(*everyone) == 0.0
    assert math.isnan(si.dissimilarity([0, 0], [0, 0]))
    assert math.isnan(si.multi_dissimilarity([[5, 0], [7, 0]]))
    assert math.isnan(si.multi_information_theory([[5, 0], [7, 0]]))
    assert si.simpsons_interaction([[5, 0], [7, 0]]) == 0.0
    # Multigroup H with one absent group of three is still defined (PySAL gives NaN).
    assert si.multi_information_theory([[5, 0, 1], [7, 0, 9]]) == pytest.approx(
        si.entropy([5, 7], [6, 16]))
    v = si.validity([0, 0, 10, 20, 0], [10, 20, 10, 20, 0], by=[0, 0, 1, 1, 2])
    assert v.reasons("dissimilarity") == [
        "de groep komt niet voor (X = 0): de index is niet gedefinieerd",
        "iedereen behoort tot de groep (X = T): de index is niet gedefinieerd",
        "geen inwoners: alle 1 buurten/wijken zijn leeg",
    ]
    assert v.reasons("isolation")[1] is None
    # A partition number without units gives NaN, and says so.
    result = si.dissimilarity([1, 2], [3, 4], by=[0, 2])
    assert np.isnan(result[1]) and not np.isnan(result[0])
    assert si.validity([1, 2], [3, 4], by=[0, 2]).reasons()[1] == (
        "geen buurten of wijken in deze partitie")


def test_input_errors_are_dutch_and_name_the_position() -> None:
    with pytest.raises(si.SegregationInputError, match=r"groter dan het totaal .* rij 2: 12 > 10"):
        si.dissimilarity([1, 2, 12], [5, 5, 10])
    with pytest.raises(si.SegregationInputError, match=r"'t' is negatief op rij 1: -5"):
        si.gini([1, 0], [5, -5])
    with pytest.raises(si.SegregationInputError, match="oneindig op rij 0"):
        si.entropy([np.inf], [5])
    with pytest.raises(si.SegregationInputError, match="'x' heeft 2 waarden en 't' 3"):
        si.isolation([1, 2], [3, 4, 5])
    with pytest.raises(si.SegregationInputError, match="gehele getallen"):
        si.exposure([1, 2], [3, 4], by=[0.0, 1.0])
    with pytest.raises(si.SegregationInputError, match="'by' is negatief op rij 1"):
        si.exposure([1, 2], [3, 4], by=[0, -1])
    with pytest.raises(si.SegregationInputError, match="'by' heeft 1 waarden"):
        si.exposure([1, 2], [3, 4], by=[0])
    with pytest.raises(si.SegregationInputError, match="rij 1, kolom 0"):
        si.multi_dissimilarity([[1, 2], [-1, 3]])
    with pytest.raises(si.SegregationInputError, match="minstens twee"):
        si.simpsons_interaction([[1], [2]])
    with pytest.raises(si.SegregationInputError, match="tussen 0 en 1"):
        si.atkinson([1], [2], b=1.0)
    with pytest.raises(si.SegregationInputError, match="geen getal"):
        si.dissimilarity(["a"], [2])
    with pytest.raises(si.SegregationInputError, match="aandeel tussen 0 en 1"):
        si.location_quotient([1], [2], reference=1.5)
    assert issubclass(si.SegregationInputError, ValueError)


def test_pandas_input_with_missing_values() -> None:
    x = pd.Series([10, None, 20], dtype="Int64")
    t = pd.Series([100, 100, 100], dtype="Int64")
    assert math.isnan(si.dissimilarity(x, t))
    assert si.dissimilarity(x.fillna(0), t) == pytest.approx(si.dissimilarity([10, 0, 20], t))


def test_concentration_flag() -> None:
    lq = np.array([2.0, 1.6, 1.5, 1.4, np.nan, 3.0])
    count = np.array([100, 60, 50, 500, 100, 10])
    assert si.concentration_flag(lq, count=count).tolist() == [
        True, True, True, False, False, False]
    assert si.concentration_flag(lq, count=count, threshold=1.8, min_count=0).tolist() == [
        True, False, False, False, False, True]
    with pytest.raises(si.SegregationInputError, match="dezelfde vorm"):
        si.concentration_flag(lq, count=count[:2])


# --------------------------------------------------------------------------------------------
# Shapley decomposition with IPF counterfactuals
# --------------------------------------------------------------------------------------------


def test_ipf_two_by_two_by_hand() -> None:
    # Seed [[30, 10], [20, 40]] (odds ratio 6), rows kept (40, 60), target group share 0.6 →
    # group column (60, 40). With m the first cell: m² / ((40 − m)(60 − m)) = 6, i.e.
    # m² − 120 m + 2880 = 0, m = 60 − √720.
    x, converged = si.ipf_counterfactual([30, 20], [40, 60], share=0.6)
    m = 60 - math.sqrt(720)
    np.testing.assert_allclose(x, [m, 60 - m], rtol=1e-10)
    assert converged.tolist() == [True]
    odds = (x[0] / (40 - x[0])) / (x[1] / (60 - x[1]))
    assert odds == pytest.approx(6.0, rel=1e-9)
    # Impossible margins (complete segregation, other share) do not converge: NaN, not a guess.
    x, converged = si.ipf_counterfactual([5, 0], [5, 5], share=0.6)
    assert np.isnan(x).all() and converged.tolist() == [False]


def test_shapley_by_hand_and_invariants() -> None:
    x0, t0 = [30, 20], [40, 60]
    x1, t1 = [45, 15], [50, 50]
    r = si.shapley_decomposition(x0, t0, x1, t1, index="dissimilarity")
    d0 = 0.5 * (abs(30 / 50 - 10 / 50) + abs(20 / 50 - 40 / 50))
    d1 = 0.5 * (abs(45 / 60 - 5 / 40) + abs(15 / 60 - 35 / 40))
    assert r.index0 == pytest.approx(d0) and r.index1 == pytest.approx(d1)
    # Counterfactual d0 with year 1's share (0.6): the hand-computed IPF table above.
    m = 60 - math.sqrt(720)
    d01 = 0.5 * (abs(m / 60 - (40 - m) / 40) + abs((60 - m) / 60 - m / 40))
    assert r.counterfactual_01 == pytest.approx(d01, abs=1e-9)
    assert r.composition == pytest.approx(
        0.5 * ((d01 - d0) + (d1 - r.counterfactual_10)), abs=1e-12)
    assert r.composition + r.redistribution == pytest.approx(r.total_change, abs=1e-15)
    assert r.converged is True


def test_shapley_pure_composition_and_pure_redistribution() -> None:
    rng = np.random.default_rng(7)
    t0 = rng.integers(50, 2000, 30).astype(float)
    x0 = np.floor(t0 * rng.beta(1, 3, 30))
    # Year 1 = year 0's structure with another group share: all change is composition.
    x1, _ = si.ipf_counterfactual(x0, t0, share=0.5)
    for index in ("dissimilarity", "entropy"):
        r = si.shapley_decomposition(x0, t0, x1, t0, index=index)
        assert r.redistribution == pytest.approx(0.0, abs=1e-9)
        assert r.composition == pytest.approx(r.total_change, abs=1e-9)
        assert abs(r.total_change) > 1e-3
    # Year 1 = other unit sizes and other compositions, same group share: all change is
    # redistribution.
    share = x0.sum() / t0.sum()
    t1 = t0[rng.permutation(30)]
    weight = rng.uniform(0.5, 1.5, 30)
    x1 = t1 * share * weight * t1.sum() / (t1 * weight).sum()
    assert x1.sum() / t1.sum() == pytest.approx(share, rel=1e-12)
    for index in ("dissimilarity", "entropy"):
        r = si.shapley_decomposition(x0, t0, x1, t1, index=index)
        assert r.composition == pytest.approx(0.0, abs=1e-9)
        assert r.redistribution == pytest.approx(r.total_change, abs=1e-9)
        assert abs(r.total_change) > 1e-2
    # Identical years: nothing changes.
    r = si.shapley_decomposition(x0, t0, x0, t0, index="entropy")
    assert (r.total_change, r.composition, r.redistribution) == (0.0, 0.0, 0.0)


def test_shapley_checks_alignment() -> None:
    with pytest.raises(si.SegregationInputError, match="dezelfde buurten"):
        si.shapley_decomposition([1, 2], [3, 4], [1], [3])
    with pytest.raises(si.SegregationInputError, match=r"rij 1: 'BU02' tegenover 'BU03'"):
        si.shapley_decomposition([1, 2], [3, 4], [1, 2], [3, 4], codes0=["BU01", "BU02"],
                                 codes1=["BU01", "BU03"])
    with pytest.raises(si.SegregationInputError, match="Onbekende index"):
        si.shapley_decomposition([1, 2], [3, 4], [1, 2], [3, 4], index="M")


def test_shapley_on_real_data_2019_2021(built_db: Path) -> None:
    """Share of 65+ in the buurten of Amsterdam, Den Haag and Utrecht, 2019 → 2021."""
    y0, y1 = buurt_counts(built_db, 2019, AGE), buurt_counts(built_db, 2021, AGE)
    both = y0.merge(y1, on=["code", "gemeente_code"], suffixes=("_0", "_1"))
    assert len(both) == 704
    by, gemeenten = pd.factorize(both["gemeente_code"], sort=True)
    assert list(gemeenten) == ["GM0344", "GM0363", "GM0518"]
    t0 = both[[f"{c}_0" for c in AGE]].sum(axis=1)
    t1 = both[[f"{c}_1" for c in AGE]].sum(axis=1)
    for index in ("dissimilarity", "entropy"):
        r = si.shapley_decomposition(both["a_65_oo_0"], t0, both["a_65_oo_1"], t1,
                                     index=index, by=by, codes0=both["code"],
                                     codes1=both["code"])
        assert r.converged.all()
        np.testing.assert_allclose(r.composition + r.redistribution, r.total_change,
                                   rtol=0, atol=1e-15)
        np.testing.assert_allclose(r.index0, si.TWO_GROUP_INDICES[index](
            both["a_65_oo_0"], t0, by=by), rtol=0, atol=0)
        # The by-version equals one call per gemeente.
        for g in range(3):
            rows = by == g
            one = si.shapley_decomposition(both["a_65_oo_0"][rows], t0[rows],
                                           both["a_65_oo_1"][rows], t1[rows], index=index)
            assert one.composition == pytest.approx(r.composition[g], abs=1e-10)
            assert one.redistribution == pytest.approx(r.redistribution[g], abs=1e-10)


# --------------------------------------------------------------------------------------------
# (3) Properties (Hypothesis)
# --------------------------------------------------------------------------------------------


@st.composite
def partitions(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 25))
    t = np.array(draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n)), dtype=float)
    frac = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    x = np.floor(frac * t)
    by = np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int64)
    return x, t, by


PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def same(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=tol, equal_nan=True)


@PROPERTY
@given(partitions(), st.sampled_from([0.5, 3.0, 1000.0]))
def test_scaling_changes_no_index(data: tuple, factor: float) -> None:
    x, t, by = data
    for f in si.TWO_GROUP_INDICES.values():
        same(f(x, t, by=by), f(x * factor, t * factor, by=by))
    counts = np.column_stack([x, t - x])
    for f in si.MULTIGROUP_INDICES.values():
        same(f(counts, by=by), f(counts * factor, by=by))
    same(si.location_quotient(x, t, by=by), si.location_quotient(x * factor, t * factor, by=by))


@PROPERTY
@given(partitions())
def test_swapping_group_and_rest(data: tuple) -> None:
    x, t, by = data
    for name in ("dissimilarity", "gini", "entropy"):
        f = si.TWO_GROUP_INDICES[name]
        same(f(x, t, by=by), f(t - x, t, by=by))
    counts = np.column_stack([x, t - x])
    for f in (si.multi_dissimilarity, si.multi_information_theory):
        same(f(counts, by=by), f(counts[:, ::-1], by=by))


@PROPERTY
@given(partitions())
def test_isolation_plus_exposure_and_bounds(data: tuple) -> None:
    x, t, by = data
    iso, exp = si.isolation(x, t, by=by), si.exposure(x, t, by=by)
    defined = ~np.isnan(iso)
    np.testing.assert_allclose(iso[defined] + exp[defined], 1.0, atol=1e-12)
    X = np.bincount(by, weights=x, minlength=len(iso))
    T = np.bincount(by, weights=t, minlength=len(iso))
    P = np.where(T > 0, X / np.where(T > 0, T, 1), np.nan)
    assert (iso[defined] >= P[defined]).all() and (iso[defined] <= 1).all()
    for name in ("dissimilarity", "gini", "entropy", "atkinson"):
        v = si.TWO_GROUP_INDICES[name](x, t, by=by)
        v = v[~np.isnan(v)]
        assert ((v >= 0) & (v <= 1)).all(), name
    counts = np.column_stack([x, t - x, np.floor(t / 3)])
    for name, f in si.MULTIGROUP_INDICES.items():
        v = f(counts, by=by)
        v = v[~np.isnan(v)]
        assert ((v >= 0) & (v <= 1)).all(), name
    le = si.local_entropy(counts)
    assert ((le[~np.isnan(le)] >= 0) & (le[~np.isnan(le)] <= 1)).all()


@PROPERTY
@given(partitions(), st.randoms(use_true_random=False))
def test_permuting_units_changes_nothing(data: tuple, rnd) -> None:
    x, t, by = data
    order = list(range(len(x)))
    rnd.shuffle(order)
    for f in si.TWO_GROUP_INDICES.values():
        same(f(x, t, by=by), f(x[order], t[order], by=by[order]), tol=1e-12)
    counts = np.column_stack([x, t - x])
    for f in si.MULTIGROUP_INDICES.values():
        same(f(counts, by=by), f(counts[order], by=by[order]), tol=1e-12)


@PROPERTY
@given(partitions())
def test_by_equals_each_partition_separately(data: tuple) -> None:
    x, t, by = data
    counts = np.column_stack([x, t - x])
    n_parts = int(by.max()) + 1
    for f in si.TWO_GROUP_INDICES.values():
        together = f(x, t, by=by)
        assert together.shape == (n_parts,)
        for g in range(n_parts):
            rows = by == g
            same(together[g], f(x[rows], t[rows]), tol=1e-12)
    for f in si.MULTIGROUP_INDICES.values():
        together = f(counts, by=by)
        for g in range(n_parts):
            rows = by == g
            same(together[g], f(counts[rows]), tol=1e-12)


@PROPERTY
@given(partitions(), st.integers(0, 2**32 - 1))
def test_shapley_components_sum_to_the_change(data: tuple, seed: int) -> None:
    x0, t0, by = data
    rng = np.random.default_rng(seed)
    t1 = t0 + rng.integers(0, 50, len(t0))
    x1 = np.minimum(np.floor(x0 * rng.uniform(0.5, 1.5, len(x0))), t1)
    for index in ("dissimilarity", "entropy"):
        r = si.shapley_decomposition(x0, t0, x1, t1, index=index, by=by)
        ok = ~np.isnan(r.composition)
        np.testing.assert_allclose(r.composition[ok] + r.redistribution[ok],
                                   r.total_change[ok], atol=1e-12)
        # NaN components only where the index itself or IPF is undefined, never silently.
        assert (np.isnan(r.index0[~ok]) | np.isnan(r.index1[~ok]) | ~r.converged[~ok]).all()
