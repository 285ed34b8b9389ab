"""Tests of wijkanalyse.gebieden.aggregate: hand-computed cases, properties and the real KWB 2024
file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.errors import CatalogueError
from wijkanalyse.gebieden.aggregate import (
    RESULT_COLUMNS,
    aggregate,
    aggregate_many,
    indicator_table,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KWB_2024 = SHARED_DATA / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"
SECRET = "ontbreekt of geheim (CBS '.')"

# A small catalogue table, as in the store's ``indicators`` table.
INDICATORS = pd.DataFrame(
    {
        "id": ["a_inw", "a_65plus", "p_65plus", "g_score", "stedelijkheid"],
        "kind": ["count", "count", "rate", "score", "code"],
        "aggregation": ["sum", "sum", "weighted", "weighted", "none"],
        "base": [None, None, "a_inw", "a_inw", None],
    }
)


def obs(*rows: tuple) -> pd.DataFrame:
    """Observations (indicator_id, year, code, value[, missing_reason]) as a long frame."""
    full = [r if len(r) == 5 else (*r, None) for r in rows]
    frame = pd.DataFrame(full, columns=["indicator_id", "year", "code", "value", "missing_reason"])
    frame["value"] = frame["value"].astype("float64")
    return frame


def one(result: pd.DataFrame, indicator: str, year: int = 2024) -> pd.Series:
    hit = result[(result["indicator_id"] == indicator) & (result["year"] == year)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# ---------------------------------------------------------------- hand-computed cases


def test_counts_are_summed() -> None:
    values = obs(("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 200))
    res = aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS)
    assert list(res.columns) == RESULT_COLUMNS
    row = one(res, "a_inw")
    assert row["value"] == 300.0
    assert bool(row["complete"]) is True
    assert row["n_parts"] == 2 and row["n_present"] == 2
    assert row["missing_parts"] == [] and row["reason"] is None


def test_rate_is_weighted_by_base_not_plain_mean() -> None:
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 300),
        ("p_65plus", 2024, "BU00010001", 10.0), ("p_65plus", 2024, "BU00010002", 40.0),
    )
    res = aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS)
    row = one(res, "p_65plus")
    # (10 * 100 + 40 * 300) / 400 = 32.5, the plain mean would be 25
    assert row["value"] == pytest.approx(32.5, abs=1e-12)
    assert bool(row["complete"]) is True


def test_weight_of_other_year_is_not_used() -> None:
    values = obs(
        ("a_inw", 2023, "BU00010001", 100), ("a_inw", 2023, "BU00010002", 300),
        ("a_inw", 2024, "BU00010001", 300), ("a_inw", 2024, "BU00010002", 100),
        ("p_65plus", 2024, "BU00010001", 10.0), ("p_65plus", 2024, "BU00010002", 40.0),
    )
    res = aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS)
    assert one(res, "p_65plus")["value"] == pytest.approx((10 * 300 + 40 * 100) / 400)  # 17.5
    assert one(res, "a_inw", 2023)["value"] == 400.0


def test_suppressed_part_makes_aggregate_missing() -> None:
    members = ["BU00010001", "BU00010002", "BU00010003"]
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 200),
        ("a_inw", 2024, "BU00010003", np.nan, SECRET),
    )
    row = one(aggregate(values, members=members, indicators=INDICATORS), "a_inw")
    assert math.isnan(row["value"])  # not a silently smaller 300
    assert bool(row["complete"]) is False
    assert row["missing_parts"] == ["BU00010003"]
    assert row["n_present"] == 2
    assert row["reason"] == "1 van 3 buurten: ontbreekt of geheim (CBS '.')"


def test_partial_returns_sum_of_present_parts_but_incomplete() -> None:
    members = ["BU00010001", "BU00010002", "BU00010003"]
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 200),
        ("a_inw", 2024, "BU00010003", np.nan, SECRET),
    )
    row = one(aggregate(values, members=members, indicators=INDICATORS, partial=True), "a_inw")
    assert row["value"] == 300.0
    assert bool(row["complete"]) is False
    assert row["missing_parts"] == ["BU00010003"]
    assert "CBS '.'" in row["reason"]
    assert "gedeeltelijke waarde over 2 van 3 buurten" in row["reason"]


def test_partial_weighted_uses_present_parts_only() -> None:
    members = ["BU00010001", "BU00010002", "BU00010003"]
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 300),
        ("a_inw", 2024, "BU00010003", 50),
        ("p_65plus", 2024, "BU00010001", 10.0), ("p_65plus", 2024, "BU00010002", 40.0),
        ("p_65plus", 2024, "BU00010003", np.nan, "geheim (CBS 'x')"),
    )
    strict = one(aggregate(values, members=members, indicators=INDICATORS), "p_65plus")
    assert math.isnan(strict["value"]) and not strict["complete"]
    assert strict["reason"] == "1 van 3 buurten: geheim (CBS 'x')"
    part = one(aggregate(values, members=members, indicators=INDICATORS, partial=True),
               "p_65plus")
    assert part["value"] == pytest.approx(32.5) and not part["complete"]


def test_missing_weight_makes_weighted_aggregate_incomplete() -> None:
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", np.nan, SECRET),
        ("p_65plus", 2024, "BU00010001", 10.0), ("p_65plus", 2024, "BU00010002", 40.0),
    )
    row = one(aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS),
              "p_65plus")
    assert math.isnan(row["value"]) and not row["complete"]
    assert row["missing_parts"] == ["BU00010002"]
    assert row["reason"] == "1 van 2 buurten: gewicht (a_inw): ontbreekt of geheim (CBS '.')"


def test_member_without_any_row_counts_as_missing() -> None:
    values = obs(("a_inw", 2024, "WK000101", 100), ("a_inw", 2024, "WK000102", 200))
    row = one(aggregate(values, members=["WK000101", "WK000102", "WK000103"],
                        indicators=INDICATORS), "a_inw")
    assert math.isnan(row["value"]) and not row["complete"]
    assert row["missing_parts"] == ["WK000103"]
    assert row["reason"] == "1 van 3 wijken: geen gegevens"


def test_empty_buurt_with_weight_zero_and_missing_rate_stays_complete() -> None:
    # an empty buurt: 0 inhabitants, CBS suppresses the rate; it cannot change the result
    values = obs(
        ("a_inw", 2024, "BU00010001", 100), ("a_inw", 2024, "BU00010002", 300),
        ("a_inw", 2024, "BU00010003", 0),
        ("p_65plus", 2024, "BU00010001", 10.0), ("p_65plus", 2024, "BU00010002", 40.0),
        ("p_65plus", 2024, "BU00010003", np.nan, SECRET),
    )
    members = ["BU00010001", "BU00010002", "BU00010003"]
    row = one(aggregate(values, members=members, indicators=INDICATORS), "p_65plus")
    assert row["value"] == pytest.approx(32.5)
    assert bool(row["complete"]) is True
    assert row["n_present"] == 2 and row["missing_parts"] == [] and row["reason"] is None


def test_all_parts_empty_gives_no_value() -> None:
    values = obs(
        ("a_inw", 2024, "BU00010001", 0), ("a_inw", 2024, "BU00010002", 0),
        ("p_65plus", 2024, "BU00010001", np.nan, SECRET),
        ("p_65plus", 2024, "BU00010002", np.nan, SECRET),
    )
    res = aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS)
    assert one(res, "a_inw")["value"] == 0.0
    row = one(res, "p_65plus")
    assert math.isnan(row["value"]) and not row["complete"]
    assert row["reason"] == "alle buurten hebben gewicht (a_inw) 0 en geen waarde"


def test_zero_total_weight_with_values_gives_no_value() -> None:
    values = obs(
        ("a_inw", 2024, "BU00010001", 0), ("a_inw", 2024, "BU00010002", 0),
        ("g_score", 2024, "BU00010001", 3.0), ("g_score", 2024, "BU00010002", 4.0),
    )
    row = one(aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS),
              "g_score")
    assert math.isnan(row["value"]) and not row["complete"]
    assert "totaal gewicht (a_inw) is 0" in row["reason"]


def test_code_kind_is_not_aggregated() -> None:
    values = obs(("stedelijkheid", 2024, "BU00010001", 1), ("stedelijkheid", 2024, "BU00010002", 1))
    row = one(aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS),
              "stedelijkheid")
    assert math.isnan(row["value"]) and not row["complete"]
    assert row["reason"] == "niet samen te voegen: stedelijkheid is een code of klasse"


def test_unknown_indicator_is_not_aggregated() -> None:
    values = obs(("x_nieuw", 2024, "BU00010001", 1), ("x_nieuw", 2024, "BU00010002", 2))
    row = one(aggregate(values, members=["BU00010001", "BU00010002"], indicators=INDICATORS),
              "x_nieuw")
    assert math.isnan(row["value"])
    assert row["reason"] == "niet samen te voegen: x_nieuw staat niet in de indicatorcatalogus"


def test_single_member_equals_itself_exactly() -> None:
    values = obs(
        ("a_inw", 2024, "BU00010001", 3), ("p_65plus", 2024, "BU00010001", 0.1),
        ("g_score", 2024, "BU00010001", 1 / 3), ("stedelijkheid", 2024, "BU00010001", 2),
        ("a_65plus", 2024, "BU00010001", np.nan, SECRET),
        ("p_65plus", 2024, "BU00010002", 99.0),  # another code: ignored
    )
    res = aggregate(values, members=["bu00010001 "], indicators=INDICATORS)
    assert one(res, "p_65plus")["value"] == 0.1  # exactly, not 0.1 * 3 / 3
    assert one(res, "g_score")["value"] == 1 / 3
    assert one(res, "stedelijkheid")["value"] == 2.0
    assert one(res, "a_inw")["value"] == 3.0
    secret = one(res, "a_65plus")
    assert math.isnan(secret["value"]) and secret["reason"] == "1 van 1 buurt: " + SECRET
    assert res["complete"].tolist() == [False, True, True, True, True]


def test_aggregate_many_matches_single_areas_and_accepts_a_catalogue() -> None:
    catalogue = load_catalogue()  # packaged catalogue: a_inw, a_woning, p_wcorpw (base a_woning)
    values = obs(
        ("a_woning", 2019, "BU03630001", 200), ("a_woning", 2019, "BU03630002", 600),
        ("a_woning", 2019, "BU03630003", 100),
        ("p_wcorpw", 2019, "BU03630001", 50.0), ("p_wcorpw", 2019, "BU03630002", 10.0),
        ("p_wcorpw", 2019, "BU03630003", 80.0),
    )
    areas = {"noord": ["BU03630001", "BU03630002"], "zuid": ["BU03630002", "BU03630003"]}
    many = aggregate_many(values, areas=areas, indicators=catalogue)
    assert many[["area_id", "indicator_id"]].values.tolist() == [
        ["noord", "a_woning"], ["noord", "p_wcorpw"], ["zuid", "a_woning"], ["zuid", "p_wcorpw"]]
    assert many["value"].tolist() == pytest.approx([800, 20.0, 700, (6000 + 8000) / 700])
    for area_id, members in areas.items():
        single = aggregate(values, members=members, indicators=indicator_table(catalogue))
        pd.testing.assert_frame_equal(
            many[many["area_id"] == area_id].drop(columns="area_id").reset_index(drop=True),
            single,
        )


def test_indicator_ids_gives_those_rows_of_the_full_result_with_the_other_rows_as_weights(
) -> None:
    # p_wcorpw is weighted by a_woning, which is not asked for: its rows still weigh
    catalogue = load_catalogue()
    values = obs(
        ("a_woning", 2019, "BU03630001", 200), ("a_woning", 2019, "BU03630002", 600),
        ("p_wcorpw", 2019, "BU03630001", 50.0), ("p_wcorpw", 2019, "BU03630002", None, SECRET),
        ("p_wcorpw", 2020, "BU03630001", 40.0), ("a_inw", 2019, "BU03630002", 900),
    )
    areas = {"noord": ["BU03630001", "BU03630002"], "een": ["BU03630001"]}
    full = aggregate_many(values, areas=areas, indicators=catalogue, partial=True)
    only = aggregate_many(values, areas=areas, indicators=catalogue, partial=True,
                          indicator_ids=["p_wcorpw"])
    expected = full[full["indicator_id"] == "p_wcorpw"]
    assert len(expected) == 4
    # een 2019, een 2020 (one member: itself), noord 2019 (the secret part left out), noord
    # 2020 (no a_woning that year: no weight, no value)
    assert only["area_id"].tolist() == ["een", "een", "noord", "noord"]
    np.testing.assert_array_equal(only["value"].to_numpy(), [50.0, 40.0, 50.0, np.nan])
    assert only["complete"].tolist() == [True, True, False, False]
    pd.testing.assert_frame_equal(only.reset_index(drop=True), expected.reset_index(drop=True))
    none = aggregate_many(values, areas=areas, indicators=catalogue, indicator_ids=["a_xyz"])
    assert none.empty and list(none.columns) == list(full.columns)


def test_no_rows_for_members_gives_empty_result() -> None:
    values = obs(("a_inw", 2024, "BU00010001", 100))
    res = aggregate_many(values, areas={"x": ["BU99990001"]}, indicators=INDICATORS)
    assert res.empty and list(res.columns) == ["area_id", *RESULT_COLUMNS]


def test_invalid_input_is_refused() -> None:
    values = obs(("a_inw", 2024, "BU00010001", 100))
    with pytest.raises(ValueError, match="duplicate member"):
        aggregate(values, members=["BU00010001", "bu00010001"], indicators=INDICATORS)
    with pytest.raises(ValueError, match="more than one row"):
        aggregate(pd.concat([values, values]), members=["BU00010001"], indicators=INDICATORS)
    bad = INDICATORS.assign(base=None)
    with pytest.raises(CatalogueError, match="zonder 'base'"):
        aggregate(values, members=["BU00010001"], indicators=bad)


# ---------------------------------------------------------------- properties (generated data)
# The number of examples comes from the Hypothesis profile (tests/conftest.py): 50 in the
# default profile "ci", 500 with HYPOTHESIS_PROFILE=grondig.

WIJK = "WK012301"


def buurten(n: int) -> list[str]:
    """Generated buurt codes of one (fictitious) wijk."""
    return [f"BU{WIJK[2:]}{i:02d}" for i in range(n)]


@given(st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=40))
def test_property_count_of_wijk_is_sum_of_its_buurten(counts: list[int]) -> None:
    codes = buurten(len(counts))
    values = obs(*[("a_inw", 2024, c, float(v)) for c, v in zip(codes, counts, strict=True)])
    row = one(aggregate(values, members=codes, indicators=INDICATORS), "a_inw")
    assert row["value"] == float(sum(counts))
    assert bool(row["complete"]) and row["n_present"] == len(counts)


rates = st.floats(min_value=0, max_value=100, allow_nan=False)
weights = st.integers(min_value=0, max_value=100_000)


@st.composite
def weighted_parts(draw: st.DrawFn) -> tuple[list[float], list[int]]:
    n = draw(st.integers(min_value=1, max_value=25))
    r = draw(st.lists(rates, min_size=n, max_size=n))
    w = draw(st.lists(weights, min_size=n, max_size=n))
    if sum(w) == 0:
        w[0] = 1
    return r, w


def weighted_values(r: list[float], w: list[float], codes: list[str]) -> pd.DataFrame:
    rows = [("a_inw", 2024, c, float(x)) for c, x in zip(codes, w, strict=True)]
    rows += [("p_65plus", 2024, c, x) for c, x in zip(codes, r, strict=True)]
    return obs(*rows)


@given(weighted_parts())
def test_property_weighted_rate_lies_between_its_parts(parts: tuple) -> None:
    r, w = parts
    codes = buurten(len(r))
    row = one(aggregate(weighted_values(r, w, codes), members=codes, indicators=INDICATORS),
              "p_65plus")
    used = [x for x, wi in zip(r, w, strict=True) if wi > 0] if len(r) > 1 else r
    assert bool(row["complete"])
    assert min(used) <= row["value"] <= max(used)


@given(weighted_parts(), st.randoms(use_true_random=False), st.booleans())
def test_property_member_order_does_not_matter(parts: tuple, rnd, drop: bool) -> None:
    r, w = parts
    codes = buurten(len(r))
    values = weighted_values(r, w, codes)
    if drop:  # make one part suppressed, so missing_parts and reasons are compared too
        values.loc[values["code"] == codes[-1], ["value", "missing_reason"]] = [np.nan, SECRET]
    shuffled = list(codes)
    rnd.shuffle(shuffled)
    a = aggregate(values, members=codes, indicators=INDICATORS, partial=True)
    b = aggregate(values.sample(frac=1, random_state=1), members=shuffled,
                  indicators=INDICATORS, partial=True)
    pd.testing.assert_frame_equal(a, b)


@given(weighted_parts(), st.floats(min_value=1e-3, max_value=1e4))
def test_property_scaling_weights_leaves_weighted_result_unchanged(parts: tuple, k: float) -> None:
    r, w = parts
    codes = buurten(len(r))
    base = one(aggregate(weighted_values(r, w, codes), members=codes, indicators=INDICATORS),
               "p_65plus")["value"]
    scaled = one(aggregate(weighted_values(r, [x * k for x in w], codes), members=codes,
                           indicators=INDICATORS), "p_65plus")["value"]
    assert math.isclose(base, scaled, rel_tol=1e-12, abs_tol=1e-12)


# ---------------------------------------------------------------- real data: KWB 2024


@pytest.fixture(scope="module")
def kwb2024() -> pd.DataFrame:
    if not KWB_2024.exists():
        pytest.fail(f"real data file missing: {KWB_2024}")
    raw = pd.read_csv(KWB_2024, sep=";", encoding="utf-8-sig", dtype=str)
    frame = pd.DataFrame(
        {
            "code": raw["Regioaanduiding/Codering (code)"].str.strip(),
            "a_inw": pd.to_numeric(raw["Bevolking/Aantal inwoners (aantal)"].str.strip()),
            "a_65plus": pd.to_numeric(
                raw["Bevolking/Leeftijdsgroepen/65 jaar of ouder (aantal)"].str.strip()),
        }
    )
    return frame


def test_real_wijk_inhabitants_are_sum_of_buurten_up_to_cbs_rounding(kwb2024) -> None:
    bu = kwb2024[kwb2024["code"].str.startswith("BU")]
    wk = kwb2024[kwb2024["code"].str.startswith("WK")].set_index("code")
    assert len(bu) == 14_574 and len(wk) == 3_393
    # no suppressed inhabitant counts in this file: every wijk's buurten all have a value
    assert bu["a_inw"].notna().all() and wk["a_inw"].notna().all()
    areas = {w: list(g) for w, g in bu["code"].groupby("WK" + bu["code"].str[2:8])}
    assert set(areas) == set(wk.index)
    values = pd.DataFrame({"indicator_id": "a_inw", "year": 2024, "code": bu["code"],
                           "value": bu["a_inw"].astype(float), "missing_reason": None})
    res = aggregate_many(values, areas=areas, indicators=INDICATORS).set_index("area_id")
    assert res["complete"].all() and len(res) == 3_393
    diff = res["value"] - wk["a_inw"].reindex(res.index)
    n_buurten = res["n_parts"]
    # CBS 2024 rounds every wijk and buurt count to a multiple of 5 independently of each
    # other, so the published wijk equals the sum of its buurten in 1,640 of 3,393 wijken
    # (48%); every difference is a multiple of 5 and at most 5 per buurt (largest: 25).
    assert int((diff == 0).sum()) == 1_640
    assert (diff % 5 == 0).all()
    assert (diff.abs() <= 5 * n_buurten).all()
    assert diff.abs().max() == 25
    # one-buurt wijken are rounded separately too: 359 of 528 match
    single = n_buurten == 1
    assert int(single.sum()) == 528 and int((diff[single] == 0).sum()) == 359
    # the rounding is unbiased: 17,942,915 summed over buurten vs 17,942,715 over wijken
    assert res["value"].sum() == 17_942_915 and wk["a_inw"].sum() == 17_942_715


def test_real_share_65plus_weighted_over_buurten_equals_ratio_of_sums(kwb2024) -> None:
    # a rate derived from the real counts: share of 65+ per buurt (NaN for empty buurten,
    # as CBS suppresses rates of buurten without inhabitants)
    bu = kwb2024[kwb2024["code"].str.startswith("BU")].copy()
    empty = bu["a_inw"] == 0
    assert int(empty.sum()) == 478
    share = (100 * bu["a_65plus"] / bu["a_inw"]).where(~empty)
    values = pd.concat(
        [
            pd.DataFrame({"indicator_id": "a_inw", "year": 2024, "code": bu["code"],
                          "value": bu["a_inw"].astype(float), "missing_reason": None}),
            pd.DataFrame({"indicator_id": "p_65plus", "year": 2024, "code": bu["code"],
                          "value": share, "missing_reason": np.where(empty, SECRET, None)}),
        ]
    )
    wijk = "WK" + bu["code"].str[2:8]
    areas = {w: list(g) for w, g in bu["code"].groupby(wijk)}
    res = aggregate_many(values, areas=areas, indicators=INDICATORS)
    rate = res[res["indicator_id"] == "p_65plus"].set_index("area_id")
    # empty buurten (weight 0) make no wijk incomplete: only the 28 wijken whose buurten are
    # all empty (22 of one buurt, 6 of several) have no rate; every other wijk is complete,
    # also the ones that contain empty buurten
    all_empty = empty.groupby(wijk).all()
    assert int(all_empty.sum()) == 28
    assert set(rate.index[~rate["complete"]]) == set(all_empty.index[all_empty])
    assert rate.loc[~rate["complete"], "value"].isna().all()
    several = rate.loc[all_empty.index[all_empty], "n_parts"] > 1
    assert int(several.sum()) == 6
    assert (rate.loc[several.index[several], "reason"]
            == "alle buurten hebben gewicht (a_inw) 0 en geen waarde").all()
    some_empty = empty.groupby(wijk).any() & ~all_empty
    assert int(some_empty.sum()) == 307
    assert rate.loc[some_empty.index[some_empty], "complete"].all()
    # ... and the weighted mean equals 100 * sum(65+) / sum(inwoners) over inhabited buurten
    inhabited = bu[~empty]
    ratio = (100 * inhabited["a_65plus"].groupby(wijk[~empty]).sum()
             / inhabited["a_inw"].groupby(wijk[~empty]).sum())
    assert len(ratio) == 3_393 - 28
    np.testing.assert_allclose(rate.loc[ratio.index, "value"], ratio, rtol=1e-12)
