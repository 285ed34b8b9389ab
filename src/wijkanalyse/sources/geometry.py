"""Geometry of boundary files: GeoJSON objects to shapely (vectorised), polygonal parts, the
GeoJSON ``crs`` member, reprojection and the geometry table the store writes (area, centroid,
WGS84 GeoJSON). Shared by :mod:`~wijkanalyse.sources.boundaries` and
:mod:`~wijkanalyse.sources.wbk_geojson`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import shape

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

#: Columns of :attr:`SourceTable.geometries` for boundary files.
GEOMETRY_COLUMNS = ["region_key", "source_crs", "geojson", "centroid_lon", "centroid_lat",
                    "area_m2"]

#: Decimals of WGS84 coordinates in the stored GeoJSON (6 decimals is about 0.1 m).
COORDINATE_DECIMALS = 6

_EPSG = re.compile(r"EPSG(?:/\d+(?:\.\d+)*/|:+|/)(\d{4,5})\s*$", re.IGNORECASE)


def feature_geometries(features: list[Any]) -> np.ndarray | None:
    """The geometries of all features built at once, or ``None`` when one cannot be built
    (then each feature builds its own, and the first bad one is named)."""
    try:
        return geometries_from_geojson(
            [f.get("geometry") if isinstance(f, dict) else None for f in features])
    except Exception:  # noqa: BLE001 - shapely raises several types; the slow path names it
        return None


def _polygon(rings: list[Any]) -> Any:
    shell = shapely.linearrings(np.asarray(rings[0], dtype="float64"))
    holes = [shapely.linearrings(np.asarray(r, dtype="float64")) for r in rings[1:]]
    return shapely.polygons(shell, holes=holes or None)


def geometry_from_geojson(g: Any) -> Any:
    """A shapely geometry from a GeoJSON geometry object (as ``shapely.geometry.shape``).

    Polygons and multipolygons are built from numpy arrays of their rings (``shape`` walks
    every coordinate in Python, several times slower on a national map); anything unusual
    goes through ``shape``, which also gives the error message.
    """
    try:
        kind = g.get("type") if isinstance(g, dict) else None
        if kind == "Polygon" and g["coordinates"]:
            return _polygon(g["coordinates"])
        if kind == "MultiPolygon" and g["coordinates"] and all(g["coordinates"]):
            return shapely.multipolygons([_polygon(p) for p in g["coordinates"]])
    except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException):
        pass
    return shape(g)


def geometries_from_geojson(objs: list[Any]) -> np.ndarray:
    """:func:`geometry_from_geojson` of each object (``None`` stays ``None``), as an array.

    The polygons of all objects are built by three vectorised shapely calls (rings, polygons,
    multipolygons) instead of three per object, with the same result; an object whose rings
    are not plain 2D coordinate lists is built on its own. Raises on the first object that
    cannot be built (callers then build them one by one to name it).
    """
    out = np.empty(len(objs), dtype=object)
    rings: list[np.ndarray] = []
    ring_poly: list[int] = []  # polygon number of each ring
    single: list[tuple[int, int]] = []  # (object, polygon number) of Polygon objects
    multi: list[int] = []  # MultiPolygon objects
    multi_of_poly: list[int] = []  # per polygon: its number in ``multi``, or -1
    alone: list[int] = []  # objects built one by one
    for i, g in enumerate(objs):
        if g is None:
            continue
        kind = g.get("type") if isinstance(g, dict) else None
        coords = g.get("coordinates") if kind in ("Polygon", "MultiPolygon") else None
        if not isinstance(coords, list) or not coords:
            alone.append(i)
            continue
        polys = [coords] if kind == "Polygon" else coords
        try:
            arrays = [[np.asarray(r, dtype="float64") for r in poly] for poly in polys]
        except (ValueError, TypeError):
            alone.append(i)
            continue
        if not all(part and all(a.ndim == 2 and a.shape[1] == 2 for a in part)
                   for part in arrays):
            alone.append(i)
            continue
        if kind == "Polygon":
            single.append((i, len(multi_of_poly)))
        else:
            multi.append(i)
        for part in arrays:
            rings.extend(part)
            ring_poly.extend([len(multi_of_poly)] * len(part))
            multi_of_poly.append(-1 if kind == "Polygon" else len(multi) - 1)
    if rings:
        counts = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
        ring_geoms = shapely.linearrings(np.concatenate(rings),
                                         indices=np.repeat(np.arange(len(rings)), counts))
        polygons = shapely.polygons(ring_geoms, indices=np.asarray(ring_poly))
        for i, k in single:
            out[i] = polygons[k]
        if multi:
            owner = np.asarray(multi_of_poly)
            out[multi] = shapely.multipolygons(polygons[owner >= 0], indices=owner[owner >= 0])
    for i in alone:
        out[i] = geometry_from_geojson(objs[i])
    return out


def polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (Polygon or MultiPolygon), or ``None`` when it has none.

    Drops the points and lines that ``make_valid`` or clipping may leave.
    """
    return _polygonal(geom)


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (drops points and lines make_valid may leave)."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in polys for q in shapely.get_parts(p)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def crs_from_member(crs: Any) -> str | None:
    """``"EPSG:n"`` for a GeoJSON ``crs`` member, ``None`` when there is none.

    >>> crs_from_member({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}})
    'EPSG:28992'

    Raises
    ------
    ValueError
        When the member is present but not a named CRS with an EPSG code (or CRS84).
    """
    if crs is None:
        return None
    name = None
    if isinstance(crs, dict):
        props = crs.get("properties")
        if isinstance(props, dict):
            name = props.get("name")
    elif isinstance(crs, str):
        name = crs
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"onbekende crs-vorm {json.dumps(crs)[:120]}")
    name = name.strip()
    if re.search(r"CRS:?84$", name, re.IGNORECASE):
        return WGS84
    m = _EPSG.search(name)
    if not m:
        raise ValueError(f"onbekende crs {name!r}")
    return f"EPSG:{int(m.group(1))}"


