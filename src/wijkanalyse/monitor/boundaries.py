"""Boundaries of the monitor's units and the national gemeente map (RD New).

A unit's boundary is the union of the boundaries of its member codes; a wijk without a
boundary of its own whose buurten all have one is composed from its buurten (Den Haag), as in
:mod:`wijkanalyse.gebieden.location`. A unit with a member without a boundary gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from wijkanalyse.fmt import join_nl, nl_number

__all__ = ["gemeente_geometries", "unit_geometries"]

# ------------------------------------------------------------------------------ boundaries


def unit_geometries(units: pd.DataFrame, labels: dict[str, str],
                    layer_of: Callable[[str], Any], with_shapes: set[str], *,
                    extra: dict[str, Any] | None = None,
                    areas: dict[str, Any] | None = None,
                    ) -> tuple[dict[str, BaseGeometry], dict[str, list[str]], list[str]]:
    """Boundary (RD New) per unit, its citation labels per unit, and notes on units left
    off the map. ``layer_of`` gives the wijk/buurt layers of a gemeente code, composed as in
    Ligging (:func:`wijkanalyse.gebieden.location.gemeente_layers`, with the boundary cache
    shared with the typology's location feature); ``with_shapes`` are the gemeente codes with
    wijk or buurt boundaries (:func:`wijkanalyse.monitor.load.gemeenten_with_shapes`). When
    ``extra`` is a dict it receives
    ``unit_years`` (boundary years per unit) and ``context`` (the other wijken or buurten of
    each gemeente with units on the map, see :class:`MonitorGeo`). ``areas`` are the set's
    entries per unit id: a unit whose codes have no boundary is drawn with the codes of an
    older division that have one (Jagershoef with its buurt of 2015), and a note says so."""
    out: dict[str, BaseGeometry] = {}
    used: dict[str, list[str]] = {}
    off_map: list[str] = []
    older: list[str] = []

    def shapes_of(candidates: Sequence[str]) -> list[Any]:
        found = []
        for code in candidates:
            shape = layer_of(f"GM{code[2:6]}").get(code)
            if shape is None or shape.missing_parts:
                return []
            found.append(shape)
        return found

    for row in units.itertuples(index=False):
        codes = list(row.codes)
        gms = {f"GM{c[2:6]}" for c in codes}
        if not codes or not gms <= with_shapes:
            continue
        parts = shapes_of(codes)
        entry = (areas or {}).get(str(row.unit_id))
        if not parts and entry is not None:
            for div in sorted(entry.other_years, key=lambda d: -max(d.years)):
                parts = shapes_of(list(div.codes))
                if parts:
                    older.append(f"{row.name} ({row.gemeente_name}): "
                                 f"{join_nl([p.level + ' ' + p.code for p in parts])} van "
                                 f"{join_nl([str(y) for y in div.years])}")
                    codes = list(div.codes)
                    break
        if not parts:
            off_map.append(f"{row.name} ({row.gemeente_name})")
            continue
        geom = parts[0].geom if len(parts) == 1 else shapely.union_all([p.geom for p in parts])
        out[str(row.unit_id)] = geom
        used[str(row.unit_id)] = list(dict.fromkeys(
            labels.get(src, src) for part in parts for src in part.sources))
        if extra is not None:
            extra.setdefault("unit_years", {})[str(row.unit_id)] = sorted(
                {p.year for p in parts if p.year is not None})
            for gm in gms:
                extra.setdefault("levels", {}).setdefault(gm, set()).add(parts[0].level)
                extra.setdefault("drawn", {}).setdefault(gm, set()).update(codes)
    if extra is not None:
        for gm, levels in extra.get("levels", {}).items():
            layer = layer_of(gm)
            source = layer.buurten if levels == {"buurt"} else layer.wijk_layer
            drawn = extra["drawn"][gm]
            extra.setdefault("context", {})[gm] = [
                (c, shape.name, shape.geom, shape.year) for c, shape in sorted(source.items())
                if c not in drawn]
    notes = []
    if off_map:
        listed = (join_nl(off_map) if len(off_map) <= 12
                  else ", ".join(off_map[:12]) + f" en {nl_number(len(off_map) - 12)} andere")
        notes.append("In gemeenten met wijk- of buurtgrenzen staan op de kaart niet: "
                     f"{listed}; van (een deel van) hun gebied is geen grens geladen.")
    if older:
        notes.append("Op de kaart met de grenzen van een oudere indeling, omdat hun codes in "
                     f"geen grensbestand staan: {'; '.join(older)}.")
    return out, used, notes


def gemeente_geometries(year: int | None, frame: pd.DataFrame, labels: dict[str, str]
                        ) -> tuple[dict[str, BaseGeometry], int | None, list[str]]:
    """The gemeente map (RD New) from :func:`wijkanalyse.monitor.load.gemeente_boundaries`:
    boundary per gemeente code, the year, and the citation labels."""
    from wijkanalyse.gebieden import to_rd

    if year is None:
        return {}, None, []
    df = frame
    geoms = to_rd(shapely.from_geojson(df["geojson"].to_numpy()))
    out = {code: g for code, g in zip(df["code"], geoms, strict=True)
           if g is not None and not g.is_empty}
    used = list(dict.fromkeys(labels.get(s, s) for s in df["source_id"]))
    return out, int(year), used
