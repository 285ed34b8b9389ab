"""Map layers of a gemeente: projection between WGS84 and RD New, the latest boundaries of its
wijken and buurten (one query for all gemeenten when a cache is given), wijken composed from
their buurten, and the gemeente's own boundary. Used by :mod:`~wijkanalyse.gebieden.location`
and by the maps of the monitor (:func:`gemeente_layers`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from wijkanalyse.codes import wijk_code_of
from wijkanalyse.gebieden import load

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"

_CLOSE_GAPS_M = 1.0  # morphological closing when composing a wijk from buurten (slivers)

_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)


@lru_cache(maxsize=2)
def transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_rd(geom: BaseGeometry | np.ndarray) -> BaseGeometry | np.ndarray:
    """Project WGS84 (lon/lat) geometries to RD New (metres)."""
    tr = transformer(WGS84, RD_NEW)
    return shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """Project an RD New geometry back to WGS84 (lon/lat, rounded to 6 decimals)."""
    tr = transformer(RD_NEW, WGS84)
    return shapely.transform(
        geom, lambda c: np.round(np.column_stack(tr.transform(c[:, 0], c[:, 1])), 6))


def display_name(name: str | None) -> str:
    """A region name without the CBS prefix (``"Wijk 28 Centrum"`` -> ``"Centrum"``)."""
    return _PREFIX.sub("", (name or "").strip())


@dataclass
class Shape:
    """One area on the map: a stored geometry or one composed from buurten (RD New)."""

    code: str
    name: str
    level: str
    geom: BaseGeometry
    geojson: str
    area_m2: float
    sources: list[str]
    composed_from: int = 0  # number of buurten a composed wijk is made of
    missing_parts: list[str] = field(default_factory=list)
    year: int | None = None  # boundary year (of the buurten, for a composed wijk)


def _bulk_geometries(con: duckdb.DuckDBPyConnection,
                     cache: dict[str, Any]) -> dict[tuple[str, str], pd.DataFrame]:
    """The latest geometry per code of every wijk, buurt and gemeente, in one query, grouped by
    (level, four-digit gemeente number); kept in ``cache`` under ``"geometries"``.

    Each group equals what :func:`~wijkanalyse.gebieden.load.latest_geometries` returns for
    that level and gemeente (``level = ? AND code LIKE 'WKnnnn%'``, or ``code = 'GMnnnn'``):
    the window runs per code and level, and a code has one level. One query instead of one
    per gemeente and level (every wijk of the Netherlands: 0.1 s instead of 9 s).
    """
    if "geometries" not in cache:
        df = load.all_latest_geometries(con)
        groups = df.groupby([df["level"], df["code"].str[2:6]], sort=False)
        cache["geometries"] = {(str(lv), str(num)): g.reset_index(drop=True)
                               for (lv, num), g in groups}
    geometries: dict[tuple[str, str], Any] = cache["geometries"]
    return geometries


def _bulk_latest(con: duckdb.DuckDBPyConnection, cache: dict[str, Any] | None, level: str,
                 num: str) -> pd.DataFrame:
    """:func:`wijkanalyse.gebieden.load.latest_geometries` for one level of gemeente ``num``,
    from the bulk query when a cache is given."""
    if cache is None:
        return load.latest_geometries(con, level, num)
    empty = pd.DataFrame(columns=["code", "year", "level", "name", "source_id", "geojson",
                                  "area_m2"])
    return _bulk_geometries(con, cache).get((level, num), empty)


def bulk_densities(con: duckdb.DuckDBPyConnection,
                    cache: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Latest ``bev_dich`` and ``a_inw`` of every code, in one query (kept in ``cache``)."""
    if "densities" not in cache:
        df = load.latest_densities(con)
        out: dict[str, dict[str, float]] = {}
        for code, ind, value in zip(df["code"], df["indicator_id"], df["value"], strict=True):
            out.setdefault(code, {})[ind] = float(value)
        cache["densities"] = out
    densities: dict[str, dict[str, float]] = cache["densities"]
    return densities


def shapes_of(df: pd.DataFrame) -> dict[str, Shape]:
    if df.empty:
        return {}
    geoms = to_rd(shapely.from_geojson(df["geojson"].to_numpy()))
    out: dict[str, Shape] = {}
    for row, geom in zip(df.itertuples(index=False), geoms, strict=True):
        year = None if pd.isna(row.year) else int(row.year)
        out[row.code] = Shape(code=row.code, name=display_name(row.name), level=row.level,
                               geom=geom, geojson=row.geojson, area_m2=float(row.area_m2),
                               sources=[row.source_id], year=year)
    return out


def region_rows(con: duckdb.DuckDBPyConnection, codes: list[str]) -> pd.DataFrame:
    """Name and wijk of regions (latest year a code exists)."""
    if not codes:
        return pd.DataFrame(columns=["code", "year", "name", "wijk_code"])
    return load.latest_region_rows(con, codes)


def _buurten_of_wijken(con: duckdb.DuckDBPyConnection, wijken: list[str]) -> pd.DataFrame:
    """The buurten of each wijk, as listed in the latest year the wijk exists."""
    if not wijken:
        return pd.DataFrame(columns=["wijk_code", "code"])
    return load.buurten_of_wijken(con, wijken)


