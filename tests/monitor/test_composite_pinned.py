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
from wijkanalyse.monitor.composite import composite_index, unit_values


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def digest(frame: pd.DataFrame) -> str:
    """SHA-256 of every field in order (floats in their shortest exact form, lists as text)."""
    text = frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_csv(
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
        "564d37caac26d2ae9d88d06cb34008652e11f765daacd932391d2f26df10ea80")
    assert digest(unit_values(con, wijken)) == (
        "8905dd6e8a66915819e239d61f4f1799f82371804556a08d8e23e0f86ff79900")


def test_buurten_of_heerlen_per_wijk_pinned(con, heerlen_buurten):
    assert len(heerlen_buurten) == 23
    assert sum(map(len, heerlen_buurten["codes"])) == 57
    out = composite_index(con, heerlen_buurten)
    assert len(out) == 392 and int(out["index"].notna().sum()) == 238
    assert digest(out) == (
        "f3e6548ba65d62879df2e2d2c608ea4fbd5252a8785358cb4f4ab816104edf32")
    assert digest(unit_values(con, heerlen_buurten)) == (
        "75e8268221bb48a2a4062a90efda58065a3864504e27ee930eb118921ec963b5")


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
        "2ff83a469bd0a795afa845892473b9cf362c5424475112c1a8cb456c9005920f")
    assert digest(unit_values(con, units)) == (
        "d77935bccfe3bd8e40aee04e2372e49332c8ae862c4899fd840d8f4dbda1272b")
    fixed = composite_index(con, units, base_year=2017, years=[2016, 2017, 2020])
    assert digest(fixed) == (
        "3c28576d1cc9d86f21df9126c232ea64bdea8b81d1bc7cf822328315219009dd")


def test_all_wijken_of_the_national_division_pinned(con):
    units = resolve_set(con, "nl").units
    assert len(units) == 3393
    out = composite_index(con, units)
    assert len(out) == 20824
    assert digest(out) == (
        "067435bbbae626a809543183c4604a8ceda60c92d5d4bf7cb62f4145b6eb4b61")
