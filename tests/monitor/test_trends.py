"""Leefbaarometer trend classes (monitor.trends): real series pinned, properties, thresholds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkanalyse import store
from wijkanalyse.gebieden.sets import resolve_set
from wijkanalyse.monitor.trends import (
    CLASS_IDS,
    RESULT_COLUMNS,
    SERIES_COLUMNS,
    TrendConfigError,
    class_distribution,
    classify_trends,
    lbm_series,
    load_trend_config,
    trend_classes,
    trend_summary,
)

LBM_YEARS = [2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024]
NL_REFERENCE = 4.1022648511437


@pytest.fixture(scope="module")
def con(built_db: Path) -> duckdb.DuckDBPyConnection:
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def nl_units(con) -> pd.DataFrame:
    return resolve_set(con, "nl").units


@pytest.fixture(scope="module")
def series(con, nl_units) -> pd.DataFrame:
    return lbm_series(con, nl_units)


@pytest.fixture(scope="module")
def result(series) -> pd.DataFrame:
    return classify_trends(series).set_index("unit_id")


# --------------------------------------------------------------------------- lbm_series


def test_series_of_all_wijken_with_a_leefbaarometer(series) -> None:
    assert list(series.columns) == list(SERIES_COLUMNS)
    assert series["unit_id"].nunique() == 335
    assert len(series) == 3007
    assert np.allclose(series["lbm_nl"], NL_REFERENCE)
    assert set(series["source"]) == {"Leefbaarometer 3.0, ministerie van BZK"}
    angelslo = series[series["unit_id"] == "WK011443"]
    assert angelslo["year"].tolist() == LBM_YEARS
    assert set(angelslo["weighting"]) == {"één wijk"}


def test_series_of_buurten_and_gebieden_come_from_their_wijk(con) -> None:
    units = resolve_set(con, "programma-2016").units
    s = lbm_series(con, units)
    # Jagershoef (Eindhoven) and Meerzicht (Zoetermeer) have no Leefbaarometer in the data
    assert sorted(set(units["unit_id"]) - set(s["unit_id"])) == ["BU07725130", "WK063701"]
    wijk = lbm_series(con, pd.DataFrame({"unit_id": ["WK099506"], "wijk_codes": [["WK099506"]]}))
    jol = s[s["unit_id"] == "jol-galjoen"].reset_index(drop=True)
    assert np.allclose(jol["lbm_afw"], wijk["lbm_afw"]) and (jol["n_wijken"] == 1).all()


def test_several_wijken_are_weighted_with_inhabitants_2024(con) -> None:
    units = pd.DataFrame({"unit_id": ["twee"], "wijk_codes": [["WK011443", "WK011444"]]})
    s = lbm_series(con, units)
    assert s["year"].tolist() == LBM_YEARS
    assert set(s["weighting"]) == {"gewogen met inwoners 2024"}
    assert (s["n_wijken"] == 2).all()
    raw = con.execute(
        "SELECT code, year, value FROM observation WHERE indicator_id = 'lbm_afw' "
        "AND code IN ('WK011443', 'WK011444')").df().pivot(index="year", columns="code",
                                                           values="value")
    # a_inw 2024: Angelslo 7 695, Emmerhout 7 085
    expected = (7695 * raw["WK011443"] + 7085 * raw["WK011444"]) / (7695 + 7085)
    assert np.allclose(s["lbm_afw"].to_numpy(), expected.to_numpy())
    assert np.allclose(s["lbm_nl"], NL_REFERENCE)


def test_incomplete_years_are_dropped_unless_asked(con) -> None:
    # IJburg-Oost (WK0363MK) has scores from 2020 only
    units = pd.DataFrame({"unit_id": ["mix"], "wijk_codes": [["WK0363AA", "WK0363MK"]]})
    complete = lbm_series(con, units)
    assert complete["year"].tolist() == [2020, 2022, 2024]
    partial = lbm_series(con, units, complete_only=False)
    assert partial["year"].tolist() == LBM_YEARS
    assert partial["n_wijken"].tolist() == [1] * 6 + [2] * 3
    assert (partial["n_wijken_total"] == 2).all()


def test_series_checks_its_input(con) -> None:
    with pytest.raises(ValueError, match="wijk_codes"):
        lbm_series(con, pd.DataFrame({"unit_id": ["a"]}))
    twice = pd.DataFrame({"unit_id": ["a", "a"], "wijk_codes": [["WK011443"], ["WK011444"]]})
    with pytest.raises(ValueError, match="meer dan eens"):
        lbm_series(con, twice)


# ------------------------------------------------------------------- real classes, pinned


@pytest.mark.parametrize(("code", "klasse", "evidence"), [
    ("WK0363TC", "terugval",  # Amsterdamse Poort e.o. (Bijlmer)
     "Afwijking 2024 -0,29 (ruim onder het landelijk gemiddelde; 2002: -0,45); 2002–2012 "
     "+0,020 per jaar (+0,20), 2012–2024 -0,004 per jaar (-0,04): terugval."),
    ("WK0363EK", "gestaag_herstel",  # Van Galenbuurt, Amsterdam
     "Afwijking 2024 -0,03 (net onder het landelijk gemiddelde; 2002: -0,29); 2002–2012 "
     "+0,016 per jaar (+0,16), 2012–2024 +0,012 per jaar (+0,10): gestaag herstel."),
    ("WK001412", "succes",  # Noorddijk e.o., Groningen
     "Afwijking 2024 +0,05 (op of boven het landelijk gemiddelde; 2002: -0,11); 2002–2012 "
     "+0,008 per jaar (+0,08), 2012–2024 +0,007 per jaar (+0,08): succes."),
    ("WK0363FP", "vroegsignalering",  # Westlandgracht, Amsterdam
     "Afwijking 2024 -0,06 (net onder het landelijk gemiddelde; 2002: -0,11); 2002–2012 "
     "+0,004 per jaar (+0,04), 2012–2024 0,000 per jaar (0,00): vroegsignalering."),
    ("WK099509", "achteruitgang",  # Stadshart, Lelystad
     "Afwijking 2024 -0,15 (ruim onder het landelijk gemiddelde; 2002: -0,05); 2002–2012 "
     "-0,004 per jaar (-0,04), 2012–2024 -0,008 per jaar (-0,06): aanhoudende achteruitgang."),
    ("WK011443", "recent_herstel",  # Angelslo, Emmen (programme 2016)
     "Afwijking 2024 -0,17 (ruim onder het landelijk gemiddelde; 2002: -0,18); 2002–2012 "
     "-0,006 per jaar (-0,05), 2012–2024 +0,006 per jaar (+0,07): recent herstel."),
    ("WK039221", "blijvend_achter",  # Meerwijk, Haarlem (programme 2016)
     "Afwijking 2024 -0,21 (ruim onder het landelijk gemiddelde; 2002: -0,26); 2002–2012 "
     "+0,001 per jaar (+0,01), 2012–2024 0,000 per jaar (+0,03): blijvend achter."),
])
def test_named_neighbourhoods_have_their_class(result, code: str, klasse: str,
                                               evidence: str) -> None:
    row = result.loc[code]
    assert row["klasse"] == klasse
    assert row["evidence"] == evidence
    assert row["level_year"] == 2024 and row["periods"] == "2002–2012 en 2012–2024"
    assert row["n_points"] == 9 and row["n_early"] == 3 and row["n_late"] == 7


def test_pinned_figures_of_amsterdamse_poort(result) -> None:
    row = result.loc["WK0363TC"]
    assert row["level"] == pytest.approx(-0.286108, abs=1e-6)
    assert row["start_level"] == pytest.approx(-0.447, abs=1e-3)
    assert row["slope_early"] == pytest.approx(0.019762, abs=1e-6)
    assert row["slope_late"] == pytest.approx(-0.003744, abs=1e-6)
    assert not row["unstable"]


def test_distribution_over_the_335_wijken(result) -> None:
    dist = class_distribution(result).set_index("klasse")["n"].to_dict()
    assert dist == {"succes": 73, "stabiel_sterk": 94, "boven_dalend": 15,
                    "gestaag_herstel": 51, "recent_herstel": 51, "vroegsignalering": 16,
                    "terugval": 8, "achteruitgang": 8, "blijvend_achter": 17,
                    "onvoldoende_gegevens": 2}
    assert int(result["unstable"].sum()) == 12
    assert trend_summary(result.reset_index()).startswith("335 gebieden: 73 succes, 94 stabiel")


def test_too_few_or_old_measurements_give_onvoldoende_gegevens(result) -> None:
    ijburg = result.loc["WK0363MK"]  # IJburg-Oost: 2020-2024 only
    assert ijburg["klasse"] == "onvoldoende_gegevens"
    assert ijburg["evidence"] == ("Onvoldoende gegevens: 0 metingen in 2002–2012 (minstens 2 "
                                  "nodig). Afwijking 2024 -0,14 (ruim onder het landelijk "
                                  "gemiddelde).")
    oostduinen = result.loc["WK051801"]  # Oostduinen (dunes): last score 2020
    assert oostduinen["klasse"] == "onvoldoende_gegevens"
    assert "laatste meting in 2020, meer dan 2 jaar voor 2024" in oostduinen["evidence"]


def test_reference_year_cuts_the_series(series) -> None:
    res = classify_trends(series, year=2020).set_index("unit_id")
    assert res.loc["WK051801", "klasse"] == "stabiel_sterk"
    assert res.loc["WK051801", "level_year"] == 2020
    assert res.loc["WK0363TC", "periods"] == "2002–2012 en 2012–2020"
    assert res.loc["WK0363TC", "klasse"] == "terugval"


def test_units_without_series_are_reported(series, nl_units) -> None:
    res = classify_trends(series, unit_ids=nl_units["unit_id"])
    assert len(res) == 3393 and res["unit_id"].tolist() == nl_units["unit_id"].tolist()
    none = res.set_index("unit_id").loc["WK003401"]
    assert none["klasse"] == "onvoldoende_gegevens"
    assert none["evidence"] == "Onvoldoende gegevens: geen Leefbaarometer-meting voor dit gebied."
    assert (res["klasse"] == "onvoldoende_gegevens").sum() == 3393 - 335 + 2


# ------------------------------------------------------------------------ small hand cases


def _frame(rows: dict[str, list[tuple[int, float]]]) -> pd.DataFrame:
    return pd.DataFrame([{"unit_id": u, "year": y, "lbm_afw": v, "lbm": v + NL_REFERENCE}
                         for u, pts in rows.items() for y, v in pts])


def test_fewer_than_three_points_is_onvoldoende_gegevens() -> None:
    res = classify_trends(_frame({"a": [(2008, -0.2), (2024, -0.1)]}), year=2024)
    assert res.loc[0, "klasse"] == "onvoldoende_gegevens"
    assert res.loc[0, "evidence"].startswith("Onvoldoende gegevens: 2 metingen vanaf 2002 "
                                             "(minstens 3 nodig)")


def test_hand_computed_slopes() -> None:
    # early: 2002 -0.30, 2008 -0.18, 2012 -0.10 -> least squares slope 0.02 per year exactly
    pts = [(2002, -0.30), (2008, -0.18), (2012, -0.10), (2016, -0.14), (2020, -0.18),
           (2024, -0.22)]
    res = classify_trends(_frame({"t": pts})).iloc[0]
    assert res["slope_early"] == pytest.approx(0.02)
    assert res["slope_late"] == pytest.approx(-0.01)
    assert res["change_late"] == pytest.approx(-0.12)
    assert res["noise"] == pytest.approx(0.0)
    assert res["klasse"] == "terugval"


# ------------------------------------------------------------------------------ properties

_afw = st.floats(min_value=-0.6, max_value=0.6, allow_nan=False, allow_infinity=False)
_unit = st.tuples(st.lists(st.sampled_from(LBM_YEARS), unique=True, max_size=9),
                  st.lists(_afw, min_size=9, max_size=9))


@st.composite
def _series(draw: st.DrawFn) -> pd.DataFrame:
    units = draw(st.lists(_unit, min_size=1, max_size=6))
    rows = []
    for i, (years, values) in enumerate(units):
        for year, value in zip(sorted(years), values, strict=False):
            rows.append({"unit_id": f"u{i}", "year": year, "lbm_afw": value,
                         "lbm": value + NL_REFERENCE})
    if not rows:
        rows.append({"unit_id": "u0", "year": 2024, "lbm_afw": 0.0, "lbm": NL_REFERENCE})
    return pd.DataFrame(rows)


_fast = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_fast
@given(_series(), st.floats(min_value=-5, max_value=5, allow_nan=False))
def test_adding_a_constant_to_every_lbm_score_changes_nothing(series: pd.DataFrame,
                                                              c: float) -> None:
    shifted = series.assign(lbm=series["lbm"] + c)
    pd.testing.assert_frame_equal(classify_trends(series), classify_trends(shifted))


@_fast
@given(_series(), st.integers(min_value=-40, max_value=40))
def test_shifting_time_and_periods_together_changes_no_class(series: pd.DataFrame,
                                                             k: int) -> None:
    cfg = load_trend_config()
    moved = cfg.with_overrides(early_start=cfg.early_start + k, early_end=cfg.early_end + k,
                               late_start=cfg.late_start + k)
    a = classify_trends(series, year=2024)
    b = classify_trends(series.assign(year=series["year"] + k), config=moved, year=2024 + k)
    assert a["klasse"].tolist() == b["klasse"].tolist()
    for col in ("level", "slope_early", "slope_late", "change_late", "noise"):
        assert np.allclose(a[col], b[col], equal_nan=True)


@_fast
@given(_series(), st.floats(min_value=-0.5, max_value=0.5, allow_nan=False))
def test_trends_depend_on_differences_only(series: pd.DataFrame, c: float) -> None:
    a = classify_trends(series)
    b = classify_trends(series.assign(lbm_afw=series["lbm_afw"] + c))
    for col in ("slope_early", "slope_late", "change_early", "change_late", "noise"):
        assert np.allclose(a[col], b[col], atol=1e-9, equal_nan=True)
    assert np.allclose(b["level"], a["level"] + c, equal_nan=True)


@_fast
@given(_series(), st.randoms(use_true_random=False))
def test_units_are_classified_independently_of_order_and_company(series: pd.DataFrame,
                                                                 rnd) -> None:
    full = classify_trends(series, year=2024).set_index("unit_id")
    order = list(series.index)
    rnd.shuffle(order)
    shuffled = classify_trends(series.loc[order], year=2024).set_index("unit_id")
    pd.testing.assert_frame_equal(full, shuffled.loc[full.index])
    first = series["unit_id"].iloc[0]
    alone = classify_trends(series[series["unit_id"] == first], year=2024).set_index("unit_id")
    pd.testing.assert_series_equal(full.loc[first], alone.loc[first])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(min_value=-3, max_value=3, allow_nan=False))
def test_real_classes_survive_a_common_shift_of_every_lbm_score(series, result,
                                                                c: float) -> None:
    shifted = classify_trends(series.assign(lbm=series["lbm"] + c,
                                            lbm_nl=series["lbm_nl"] + c))
    assert shifted.set_index("unit_id")["klasse"].equals(result["klasse"])


# ---------------------------------------------------------------------------- thresholds


def test_thresholds_from_a_generated_yaml_change_the_result(series, tmp_path: Path) -> None:
    path = tmp_path / "drempels.yaml"
    path.write_text("slope: {improve: 0.02, decline: -0.02}\nlevel: {near_below: -0.30}\n"
                    "classes:\n  - {id: vroegsignalering, label: Let op}\n", encoding="utf-8")
    cfg = load_trend_config(path)
    assert cfg.slope_improve == 0.02 and cfg.early_start == 2002  # the rest from the package
    res = classify_trends(series, config=cfg).set_index("unit_id")
    # Van Galenbuurt: +0,012 per jaar is now standstill; -0,03 is "nog redelijk"
    assert res.loc["WK0363EK", "klasse"] == "vroegsignalering"
    assert res.loc["WK0363EK", "klasse_label"] == "Let op"
    # Meerwijk at -0,21 is within the wider band
    assert res.loc["WK039221", "klasse"] == "vroegsignalering"
    # Amsterdamse Poort at -0,29: -0,004 per jaar is no longer decline
    assert res.loc["WK0363TC", "klasse"] == "vroegsignalering"
    # per-call overrides give the same
    again = classify_trends(series, slope_improve=0.02, slope_decline=-0.02,
                            level_near_below=-0.30).set_index("unit_id")
    assert again["klasse"].equals(res["klasse"])


def test_early_period_from_2008_follows_platform31(series) -> None:
    res = classify_trends(series, early_start=2008).set_index("unit_id")
    assert (res["n_early"][res["klasse"] != "onvoldoende_gegevens"] == 2).all()
    assert res.loc["WK0363TC", "periods"] == "2008–2012 en 2012–2024"


def test_invalid_configurations_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("slope: {improve: 0.001, decline: 0.01}\n", encoding="utf-8")
    with pytest.raises(TrendConfigError, match="decline mag niet boven"):
        load_trend_config(bad)
    bad.write_text("slope: {steil: 1}\n", encoding="utf-8")
    with pytest.raises(TrendConfigError, match="slope.steil"):
        load_trend_config(bad)
    bad.write_text("periods: {early: {start: 2012, end: 2002}}\n", encoding="utf-8")
    with pytest.raises(TrendConfigError, match="vroege periode"):
        load_trend_config(bad)
    with pytest.raises(TrendConfigError, match="bestaat niet"):
        load_trend_config(tmp_path / "nergens.yaml")
    with pytest.raises(ValueError, match="onbekende drempel"):
        classify_trends(_frame({"a": [(2002, 0.0)]}), helling=0.1)


def test_series_input_is_checked() -> None:
    with pytest.raises(ValueError, match="lbm_afw"):
        classify_trends(pd.DataFrame({"unit_id": ["a"], "year": [2002]}))
    twice = _frame({"a": [(2002, 0.1), (2002, 0.2)]})
    with pytest.raises(ValueError, match="twee waarden"):
        classify_trends(twice)


def test_classes_table_lists_every_class_in_order() -> None:
    table = trend_classes()
    assert table["klasse"].tolist() == list(CLASS_IDS)
    assert table.set_index("klasse").loc["vroegsignalering", "klasse_label"] == (
        "Vroegsignalering")
    assert list(classify_trends(_frame({"a": [(2002, 0.0)]})).columns) == list(RESULT_COLUMNS)
