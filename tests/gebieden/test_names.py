"""Tests of wijkanalyse.gebieden.names: resolving names to CBS codes, suggestions, region look-up.

The reference is built from the real KWB 2024 file (all levels, nationwide) in
../shared/data; small hand-made references are generated inline where a case needs years or
names the real file does not have.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wijkanalyse.codes import gemeente_code_of
from wijkanalyse.gebieden.names import (
    FIND_COLUMNS,
    Resolution,
    find_regions,
    resolve_names,
)
from wijkanalyse.gebieden.suggestions import suggest

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KWB_2024 = SHARED_DATA / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"


def regions(rows: list[tuple], *, year: int = 2024) -> pd.DataFrame:
    """A SourceTable regions frame from (name, level, gemeente_name) tuples."""
    return pd.DataFrame({
        "region_key": range(len(rows)),
        "year": year,
        "code": None,
        "level": [r[1] for r in rows],
        "name": [r[0] for r in rows],
        "gemeente_name": [r[2] for r in rows],
        "line": range(1, len(rows) + 1),
    })


# --------------------------------------------------------------------------------------------
# reference sanity (what the pins below rely on)


def test_reference_counts(ref2024: pd.DataFrame) -> None:
    assert len(ref2024) == 18310
    assert ref2024["level"].value_counts().to_dict() == {
        "buurt": 14574, "wijk": 3393, "gemeente": 342, "land": 1}


# --------------------------------------------------------------------------------------------
# find_regions


@pytest.mark.parametrize("query", ["Wijk 43 Angelslo", "WK011443", " wk011443  ", "WK011443  "])
def test_find_regions_angelslo_code_and_cbs_name(ref2024: pd.DataFrame, query: str) -> None:
    found = find_regions(query, ref2024)
    assert list(found.columns) == FIND_COLUMNS
    assert found[["code", "level", "name", "gemeente_code", "gemeente_name", "latest_year"]
                 ].values.tolist() == [
        ["WK011443", "wijk", "Wijk 43 Angelslo", "GM0114", "Emmen", 2024]]


def test_find_regions_angelslo_plain_name(ref2024: pd.DataFrame) -> None:
    # "Angelslo" is the name of wijk WK011443 and of its only buurt BU01144300: without a
    # level both are candidates (wijk first), with level="wijk" exactly one.
    found = find_regions("Angelslo", ref2024)
    assert found["code"].tolist() == ["WK011443", "BU01144300"]
    assert set(found["gemeente_name"]) == {"Emmen"}
    wijk = find_regions("Angelslo", ref2024, level="wijk")
    assert wijk["code"].tolist() == ["WK011443"]
    assert find_regions("angelslo", ref2024, level="wijk", gemeente="Emmen")["code"].tolist() \
        == ["WK011443"]
    assert find_regions("Angelslo", ref2024, level="wijk", gemeente="GM0114")["code"].tolist() \
        == ["WK011443"]


def test_find_regions_meerwijk_in_several_gemeenten(ref2024: pd.DataFrame) -> None:
    found = find_regions("Meerwijk", ref2024)
    assert found[["code", "level", "gemeente_name"]].values.tolist() == [
        ["WK039221", "wijk", "Haarlem"],
        ["WK045165", "wijk", "Uithoorn"],
        ["BU03770404", "buurt", "Bloemendaal"],
        ["BU04516500", "buurt", "Uithoorn"],
        ["BU04518500", "buurt", "Uithoorn"],
    ]
    assert find_regions("Meerwijk", ref2024, level="wijk")["gemeente_name"].tolist() == [
        "Haarlem", "Uithoorn"]
    assert find_regions("Meerwijk", ref2024, gemeente="uithoorn")["code"].tolist() == [
        "WK045165", "BU04516500", "BU04518500"]
    # "Meerwijkplas" is a different name, not a candidate
    assert "BU03922107" not in set(found["code"])


def test_find_regions_nothing(ref2024: pd.DataFrame) -> None:
    for query in ("Atlantis", "WK999999", ""):
        found = find_regions(query, ref2024)
        assert found.empty
        assert list(found.columns) == FIND_COLUMNS
    assert find_regions("Angelslo", ref2024, gemeente="Heerlen").empty


def test_find_regions_reports_latest_name() -> None:
    # generated reference: a wijk renamed between 2016 and 2024
    ref = pd.DataFrame({
        "year": [2016, 2024, 2024],
        "code": ["WK099901", "WK099901", "GM0999"],
        "level": ["wijk", "wijk", "gemeente"],
        "name": ["Wijk 01 Oud", "Wijk 01 Nieuw", "Testgem"],
        "gemeente_code": ["GM0999", "GM0999", "GM0999"],
        "gemeente_name": ["Testgem"] * 3,
    })
    found = find_regions("Oud", ref)
    assert found[["code", "name", "latest_year"]].values.tolist() == [
        ["WK099901", "Wijk 01 Nieuw", 2024]]


# --------------------------------------------------------------------------------------------
# suggest


def test_suggest_typo(ref2024: pd.DataFrame) -> None:
    emmen = ref2024.loc[ref2024["gemeente_name"] == "Emmen", "name"]
    hits = suggest("Angelsloo", emmen)
    assert hits[0] == "Angelslo"  # shortest spelling of the key shared with "Wijk 43 Angelslo"
    assert len(hits) <= 3
    assert suggest("Angelsloo", emmen, n=1) == ["Angelslo"]


def test_suggest_hand_computed() -> None:
    cands = ["Wijk 01 Centrum", "Centrum", "Oost", "Noord", "Zuid", None]
    assert suggest("Centum", cands) == ["Centrum"]
    assert suggest("Qwerty", cands) == []
    assert suggest("noord", cands, n=5) == ["Noord"]


# --------------------------------------------------------------------------------------------
# resolve_names


def test_resolve_emmen_rows(ref2024: pd.DataFrame) -> None:
    regs = regions([
        ("Emmen", "gemeente", "Emmen"),
        ("Wijk 43 Angelslo", "wijk", "Emmen"),
        ("Angelslo", "buurt", "Emmen"),
        ("ANGELSLO ", "wijk", " emmen"),
    ])
    res = resolve_names(regs, ref2024, year=2024)
    assert isinstance(res, Resolution)
    assert res.codes.tolist() == ["GM0114", "WK011443", "BU01144300", None]
    assert res.methods.tolist() == ["gemeente", "wijknummer+naam", "naam+niveau", None]
    # row 4 is the same wijk as row 2 (by name): one region twice is never guessed
    assert len(res.issues) == 1
    assert res.issues[0].line == 4
    assert "dezelfde code WK011443" in res.issues[0].detail


def test_resolve_each_spelling_alone(ref2024: pd.DataFrame) -> None:
    for name, level, method in [("Wijk 43 Angelslo", None, "wijknummer+naam"),
                                ("Angelslo", "wijk", "naam+niveau"),
                                ("angelslo", "wijk", "naam+niveau")]:
        res = resolve_names(regions([(name, level, "Emmen")]), ref2024, year=2024)
        assert res.codes.tolist() == ["WK011443"], name
        assert res.methods.tolist() == [method], name
        assert res.levels.tolist() == ["wijk"]
        assert res.issues == []


def test_resolve_unknown_level_requires_uniqueness(ref2024: pd.DataFrame) -> None:
    res = resolve_names(regions([("Angelslo", None, "Emmen"),
                                 ("Emmen", None, "Emmen"),
                                 ("Weerdinge", None, "Emmen")]), ref2024)
    # "Weerdinge" is one buurt of wijk 51 "Kern Emmen Noord" (and part of the wijk name
    # "Wijk 01 Nieuw-Weerdinge", which has another key): unique over all levels
    assert res.codes.tolist() == [None, "GM0114", "BU01145100"]
    assert res.methods.tolist() == [None, "gemeente", "naam"]
    assert res.levels.tolist() == [None, "gemeente", "buurt"]
    (issue,) = res.issues
    assert issue.kind == "unmatched_name" and issue.line == 1
    assert "niet eenduidig" in issue.detail
    assert "WK011443 (Wijk 43 Angelslo, Emmen)" in issue.detail
    assert "BU01144300 (Angelslo, Emmen)" in issue.detail
    assert "niveau onbekend" in issue.detail and "gemeente Emmen" in issue.detail


def test_resolve_typo_gets_suggestion(ref2024: pd.DataFrame) -> None:
    res = resolve_names(regions([("Angelsloo", "buurt", "Emmen")], year=2024), ref2024)
    assert res.codes.tolist() == [None]
    assert res.methods.tolist() == [None]
    (issue,) = res.issues
    assert issue.kind == "unmatched_name"
    assert issue.line == 1
    assert "'Angelsloo'" in issue.detail and "gemeente Emmen" in issue.detail
    assert "niveau buurt" in issue.detail and "regel 1" in issue.detail
    assert "Bedoelt u 'Angelslo'" in issue.detail


def test_resolve_never_across_gemeenten(ref2024: pd.DataFrame) -> None:
    # Angelslo exists only in Emmen; Meerwijk as a buurt exists once in Bloemendaal, but
    # Haarlem only has the wijk Meerwijk and the buurt Meerwijkplas
    res = resolve_names(regions([("Angelslo", "wijk", "Heerlen"),
                                 ("Meerwijk", "buurt", "Haarlem"),
                                 ("Meerwijk", "wijk", "Haarlem")]), ref2024)
    assert res.codes.tolist() == [None, None, "WK039221"]
    assert len(res.issues) == 2
    assert "Heerlen" in res.issues[0].detail
    assert "Bedoelt u 'Meerwijkplas'" in res.issues[1].detail


def test_resolve_ambiguous_lists_candidates(ref2024: pd.DataFrame) -> None:
    res = resolve_names(regions([("Meerwijk", "buurt", "Uithoorn")]), ref2024)
    assert res.codes.tolist() == [None]
    (issue,) = res.issues
    assert "BU04516500 (Meerwijk, Uithoorn)" in issue.detail
    assert "BU04518500 (Meerwijk, Uithoorn)" in issue.detail


def test_resolve_gemeente_problems(ref2024: pd.DataFrame) -> None:
    res = resolve_names(regions([("Angelslo", "buurt", "Emmenn"),
                                 ("Angelslo", "buurt", None),
                                 ("Emmen", None, None),
                                 ("Heerlen", "gemeente", "Emmen")]), ref2024)
    assert res.codes.tolist() == [None, None, "GM0114", None]
    details = [i.detail for i in res.issues]
    assert "gemeente 'Emmenn' is onbekend" in details[0] and "'Emmen'" in details[0]
    assert "geen gemeente" in details[1]
    assert "heet anders dan de gemeente 'Emmen'" in details[2]
    assert [i.line for i in res.issues] == [1, 2, 4]


def test_resolve_keeps_given_codes(ref2024: pd.DataFrame) -> None:
    regs = regions([("whatever", None, None)])
    regs["code"] = ["wk011443 "]
    res = resolve_names(regs, ref2024)
    assert res.codes.tolist() == ["WK011443"]
    assert res.methods.tolist() == ["code"]
    assert res.levels.tolist() == ["wijk"]


def test_resolve_index_is_kept(ref2024: pd.DataFrame) -> None:
    regs = regions([("Angelslo", "buurt", "Emmen"), ("Atlantis", "buurt", "Emmen")])
    regs.index = [10, 20]
    res = resolve_names(regs, ref2024)
    assert res.codes.to_dict() == {10: "BU01144300", 20: None}
    assert res.methods.to_dict() == {10: "naam+niveau", 20: None}


def test_resolve_empty_input(ref2024: pd.DataFrame) -> None:
    res = resolve_names(regions([]), ref2024)
    assert res.codes.empty and res.methods.empty and res.issues == []


# hand-made references (generated) for the year and wijk-number rules

def _ref_small() -> pd.DataFrame:
    rows = [
        # year, code, level, name
        (2016, "GM0999", "gemeente", "Testgem"),
        (2024, "GM0999", "gemeente", "Testgem"),
        (2016, "WK099901", "wijk", "Wijk 01 Centrum"),
        (2024, "WK099901", "wijk", "Wijk 01 Centrum"),
        (2016, "WK099902", "wijk", "Wijk 02 Oud-Noord"),
        (2024, "WK099902", "wijk", "Wijk 02 Noord"),
        (2024, "WK099903", "wijk", "Wijk 03 Haven"),
        # a buurt name whose code changed with a redivision in 2020
        (2016, "BU09990100", "buurt", "Kern"),
        (2024, "BU09990105", "buurt", "Kern"),
        (2024, "GM0888", "gemeente", "Andergem"),
        (2024, "BU08880000", "buurt", "Kerk"),
    ]
    df = pd.DataFrame(rows, columns=["year", "code", "level", "name"])
    df["gemeente_code"] = df["code"].map(gemeente_code_of)
    df["gemeente_name"] = df["gemeente_code"].map({"GM0999": "Testgem", "GM0888": "Andergem"})
    return df


def test_resolve_prefers_closest_year() -> None:
    ref = _ref_small()
    res16 = resolve_names(regions([("Kern", "buurt", "Testgem")], year=2016), ref)
    res24 = resolve_names(regions([("Kern", "buurt", "Testgem")], year=2024), ref)
    res19 = resolve_names(regions([("Kern", "buurt", "Testgem")], year=2019), ref)
    assert res16.codes.tolist() == ["BU09990100"]
    assert res24.codes.tolist() == ["BU09990105"]
    assert res19.codes.tolist() == ["BU09990100"]  # 3 years from 2016, 5 from 2024
    # the `year` argument is used when the row has no year
    regs = regions([("Kern", "buurt", "Testgem")])
    regs["year"] = None
    assert resolve_names(regs, ref, year=2023).codes.tolist() == ["BU09990105"]
    # no year at all: both codes are candidates, so it is not guessed
    assert resolve_names(regs, ref).codes.tolist() == [None]


def test_resolve_wijk_number_rules() -> None:
    ref = _ref_small()
    res = resolve_names(regions([
        ("Wijk 02 Oud-Noord", "wijk", "Testgem"),  # name of 2016 agrees with the code
        ("Wijk 03 Havenkwartier", "wijk", "Testgem"),  # renamed: number only
        ("Wijk 01 Haven", "wijk", "Testgem"),  # number says 01, name says 03: conflict
        ("Wijk 07 Noord", "wijk", "Testgem"),  # no WK099907: falls back to the name
    ], year=2018), ref)
    assert res.codes.tolist() == ["WK099902", "WK099903", None, None]
    assert res.methods.tolist() == ["wijknummer+naam", "wijknummer", None, None]
    assert [i.line for i in res.issues] == [3, 4]
    details = [i.detail for i in res.issues]
    assert "het wijknummer wijst naar WK099901 (Wijk 01 Centrum, Testgem)" in details[0]
    assert "de naam naar WK099903 (Wijk 03 Haven, Testgem)" in details[0]
    # row 4 matched WK099902 on its name only, row 1 on number and name: row 1 keeps it
    assert "dezelfde code WK099902" in details[1]
    assert "gegeven aan 'Wijk 02 Oud-Noord'" in details[1]
    # alone, row 4 resolves by its name
    alone = resolve_names(regions([("Wijk 07 Noord", "wijk", "Testgem")], year=2018), ref)
    assert alone.codes.tolist() == ["WK099902"]
    assert alone.methods.tolist() == ["naam+niveau"]


def test_resolve_duplicate_keeps_the_row_that_agrees_on_name() -> None:
    ref = _ref_small()
    res = resolve_names(regions([("Wijk 03 Haven", "wijk", "Testgem"),
                                 ("Wijk 03 Iets anders", "wijk", "Testgem")], year=2024), ref)
    assert res.codes.tolist() == ["WK099903", None]
    assert res.methods.tolist() == ["wijknummer+naam", None]
    (issue,) = res.issues
    assert issue.line == 2 and "dezelfde code WK099903" in issue.detail


def test_resolve_other_gemeente_with_similar_name_not_matched() -> None:
    ref = _ref_small()
    res = resolve_names(regions([("Kerk", "buurt", "Testgem")], year=2024), ref)
    assert res.codes.tolist() == [None]
    assert "Bedoelt u 'Kern'" in res.issues[0].detail  # suggestions only from Testgem
