"""The composite index on real data pinned to a digest of every field (issue 14 item 5).

The digests were taken from the index before its unit values and references were rewritten
for speed and memory (single-member units read as numbers, the base year's candidate years
read one by one); they must not change: same scores, classes, notes, reasons and sources, to
the last digit. The cases: the wijken of Heerlen and Amsterdam (one member each), the
buurten of Heerlen grouped per wijk (several members, weighted and missing parts) and one
call that mixes single wijken, a set of two wijken and single buurten (two levels); and all
wijken of the national division (set ``nl``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from wijkanalyse import store
from wijkanalyse.gebieden.sets import resolve_set
from wijkanalyse.monitor import load
from wijkanalyse.monitor.composite import (
    aggregate_unit_values,
    composite_index,
    index_references,
    indicator_index,
    load_config,
    score_values,
    unit_members,
    unit_values,
)


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the column types and every field in order (floats in their shortest exact
    form, lists as text)."""
    text = repr(list(frame.dtypes.astype(str).items())) + frame.astype(
        {c: str for c in frame.columns if frame[c].dtype == object}).to_csv(
        index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _codes(con, sql: str) -> list[str]:
    return [str(r[0]) for r in con.execute(sql).fetchall()]


@pytest.fixture(scope="module")
def wijken(con) -> pd.DataFrame:
    codes = _codes(con, "SELECT DISTINCT code FROM regions WHERE year IN (2017, 2019) AND "
                   "level = 'wijk' AND (code LIKE 'WK0917%' OR code LIKE 'WK0363%') ORDER BY code")
    return pd.DataFrame({"unit_id": codes, "codes": [[c] for c in codes], "level": "wijk"})


@pytest.fixture(scope="module")
def heerlen_buurten(con) -> pd.DataFrame:
    codes = _codes(con, "SELECT DISTINCT code FROM regions WHERE level = 'buurt' AND "
                   "code LIKE 'BU0917%' ORDER BY code")
    groups: dict[str, list[str]] = {}
    for c in codes:
        groups.setdefault("WK" + c[2:8], []).append(c)
    return pd.DataFrame({"unit_id": [f"buurten van {w}" for w in groups],
                         "codes": list(groups.values()), "level": "buurt"})


def test_wijken_of_heerlen_and_amsterdam_pinned(con, wijken):
    out = composite_index(con, wijken)
    assert len(out) == 1500 and out.attrs["base_year"] == 2019
    assert digest(out) == (
        "a6b750b383e73bbb07384acf35467374c0e88098adc32edc9bfe78637c6ce71a")
    assert digest(unit_values(con, wijken)) == (
        "af0ecf00f051db589865e474c4861a79338ceaf4334a7f90ed06f2bb22963b7b")


def test_buurten_of_heerlen_per_wijk_pinned(con, heerlen_buurten):
    assert len(heerlen_buurten) == 23
    assert sum(map(len, heerlen_buurten["codes"])) == 57
    out = composite_index(con, heerlen_buurten)
    assert len(out) == 392 and int(out["index"].notna().sum()) == 238
    assert digest(out) == (
        "f966f63f307623d8394bff23989428712bf0c7ba8e93addcac102e46c2e63a7d")
    assert digest(unit_values(con, heerlen_buurten)) == (
        "f9590cc62a935e0f500f1b429d9a0c8a50f87331f63222c0cfbcbbcf787c4431")


def test_mixed_levels_and_sets_pinned(con, wijken, heerlen_buurten):
    units = pd.concat([
        wijken.iloc[::7],
        pd.DataFrame({"unit_id": ["samen"], "codes": [["WK091733", "WK091720"]],
                      "level": "wijk"}),
        pd.DataFrame({"unit_id": [c for cs in heerlen_buurten["codes"].iloc[:3] for c in cs],
                      "codes": [[c] for cs in heerlen_buurten["codes"].iloc[:3] for c in cs],
                      "level": "buurt"}),
    ], ignore_index=True)
    out = composite_index(con, units)
    assert len(out) == 355
    assert digest(out) == (
        "4b4eeb3003a2259e1604e2cacea3d25450976b97ddff5843725c00fc1f866cac")
    assert digest(unit_values(con, units)) == (
        "e99ab8d135f3859dc63b4c5522f4b5fa7312551d35a61fab8529492cbabaa666")
    fixed = composite_index(con, units, base_year=2017, years=[2016, 2017, 2020])
    assert digest(fixed) == (
        "b9d0181becb00fd972fe783e9ea266b37cbcd7f020a6caa9d67e5248557d2399")


def test_all_wijken_of_the_national_division_pinned(con):
    units = resolve_set(con, "nl").units
    assert len(units) == 3393
    out = composite_index(con, units)
    assert len(out) == 20824
    assert digest(out) == (
        "db38bbbe5304527e5ee8deec85e6ab8582aed613ce82821b3f81461904648c6e")


def test_indicator_scores_of_mixed_units_pinned(con, wijken):
    units = pd.concat([wijken.iloc[::5], pd.DataFrame(
        {"unit_id": ["samen"], "codes": [["WK091733", "WK091720"]], "level": "wijk"})],
        ignore_index=True)
    scores = indicator_index(con, units)
    assert len(scores) == 820
    assert digest(scores) == (
        "8380015ebc79d681760c51267fa230b3b12c5c0e594d55cd8fe715905a172cc3")
    # references with a repeated level and indicator: every value is scored against each
    refs = index_references(con, level="wijk", base_year=2019)
    values = unit_values(con, units)
    twice = score_values(values, pd.concat([refs, refs], ignore_index=True))
    once = score_values(values, refs)
    assert len(twice) == 2 * len(once)
    assert twice.iloc[::2].reset_index(drop=True).equals(once)


def test_one_member_units_equal_the_general_aggregation(con, wijken):
    """Units of one member are read as numbers; the result is that of aggregate_many."""
    members, levels = unit_members(wijken)
    cfg = load_config()
    values = load.indicator_values(con, codes=sorted(c for m in members.values() for c in m),
                                   prefix=None, indicator_ids=cfg.indicator_ids, years=None)
    general = aggregate_unit_values(values, members=members, levels=levels, config=cfg)
    fast = unit_values(con, wijken)
    assert int((~fast["complete"]).sum()) > 100  # missing values, with their reasons
    assert fast["reason"].str.startswith("1 van 1 wijk: ").sum() == (~fast["complete"]).sum()
    pd.testing.assert_frame_equal(fast, general, check_exact=True)