@lru_cache(maxsize=16)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    """Geometries (object array) from CRS ``src`` to ``dst`` in one vectorised pyproj call."""
    return _reproject(geoms, src, dst)


def _reproject(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    if src == dst:
        return geoms
    tr = _transformer(src, dst)

    def fn(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tr.transform(x, y)

    return np.asarray(shapely.transform(geoms, fn, interleaved=False))


def geometry_table(region_keys: np.ndarray, geoms_src: np.ndarray, crs: str) -> pd.DataFrame:
    """The :data:`GEOMETRY_COLUMNS` frame of polygonal geometries in the CRS ``crs``.

    Vectorised (one pyproj call per direction for all geometries): area in m² and centroid
    computed in RD New, GeoJSON text in WGS84 with :data:`COORDINATE_DECIMALS` decimals.
    Regions whose geometry is ``None`` get no row.

    Parameters
    ----------
    region_keys
        One key per geometry.
    geoms_src
        Object array of shapely geometries (or ``None``) in ``crs``.
    crs
        ``"EPSG:n"``, e.g. :data:`WGS84` or :data:`RD_NEW`.
    """
    keys = np.asarray(region_keys, dtype="int64")
    geoms_src = np.asarray(geoms_src, dtype=object)
    present = np.array([g is not None for g in geoms_src], dtype=bool)
    geoms = geoms_src[present].astype(object)
    rd = _reproject(geoms, crs, RD_NEW)
    wgs = _reproject(geoms, crs, WGS84)
    area = shapely.area(rd)
    centroids_rd = shapely.get_coordinates(shapely.centroid(rd))
    lon, lat = _transformer(RD_NEW, WGS84).transform(centroids_rd[:, 0], centroids_rd[:, 1])
    rounded: Callable[[np.ndarray], np.ndarray] = lambda c: np.round(c, COORDINATE_DECIMALS)  # noqa: E731
    geojson = shapely.to_geojson(shapely.transform(wgs, rounded))
    return pd.DataFrame({
        "region_key": keys[present],
        "source_crs": crs,
        "geojson": pd.Series(geojson, dtype="object"),
        "centroid_lon": np.asarray(lon, dtype="float64"),
        "centroid_lat": np.asarray(lat, dtype="float64"),
        "area_m2": np.asarray(area, dtype="float64"),
    })[GEOMETRY_COLUMNS]
