"""Ligging: where a neighbourhood lies within its gemeente (boundaries, centre, distance).

:func:`locate` fills a :class:`~wijkanalyse.model.Location` from the ``geometries``
table (WGS84 GeoJSON text per code and year, as written by the boundary reader).

Which boundaries are used
    For every code the **latest year** in ``geometries`` is used (gemeenten: the generalised
    2022 map before the 2013 one). The wijken and buurten of a gemeente (context, centre,
    composition) come from its **most recent map** of that level only, never a mix of the
    divisions of several years (a 2016 wijk map does not add old codes around 2024 wijken).
    When the buurt map is more recent than the wijk map, the wijken are composed from the
    buurten. The subject's own boundary is the geometry of its code (from an older map if need
    be);
    a set of buurten (a gebied) is the union of its members. A wijk without a boundary of its
    own but whose buurten all have one (Den Haag publishes buurten only) is composed from its
    buurten; when only some buurten have one, the composition is shown but called partial.
    Context areas are the other wijken (or buurten) of the gemeente at the subject's level,
    composed from buurten in the same way when only buurten exist; gemeenten get their wijken
    as context. A region whose code no loaded map has (nationwide maps: wijken 2016, buurten
    2015; newer codes only where a gemeente's own map is loaded) has no map of its own: the
    location then holds the gemeente geometry and says so plainly, naming the boundary files
    there are (``has_map`` False). An area of a set whose codes no map has, but whose codes of
    an older division (``Subject.other_years``) do, is drawn with those, and the note says so
    (Jagershoef: buurt BU07721513 of 2015 for BU07725130).

Boundary years
    Every shape keeps its year. ``Location.boundary_years`` (the subject), ``context_years``
    (the neighbours, with their names in ``Location.context`` for the map's labels) and
    ``gemeente_year`` are stated on the map and in ``boundary_note``: "Grens van 2016 (wijk
    WK011443). De code heeft cijfers tot en met 2024; getekend is de vorm van 2016: in de
    indeling van 2024 kan de grens anders liggen." When the neighbours cover much less of the
    gemeente than its outline (a gemeente merged after the year of the map), the note says
    that too.

The centre of a gemeente
    The geometric centre (centroid) of a gemeente boundary is a poor "centre" for a city: it
    falls in water, in a polder or between two kernen. The centre used for the distance is,
    in this order:

    1. the centroid of the wijk (else buurt) called "Centrum", "Binnenstad" or "Stadscentrum"
       (also "<gemeente> Centrum", "Centrum <gemeente>"), where the gemeente's wijken or
       buurten have boundaries (Alkmaar: wijk Centrum; Den Haag: wijk 28 Centrum, composed
       from its buurten);
    2. else the centroid of the most densely populated wijk (else buurt) with a boundary:
       CBS ``bev_dich`` of the latest year, else inhabitants per km² of the boundary
       (Amsterdam has no wijk called Centrum);
    3. else the centroid of the gemeente boundary.

    The choice made is written out in :attr:`Location.note`, e.g. "Afstand tot het midden van
    de gemeente (zwaartepunt van de gemeentegrens)." The centre's lon/lat is returned in
    :attr:`Location.gemeente_centroid` (so a map can mark the point the distance is measured
    to).

Computation
    Geometries are projected to RD New (EPSG:28992, metres) with pyproj; centroids, unions and
    distances are computed there, never on degrees. ``area_km2`` is the sum of the stored
    ``area_m2`` of the parts (computed in RD New by the reader). The KWB tables in the store
    carry no coordinates, so an area without a boundary has no centroid and no distance; the
    note says so. Parsed boundaries, the centre per gemeente and the source labels can be kept
    between calls in a caller-owned ``cache`` dict; with a cache the latest boundaries of all
    gemeenten and their densities are read in one query each (the location of all 3,393 wijken
    of 2024 on the database of ../shared/data: about 5.5 s, against about 15 s with one query
    per gemeente and level).
"""

from __future__ import annotations

from typing import Any

import duckdb
import shapely
from shapely.geometry.base import BaseGeometry

