"""The history of one area through the division years (``wijkanalyse data lineage CODE``)
and the questions of the subject resolver: is a set of codes one area through time, which
earlier codes an area had, do two codes of different levels have the same boundary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import shapely

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.lineage.inputs import SAME_BOUNDARY_IOU, Polygons, prepare_regions


@dataclass
class Span:
    """One code through the consecutive division years that hold it."""

    code: str
    name: str | None
    years: list[int]
    open_end: bool  # the code exists in the latest year the database holds at this level

    def text(self) -> str:
        first, last = self.years[0], self.years[-1]
        span = f"{first}–" if self.open_end else (str(first) if first == last
                                                  else f"{first}–{last}")
        return f"{self.code} {self.name or '(naam onbekend)'} ({span})"


@dataclass
class History:
    """The lineage of one area: its codes through time and the links between them."""

    code: str
    level: str
    spans: list[Span]
    links: pd.DataFrame  # the links between different codes (and unresolved ones)
    lines: list[str]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        links = self.links.astype(object).where(self.links.notna(), None)
        return {"code": self.code, "level": self.level,
                "spans": [{"code": s.code, "name": s.name, "years": s.years,
                           "first_year": s.years[0], "last_year": s.years[-1],
                           "open_end": s.open_end} for s in self.spans],
                "links": links.to_dict(orient="records"), "text": self.lines}


_EVIDENCE_WORDS = {"hernummerd": "hernummerd", "samenvoeging": "samengevoegd",
                   "code": "zelfde code", "code+naam": "zelfde code en naam",
                   "correctie": "correctie", "geometrie": "grenzen vergeleken"}
MAX_HISTORY_CODES = 200


def area_history(con: Any, code: str) -> History:
    """The history of one area (``wijkanalyse data lineage CODE``) in Dutch words.

    Parameters
    ----------
    con
        An open database connection.
    code
        A CBS code of a gemeente, wijk or buurt of any loaded year.

    Returns
    -------
    History

    Raises
    ------
    WijkanalyseError
        The code is in no loaded year, or the database has no lineage (built before it).
    """
    code = str(code).strip().upper()
    regions, _ = load.lineage_inputs(con)
    table = load.read_lineage(con)
    return history_from(code, prepare_regions(regions), table)


def history_from(code: str, regions: pd.DataFrame, table: pd.DataFrame) -> History:
    """:func:`area_history` on frames (``regions`` as :func:`prepare_regions` gives them)."""
    own = regions[regions["code"] == code]
    if own.empty:
        raise WijkanalyseError(f"{code} is geen gemeente, wijk of buurt in de geladen "
                               "bestanden. Zoek de code op met 'wijkanalyse profiel NAAM'.")
    level = str(own["level"].iloc[0])
    if table.empty:
        raise WijkanalyseError("De database heeft nog geen afstamming van gebieden; bouw hem "
                               "opnieuw met 'wijkanalyse data build'.")
    lv = table[table["level"] == level]
    # the chain of the area: successors that take at least half of it, predecessors that
    # give at least half of themselves to it (never the whole neighbourhood of a split)
    codes = {code}
    frontier = [code]
    main = lv[lv["weight"] >= 0.5]
    while frontier and len(codes) < MAX_HISTORY_CODES:
        hit = main[main["source_code"].isin(frontier) | main["target_code"].isin(frontier)]
        found = set(hit["source_code"]) | set(hit["target_code"].dropna())
        frontier = sorted(found - codes)
        codes |= found
    lr = regions[(regions["level"] == level) & regions["code"].isin(codes)]
    latest = int(regions.loc[regions["level"] == level, "year"].max())
    spans = []
    for c, part in lr.sort_values("year").groupby("code", sort=False):
        years = [int(y) for y in part["year"]]
        spans.append(Span(str(c), part["name"].dropna().iloc[-1] if part["name"].notna().any()
                          else None, years, years[-1] == latest))
    spans.sort(key=lambda s: (s.years[0], s.code != code, s.code))
    by_code = {s.code: s for s in spans}
    rel = lv[(lv["source_code"].isin(codes) | lv["target_code"].isin(codes))
             & ((lv["source_code"] != lv["target_code"]) | lv["target_code"].isna())]
    same = lv[lv["source_code"].isin(codes) & (lv["source_code"] == lv["target_code"])
              & lv["note"].map(lambda x: isinstance(x, str) and bool(x))]
    rel = rel.sort_values(["source_year", "source_code", "target_code"]).reset_index(drop=True)
    lines = []
    if rel.empty:
        lines.append(by_code[code].text() + ": dezelfde code en naam in alle geladen jaren"
                     if by_code[code].years else code)
    n_targets = rel.groupby(["source_year", "source_code"])["target_code"].transform("count")
    n_sources = rel.groupby(["target_year", "target_code"])["source_code"].transform("count")
    for i, r in rel.iterrows():
        src = by_code.get(r["source_code"])
        left = src.text() if src else r["source_code"]
        if not isinstance(r["target_code"], str):
            lines.append(f"{left} → geen opvolger in {int(r['target_year'])} gevonden "
                         f"({r['note'] or 'niet geraden'})")
            continue
        tgt = by_code.get(r["target_code"])
        right = tgt.text() if tgt else r["target_code"]
        words = [_EVIDENCE_WORDS.get(r["evidence"], str(r["evidence"]))]
        if r["evidence"] == "geometrie":
            if n_targets[i] > 1:
                words.insert(0, "gesplitst")
            elif n_sources[i] > 1:
                words.insert(0, "samengevoegd")
        if isinstance(r["note"], str) and r["note"]:
            if r["note"].startswith("grenzen van") and "grenzen vergeleken" in words:
                words.remove("grenzen vergeleken")
            words.append(r["note"])
        if r["weight"] is not None and r["weight"] == r["weight"] and r["weight"] < 0.995:
            words.append(f"{r['weight'] * 100:.0f}% van het gebied")
        words.append(str(r["certainty"]))
        lines.append(f"{left} → {right}: {', '.join(words)}")
    for r in same.sort_values("source_year").itertuples():
        lines.append(f"{r.source_code} {int(r.source_year)} → {int(r.target_year)}: {r.note} "
                     f"({r.certainty})")
    return History(code, level, spans, rel, lines)


# --------------------------------------------------------------------------- same area


@dataclass(frozen=True)
class WholeLinks:
    """The links of a lineage table that are whole renumberings (see
    :func:`whole_predecessors`), made once for many codes (:func:`whole_links`).

    Attributes
    ----------
    back
        ``(target year, target code) -> (source year, source code)`` of each such link.
    first_year
        Per target code the first year it is the target of a link that is not ``onzeker``.
    """

    back: dict[tuple[int, str], tuple[int, str]]
    first_year: dict[str, int]


def whole_links(table: pd.DataFrame) -> WholeLinks:
    """The whole renumberings of ``table`` (links of weight 1 that are not ``onzeker``, whose
    source goes nowhere else and whose target gets nothing else)."""
    t = table[table["target_code"].notna() & (table["certainty"] != "onzeker")]
    n_out = t.groupby(["source_year", "source_code"])["target_code"].transform("count")
    n_in = t.groupby(["target_year", "target_code"])["source_code"].transform("count")
    whole = t[(n_out == 1) & (n_in == 1) & (t["weight"] >= 0.999)]
    back = {(int(ty), tc): (int(sy), sc) for sy, sc, ty, tc in zip(
        whole["source_year"].tolist(), whole["source_code"].tolist(),
        whole["target_year"].tolist(), whole["target_code"].tolist(), strict=True)}
    first: dict[str, int] = {}
    for tc, ty in zip(t["target_code"].tolist(), t["target_year"].tolist(), strict=True):
        y = int(ty)
        if tc not in first or y < first[tc]:
            first[tc] = y
    return WholeLinks(back, first)


def whole_predecessors(table: pd.DataFrame, code: str, *,
                       links: WholeLinks | None = None) -> dict[str, list[int]]:
    """Earlier codes that are wholly the same area as ``code``: reached backwards through
    links of weight 1 that are not ``onzeker``, where the source goes nowhere else and the
    target gets nothing else (a renumbering, not a split or merger).

    ``links`` (from :func:`whole_links` of the same ``table``) saves finding them again when
    many codes are looked up.

    Returns
    -------
    dict
        old code -> the years it holds (ascending); ``code`` itself is not in it.
    """
    found_links = links if links is not None else whole_links(table)
    if code not in found_links.first_year:
        return {}
    node: tuple[int, str] | None = (found_links.first_year[code], code)
    found: dict[str, list[int]] = {}
    back = found_links.back
    while node is not None and node in back:
        node = back[node]
        if node[1] != code:
            found.setdefault(node[1], []).append(node[0])
    return {c: sorted(ys) for c, ys in found.items()}


def same_area(table: pd.DataFrame, codes: Iterable[str], *,
              links: WholeLinks | None = None) -> str | None:
    """The latest of ``codes`` when all others are whole predecessors of it (one area under
    several codes through time: De Kolenkit WK036339 and WK0363ED), else ``None``
    (``links``: see :func:`whole_predecessors`)."""
    codes = list(dict.fromkeys(codes))
    if len(codes) < 2:
        return None
    links = links if links is not None else whole_links(table)
    for c in codes:
        if set(codes) - {c} <= set(whole_predecessors(table, c, links=links)):
            return c
    return None


def renumbered_divisions(table: pd.DataFrame, code: str, *, latest_year: int,
                         links: WholeLinks | None = None
                         ) -> list[tuple[str, list[int], str]]:
    """The other codes of ``code`` for earlier years, with the note for its charts
    (``links``: see :func:`whole_predecessors`).

    Returns ``[(old code, years, note)]``; the note reads "op de grenzen van 2024; 2017 en
    2019 omgerekend (WK036339 → WK0363ED: hernummerd, zelfde grens)".
    """
    out = []
    preds = whole_predecessors(table, code, links=links)
    for old, years in sorted(preds.items(), key=lambda kv: kv[1][0]):
        link = table[(table["source_code"] == old) & (table["source_year"] == max(years))]
        how = ", ".join(str(x) for x in (link["evidence"].iloc[0] if len(link) else None,
                                         link["note"].iloc[0] if len(link) else None)
                        if isinstance(x, str) and x)
        ys = " en ".join([", ".join(str(y) for y in years[:-1]), str(years[-1])]) \
            if len(years) > 1 else str(years[0])
        out.append((old, years, f"op de grenzen van {latest_year}; {ys} omgerekend "
                                f"({old} → {code}{': ' + how if how else ''})"))
    return out


def same_boundary_across_levels(geometries: pd.DataFrame, old: str,
                                codes: Iterable[str]) -> bool:
    """Whether the latest polygon of ``old`` and the earliest polygon of any of ``codes``
    (another level: a buurt of 2015 that became a wijk) coincide (IoU >= SAME_BOUNDARY_IOU)."""
    if geometries.empty:
        return False
    polys = Polygons(geometries)
    mine = geometries[geometries["code"] == old]
    theirs = geometries[geometries["code"].isin(list(codes))]
    if mine.empty or theirs.empty:
        return False
    a = mine.sort_values("year").iloc[-1]
    b = theirs.sort_values("year").iloc[0]
    ga = polys.get(str(a["level"]), int(a["year"]), [old]).get(old)
    gb = polys.get(str(b["level"]), int(b["year"]), [b["code"]]).get(b["code"])
    if ga is None or gb is None:
        return False
    union = shapely.area(shapely.union(ga, gb))
    return bool(union > 0 and shapely.area(shapely.intersection(ga, gb)) / union
                >= SAME_BOUNDARY_IOU)
