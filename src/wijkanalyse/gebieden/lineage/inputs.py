"""Inputs of the lineage: the constants of the rules, the division regions with their name
keys (:func:`prepare_regions`), the boundaries (:class:`Polygons`), the gemeente families and
the shape of the lineage table."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import shapely

from wijkanalyse.codes import gemeente_code_of, name_key
from wijkanalyse.gebieden.layers import to_rd

#: that decide which later year covers a wijk or buurt).
LEVELS = ("gemeente", "wijk", "buurt")
#: A gemeente year with at least this many gemeenten is a nationwide list: a gemeente that
#: is not in it no longer exists.
NATIONWIDE_GEMEENTEN = 300
#: Gemeente codes that are no area: CBS 0998 "Buitenland" (WK099899 in the 2023 map).
NOT_A_GEMEENTE = frozenset({"GM0998"})
EVIDENCE = ("geometrie", "code+naam", "hernummerd", "samenvoeging", "code", "correctie")
CERTAINTY = ("zeker", "waarschijnlijk", "onzeker")
#: Overlap pieces smaller than this share of the source are boundary noise of generalised maps.
SLIVER = 0.02
#: A source that lies for at least this share in one target is "the same area".
SAME = 0.95
#: Geometry is used only when the targets found cover at least this share of the source.
COVERED = 0.9
#: A split is weighed by inhabitants when the source has at least this many in its buurten.
MIN_INHABITANTS = 50
#: Polygons of two codes are "zelfde grens" at this intersection-over-union or more.
SAME_BOUNDARY_IOU = 0.85

LINEAGE_COLUMNS = ["level", "source_year", "source_code", "target_year", "target_code",
                   "weight", "evidence", "certainty", "note"]


# --------------------------------------------------------------------------- polygons

class Polygons:
    """Boundaries per (level, year, code), parsed from GeoJSON (WGS84) and projected to RD
    New only when asked for (most links need no polygon).

    Parameters
    ----------
    geometries
        ``year, level, code, geojson`` (one row per code and year: the preferred source).
    """

    def __init__(self, geometries: pd.DataFrame) -> None:
        g = geometries.dropna(subset=["geojson"])
        self._text: dict[tuple[str, int], dict[str, str]] = {}
        for (level, year), part in g.groupby(["level", "year"], sort=True):
            self._text[(str(level), int(year))] = dict(zip(part["code"], part["geojson"],
                                                           strict=True))
        self._codes = {k: frozenset(v) for k, v in self._text.items()}
        self._parsed: dict[tuple[str, int, str], Any] = {}

    def years(self, level: str) -> list[int]:
        """The years with polygons of ``level``."""
        return sorted(y for lvl, y in self._text if lvl == level)

    def codes(self, level: str, year: int) -> frozenset[str]:
        """The codes with a polygon of ``level`` in ``year``."""
        return self._codes.get((level, year), frozenset())

    def get(self, level: str, year: int, codes: Iterable[str]) -> dict[str, Any]:
        """The polygons (RD New, shapely) of ``codes`` that have one."""
        texts = self._text.get((level, year), {})
        wanted = [c for c in dict.fromkeys(codes) if c in texts]
        todo = [c for c in wanted if (level, year, c) not in self._parsed]
        if todo:
            parsed = shapely.from_geojson(np.array([texts[c] for c in todo], dtype=object))
            geoms = shapely.make_valid(to_rd(parsed))
            for c, g in zip(todo, geoms, strict=True):
                self._parsed[(level, year, c)] = g
        return {c: self._parsed[(level, year, c)] for c in wanted}


# --------------------------------------------------------------------------- inputs


def prepare_regions(regions: pd.DataFrame) -> pd.DataFrame:
    """The division regions with a name key; a missing name is taken from the nearest year
    in which the same code has one (the 2021 OData subsets give codes without names)."""
    r = regions[regions["level"].isin(LEVELS)].copy()
    r["year"] = r["year"].astype(int)
    r = r[~r["code"].map(gemeente_code_of).isin(NOT_A_GEMEENTE)]
    # a gemeente whose wijken or buurten a year holds exists in that year, also when that
    # year's gemeente list lacks it (Voorne aan Zee in the 2023 Politie list)
    parts = r[r["level"] != "gemeente"]
    implied = pd.DataFrame({"year": parts["year"],
                            "code": parts["code"].map(gemeente_code_of)}).drop_duplicates()
    have = set(zip(r.loc[r["level"] == "gemeente", "year"],
                   r.loc[r["level"] == "gemeente", "code"], strict=True))
    implied = implied[[(y, c) not in have for y, c in zip(implied["year"], implied["code"],
                                                           strict=True)]]
    if not implied.empty:
        implied = implied.assign(level="gemeente", name=None)
        r = pd.concat([r, implied[["year", "code", "level", "name"]]], ignore_index=True)
    r = r.sort_values(["level", "code", "year"]).reset_index(drop=True)
    named = r["name"].notna() & (r["name"].astype(str).str.strip() != "")
    r.loc[~named, "name"] = None
    groups = r.groupby(["level", "code"])["name"]
    filled = groups.ffill().fillna(groups.bfill())
    r["name_filled"] = r["name"].isna() & filled.notna()
    r["name"] = filled
    r["key"] = [_key(n) for n in r["name"].tolist()]
    r["gemeente"] = [c if lvl == "gemeente" else gemeente_code_of(c)
                     for c, lvl in zip(r["code"], r["level"], strict=True)]
    return r


_BARE_NUMBER = re.compile(r"^(wijk|buurt)\s*\d+[a-z]?$")


def _key(name: object) -> str:
    """The name key; empty for no name and for a bare number ("Wijk 02" says nothing)."""
    if name is None or name != name:
        return ""
    key = name_key(name)
    return "" if _BARE_NUMBER.match(key) else key


def similar_names(a: str, b: str) -> bool:
    """Two name keys that differ only by an added place name or a small spelling change
    ("doetinchem centrum" / "centrum"; "batau boord" / "batau noord")."""
    if not a or not b:
        return False
    wa, wb = set(a.split()), set(b.split())
    if wa <= wb or wb <= wa:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


class Families:
    """Union-find of gemeente codes linked by the gemeente lineage."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def root(self, code: str | None) -> str | None:
        """The family of ``code`` (``None`` for no code)."""
        return None if code is None else self._find(code)

    def _find(self, code: str) -> str:
        p = self._parent.setdefault(code, code)
        if p != code:
            p = self._parent[code] = self._find(p)
        return p

    def union(self, a: str, b: str) -> None:
        """Put the families of ``a`` and ``b`` together."""
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


def empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LINEAGE_COLUMNS})



def link(a: int, s: str, b: int, t: str | None, w: float | None, ev: str | None,
          cert: str, note: str | None = None) -> dict[str, Any]:
    return {"level": None, "source_year": a, "source_code": s, "target_year": b,
            "target_code": t, "weight": w, "evidence": ev, "certainty": cert, "note": note}