def _compose(code: str, name: str, buurten: list[str],
             buurt_shapes: dict[str, Shape]) -> Shape | None:
    """A wijk as the union of the boundaries of its buurten (None when none has one)."""
    parts = [buurt_shapes[b] for b in buurten if b in buurt_shapes]
    if not parts:
        return None
    union = shapely.union_all([p.geom for p in parts])
    union = union.buffer(_CLOSE_GAPS_M, join_style="mitre").buffer(
        -_CLOSE_GAPS_M, join_style="mitre")
    sources = list(dict.fromkeys(s for p in parts for s in p.sources))
    years = [p.year for p in parts if p.year is not None]
    return Shape(code=code, name=name, level="wijk", geom=union,
                  geojson=shapely.to_geojson(to_wgs84(union)),
                  area_m2=sum(p.area_m2 for p in parts), sources=sources,
                  composed_from=len(parts),
                  missing_parts=[b for b in buurten if b not in buurt_shapes],
                  year=max(years) if years else None)


def _wijk_layer(con: duckdb.DuckDBPyConnection, wijk_shapes: dict[str, Shape],
                buurt_shapes: dict[str, Shape]) -> dict[str, Shape]:
    """Wijken of a gemeente with a boundary: their own, else composed from buurten."""
    if wijk_shapes or not buurt_shapes:
        return wijk_shapes
    wijken = sorted({w for w in map(wijk_code_of, buurt_shapes) if w})
    names = region_rows(con, wijken).set_index("code")["name"].to_dict()
    members = _buurten_of_wijken(con, wijken).groupby("wijk_code")["code"].apply(list)
    out: dict[str, Shape] = {}
    for w in wijken:
        buurten = members.get(w, [b for b in buurt_shapes if wijk_code_of(b) == w])
        shape = _compose(w, display_name(names.get(w, w)), buurten, buurt_shapes)
        if shape is not None:
            out[w] = shape
    return out


def gemeente_boundary(con: duckdb.DuckDBPyConnection, gm: str, *,
                    cache: dict[str, Any] | None = None) -> Shape | None:
    """The boundary of a gemeente, latest year (2022 generalised before 2013)."""
    if cache is None:
        return shapes_of(load.latest_geometries(con, "gemeente", gm[2:])).get(gm)
    return shapes_of(_bulk_latest(con, cache, "gemeente", gm[2:])).get(gm)


def _current_map(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the latest geometry per code into the most recent map and older ones.

    The most recent map is every source with a geometry of the latest year present (a
    municipal file matched to codes of several years stays whole); codes that only older maps
    have are returned separately, so that a map never mixes the divisions of two years.
    """
    if df.empty:
        return df, df
    sources = set(df.loc[df["year"] == df["year"].max(), "source_id"])
    current = df["source_id"].isin(sources)
    return df[current], df[~current]


@dataclass
class Layers:
    """The wijk and buurt boundaries of one gemeente (RD New).

    ``wijken``, ``buurten`` and ``wijk_layer`` come from the gemeente's most recent map of each
    level (context, centre); ``older`` holds codes that only an older map has, so that a
    subject with such a code still gets its own boundary.
    """

    wijken: dict[str, Shape] = field(default_factory=dict)  # own wijk boundaries
    buurten: dict[str, Shape] = field(default_factory=dict)
    wijk_layer: dict[str, Shape] = field(default_factory=dict)  # own, else composed
    older: dict[str, Shape] = field(default_factory=dict)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, gm: str, *,
             cache: dict[str, Any] | None = None) -> Layers:
        """The layers of gemeente ``gm``; with ``cache`` the boundaries come from one query
        for all gemeenten (:func:`_bulk_geometries`), else from queries for this one."""
        if not gm.startswith("GM"):
            return cls()
        num = gm[2:]
        wijken, old_wijken = _current_map(_bulk_latest(con, cache, "wijk", num))
        buurten, old_buurten = _current_map(_bulk_latest(con, cache, "buurt", num))
        wijk_shapes, buurt_shapes = shapes_of(wijken), shapes_of(buurten)
        older = {**shapes_of(old_buurten), **shapes_of(old_wijken)}
        if len(wijken) and len(buurten) and buurten["year"].max() > wijken["year"].max():
            # a newer buurt map (Den Haag's own buurten) beats an older wijk map: the wijken
            # are composed from the newer buurten; their own old boundaries stay a fallback
            older = {**older, **wijk_shapes}
            wijk_shapes = {}
        return cls(wijk_shapes, buurt_shapes, _wijk_layer(con, wijk_shapes, buurt_shapes),
                   older)

    def get(self, code: str) -> Shape | None:
        return (self.wijken.get(code) or self.buurten.get(code) or self.wijk_layer.get(code)
                or self.older.get(code))


def gemeente_layers(con: duckdb.DuckDBPyConnection, gm: str,
                    cache: dict[str, Any]) -> Layers:
    """The wijk and buurt boundaries of gemeente ``gm``, kept in ``cache`` (the same dict
    :func:`locate` takes), so that callers drawing many areas share one parse per gemeente."""
    key = f"layers:{gm}"
    if key not in cache:
        cache[key] = Layers.load(con, gm, cache=cache)
    layers: Layers = cache[key]
    return layers
