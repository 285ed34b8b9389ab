"""The lineage rules: which region of one division year becomes which of the next
(:func:`compute_lineage`, pure), and :func:`build_lineage` for ``data build``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from wijkanalyse.codes import gemeente_code_of, wijk_number_from_name
from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.layers import RD_NEW
from wijkanalyse.gebieden.lineage.corrections import apply_corrections, load_corrections
from wijkanalyse.gebieden.lineage.inputs import (
    COVERED,
    LEVELS,
    LINEAGE_COLUMNS,
    MIN_INHABITANTS,
    NATIONWIDE_GEMEENTEN,
    SAME,
    SAME_BOUNDARY_IOU,
    SLIVER,
    Families,
    Polygons,
    empty_table,
    link,
    prepare_regions,
    similar_names,
)


@dataclass
class _Ctx:
    level: str
    regions: pd.DataFrame  # regions of this level (prepared)
    polygons: Polygons
    families: Families
    codes: dict[int, set[str]]
    keys: dict[int, dict[str, str]]  # year -> code -> key
    names: dict[int, dict[str, str]]
    target_roots: dict[tuple[int, int], dict[str, str | None]] = field(default_factory=dict)
    points: _Points | None = None


class _Points:
    """Inhabitants at the representative points of buurten (``year, code, x, y, inhabitants``
    in RD New), to weigh the pieces of an overlay by inhabitants instead of area."""

    def __init__(self, points: pd.DataFrame) -> None:
        from pyproj import Transformer

        p = points.dropna(subset=["centroid_lon", "centroid_lat", "inhabitants"])
        p = p[p["inhabitants"] > 0]
        tr = Transformer.from_crs("EPSG:4326", RD_NEW, always_xy=True)
        x, y = tr.transform(p["centroid_lon"].to_numpy(), p["centroid_lat"].to_numpy())
        self.years = sorted(int(v) for v in p["year"].unique())
        self._by_year = {}
        for year in self.years:
            mask = (p["year"] == year).to_numpy()
            self._by_year[year] = (shapely.points(x[mask], y[mask]),
                                   p["inhabitants"].to_numpy(dtype=float)[mask])

    def nearest(self, year: int) -> tuple[int, np.ndarray, np.ndarray] | None:
        if not self.years:
            return None
        y = min(self.years, key=lambda v: (abs(v - year), -v))
        return (y, *self._by_year[y])


def compute_lineage(regions: pd.DataFrame, geometries: pd.DataFrame, *,
                    corrections: pd.DataFrame | None = None,
                    points: pd.DataFrame | None = None) -> pd.DataFrame:
    """The lineage table of all consecutive division years, per level.

    Parameters
    ----------
    regions
        ``year, code, level, name``: the regions of each division year (not the historical
        years of a series published on its latest division).
    geometries
        ``year, level, code, geojson`` (WGS84 GeoJSON text).
    corrections
        Validated corrections (:func:`read_corrections`): their links replace all computed
        links of their source region and year.
    points
        ``year, code, centroid_lon, centroid_lat, inhabitants`` of buurten: the pieces of a
        gemeente or wijk overlay are weighed by the inhabitants of the buurten (of the nearest
        year) whose point lies in them, where the source has at least
        :data:`MIN_INHABITANTS`; by area otherwise.

    Returns
    -------
    pandas.DataFrame
        :data:`LINEAGE_COLUMNS`, sorted by level, source year and code.
    """
    prepared = prepare_regions(regions)
    polygons = Polygons(geometries)
    families = Families()
    pts = _Points(points) if points is not None and not points.empty else None
    frames = []
    for level in LEVELS:
        lv = prepared[prepared["level"] == level]
        if lv.empty:
            continue
        ctx = _Ctx(level, lv, polygons, families,
                   codes={int(y): set(p["code"]) for y, p in lv.groupby("year")},
                   keys={int(y): dict(zip(p["code"].tolist(), p["key"].tolist(), strict=True))
                         for y, p in lv.groupby("year")},
                   names={int(y): dict(zip(p["code"].tolist(), p["name"].tolist(),
                                           strict=True))
                          for y, p in lv.groupby("year")},
                   points=pts if level != "buurt" else None)
        links = _level_links(ctx, prepared)
        if level == "gemeente":
            for s, t in zip(links["source_code"], links["target_code"], strict=True):
                if isinstance(t, str):
                    families.union(s, t)
        frames.append(links)
    out = pd.concat(frames, ignore_index=True) if frames else empty_table()
    if corrections is not None and not corrections.empty:
        out = apply_corrections(out, corrections)
    return out.sort_values(["level", "source_year", "source_code", "target_code"],
                           na_position="last").reset_index(drop=True)[LINEAGE_COLUMNS]


def _target_years(ctx: _Ctx) -> pd.Series:
    """Per region row of ``ctx.regions``: the next year that covers it (or NaN)."""
    r = ctx.regions
    years = sorted(ctx.codes)
    out = pd.Series(np.nan, index=r.index)
    if ctx.level == "gemeente":
        for b in years:
            nationwide = len(ctx.codes[b]) >= NATIONWIDE_GEMEENTEN
            covered = (r["year"] < b) & out.isna()
            if not nationwide:
                covered &= r["code"].isin(ctx.codes[b])
            out[covered] = b
        return out
    roots = r["gemeente"].map(ctx.families.root)
    for b in years:
        present = {ctx.families.root(g) for g in r.loc[r["year"] == b, "gemeente"]}
        covered = (r["year"] < b) & out.isna() & roots.isin(present)
        out[covered] = b
    return out


def _level_links(ctx: _Ctx, all_regions: pd.DataFrame) -> pd.DataFrame:
    r = ctx.regions
    target = _target_years(ctx)
    rows: list[dict[str, Any]] = []
    for (a, b), src in r.assign(_b=target).dropna(subset=["_b"]).groupby(["year", "_b"]):
        rows.extend(_pair_links(ctx, int(a), int(b), src, all_regions))
    if not rows:
        return empty_table()
    out = pd.DataFrame(rows, columns=LINEAGE_COLUMNS)
    out["level"] = ctx.level
    return out



def _number_note(ctx: _Ctx, code: str, name: str | None) -> str | None:
    """A note when the wijk number in a CBS wijk name disagrees with the code (Heerlen 2016:
    WK091742 "Wijk 41 De Beitel")."""
    if ctx.level != "wijk" or not name:
        return None
    number = wijk_number_from_name(name)
    if number and code[6:8].isdigit() and number != code[6:8]:
        return (f"de naam '{name}' noemt wijk {number}, de code {code} wijk {code[6:8]}: "
                "de code is aangehouden (zelfde naam in beide jaren)")
    return None


def _pair_links(ctx: _Ctx, a: int, b: int, src: pd.DataFrame,
                all_regions: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    keys_a, keys_b = ctx.keys[a], ctx.keys[b]
    codes_a, codes_b = ctx.codes[a], ctx.codes[b]
    todo: list[str] = []
    for code, key in zip(src["code"].tolist(), src["key"].tolist(), strict=True):
        kb = keys_b.get(code)
        if kb is not None and (kb == key or not kb or not key):
            cert = "zeker" if kb == key and key else "waarschijnlijk"
            note = None if cert == "zeker" else "naam in een van beide jaren onbekend"
            rows.append(link(a, code, b, code, 1.0, "code+naam", cert,
                              _number_note(ctx, code, ctx.names[a].get(code)) or note))
        elif kb is not None and similar_names(key, kb):
            rows.append(link(a, code, b, code, 1.0, "code+naam", "waarschijnlijk",
                              f"naam iets anders: '{ctx.names[a].get(code)}' → "
                              f"'{ctx.names[b].get(code)}'"))
        else:
            todo.append(code)
    if not todo:
        return rows
    # polygons of both years
    poly_years = ctx.polygons.years(ctx.level)
    if a in poly_years and b in poly_years:
        found = _overlay_links(ctx, a, b, todo, a, b, bridged=False)
        rows.extend(found)
        done = {x["source_code"] for x in found}
        todo = [c for c in todo if c not in done]
    # renumbered: the same name under a new code in the same gemeente (family)
    if todo:
        by_key: dict[tuple[str | None, str], list[str]] = {}
        for code, key in keys_b.items():
            if key and (code not in codes_a or keys_a.get(code) != key):
                by_key.setdefault((_root(ctx, code), key), []).append(code)
        rest = []
        for code in todo:
            key = keys_a.get(code, "")
            cands = by_key.get((_root(ctx, code), key), []) if key else []
            if len(cands) == 1:
                t = cands[0]
                same = _same_boundary(ctx, code, a, t, b)
                if same:
                    rows.append(link(a, code, b, t, 1.0, "hernummerd", "zeker", "zelfde grens"))
                else:
                    rows.append(link(a, code, b, t, 1.0, "hernummerd", "waarschijnlijk",
                                      "zelfde naam, nieuwe code; grens niet vergeleken"
                                      if same is None else
                                      "zelfde naam, nieuwe code; de grens is veranderd"))
            else:
                rest.append(code)
        todo = rest
    # polygons of other years (latest before A, earliest after B)
    if todo:
        pa = [y for y in poly_years if y <= a]
        pb = [y for y in poly_years if y >= b]
        if pa and pb:
            found = []
            by_year: dict[int, list[str]] = {}
            for code in todo:
                ya = _latest_polygon_year(ctx, code, a, pa)
                if ya is not None:
                    by_year.setdefault(ya, []).append(code)
            for ya, codes in sorted(by_year.items()):
                found.extend(_overlay_links(ctx, a, b, codes, ya, pb[0], bridged=True))
            rows.extend(found)
            done = {x["source_code"] for x in found}
            todo = [c for c in todo if c not in done]
    # the same code under another name
    rest = []
    for code in todo:
        if code in codes_b:
            rows.append(link(a, code, b, code, 1.0, "code", "onzeker",
                              f"zelfde code, andere naam: '{ctx.names[a].get(code)}' → "
                              f"'{ctx.names[b].get(code)}'"))
        else:
            rest.append(code)
    todo = rest
    if todo and ctx.level == "gemeente":
        found = _merger_from_wijken(ctx, a, b, todo, all_regions)
        rows.extend(found)
        done = {x["source_code"] for x in found}
        todo = [c for c in todo if c not in done]
    for code in todo:
        rows.append(link(a, code, b, None, None, None, "onzeker",
                          f"geen opvolger gevonden in {b}"))
    return rows


def _root(ctx: _Ctx, code: str) -> str | None:
    """The gemeente family of a wijk or buurt code (``None`` for gemeenten: one family)."""
    return None if ctx.level == "gemeente" else ctx.families.root(gemeente_code_of(code))


def _latest_polygon_year(ctx: _Ctx, code: str, year: int, years: list[int]) -> int | None:
    """The latest year <= ``year`` with a polygon of ``code`` under the same name."""
    key = ctx.keys[year].get(code, "")
    for y in reversed(years):
        if code in ctx.polygons.codes(ctx.level, y):
            other = ctx.keys.get(y, {}).get(code, "")
            if y == year or not key or not other or other == key:
                return y
            return None
    return None


def _same_boundary(ctx: _Ctx, s: str, a: int, t: str, b: int) -> bool | None:
    """Whether the polygons of ``s`` (latest year <= a) and ``t`` (earliest year >= b)
    coincide; ``None`` when one of them has no polygon."""
    years = ctx.polygons.years(ctx.level)
    ya = _latest_polygon_year(ctx, s, a, [y for y in years if y <= a])
    yb = next((y for y in years if y >= b and t in ctx.polygons.codes(ctx.level, y)), None)
    if ya is None or yb is None:
        return None
    gs = ctx.polygons.get(ctx.level, ya, [s]).get(s)
    gt = ctx.polygons.get(ctx.level, yb, [t]).get(t)
    if gs is None or gt is None:
        return None
    union = shapely.area(shapely.union(gs, gt))
    return bool(union > 0 and shapely.area(shapely.intersection(gs, gt)) / union
                >= SAME_BOUNDARY_IOU)


def _overlay_links(ctx: _Ctx, a: int, b: int, codes: list[str], ya: int, yb: int, *,
                   bridged: bool) -> list[dict[str, Any]]:
    """Links by area overlap of the polygons of ``codes`` (year ``ya``) with those of year
    ``yb`` whose codes are regions of ``b`` under the same name (vectorised: STRtree)."""
    level = ctx.level
    has = ctx.polygons.codes(level, ya)
    codes = [c for c in codes if c in has]
    roots = {_root(ctx, c) for c in codes}
    # wijken and buurten: only targets in the same gemeente family (gemeenten: all)
    if (yb, b) not in ctx.target_roots:
        ctx.target_roots[(yb, b)] = {c: _root(ctx, c) for c in ctx.polygons.codes(level, yb)
                                     if c in ctx.codes[b]}
    cand = [c for c, root in ctx.target_roots[(yb, b)].items() if root in roots]
    if bridged:
        kb, kq = ctx.keys[b], ctx.keys.get(yb, {})
        cand = [c for c in cand if not kb.get(c) or not kq.get(c) or kb[c] == kq[c]]
    if not cand or not codes:
        return []
    src = ctx.polygons.get(level, ya, codes)
    tgt = ctx.polygons.get(level, yb, cand)
    s_codes, s_geoms = list(src), np.array(list(src.values()), dtype=object)
    t_codes, t_geoms = list(tgt), np.array(list(tgt.values()), dtype=object)
    tree = shapely.STRtree(t_geoms)
    si, ti = tree.query(s_geoms, predicate="intersects")
    if len(si) == 0:
        return []
    inter = shapely.area(shapely.intersection(s_geoms[si], t_geoms[ti]))
    s_area = shapely.area(s_geoms)
    frame = pd.DataFrame({"s": si, "t": ti, "share": inter / s_area[si]})
    frame = frame[frame["share"] >= SLIVER]
    people, people_year = _piece_inhabitants(ctx, ya, s_geoms, t_geoms, frame)
    rows: list[dict[str, Any]] = []
    for s, part in frame.groupby("s"):
        total = part["share"].sum()
        if total < COVERED:
            continue
        code = s_codes[int(s)]
        top = part["share"].max()
        basis = "oppervlakte"
        weights = part["share"] / total
        if top < SAME and people is not None:
            inh = np.array([people.get((int(s), int(t)), 0.0) for t in part["t"]])
            if inh.sum() >= MIN_INHABITANTS:
                weights = pd.Series(inh / inh.sum(), index=part.index)
                basis = f"inwoners (buurten van {people_year})"
        note: str | None
        if bridged:
            cert = "waarschijnlijk" if top >= SAME else "onzeker"
            note = f"grenzen van {ya} en {yb} vergeleken"
            if top < SAME:
                note += f"; gewicht naar {basis}"
        else:
            cert = "zeker" if top >= SAME else "waarschijnlijk"
            note = None if top >= SAME else f"gewicht naar {basis}"
        if top >= SAME:
            part = part[part["share"] == top]
            weights = pd.Series(1.0, index=part.index)
        for t, w in zip(part["t"], weights, strict=True):
            if w <= 0:
                continue
            rows.append(link(a, code, b, t_codes[int(t)], float(w), "geometrie", cert, note))
    return rows


def _piece_inhabitants(ctx: _Ctx, year: int, s_geoms: np.ndarray, t_geoms: np.ndarray,
                       frame: pd.DataFrame) -> tuple[dict[tuple[int, int], float] | None,
                                                     int | None]:
    """Inhabitants per (source, target) piece: the buurten of the nearest year whose point
    lies in both."""
    if ctx.points is None or frame.empty:
        return None, None
    near = ctx.points.nearest(year)
    if near is None:
        return None, None
    py, pts, inh = near
    split = frame.groupby("s")["share"].transform("max") < SAME
    if not split.any():
        return None, None
    src_idx = np.unique(frame.loc[split, "s"].to_numpy())
    tree = shapely.STRtree(pts)
    out: dict[tuple[int, int], float] = {}
    t_tree = shapely.STRtree(t_geoms)
    for s in src_idx:
        inside = tree.query(s_geoms[s], predicate="contains")
        if len(inside) == 0:
            continue
        # (point of ``inside``, target) pairs: the point lies within the target
        pi, ti = t_tree.query(pts[inside], predicate="within")
        for p, t in zip(pi, ti, strict=True):
            key = (int(s), int(t))
            out[key] = out.get(key, 0.0) + float(inh[inside[p]])
    return out, py


def _merger_from_wijken(ctx: _Ctx, a: int, b: int, codes: list[str],
                        all_regions: pd.DataFrame) -> list[dict[str, Any]]:
    """A vanished gemeente goes to the gemeente of ``b`` whose wijken (in the first wijk year
    >= b) carry the names of its own wijken (latest wijk year <= a)."""
    wijken = all_regions[all_regions["level"] == "wijk"]
    before = wijken[wijken["year"] <= a]
    after = wijken[wijken["year"] >= b]
    rows = []
    for g in codes:
        own = before[before["gemeente"] == g]
        if own.empty or after.empty:
            continue
        own = own[own["year"] == own["year"].max()]
        keys = set(own["key"]) - {""}
        hits = after[after["key"].isin(keys)]
        if hits.empty:
            continue
        hits = hits[hits["year"] == hits["year"].min()]
        gems = set(hits["gemeente"]) & ctx.codes[b]
        if len(gems) == 1:
            h = gems.pop()
            rows.append(link(a, g, b, h, 1.0, "samenvoeging", "waarschijnlijk",
                              f"{len(set(hits['key']))} van {len(keys)} wijknamen "
                              f"teruggevonden in {h}"))
    return rows


def build_lineage(con: Any, *, corrections: Iterable[Path] = ()) -> int:
    """Compute the lineage of the database behind ``con`` and write it (``data build``).

    Returns the number of links written.
    """
    regions, geometries = load.lineage_inputs(con)
    fixes = load_corrections(prepare_regions(regions), corrections)
    table = compute_lineage(regions, geometries, corrections=fixes,
                            points=load.lineage_points(con))
    load.write_lineage(con, table)
    return len(table)