from wijkanalyse.codes import gemeente_code_of, name_key
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.layers import (
    RD_NEW,
    WGS84,
    Layers,
    Shape,
    bulk_densities,
    display_name,
    gemeente_boundary,
    region_rows,
    transformer,
)
from wijkanalyse.model import Location, MapArea, Subject

CENTRE_WORDS = ("centrum", "binnenstad", "stadscentrum")
"""Names (as :func:`~wijkanalyse.codes.name_key`) that mark a gemeente's centre."""

_THIS = {"wijk": "deze wijk", "buurt": "deze buurt", "gemeente": "deze gemeente",
         "gebied": "dit gebied"}
def _lonlat(point_rd: BaseGeometry) -> tuple[float, float]:
    lon, lat = transformer(RD_NEW, WGS84).transform(point_rd.x, point_rd.y)
    return (round(float(lon), 6), round(float(lat), 6))


def _is_centre_name(name: str, gemeente_name: str | None) -> bool:
    key = name_key(name)
    if key in CENTRE_WORDS:
        return True
    gem = name_key(gemeente_name) if gemeente_name else ""
    return bool(gem) and any(key in (f"{gem} {w}", f"{w} {gem}") for w in CENTRE_WORDS)


def _densities(con: duckdb.DuckDBPyConnection, shapes: dict[str, Shape], *,
               cache: dict[str, Any] | None = None) -> dict[str, float]:
    """Inhabitants per km²: CBS bev_dich (latest year), else a_inw / boundary area."""
    codes = list(shapes)
    if cache is not None:
        bulk = bulk_densities(con, cache)
        latest = {code: bulk[code] for code in sorted(codes) if code in bulk}
    else:
        df = load.latest_densities(con, codes)
        latest = {str(code): dict(zip(grp["indicator_id"], grp["value"], strict=True))
                  for code, grp in df.groupby("code")}
    out: dict[str, float] = {}
    for code, vals in latest.items():
        if "bev_dich" in vals:
            out[code] = float(vals["bev_dich"])
        elif "a_inw" in vals and shapes[code].area_m2 > 0:
            out[code] = float(vals["a_inw"]) / (shapes[code].area_m2 / 1e6)
    return out


def _centre(con: duckdb.DuckDBPyConnection, layers: list[tuple[str, dict[str, Shape]]],
            gemeente: Shape | None, gemeente_name: str | None, *,
            cache: dict[str, Any] | None = None) -> tuple[BaseGeometry | None, str, list[str]]:
    """The centre point (RD New), its Dutch description and the sources of its boundary."""
    for level, layer in layers:
        named = [s for s in layer.values() if _is_centre_name(s.name, gemeente_name)]
        if named:
            shape = named[0]
            return (shape.geom.centroid,
                    f"Afstand tot het centrum van de gemeente: het zwaartepunt van {level} "
                    f"{shape.name}.", shape.sources)
    for level, layer in layers:
        dens = _densities(con, layer, cache=cache) if layer else {}
        if dens:
            code = max(dens, key=lambda c: (dens[c], c))
            shape = layer[code]
            return (shape.geom.centroid,
                    "Afstand tot het midden van de gemeente, hier het zwaartepunt van de "
                    f"dichtstbevolkte {level} ({shape.name}, {nl_number(dens[code])} inwoners "
                    f"per km²); de gemeente heeft geen {level} met de naam Centrum of "
                    "Binnenstad.", shape.sources)
    if gemeente is not None:
        return (gemeente.geom.centroid,
                "Afstand tot het midden van de gemeente (zwaartepunt van de gemeentegrens).",
                gemeente.sources)
    return None, "", []


