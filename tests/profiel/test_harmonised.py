"""A wijk or buurt whose boundary changed: its earlier years on the latest boundary (issue 12,
item 2), on the real files and on hand-computed cases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import Profile
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.cells import _Cell, _Row
from wijkanalyse.profiel.harmonised import (
    Harmonised,
    harmonised_cells,
    harmonised_missing,
    unchanged,
)


@pytest.fixture(scope="module")
def con(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


def _profile(con: duckdb.DuckDBPyConnection, name: str) -> Profile:
    return build_profile(con, resolve_subject(con, name), with_peers=False,
                         with_location=False, with_stories=False, with_segregatie=False,
                         with_kennis=False)


def _points(prof: Profile, indicator: str) -> dict[int, float | None]:
    series = next(s for s in prof.series if s.indicator_id == indicator)
    return {p.year: p.area for p in series.points}


# ------------------------------------------------------------------------------ real cases


def test_a_split_wijk_gets_its_share_of_the_old_wijk(con: duckdb.DuckDBPyConnection) -> None:
    """Westelijk Havengebied (WK036310, 175 inhabitants in 2019, 145 in 2021) was divided in
    2022 over Havens-West (WK0363BA, 58 %) and Coenhaven/Minervahaven (WK0363BB, 42 %) by the
    shipped correction: each gets its share, and together they keep the old total."""
    ba, bb = _profile(con, "WK0363BA"), _profile(con, "WK0363BB")
    inw_ba, inw_bb = _points(ba, "a_inw"), _points(bb, "a_inw")
    assert inw_ba[2019] == pytest.approx(175 * 0.58) and inw_ba[2021] == pytest.approx(145 * 0.58)
    assert inw_bb[2019] == pytest.approx(175 * 0.42)
    assert inw_ba[2019] + inw_bb[2019] == pytest.approx(175.0)  # a split conserves the total
    assert inw_ba[2024] == 25.0  # the latest year as published
    series = next(s for s in ba.series if s.indicator_id == "a_inw")
    moved = {p.year: p.derived for p in series.points}
    assert moved[2019] == "omgerekend naar de grenzen van 2024 uit WK036310"
    assert moved[2024] is None
    assert series.note is not None
    assert ("Op de grenzen van 2024; 2019 en 2021 omgerekend (WK036310 Westelijk Havengebied "
            "→ WK0363BA: grenswijziging)") in series.note
    # a rate is recomputed from the moved counts, never carried over as it was
    p65 = next(s for s in ba.series if s.indicator_id == "p_65_eo_jr")
    p19 = next(p for p in p65.points if p.year == 2019)
    a65 = con.execute("SELECT value FROM observations WHERE indicator_id = 'a_65_oo' AND "
                      "code = 'WK036310' AND year = 2019").fetchall()
    assert p19.area is not None
    assert any(p19.area == pytest.approx(v * 0.58 / (175 * 0.58) * 100) for (v,) in a65)
    # 2015 and 2017 cannot be moved (Weesp's wijken of those years reach no wijk of 2024, so
    # any Amsterdam wijk of 2024 that is not one old wijk may miss a part): said, not guessed
    assert 2015 not in inw_ba and 2017 not in inw_ba
    assert any(m.startswith("2015 en 2017: niet om te rekenen naar de grenzen van 2024")
               for m in ba.missing)


def test_a_wijk_that_kept_its_code_but_not_its_boundary(con: duckdb.DuckDBPyConnection) -> None:
    """WK189603 (Súdwest-Fryslân) lost half its area to two other wijken in 2016: the 2015
    figure published under the code (665 inhabitants) is of the bigger area and is replaced
    by the share that lies within the boundary of 2024 (weighed by the 2016 polygons)."""
    prof = _profile(con, "WK189603")
    inw = _points(prof, "a_inw")
    weight = con.execute("SELECT weight FROM lineage WHERE source_year = 2015 AND "
                         "source_code = 'WK189603' AND target_code = 'WK189603'").fetchone()
    assert weight is not None and weight[0] == pytest.approx(0.4924, abs=1e-4)
    assert inw[2015] == pytest.approx(665 * weight[0])
    assert inw[2017] == 460.0 and inw[2024] == 555.0  # the same boundary: as published
    notes = [n for n in prof.area_notes if n.short.startswith("Op de grenzen van 2024")]
    assert [n.short for n in notes] == [
        "Op de grenzen van 2024; 2015 omgerekend (WK189603: grens gewijzigd)"]


def test_an_area_that_kept_its_boundary_is_untouched(con: duckdb.DuckDBPyConnection) -> None:
    prof = _profile(con, "Angelslo")
    inw = next(s for s in prof.series if s.indicator_id == "a_inw")
    assert [(p.year, p.area, p.derived) for p in inw.points] == [
        (2015, 7790.0, None), (2017, 7800.0, None), (2024, 7695.0, None)]
    assert not any("omgerekend" in n.short for n in prof.area_notes)
    assert not any("om te rekenen" in m for m in prof.missing)


# ---------------------------------------------------------------------- hand-computed cases


def test_unchanged() -> None:
    assert unchanged("WK000101", [])
    assert unchanged("WK000101", [(2019, "WK000101", "WK000101", 1.0),
                                  (2021, "WK000101", "WK000101", 1.0)])
    assert not unchanged("WK000101", [(2019, "WK000199", "WK000101", 1.0)])  # renumbered
    assert not unchanged("WK000101", [(2019, "WK000101", "WK000101", 0.5)])  # split
    assert not unchanged("WK000101", [(2019, "WK000101", "WK000101", None)])
    # two links into the code in one year: a merger
    assert not unchanged("WK000101", [(2019, "WK000101", "WK000101", 1.0),
                                      (2019, "WK000101", "WK000101", 1.0)])


def _lineage(rows: list[tuple[int, str, int, str | None, float | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_year", "source_code", "target_year",
                                       "target_code", "weight", "certainty"])


def test_a_merger_recomputes_the_rate_and_replaces_the_old_cells() -> None:
    """WK000101 (2019: 100 inhabitants, 10 % aged 65+) took in WK000102 (300, 20 %) in 2024;
    2019 under the code was the smaller area: moved it is 400 inhabitants and
    (10 + 60) / 400 = 17.5 %, and the old cells are gone."""
    cat = load_catalogue()
    lin = _lineage([(2019, "WK000101", 2024, "WK000101", 1.0, "zeker"),
                    (2019, "WK000102", 2024, "WK000101", 1.0, "waarschijnlijk")])
    rows = [_Row(i, 2019, c, v, None, "s19", "kwb") for i, c, v in [
        ("a_inw", "WK000101", 100.0), ("a_65_oo", "WK000101", 10.0),
        ("p_65_eo_jr", "WK000101", 10.0), ("a_inw", "WK000102", 300.0),
        ("a_65_oo", "WK000102", 60.0), ("p_65_eo_jr", "WK000102", 20.0)]]
    own = [r for r in rows if r.code == "WK000101"]
    area = {(r.indicator_id, 2019): _Cell(r.value, True, None, ("s19",)) for r in own}
    member_rows = list(own)
    h = harmonised_cells("WK000101", 2024, lin, rows, area, member_rows, cat)
    assert h.moved_years == {2019: ["WK000101", "WK000102"]} and not h.dropped_years
    assert area[("a_inw", 2019)].value == 400.0
    assert area[("a_65_oo", 2019)].value == 70.0
    assert area[("p_65_eo_jr", 2019)].value == pytest.approx(17.5)
    assert area[("a_inw", 2019)].derived == \
        "omgerekend naar de grenzen van 2024 uit WK000101, WK000102"
    assert {r.value for r in member_rows if r.indicator_id == "a_inw"} == {400.0}


def test_an_incomplete_year_is_left_out_and_said() -> None:
    """Part of WK000101 of 2024 came from a 2019 wijk that reaches no wijk of 2024: the 2019
    figures under the code (of a smaller area) are left out, and the statement says so."""
    cat = load_catalogue()
    lin = _lineage([(2019, "WK000101", 2024, "WK000101", 0.5, "waarschijnlijk"),
                    (2019, "WK000101", 2024, "WK000103", 0.5, "waarschijnlijk"),
                    (2019, "WK000102", 2024, None, None, "onzeker")])
    rows = [_Row("a_inw", 2019, "WK000101", 100.0, None, "s19", "kwb"),
            _Row("a_inw", 2019, "WK000102", 50.0, None, "s19", "kwb")]
    area = {("a_inw", 2019): _Cell(100.0, True, None, ("s19",))}
    member_rows = [rows[0]]
    h = harmonised_cells("WK000101", 2024, lin, rows, area, member_rows, cat)
    assert h.dropped_years == [2019] and h.own_dropped == [2019] and not h.moved_years
    assert area == {} and member_rows == []
    assert harmonised_missing(h, "WK000101") == [
        "2019: niet om te rekenen naar de grenzen van 2024 (de indeling van toen is niet "
        "volledig bekend: niet elk gebied van toen is aan een gebied van 2024 te koppelen). "
        "De cijfers van 2019 onder code WK000101 zijn van een ander gebied en weggelaten."]
    assert harmonised_missing(Harmonised(latest=2024), "WK000101") == []
