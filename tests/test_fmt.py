"""Dutch numbers by kind of value (``wijkanalyse.fmt``, issue 13): hand-checked cases for every
kind and property tests (Hypothesis) for the invariants every report relies on: never a signed
zero, whole units without a decimal comma, "." between thousands."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wijkanalyse import fmt
from wijkanalyse.catalogue import load_catalogue

FINITE = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
DECIMALS = st.integers(min_value=0, max_value=3)
#: A Dutch number: digits grouped by "." in threes, an optional decimal comma, an optional sign.
DUTCH = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$")
SIGNED_ZERO = re.compile(r"^[+-]0(,0+)?$")


def _parse(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


# ----------------------------------------------------------------------------- hand-checked


@pytest.mark.parametrize(("value", "unit", "kind", "decimals", "signed", "expected"), [
    (2950.0, "aantal", "count", None, False, "2.950"),  # a count is whole
    (2950.4, "aantal", "count", None, False, "2.950"),  # a weighted estimate is rounded
    (68.0, "%", "rate", 0, False, "68%"),  # CBS publishes whole percentages
    (40.2, "%", "rate", 1, False, "40,2%"),  # ... and some with one decimal
    (12.34, "%", "rate", None, False, "12%"),
    (140.0, "x 1 000 euro", "mean", 0, False, "€ 140.000"),
    (27.13, "x 1 000 euro", "mean", 1, False, "€ 27.100"),  # to the catalogue's precision
    (21079.0, "inwoners per km²", "rate", None, False, "21.079 inwoners per km²"),
    (-0.19, "score", "score", 2, True, "-0,19"),
    (0.05, "score", "score", 2, True, "+0,05"),
    (-0.001, "score", "score", 2, True, "0,00"),  # a rounded zero has no sign
    (3.9, "score", "score", 2, False, "3,90"),
    (1.234, "km", "mean", None, False, "1,2 km"),
    (2.14, "personen per huishouden", "mean", None, False, "2,1 personen per huishouden"),
    (2512.0, "code", "code", None, False, "2512"),  # a postcode has no thousands separator
    (None, "%", "rate", 0, False, "–"),
    (float("nan"), "aantal", "count", None, False, "–"),
])
def test_format_value_by_kind(value: float | None, unit: str, kind: str, decimals: int | None,
                              signed: bool, expected: str) -> None:
    assert fmt.format_value(value, unit=unit, kind=kind, decimals=decimals,
                            signed=signed) == expected


def test_table_cells_leave_the_unit_to_the_label() -> None:
    assert fmt.format_value(21079.0, unit="inwoners per km²", kind="rate",
                            with_unit=False) == "21.079"
    assert fmt.unit_label("inwoners per km²") == "inwoners per km²"
    # percentages, counts, money and scores say their unit in the cell, not in the label
    assert [fmt.unit_label(u) for u in ("%", "aantal", "x 1 000 euro", "score")] == [""] * 4


def test_differences_and_changes_follow_the_figure() -> None:
    assert fmt.difference(48.0, 47.96, unit="%", kind="rate", decimals=0) == (
        pytest.approx(0.04), "0 procentpunt")
    assert fmt.difference(18.0, 11.0, unit="%", kind="rate", decimals=1)[1] == "+7,0 procentpunt"
    assert fmt.difference(-0.2, 0.0, unit="score", kind="score")[1] == "-0,20"
    assert fmt.difference(-0.001, 0.0, unit="score", kind="score")[1] == "0,00"
    assert fmt.change(5.0, 5.0, unit="%", kind="rate", decimals=0)[1] == "0 procentpunt"
    assert fmt.change(100.0, 100.01, unit="aantal", kind="count")[1] == "0,0%"


def test_count_text_plurals() -> None:
    assert fmt.count_text(1, "gemeente", "gemeenten") == "1 gemeente"
    assert fmt.count_text(44, "wijk", "wijken") == "44 wijken"
    assert fmt.count_text(0, "wijk", "wijken") == "0 wijken"
    assert fmt.count_text(3393, "wijk", "wijken") == "3.393 wijken"


def test_catalogue_decimals_and_signs() -> None:
    cat = load_catalogue()
    assert cat["a_inw"].decimals == 0 and cat["bev_dich"].decimals == 0
    assert cat["p_wcorpw"].decimals == 0 and cat["p_hh_lkk"].decimals == 1
    assert cat["g_woz"].decimals == 0 and cat["g_ink_pi"].decimals == 1
    assert cat["p_soz_wb_afgeleid"].decimals == 1  # computed by us, not published
    assert cat["lbm_afw"].signed and cat["lbm_onv"].signed and not cat["lbm"].signed


# ----------------------------------------------------------------------------- properties


@given(FINITE, DECIMALS, st.booleans())
def test_never_a_signed_zero(value: float, decimals: int, sign: bool) -> None:
    text = fmt.nl_number(value, decimals=decimals, sign=sign)
    assert not SIGNED_ZERO.match(text), text


@given(FINITE, DECIMALS, st.booleans())
def test_dutch_separators_and_value(value: float, decimals: int, sign: bool) -> None:
    text = fmt.nl_number(value, decimals=decimals, sign=sign)
    assert DUTCH.match(text), text
    assert text.count(",") == (1 if decimals else 0)
    assert math.isclose(_parse(text), value, abs_tol=0.5 * 10 ** -decimals + 1e-9 * abs(value))
    if sign and _parse(text) > 0:
        assert text.startswith("+")


@given(FINITE, st.sampled_from(["aantal", "ha"]))
def test_counts_are_whole(value: float, unit: str) -> None:
    text = fmt.format_value(value, unit=unit, kind="count", with_unit=False)
    assert "," not in text and DUTCH.match(text), text


@given(FINITE, st.sampled_from(sorted(fmt.DENSITY_UNITS)))
def test_densities_are_whole(value: float, unit: str) -> None:
    text = fmt.format_value(value, unit=unit, kind="rate")
    assert text.endswith(" " + unit)
    assert "," not in text and DUTCH.match(text.removesuffix(" " + unit)), text


@given(st.floats(min_value=0, max_value=100), DECIMALS)
def test_percentages_have_the_catalogue_decimals(value: float, decimals: int) -> None:
    text = fmt.format_value(value, unit="%", kind="rate", decimals=decimals)
    number = text.removesuffix("%")
    assert text.endswith("%") and DUTCH.match(number), text
    assert (number.split(",")[1] if "," in number else "") == (
        "" if decimals == 0 else number[-decimals:])


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 1))
def test_money_is_whole_euros(thousands: float, decimals: int) -> None:
    text = fmt.format_value(thousands, unit="x 1 000 euro", kind="mean", decimals=decimals)
    assert re.match(r"^-?€ \d{1,3}(\.\d{3})*$", text), text
    assert "x 1 000" not in text and text not in ("-€ 0",)


@given(FINITE, st.sampled_from(["score", "%", "aantal", "x 1 000 euro"]), DECIMALS)
def test_differences_never_a_signed_zero(value: float, unit: str, decimals: int) -> None:
    kind = {"score": "score", "aantal": "count", "%": "rate"}.get(unit, "mean")
    _, text = fmt.difference(value, 0.0, unit=unit, kind=kind, decimals=decimals)
    if text is not None:
        assert not re.search(r"(?<![\d,.])[+-]0(,0+)?(?![\d,])", text), text