def _source_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Citation label of every source (``sources.label``, else its file name)."""
    return load.source_labels(con)


def _gemeente_name(con: duckdb.DuckDBPyConnection, subject: Subject, gm: str) -> str | None:
    if subject.gemeente_name:
        return subject.gemeente_name
    rows = region_rows(con, [gm])
    return display_name(rows["name"].iloc[0]) if len(rows) else None


#: A boundary year of a level counts as nationwide when it covers this many gemeenten.
NATIONWIDE_GEMEENTEN = 300


def _boundary_years(con: duckdb.DuckDBPyConnection,
                    store: dict[str, Any]) -> dict[str, list[tuple[int, bool]]]:
    """Per level the years of the loaded boundaries and whether each is nationwide (kept in
    ``store``)."""
    if "boundary_years" not in store:
        rows = load.boundary_gemeente_counts(con)
        out: dict[str, list[tuple[int, bool]]] = {}
        for level, year, n in rows:
            out.setdefault(str(level), []).append((int(year), int(n) >= NATIONWIDE_GEMEENTEN))
        store["boundary_years"] = out
    years: dict[str, list[tuple[int, bool]]] = store["boundary_years"]
    return years


def _loaded_text(level: str, years: list[tuple[int, bool]]) -> str:
    """``"wijkgrenzen: 2015 en 2016 voor heel Nederland, 2024 voor enkele gemeenten"``."""
    national = [y for y, nl in years if nl]
    local = [y for y, nl in years if not nl]
    parts = []
    if national:
        parts.append(f"{_years_text(national)} voor heel Nederland")
    if local:
        parts.append(f"{_years_text(local)} voor enkele gemeenten")
    return f"{level}grenzen: " + ", ".join(parts)


def _latest_figure_year(con: duckdb.DuckDBPyConnection, codes: list[str]) -> int | None:
    """The latest year a KWB source lists one of ``codes`` (the division its figures are of)."""
    if not codes:
        return None
    return load.latest_kwb_year(con, codes)


def _years_text(years: list[int]) -> str:
    return join_nl(sorted(set(years)))


def _level_word(level: str, n: int) -> str:
    if level == "gemeente":
        return "gemeente" if n == 1 else "gemeenten"
    return level if n == 1 else f"{level}en"


def locate(con: duckdb.DuckDBPyConnection, subject: Subject, *,
           cache: dict[str, Any] | None = None) -> Location:
    """The Ligging of a subject: its boundary, its gemeente, context areas and position.

    Parameters
    ----------
    con
        An open store connection (read-only is enough).
    subject
        The area of the profile (wijk, buurt, gemeente or gebied).
    cache
        Optional dict, owned by the caller, that keeps parsed boundaries and the centre per
        gemeente between calls. Pass the same (initially empty) dict when locating many
        subjects of one database (e.g. every wijk); never share it between databases.

    Returns
    -------
    Location
        ``has_map`` is True only when the subject itself has a boundary (own, composed from
        its buurten, the union of its members, or, for an area of a set whose codes have no
        boundary, the codes of an older division that have one). ``gemeente_geojson`` is
        filled whenever the gemeente has a boundary, also without a map of the subject.
        ``context`` are the other wijken (buurten) of the gemeente with their names, to be
        labelled. ``boundary_years`` / ``context_years`` / ``gemeente_year`` are the years of
        the boundaries drawn and ``boundary_note`` says which one is used ("grens van 2016")
        and when the code's figures are of a later division than its shape, or plainly that
        the code is in no boundary file. ``gemeente_centroid`` is the centre the distance is
        measured to (see the module docstring), ``centroid`` the subject's centroid (both
        lon/lat). ``area_km2`` is None when parts lack a boundary. ``note`` explains in Dutch
        what is shown, how the centre was chosen and what is missing.
    """
    members = list(dict.fromkeys(subject.members or [subject.id]))
    gm = subject.gemeente_code or gemeente_code_of(members[0]) or ""
    this = _THIS.get(subject.kind, "dit gebied")
    notes: list[str] = []
    store: dict[str, Any] = cache if cache is not None else {}

    bulk = cache  # a caller-owned cache means many calls: read all boundaries at once

    def gemeente_shape(code: str) -> Shape | None:
        key = f"gemeente:{code}"
        if key not in store:
            store[key] = gemeente_boundary(con, code, cache=bulk)
        shape: Shape | None = store[key]
        return shape

    def layers_of(code: str) -> Layers:
        key = f"layers:{code}"
        if key not in store:
            store[key] = Layers.load(con, code, cache=bulk)
        layers: Layers = store[key]
        return layers

    gemeente = gemeente_shape(gm) if gm else None
    own = layers_of(gm) if gm else Layers()

    # the subject's own boundary: its code, or the union of its members
    is_gemeente = subject.kind == "gemeente" or (subject.level == "gemeente" and members == [gm])

    def shapes_of(codes: list[str]) -> tuple[list[Shape], list[str]]:
        found: list[Shape] = []
        lacking: list[str] = []
        for m in codes:
            if m.startswith("GM"):
                shape = gemeente_shape(m)
            else:
                shape = layers_of(gemeente_code_of(m) or "").get(m)
            if shape is None:
                lacking.append(m)
            else:
                found.append(shape)
        return found, lacking

    parts, missing = shapes_of([gm] if is_gemeente else members)
    division_used = None
    if not parts and not is_gemeente:
        # an area of a set whose codes have no boundary: the codes of an older division
        for div in sorted(subject.other_years, key=lambda d: -max(d.years)):
            found, lacking = shapes_of(list(div.members))
            if found:
                parts, missing, division_used = found, lacking, div
                break
    buurt_shapes, wijk_layer = own.buurten, own.wijk_layer

    has_map = bool(parts)
    partial = has_map and (bool(missing) or any(p.missing_parts for p in parts))
    subject_geom = shapely.union_all([p.geom for p in parts]) if parts else None

    # context areas at the subject's level
    level = "gemeente" if is_gemeente else subject.level
    if division_used is not None:
        level = division_used.level
    if level == "buurt":
        context_layer = buurt_shapes
    elif level == "wijk":
        context_layer = wijk_layer
    else:
        context_layer = wijk_layer or buurt_shapes
    drawn = {p.code for p in parts}
    context = [s for c, s in context_layer.items() if c not in members and c not in drawn]

    # centre and distance
    centre_key = f"centre:{gm}"
    if centre_key not in store:
        gemeente_name = _gemeente_name(con, subject, gm) if gm else None
        store[centre_key] = _centre(con, [("wijk", wijk_layer), ("buurt", buurt_shapes)],
                                    gemeente, gemeente_name, cache=bulk)
    centre, centre_text, centre_sources = store[centre_key]
    distance: float | None = None
    if level != "gemeente" and subject_geom is not None and centre is not None:
        distance = float(subject_geom.centroid.distance(centre)) / 1000.0

    # which boundaries are drawn, and of which year
    boundary_years = sorted({p.year for p in parts if p.year is not None})
    context_years = sorted({c.year for c in context if c.year is not None})
    gemeente_year = gemeente.year if gemeente is not None else None
    boundary_note = None
    if has_map and not is_gemeente:
        noun = _level_word(parts[0].level if len(parts) == 1 else subject.level, len(parts))
        when = _years_text(boundary_years) if boundary_years else "onbekend jaar"
        grens = "grens" if len(parts) == 1 else "grenzen"
        boundary_note = f"{grens.capitalize()} van {when} ({noun} {', '.join(sorted(drawn))})."
        if division_used is not None:
            n_codes = len(members)
            boundary_note += (
                f" {'De codes' if n_codes > 1 else 'De code'} van {this} "
                f"({', '.join(members)}) {'staan' if n_codes > 1 else 'staat'} in geen geladen "
                f"grensbestand; de kaart toont de {noun} van {_years_text(division_used.years)}"
                f" die het gebied toen {'vormden' if len(parts) > 1 else 'vormde'}.")
        else:
            figures_year = _latest_figure_year(con, members)
            if figures_year is not None and boundary_years and figures_year > max(
                    boundary_years):
                boundary_note += (
                    f" De code heeft cijfers tot en met {figures_year}; getekend is de vorm "
                    f"van {when}: in de indeling van {figures_year} kan de grens anders "
                    "liggen.")
    elif not has_map and not is_gemeente:
        years_by_level = _boundary_years(con, store)
        loaded = years_by_level.get(subject.level)
        have = _loaded_text(subject.level, loaded) if loaded else ""
        listed = ", ".join(members)
        boundary_note = (f"De code{'s' if len(members) > 1 else ''} {listed} "
                         f"{'komen' if len(members) > 1 else 'komt'} in geen van de geladen "
                         f"grensbestanden voor" + (f" ({have})" if have else "") +
                         f", dus er is geen grens van {this}.")
    if context_years:
        notes_years = f"Omliggende {_level_word(level, 2)}: grenzen van " \
                      f"{_years_text(context_years)}."
    else:
        notes_years = None

    # notes (Dutch)
    if not has_map:
        if boundary_note:
            notes.append(boundary_note)
        if is_gemeente:
            notes.append("Geen grens van deze gemeente geladen; er is geen kaart.")
        elif gemeente is not None:
            notes.append("De kaart toont alleen de gemeente"
                         + (f" (grens van {gemeente_year})." if gemeente_year else "."))
        else:
            notes.append(f"Geen grens van {this} en van de gemeente geladen; er is geen kaart.")
        if level != "gemeente":
            notes.append(
                f"De KWB-bestanden bevatten geen coördinaten, dus zonder grens van {this} is "
                "de afstand tot het midden van de gemeente niet te bepalen.")
    else:
        if boundary_note:
            notes.append(boundary_note)
        if distance is not None:
            notes.append(centre_text)
        for p in parts:
            if not p.composed_from:
                continue
            total = p.composed_from + len(p.missing_parts)
            if p.missing_parts:
                notes.append(
                    f"De grens van wijk {p.name} is samengesteld uit {p.composed_from} van haar "
                    f"{total} buurten; van {', '.join(p.missing_parts)} is geen grens geladen, "
                    "dus de oppervlakte ontbreekt.")
            else:
                notes.append(f"De grens van wijk {p.name} is samengesteld uit de grenzen van "
                             f"haar {total} buurten.")
        if missing:
            notes.append(
                f"Van {len(missing)} van de {len(missing) + len(parts)} delen is geen grens "
                f"geladen ({', '.join(missing)}); de oppervlakte ontbreekt en de ligging geldt "
                "voor de delen met een grens.")
        if gemeente is None and gm:
            notes.append("Geen grens van de gemeente geladen; de kaart toont alleen het gebied.")
        if centre is None and level != "gemeente":
            notes.append("Het midden van de gemeente is niet te bepalen: er is geen grens van "
                         "de gemeente of van haar wijken geladen.")
    if notes_years and (has_map or gemeente is not None):
        notes.append(notes_years)
    if gemeente_year and gemeente is not None and not is_gemeente and has_map:
        notes.append(f"Gemeentegrens van {gemeente_year}.")
    if gemeente is not None and gemeente.area_m2 > 0 and (has_map or context):
        covered = sum(p.area_m2 for p in parts) + sum(c.area_m2 for c in context)
        if covered < 0.85 * gemeente.area_m2 and not is_gemeente:
            notes.append(
                f"Een deel van de gemeente (grens van {gemeente_year}) heeft op de kaart geen "
                f"{_level_word(level, 2)}: in de grenzen van "
                f"{_years_text(context_years or boundary_years)} hoorde dat deel bij een "
                "andere gemeente (gemeentelijke herindeling) of ontbreekt het in de bestanden.")

    sources: list[str] = [s for p in parts for s in p.sources]
    sources += [s for c in context for s in c.sources]
    if gemeente is not None:
        sources += gemeente.sources
    if distance is not None:
        sources += centre_sources

    if "labels" not in store:
        store["labels"] = _source_labels(con)
    labels: dict[str, str] = store["labels"]
    area_km2 = None
    if has_map and not partial:
        area_km2 = sum(p.area_m2 for p in parts) / 1e6

    return Location(
        has_map=has_map,
        area_geojson=[p.geojson for p in parts],
        gemeente_geojson=gemeente.geojson if gemeente is not None else None,
        context=[MapArea(code=c.code, name=c.name, year=c.year, geojson=c.geojson)
                 for c in context],
        centroid=_lonlat(subject_geom.centroid) if subject_geom is not None else None,
        gemeente_centroid=_lonlat(centre) if centre is not None else None,
        distance_to_centre_km=distance,
        area_km2=area_km2,
        source="; ".join(dict.fromkeys(labels.get(i, i) for i in sources)) or None,
        note=" ".join(notes) or None,
        boundary_years=boundary_years,
        context_years=context_years,
        gemeente_year=gemeente_year,
        boundary_note=boundary_note,
    )
