"""The wijkprofiel orchestrator: key figures, development, Leefbaarometer, sources, missing data.

:func:`build_profile` assembles a :class:`~wijkanalyse.model.Profile` for a
:class:`~wijkanalyse.model.Subject` from the database and asks the other parts
(:mod:`~wijkanalyse.profiel.peers`, :mod:`~wijkanalyse.signalen.rules`,
:mod:`~wijkanalyse.gebieden.location`,
:mod:`~wijkanalyse.verhalen.stories`) for theirs. :func:`profile` does the same from a name or code
and
:func:`profile_frames` turns a profile into DataFrames for notebooks.

What is computed
----------------
* **Year**: by default the latest year with a KWB value for one of the subject's members
  (Leefbaarometer and SES-WOA years do not count); ``years_available`` lists every such year.
* **Values of the subject**: per year from the members of that year's CBS division
  (:meth:`Subject.members_in`: an area of a set with ``other_years`` has other codes in 2015);
  one member: its ``observation`` value; several members:
  :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (counts summed, rates/means weighted by
  their
  base). A count with a missing part has no value; a weighted figure over the parts that have
  one is shown with ``complete=False`` and the reason. A part without inhabitants (households)
  counts as 0 for its suppressed figures about residents (:func:`_zero_base_rows`, stated).
  A code that exists in several years is the same area (until CBS lineage is loaded); when
  its name differs between those years an :class:`~wijkanalyse.model.AreaNote` says so
  ("In 2015 heette dit gebied Schalkwijk"), under every chart and key figure of those years.
* **One figure per concept**: a catalogue percentage that names its count (``numerator``,
  ``p_65_eo_jr`` of ``a_65_oo``) is the published percentage where a source gives it (the
  Wijk- en Buurtkaart 2015/2017) and otherwise computed from the counts of the same area and
  year (``derived`` says "berekend uit aantallen: a_65_oo / a_inw × 100"); shares CBS never
  publishes are ``computed`` catalogue indicators (``p_soz_wb_afgeleid``,
  ``wwb_uittot_1000_afgeleid``). Never a published and a computed row side by side.
* **References**: the gemeente's own figure (``GMxxxx``) and the Netherlands (``NL00``) of the
  same year; a year without an NL row (2015) gets Nederland from all its gemeenten
  (:data:`GEMEENTEN_PER_JAAR`; counts summed, rates weighted by their base, said in
  ``derived`` and in the missing statements), never from a partial list. The peer group's
  figure is the mean over the peers with a value (counts: plain mean; rates, means, scores
  and computed shares: weighted by their base, computed shares pooled).
* **Kerncijfers**: the indicators of :data:`KEY_FIGURES` (in that order) for which the subject
  has a row in the year, then every other indicator with a value, grouped by domain; a
  computed area figure has "(…, berekend)" in its label, and ``note`` carries definition
  changes (benefits of 2015 count benefits, later years persons) and changed names.
  ``assessment`` compares with the gemeente (with the Netherlands when the gemeente has no
  figure, e.g. the Leefbaarometer or a gemeente profile) and is ``None`` inside the neutral
  band (:data:`NEUTRAL_PP`, :data:`NEUTRAL_INDEX`, :data:`NEUTRAL_SCORE`) or when the
  indicator has no direction.
* **Ontwikkeling**: every indicator with a value in more than one year, each year on that
  year's division; one measured year is a key figure, not a series. Indicators with different
  ids (migratieachtergrond, herkomst) are never joined: the rates that share a definition
  change with a ``chart`` title in the catalogue form a
  :class:`~wijkanalyse.model.SeriesGroup` (one chart, the break marked). Codes and
  classes (``kind: code``) get no series.
* **Leefbaarometer**: score, afwijking and the five dimensions of the wijk (a buurt: of the wijk
  it lies in; several wijken: weighted by their latest number of inhabitants). The selection
  holds wijken only, so there is no gemeente reference; Nederland is the national average as
  the Leefbaarometer defines it (score minus afwijking; 0 for the afwijking and the dimensions,
  which are deviations from that average).
* **Bronnen** and **missing**: every source file a figure was taken from, and Dutch statements
  of what is not there (years, references, indicators, Leefbaarometer).

The database is read with a few set-based queries per profile (all members, references and
indicators of all years at once), so profiling every wijk stays fast.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import pandas as pd

from wijkanalyse import __version__, fmt
from wijkanalyse.catalogue import DOMAINS, Catalogue, load_catalogue
from wijkanalyse.codes import name_key, wijk_code_of
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden.aggregate import aggregate_many, indicator_table
from wijkanalyse.gebieden.location import locate
from wijkanalyse.kennis.zoek import profile_section as kennis_section
from wijkanalyse.model import (
    AreaNote,
    Figure,
    KeyFigure,
    PeerGroup,
    Profile,
    Series,
    SeriesGroup,
    SeriesPoint,
    SourceRef,
    Subject,
)
from wijkanalyse.profiel.peers import find_peers
from wijkanalyse.segregatie import profile_section as segregatie_section
from wijkanalyse.signalen.rules import derive_signals
from wijkanalyse.verhalen import stories_for

__all__ = [
    "GEMEENTEN_PER_JAAR",
    "KEY_FIGURES",
    "LBM_INDICATORS",
    "NEUTRAL_INDEX",
    "NEUTRAL_PP",
    "NEUTRAL_SCORE",
    "assess",
    "build_profile",
    "profile",
    "profile_frames",
]

NL_CODE = "NL00"
#: The Leefbaarometer 3.0 indicators: score, afwijking, then the five dimensions.
LBM_INDICATORS = ("lbm", "lbm_afw", "lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won")
CBS_LICENCE = "CC BY 4.0"

#: The Kerncijfers of a profile, in this order, when the subject has them in the chosen year.
#: Chosen for vulnerable neighbourhoods: size and composition (age, herkomst or, before 2023,
#: migratieachtergrond, as shares), households, income and poverty, work and benefits, housing
#: (ownership, corporation stock, value), education, care, safety (crime rates are in the 2017
#: files only), Leefbaarometer and SES-WOA. Ids ending in ``_afgeleid`` are computed
#: catalogue indicators. Every other indicator with a value follows, grouped by domain.
KEY_FIGURES: tuple[str, ...] = (
    # bevolking
    "a_inw",
    "bev_dich",
    "p_00_14_jr",
    "p_15_24_jr",
    "p_25_44_jr",
    "p_45_64_jr",
    "p_65_eo_jr",
    "p_nl_all_afgeleid",
    "p_eur_al_afgeleid",
    "p_neu_al_afgeleid",
    "p_west_al",
    "p_n_w_al",
    # huishoudens
    "a_hh",
    "g_hhgro",
    "p_eenp_hh",
    "p_hh_m_k",
    # inkomen
    "g_ink_pi",
    "g_hh_sti",
    "p_ink_li",
    "p_hh_li",
    "p_hh_lkk",
    "p_hh_osm",
    "m_hh_ver",
    # arbeid en sociale zekerheid (persons with a benefit from 2016, benefits until 2015)
    "p_arb_pp",
    "p_n_act",
    "a_soz_wb",
    "p_soz_wb_afgeleid",
    "a_soz_ao",
    "a_soz_ww",
    "wwb_uittot",
    "wwb_uittot_1000_afgeleid",
    "ww_uit_tot",
    "ww_uit_tot_1000_afgeleid",
    "ao_uit_tot",
    "ao_uit_tot_1000_afgeleid",
    # wonen
    "a_woning",
    "g_woz",
    "p_koopw",
    "p_huurw",
    "p_wcorpw",
    "p_mgezw",
    "p_leegsw",
    # onderwijs
    "p_opl_lg_afgeleid",
    "p_opl_hg_afgeleid",
    # zorg
    "p_jz_tn",
    "p_wmo_t",
    # veiligheid
    "g_wodief",
    "g_vernoo",
    "g_gewsek",
    # leefbaarheid en sociaaleconomische status
    "lbm",
    "lbm_afw",
    "ses_woa",
)

#: The number of gemeenten on 1 January of each year (CBS, Gemeentelijke indeling). A year
#: without a national row (NL00) gets its Nederland figures from its gemeenten only when the
#: database holds exactly this many gemeenten with inhabitants for that year (the 2015
#: Wijk- en Buurtkaart: 393), never from a partial list (2021: Amsterdam, Den Haag, Utrecht).
GEMEENTEN_PER_JAAR: dict[int, int] = {
    2013: 408, 2014: 403, 2015: 393, 2016: 390, 2017: 388, 2018: 380, 2019: 355, 2020: 355,
    2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342,
}


class YearNotAvailableError(WijkanalyseError):
    """A profile was asked for a year without KWB figures for its subject.

    Attributes
    ----------
    years
        The years with KWB figures for the subject (may be empty).
    """

    def __init__(self, message: str, *, years: Sequence[int]) -> None:
        super().__init__(message)
        self.years = list(years)


def _year_not_available(con: duckdb.DuckDBPyConnection, subject: Subject, year: int,
                        kwb_years: list[int]) -> YearNotAvailableError:
    """The refusal of a profile for a year without KWB figures, listing the years that have."""
    if kwb_years:
        return YearNotAvailableError(
            f"Geen KWB-cijfers voor {subject.name} ({subject.id}) in {year}; wel voor "
            f"{join_nl(kwb_years)}. Kies een van die jaren met --jaar, of laat --jaar weg voor "
            "het laatste jaar.", years=kwb_years)
    known = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT year FROM sources WHERE kind = 'kwb' AND year IS NOT NULL "
        "ORDER BY year").fetchall()]
    return YearNotAvailableError(
        f"Geen KWB-cijfers voor {subject.name} ({subject.id}), in {year} of een ander jaar"
        + (f"; de database heeft KWB-cijfers voor {join_nl(known)}" if known else "")
        + ". Laad een bron met deze regio ('wijkanalyse data build'), of kies een ander gebied.",
        years=[])


#: Neutral band of ``assessment``: rates in % within this many percentage points of the
#: reference are neither favourable nor unfavourable.
NEUTRAL_PP = 1.0
#: Neutral band for counts and means (index = subject / reference × 100), inclusive.
NEUTRAL_INDEX = (95.0, 105.0)
#: Neutral band for scores (Leefbaarometer, SES-WOA): plain difference below this.
NEUTRAL_SCORE = 0.05

_NO_ROW = "niet in de geladen bestanden"
_LBM_NO_GEMEENTE = "geen Leefbaarometer voor gemeenten geladen (alleen per wijk)"
_KIND_ORDER = {"kwb": 0, "ses": 1, "leefbaarometer": 2, "boundaries": 3}
_CBS_PREFIX = re.compile(r"^(?:wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)

_OBS_SQL = """
SELECT o.indicator_id, o.year, o.code, o.value, o.missing_reason, o.source_id,
       s.kind AS source_kind
FROM observation o JOIN sources s USING (source_id)
WHERE list_contains(?, o.code)
"""


# ------------------------------------------------------------------------------ internals


@dataclass(frozen=True)
class _Meta:
    id: str
    label: str
    unit: str
    domain: str
    kind: str
    better: str | None
    base: str | None
    valid_from: int | None
    valid_to: int | None
    order: int
    numerator: str | None = None
    share_of: tuple[str, ...] = ()
    factor: float | None = None
    computed: bool = False
    replaces: str | None = None
    replaced_by: str | None = None
    changes: tuple[dict[str, Any], ...] = ()

    @property
    def derived_text(self) -> str:
        """How a share is computed from its counts (Dutch), e.g. "berekend uit aantallen:
        a_65_oo / a_inw × 100"."""
        den = self.share_of[0] if len(self.share_of) == 1 else (
            "(" + " + ".join(self.share_of) + ")")
        factor = "100" if self.factor == 100.0 else "1.000"
        return f"berekend uit aantallen: {self.numerator} / {den} × {factor}"

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or year >= self.valid_from) and (
            self.valid_to is None or year <= self.valid_to
        )


@dataclass
class _Cell:
    """One figure of one role (area, gemeente, nederland) for one indicator and year."""

    value: float | None
    complete: bool = True
    reason: str | None = None
    source_ids: tuple[str, ...] = ()
    derived: str | None = None  # None: as published; else how it was computed (Dutch)


_Table = dict[tuple[str, int], _Cell]


@dataclass
class _Context:
    subject: Subject
    year: int
    meta: dict[str, _Meta]
    labels: dict[str, str]
    area: _Table
    gemeente: _Table
    nederland: _Table
    peers: dict[tuple[str, int], Figure] = field(default_factory=dict)
    peer_note: str | None = None
    #: True when the user chose the year: every key figure is of that year. Otherwise each
    #: key figure is its indicator's most recent year up to ``year`` ("hoe staat de wijk er
    #: nu voor"), with the year shown per row.
    fixed_year: bool = True
    nl_years: set[int] = field(default_factory=set)
    #: Years whose Nederland figures are computed from the gemeenten (no NL row loaded).
    nl_derived_years: dict[int, str] = field(default_factory=dict)
    area_notes: list[AreaNote] = field(default_factory=list)
    #: Parts without residents whose missing resident figures counted as 0, per (ind, year).
    zero_parts: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def source(self, source_ids: Iterable[str]) -> str | None:
        labels: list[str] = []
        for sid in source_ids:
            self.used.add(sid)
            label = self.labels.get(sid)
            if label and label not in labels:
                labels.append(label)
        return "; ".join(labels) or None


def _meta_table(catalogue: Catalogue) -> dict[str, _Meta]:
    meta: dict[str, _Meta] = {}
    for pos, ind in enumerate(catalogue):
        # the stored counts whose sum is a share's base (a computed base is a sum_of counts)
        base = catalogue.indicators.get(ind.base) if ind.base else None
        share_of = (() if not ind.numerator or base is None
                    else (base.sum_of or (base.id,)))
        meta[ind.id] = _Meta(ind.id, ind.label, ind.unit, ind.domain, ind.kind, ind.better,
                             ind.base, ind.valid_from, ind.valid_to, pos,
                             numerator=ind.numerator, share_of=tuple(share_of),
                             factor=ind.share_factor(), computed=ind.computed,
                             replaces=ind.replaces, replaced_by=ind.replaced_by,
                             changes=tuple(ind.definition_changes))
    return meta


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _display_name(name: str | None, code: str) -> str:
    if not name:
        return code
    return _CBS_PREFIX.sub("", str(name).strip()) or str(name)


class _Row(NamedTuple):
    """One row of the ``observation`` view with the kind of its source."""

    indicator_id: str
    year: int
    code: str
    value: float | None
    missing_reason: str | None
    source_id: str
    source_kind: str


_ROW_COLUMNS = ["indicator_id", "year", "code", "value", "missing_reason", "source_id"]


def _fetch(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> list[_Row]:
    """Every observation of ``codes`` (all indicators, all years) in one query."""
    wanted = sorted({c for c in codes if c})
    return [
        _Row(ind, int(year), code, _clean(value), reason, sid, kind)
        for ind, year, code, value, reason, sid, kind in con.execute(_OBS_SQL,
                                                                     [wanted]).fetchall()
    ]


def _direct_cells(rows: Iterable[_Row]) -> _Table:
    table: _Table = {}
    for r in rows:
        why = None if r.value is not None else (r.missing_reason or "ontbreekt")
        table[(r.indicator_id, r.year)] = _Cell(r.value, True, why, (r.source_id,))
    return table


def _kwb_years(rows: Iterable[_Row]) -> set[int]:
    return {r.year for r in rows if r.source_kind == "kwb" and r.value is not None}


#: Bases of figures about residents: a part where this count is 0 has none of them.
_RESIDENT_BASES = ("a_inw", "a_hh")


def _zero_base_rows(rows: Sequence[_Row], meta: Mapping[str, _Meta]
                    ) -> tuple[list[_Row], dict[tuple[str, int], list[str]]]:
    """Parts without inhabitants (households): their missing figures about residents are 0.

    CBS suppresses the benefits of a buurt without inhabitants (a park, an industrial area);
    in a set of buurten that part has no residents and so none of their benefits. Figures
    about residents are the rates whose base is ``a_inw`` or ``a_hh`` and the counts that are
    the numerator of such a share in the catalogue (``wwb_uittot`` of
    ``wwb_uittot_1000_afgeleid``). Returns the rows and, per (indicator, year), the parts set
    to 0.
    """
    base_of: dict[str, str] = {}
    for m in meta.values():
        if m.kind != "count" and m.base in _RESIDENT_BASES:
            base_of[m.id] = m.base
        if m.numerator and len(m.share_of) == 1 and m.share_of[0] in _RESIDENT_BASES:
            base_of.setdefault(m.numerator, m.share_of[0])
    empty = {(r.code, r.year, r.indicator_id) for r in rows
             if r.indicator_id in _RESIDENT_BASES and r.value == 0}
    out: list[_Row] = []
    filled: dict[tuple[str, int], list[str]] = {}
    for r in rows:
        base = base_of.get(r.indicator_id)
        if r.value is None and base and (r.code, r.year, base) in empty:
            r = r._replace(value=0.0, missing_reason=None)
            filled.setdefault((r.indicator_id, r.year), []).append(r.code)
        out.append(r)
    return out, filled


def _aggregated_cells(rows: Sequence[_Row], members: Sequence[str],
                      catalogue: Catalogue, meta: Mapping[str, _Meta],
                      zero_parts: dict[tuple[str, int], list[str]] | None = None) -> _Table:
    """Aggregate several members; counts with missing parts get no value. Missing figures
    about residents of parts without residents count as 0 (:func:`_zero_base_rows`; listed in
    ``zero_parts`` when given)."""
    if not rows:
        return {}
    rows, filled = _zero_base_rows(rows, meta)
    if zero_parts is not None:
        zero_parts.update(filled)
    frame = pd.DataFrame([r[:6] for r in rows], columns=_ROW_COLUMNS)
    frame["value"] = frame["value"].astype("float64")
    result = aggregate_many(frame, areas={"area": list(members)},
                            indicators=indicator_table(catalogue), partial=True)
    present: dict[tuple[str, int], set[str]] = {}
    anywhere: dict[tuple[str, int], set[str]] = {}
    for r in rows:
        key = (r.indicator_id, r.year)
        anywhere.setdefault(key, set()).add(r.source_id)
        if r.value is not None:
            present.setdefault(key, set()).add(r.source_id)
    table: _Table = {}
    cols = result[["indicator_id", "year", "value", "complete", "reason"]]
    for ind, year, value, complete, reason in cols.itertuples(index=False, name=None):
        key = (ind, int(year))
        v = _clean(value)
        m = meta.get(ind)
        if not complete and m is not None and m.kind == "count":
            v = None
        why = reason if isinstance(reason, str) and reason else None
        if v is None and why is None:
            why = "ontbreekt"
        table[key] = _Cell(v, bool(complete), why,
                           tuple(sorted(present.get(key) or anywhere.get(key) or ())))
    return table


def _share_metas(meta: Mapping[str, _Meta]) -> list[_Meta]:
    """The catalogue rates that name their counts (``numerator``)."""
    return [m for m in meta.values() if m.numerator and m.share_of and m.factor]


def _add_derived(table: _Table, meta: Mapping[str, _Meta]) -> None:
    """Fill the shares of the catalogue (``numerator`` / ``base``) from the counts in
    ``table`` where the share itself has no value: ONE figure per concept, the published
    percentage where there is one, else computed from the counts (``derived`` says how).

    A published percentage that is suppressed stays missing when its counts are not there
    either; a computed share of counts with missing parts has no value.
    """
    years = {y for (_, y) in table}
    for m in _share_metas(meta):
        for year in years:
            published = table.get((m.id, year))
            if published is not None and published.value is not None:
                continue
            num = table.get((m.numerator or "", year))
            if num is None:
                continue
            dens = [table.get((d, year)) for d in m.share_of]
            cells = [num, *dens]
            ids = tuple(sorted({s for c in cells if c is not None for s in c.source_ids}))
            complete = all(c is not None and c.complete for c in cells)
            value: float | None = None
            reason: str | None = None
            if num.value is None:
                reason = num.reason or "ontbreekt"
            elif any(d is None or d.value is None for d in dens):
                reason = "noemer ontbreekt"
            else:
                total = sum(d.value for d in dens if d is not None and d.value is not None)
                if total > 0:
                    value = num.value / total * float(m.factor or 100.0)
                else:
                    reason = "noemer is 0"
            if value is None and published is not None:
                continue  # the published (missing) figure keeps its own reason
            table[(m.id, year)] = _Cell(value, complete, reason, ids, derived=m.derived_text)


def _area_cells(rows: Sequence[_Row], subject: Subject, catalogue: Catalogue,
                meta: Mapping[str, _Meta],
                zero_parts: dict[tuple[str, int], list[str]] | None = None
                ) -> tuple[_Table, list[_Row]]:
    """The subject's own figures: per year from the members of that year's division
    (:meth:`Subject.members_in`), one member directly, several aggregated.

    Returns the cells and the rows they were made of.
    """
    other = subject.division_years()
    parts: list[tuple[list[str], Callable[[int], bool]]] = [
        (list(dict.fromkeys(subject.members)), lambda y: y not in other)]
    for div in subject.other_years:
        parts.append((list(dict.fromkeys(div.members)), div.years.__contains__))
    table: _Table = {}
    used: list[_Row] = []
    for members, in_years in parts:
        wanted = set(members)
        mine = [r for r in rows if r.code in wanted and in_years(r.year)]
        used.extend(mine)
        if len(members) == 1:
            table.update(_direct_cells(mine))
        else:
            table.update(_aggregated_cells(mine, members, catalogue, meta, zero_parts))
    return table, used


def _nederland_from_gemeenten(con: duckdb.DuckDBPyConnection, year: int,
                              catalogue: Catalogue, meta: Mapping[str, _Meta],
                              cache: dict[Any, Any] | None) -> tuple[_Table, str | None]:
    """Nederland of a year without a national row, computed from that year's gemeenten.

    Only when the database holds every gemeente of the year (:data:`GEMEENTEN_PER_JAAR`)
    with inhabitants; per indicator only when every one of them has a value (counts summed,
    rates and means weighted by their base, :func:`~wijkanalyse.gebieden.aggregate.aggregate_many`).
    Returns the cells (``derived`` says so) and the Dutch description, or ``({}, None)``.
    """
    key = f"nederland:{year}"
    if cache is not None and key in cache:
        cached: tuple[_Table, str | None] = cache[key]
        return cached
    result: tuple[_Table, str | None] = ({}, None)
    expected = GEMEENTEN_PER_JAAR.get(year)
    sids = [r[0] for r in con.execute(
        "SELECT source_id FROM sources WHERE kind = 'kwb' AND year = ?", [year]).fetchall()]
    if expected and sids:
        # the best value per gemeente as the observation view picks it, over the KWB sources
        # of the year only (a scan of those sources instead of the whole view)
        frame = con.execute(
            """SELECT o.indicator_id, o.code,
                      arg_min(o.value, (o.value IS NULL, s.priority, o.source_id)) AS value,
                      arg_min(o.source_id, (o.value IS NULL, s.priority, o.source_id))
                          AS source_id
               FROM observations o JOIN sources s USING (source_id)
               WHERE o.source_id IN (SELECT unnest(?::VARCHAR[])) AND o.year = ?
                 AND starts_with(o.code, 'GM')
               GROUP BY o.indicator_id, o.code""", [sids, year]).df()
        wide = frame.pivot(index="code", columns="indicator_id", values="value").astype(
            "float64")
        inhabited = wide.index[wide["a_inw"].notna()] if "a_inw" in wide else []
        if len(inhabited) == expected:
            wide = wide.loc[inhabited]
            text = (f"berekend uit de {expected} gemeenten van {year} (aantallen opgeteld, "
                    "percentages en gemiddelden gewogen met hun noemer)")
            sources_of = frame.groupby("indicator_id")["source_id"].agg(
                lambda v: tuple(sorted(set(v))))
            table: _Table = {}
            for ind in wide.columns:
                m = meta.get(ind)
                col = wide[ind]
                if m is None or m.kind == "code" or col.isna().any():
                    continue  # a gemeente without a value: no national figure
                if m.kind == "count":
                    value = float(col.sum())
                else:
                    if not m.base or m.base not in wide or wide[m.base].isna().any():
                        continue
                    weight = wide[m.base]
                    if float(weight.sum()) <= 0:
                        continue
                    value = float((col * weight).sum() / weight.sum())
                table[(ind, year)] = _Cell(value, True, None, sources_of.get(ind, ()),
                                           derived=text)
            result = (table, text)
    if cache is not None:
        cache[key] = result
    return result


def _names_by_year(con: duckdb.DuckDBPyConnection, codes: Sequence[str],
                   years: Iterable[int], cache: dict[Any, Any] | None = None
                   ) -> dict[tuple[str, int], str]:
    """The name of each code in each year (the regions view); with ``cache`` the names of
    every wijk and buurt are read once for many profiles."""
    wanted = sorted(set(years))
    if not codes or not wanted:
        return {}
    if cache is not None:
        if "names" not in cache:
            cache["names"] = {
                (code, int(year)): name for code, year, name in con.execute(
                    "SELECT code, year, name FROM regions WHERE name IS NOT NULL "
                    "AND level IN ('wijk', 'buurt')").fetchall()}
        names = cache["names"]
        return {(c, y): _display_name(names[(c, y)], c) for c in codes for y in wanted
                if (c, y) in names}
    rows = con.execute(
        "SELECT code, year, name FROM regions WHERE list_contains(?, code) "
        "AND list_contains(?, year) AND name IS NOT NULL", [list(codes), wanted]).fetchall()
    return {(code, int(year)): _display_name(name, code) for code, year, name in rows}


def _area_notes(con: duckdb.DuckDBPyConnection, subject: Subject,
                years: Sequence[int], cache: dict[Any, Any] | None = None) -> list[AreaNote]:
    """Changed names and other divisions of the subject in the years with figures.

    A code that exists in several years is taken as the same area (until CBS lineage is
    loaded); when its name differs between those years the reader is told ("In 2015 heette
    dit gebied Schalkwijk"), because a new name often means new boundaries.
    """
    if subject.kind == "gemeente":
        return []
    notes: list[AreaNote] = []
    other = subject.division_years()
    main_years = [y for y in years if y not in other]
    latest = max(main_years) if main_years else None
    main = list(dict.fromkeys(subject.members))
    names = _names_by_year(con, main, main_years, cache)
    single = len(main) == 1 and not subject.other_years
    for code in main:
        current = names.get((code, latest)) if latest is not None else None
        if current is None:
            continue
        changed: dict[str, list[int]] = {}
        for y in main_years:
            old = names.get((code, y))
            if old and name_key(old) != name_key(current):
                changed.setdefault(old, []).append(y)
        for old, ys in changed.items():
            when = join_nl(sorted(ys))
            who = "dit gebied" if single else f"{current} ({code})"
            notes.append(AreaNote(
                kind="naam", years=sorted(ys), codes=[code], names=[old],
                text=(f"In {when} heette {who} {old}; met dezelfde code ({code}) geldt het "
                      "hier als hetzelfde gebied, maar de grenzen kunnen verschillen."),
                short=f"In {when} heette {who} {old}."))
    for div in subject.other_years:
        ys = sorted(y for y in div.years if y in years)
        if not ys:
            continue
        div_names = _names_by_year(con, div.members, ys, cache)
        listed = [f"{div_names.get((c, ys[0]), c)} ({c})" for c in div.members]
        noun = {"buurt": "buurt", "wijk": "wijk"}.get(div.level, div.level)
        plural = noun + ("en" if len(div.members) > 1 else "")
        text = (f"De cijfers van {join_nl(ys)} zijn van {plural} {join_nl(listed)} "
                f"(CBS-indeling van dat jaar).")
        if div.reason:
            text += f" {div.reason.rstrip('.')}."
        notes.append(AreaNote(kind="indeling", years=ys, codes=list(div.members),
                              names=[div_names.get((c, ys[0]), c) for c in div.members],
                              text=text,
                              short=(f"{join_nl(ys)}: de {plural} van toen, met andere "
                                     f"codes ({', '.join(div.members)}).")))
    return notes


def _notes_for(ctx: _Context, ind: str, years: Iterable[int]) -> str | None:
    """The area notes of ``years`` and the definition change of ``ind`` (linked by
    replaces / replaced_by in the catalogue), as one Dutch text."""
    ys = set(years)
    texts = [n.short or n.text for n in ctx.area_notes if ys & set(n.years)]
    m = ctx.meta.get(ind)
    if m is not None and (m.replaces or m.replaced_by or m.valid_to or m.valid_from):
        own = [str(c.get("note")) for c in m.changes if c.get("note")]
        if not own and m.replaces and m.replaces in ctx.meta:
            prev = ctx.meta[m.replaces]
            first = min((int(c["year"]) for c in prev.changes if c.get("year")), default=None)
            until = f"tot en met {first - 1} " if first else "eerder "
            own = [f"{until[:1].upper()}{until[1:]}gemeten als '{prev.label}' ({prev.id}): "
                   "een andere definitie, geen doorlopende reeks."]
        texts.extend(own)
    return " ".join(dict.fromkeys(texts)) or None


def _series_groups(ctx: _Context) -> list[SeriesGroup]:
    """One chart per definition change with a ``chart`` title in the catalogue: the rates of
    the old and of the new definition side by side, with the break year."""
    groups: dict[tuple[str, int, str], list[_Meta]] = {}
    for m in sorted(ctx.meta.values(), key=lambda m: m.order):
        for change in m.changes:
            title = change.get("chart")
            if title and change.get("year") and change.get("note"):
                groups.setdefault((str(title), int(change["year"]), str(change["note"])),
                                  []).append(m)
    out: list[SeriesGroup] = []
    for (title, year, note), members in groups.items():
        units = {m.unit for m in members}
        if len(units) != 1:
            continue
        before = [m.id for m in members if m.valid_to is not None and m.valid_to < year]
        after = [m.id for m in members if m.id not in before]
        series = _series(ctx, [*before, *after], min_values=1)
        have = {s.indicator_id for s in series}
        n_points = sum(1 for s in series for p in s.points if p.area is not None)
        if n_points < 2 or not (have & set(before)) or not (have & set(after)):
            continue
        out.append(SeriesGroup(
            id=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"), title=title,
            unit=units.pop(), domain=members[0].domain, break_year=year, note=note,
            series=series, before=[i for i in before if i in have],
            after=[i for i in after if i in have]))
    return out


def _lbm_codes(subject: Subject) -> list[str]:
    """The wijk codes whose Leefbaarometer stands for the subject."""
    if subject.level == "wijk":
        return list(dict.fromkeys(subject.members))
    if subject.level == "buurt":
        if subject.wijk_codes:
            return list(dict.fromkeys(subject.wijk_codes))
        return list(dict.fromkeys(c for c in map(wijk_code_of, subject.members) if c))
    return []


def _lbm_cells(
    obs: Sequence[_Row], codes: Sequence[str], catalogue: Catalogue, meta: Mapping[str, _Meta]
) -> tuple[_Table, _Table, int | None]:
    """Leefbaarometer of the wijk(en): (area cells, Nederland cells, weight year).

    Several wijken are weighted by their number of inhabitants of the latest year in which
    each has one (the weight year returned is the latest of those).
    """
    wanted = set(codes)
    rows = [r for r in obs if r.indicator_id in LBM_INDICATORS and r.code in wanted]
    if not rows:
        return {}, {}, None
    weight_year: int | None = None
    if len(codes) == 1:
        area = _direct_cells(rows)
    else:
        latest: dict[str, _Row] = {}
        for r in obs:
            if r.indicator_id == "a_inw" and r.code in wanted and r.value is not None and (
                    r.code not in latest or r.year > latest[r.code].year):
                latest[r.code] = r
        weight_year = max((r.year for r in latest.values()), default=None)
        years = sorted({r.year for r in rows})
        # the weight of each wijk in every Leefbaarometer year: its latest inhabitants
        weights = [r._replace(year=y) for r in latest.values() for y in years]
        area = {k: c for k, c in _aggregated_cells([*rows, *weights], codes, catalogue,
                                                   meta).items()
                if k[0] in LBM_INDICATORS}
    area = {k: c for k, c in area.items() if c.value is not None}
    nederland: _Table = {}
    for (ind, year), cell in area.items():
        if ind == "lbm":
            afw = area.get(("lbm_afw", year))
            if afw is not None and cell.value is not None and afw.value is not None:
                nederland[(ind, year)] = _Cell(cell.value - afw.value, True, None,
                                               cell.source_ids)
        else:
            nederland[(ind, year)] = _Cell(0.0, True, None, cell.source_ids)
    return area, nederland, weight_year


def _peer_figures(obs: Sequence[_Row], codes: Sequence[str], year: int,
                  meta: Mapping[str, _Meta], labels: Mapping[str, str]
                  ) -> tuple[dict[str, Figure], set[str]]:
    """Mean over the peers per indicator (weighted by base for rates, means and scores)."""
    n = len(codes)
    wanted = set(codes)
    values = {
        (r.indicator_id, r.code): (r.value, r.source_id)
        for r in obs if r.year == year and r.code in wanted and r.value is not None
    }
    by_ind: dict[str, list[str]] = {}
    for ind, code in values:
        by_ind.setdefault(ind, []).append(code)
    figures: dict[str, Figure] = {}
    used: set[str] = set()

    def figure(value: float | None, n_with: int, sids: set[str]) -> Figure:
        used.update(sids)
        source = "; ".join(sorted({labels[s] for s in sids if s in labels})) or None
        if value is None:
            return Figure(None, year, source, False,
                          f"geen waarde bij de {n} vergelijkbare wijken in {year}")
        complete = n_with == n
        reason = None if complete else (
            f"gemiddelde over {n_with} van de {n} vergelijkbare wijken met een waarde")
        return Figure(value, year, source, complete, reason)

    for ind, peer_codes in by_ind.items():
        m = meta.get(ind)
        if m is None or m.kind == "code":
            continue
        if m.kind == "count" or not m.base:
            vals = [float(values[(ind, c)][0]) for c in peer_codes]
            sids = {values[(ind, c)][1] for c in peer_codes}
            figures[ind] = figure(sum(vals) / len(vals), len(vals), sids)
            continue
        num = den = 0.0
        n_with = 0
        sids = set()
        for c in peer_codes:
            w = values.get((m.base, c))
            if w is None or float(w[0]) <= 0:
                continue
            num += float(values[(ind, c)][0]) * float(w[0])
            den += float(w[0])
            n_with += 1
            sids.add(values[(ind, c)][1])
        figures[ind] = figure(num / den if den > 0 else None, n_with, sids)
    for m in _share_metas(meta):
        if m.id in figures and figures[m.id].value is not None:
            continue  # the published percentages of the peers, weighted by their base
        num = den = 0.0
        n_with = 0
        sids = set()
        for c in codes:
            nv = values.get((m.numerator or "", c))
            dv = [values.get((d, c)) for d in m.share_of]
            if nv is None or any(d is None for d in dv):
                continue
            total = sum(float(d[0]) for d in dv if d is not None)
            if total <= 0:
                continue
            num += float(nv[0])
            den += total
            n_with += 1
            sids.add(nv[1])
        if n_with:
            fig = figure(num / den * float(m.factor or 100.0), n_with, sids)
            fig.derived = m.derived_text
            figures[m.id] = fig
    return figures, used


def assess(diff: float | None, *, unit: str, kind: str, better: str | None) -> str | None:
    """``"gunstig"``, ``"ongunstig"`` or ``None`` for a difference from :func:`fmt.difference`.

    Rates in % are neutral within :data:`NEUTRAL_PP` percentage points, scores within
    :data:`NEUTRAL_SCORE`, counts and means within the index band :data:`NEUTRAL_INDEX`.
    """
    if better not in ("higher", "lower") or diff is None or kind == "code":
        return None
    if unit == "%":
        if abs(diff) < NEUTRAL_PP:
            return None
        delta = diff
    elif kind == "score":
        if abs(diff) < NEUTRAL_SCORE:
            return None
        delta = diff
    else:
        low, high = NEUTRAL_INDEX
        if low <= diff <= high:
            return None
        delta = diff - 100.0
    good = delta > 0 if better == "higher" else delta < 0
    return "gunstig" if good else "ongunstig"


def _figure(ctx: _Context, cell: _Cell | None, year: int, missing: str) -> Figure:
    if cell is None:
        return Figure(None, year, None, True, missing)
    return Figure(cell.value, year, ctx.source(cell.source_ids), cell.complete,
                  cell.reason if (cell.value is None or not cell.complete) else None,
                  derived=cell.derived if cell.value is not None else None)


def _reference_missing(ctx: _Context, role: str, ind: str, year: int) -> str:
    if role == "gemeente":
        if ctx.subject.kind == "gemeente":
            return "het gebied is de gemeente zelf"
        if not ctx.subject.gemeente_code:
            return "geen gemeente bekend"
        if ind in LBM_INDICATORS:
            return _LBM_NO_GEMEENTE
        return _NO_ROW
    if year in ctx.nl_derived_years and ind not in LBM_INDICATORS:
        return (f"geen landelijke cijfers voor {year} geladen; berekend uit de gemeenten niet "
                "mogelijk (niet elke gemeente heeft een waarde)")
    if year not in ctx.nl_years and ind not in LBM_INDICATORS:
        return f"geen landelijke cijfers voor {year} geladen"
    return _NO_ROW


def _ordered(ids: Iterable[str], meta: Mapping[str, _Meta]) -> list[str]:
    """Curated ids in :data:`KEY_FIGURES` order, then the rest by domain and catalogue order."""
    curated = {ind: pos for pos, ind in enumerate(KEY_FIGURES)}
    domains = {d: pos for pos, d in enumerate(DOMAINS)}
    unique = [i for i in dict.fromkeys(ids) if i in meta]
    first = sorted((i for i in unique if i in curated), key=curated.__getitem__)
    rest = sorted((i for i in unique if i not in curated),
                  key=lambda i: (domains.get(meta[i].domain, len(domains)), meta[i].order))
    return first + rest


def _row_years(ctx: _Context) -> dict[str, int]:
    """The year each indicator's key figure is shown for (see :attr:`_Context.fixed_year`)."""
    if ctx.fixed_year:
        return {ind: ctx.year for (ind, y) in ctx.area if y == ctx.year}
    best: dict[str, tuple[bool, int]] = {}
    for (ind, y), cell in ctx.area.items():
        key = (cell.value is not None, y)  # latest year with a value, else latest year
        if y <= ctx.year and (ind not in best or key > best[ind]):
            best[ind] = key
    return {ind: y for ind, (_, y) in best.items()}


def _key_figures(ctx: _Context) -> list[KeyFigure]:
    row_years = _row_years(ctx)
    present = set(row_years)
    with_value = {ind for ind, y in row_years.items() if ctx.area[(ind, y)].value is not None}
    curated = [i for i in KEY_FIGURES if i in present]
    rest = [i for i in with_value if i not in KEY_FIGURES]
    out: list[KeyFigure] = []
    for ind in _ordered([*curated, *rest], ctx.meta):
        year = row_years[ind]
        m = ctx.meta[ind]
        area = _figure(ctx, ctx.area.get((ind, year)), year, _NO_ROW)
        if ctx.subject.kind == "gemeente":
            gem = Figure(None, year, None, True, _reference_missing(ctx, "gemeente", ind, year))
        else:
            gem = _figure(ctx, ctx.gemeente.get((ind, year)), year,
                          _reference_missing(ctx, "gemeente", ind, year))
        nl = _figure(ctx, ctx.nederland.get((ind, year)), year,
                     _reference_missing(ctx, "nederland", ind, year))
        peers = ctx.peers.get((ind, year)) or Figure(None, year, None, False, ctx.peer_note)
        label = m.label
        if ind in LBM_INDICATORS and ctx.subject.level == "buurt":
            label += " (van de wijk)"
        if area.derived or (m.computed and area.value is None):
            label = _with_berekend(label)
        kf = KeyFigure(indicator_id=ind, label=label, unit=m.unit, domain=m.domain,
                       kind=m.kind, better=m.better, year=year, area=area, gemeente=gem,
                       nederland=nl, peers=peers, note=_notes_for(ctx, ind, [year]))
        # counts of areas of different size are not comparable (a wijk has "index 5" of its
        # gemeente's inhabitants); their comparison is made by the derived shares
        if m.kind not in ("code", "count"):
            kf.diff_gemeente, kf.diff_gemeente_text = fmt.difference(
                area.value, gem.value, unit=m.unit, kind=m.kind)
            kf.diff_nederland, kf.diff_nederland_text = fmt.difference(
                area.value, nl.value, unit=m.unit, kind=m.kind)
            reference = kf.diff_gemeente if kf.diff_gemeente is not None else kf.diff_nederland
            kf.assessment = assess(reference, unit=m.unit, kind=m.kind, better=m.better)
        out.append(kf)
    return out


def _with_berekend(label: str) -> str:
    """``"Inwoners 0 tot 15 jaar (%)"`` -> ``"Inwoners 0 tot 15 jaar (%, berekend)"``."""
    if label.endswith(")") and "(" in label:
        return label[:-1] + ", berekend)"
    return label + " (berekend)"


def _changes(series: Series, unit: str, kind: str) -> None:
    vals = [p.area for p in series.points if p.area is not None]
    if len(vals) < 2:
        return
    series.change_first, series.change_first_text = fmt.change(vals[0], vals[-1],
                                                               unit=unit, kind=kind)
    series.change_previous, series.change_previous_text = fmt.change(vals[-2], vals[-1],
                                                                     unit=unit, kind=kind)


def _series(ctx: _Context, ids: Iterable[str], *, min_values: int,
            notes: Mapping[str, str] | None = None) -> list[Series]:
    years_of: dict[str, list[int]] = {}
    for (ind, year) in ctx.area:
        years_of.setdefault(ind, []).append(year)
    out: list[Series] = []
    for ind in ids:
        m = ctx.meta.get(ind)
        if m is None or m.kind == "code" or ind not in years_of:
            continue
        years = sorted(years_of[ind])
        cells = [ctx.area[(ind, y)] for y in years]
        if sum(c.value is not None for c in cells) < min_values:
            continue
        points = []
        for year, cell in zip(years, cells, strict=True):
            gem = None if ctx.subject.kind == "gemeente" else ctx.gemeente.get((ind, year))
            nl = ctx.nederland.get((ind, year))
            if gem is not None and gem.value is not None:
                ctx.source(gem.source_ids)
            if nl is not None and nl.value is not None:
                ctx.source(nl.source_ids)
            points.append(SeriesPoint(
                year=year, area=cell.value,
                gemeente=gem.value if gem is not None else None,
                nederland=nl.value if nl is not None else None,
                source=ctx.source(cell.source_ids), complete=cell.complete,
                derived=cell.derived if cell.value is not None else None,
                gemeente_derived=gem.derived if gem is not None and gem.value is not None
                else None,
                nederland_derived=nl.derived if nl is not None and nl.value is not None
                else None))
        label = m.label
        if ind in LBM_INDICATORS and ctx.subject.level == "buurt":
            label += " (van de wijk)"
        measured_points = [p for p in points if p.area is not None]
        if m.computed or (measured_points and all(p.derived for p in measured_points)):
            label = _with_berekend(label)  # a mixed series marks its computed points
        measured = [p.year for p in points if p.area is not None]
        texts = [t for t in ((notes or {}).get(ind), _notes_for(ctx, ind, measured)) if t]
        s = Series(indicator_id=ind, label=label, unit=m.unit, domain=m.domain,
                   better=m.better, points=points, note=" ".join(texts) or None)
        _changes(s, m.unit, m.kind)
        out.append(s)
    return out


def _sources(ctx: _Context, sources: Sequence[tuple[Any, ...]], extra_labels: Iterable[str | None]
             ) -> list[SourceRef]:
    """SourceRefs of the used sources, and of the labels other parts cite (location, peers).

    ``sources`` are rows ``(source_id, file_name, kind, table_id, year, label)``. A label
    another part cites is expanded to its files only when no used source has that label
    already (so a peer group citing "CBS, Kerncijfers Wijken en Buurten 2019" adds no files).
    """
    ids = set(ctx.used)
    by_label: dict[str, list[str]] = {}
    for row in sources:
        by_label.setdefault(row[5], []).append(row[0])
    cited = {ctx.labels.get(i) for i in ids}
    loose: list[str] = []
    for text in extra_labels:
        for label in (text or "").split("; "):
            label = label.strip()
            if not label or label in cited:
                continue
            if label in by_label:
                ids.update(by_label[label])
            elif label not in loose:
                loose.append(label)
    rows = sorted(
        (r for r in sources if r[0] in ids),
        key=lambda r: (_KIND_ORDER.get(r[2], 9), r[4] if r[4] is not None else 9999,
                       str(r[5]), str(r[1]), r[0]),
    )
    out: list[SourceRef] = []
    seen: set[tuple[Any, ...]] = set()
    for _sid, file_name, _kind, table_id, year, label in rows:
        y = None if year is None else int(year)
        key = (label, file_name, table_id or None, y)
        if key in seen:
            continue
        seen.add(key)
        licence = CBS_LICENCE if str(label).startswith("CBS") else None
        out.append(SourceRef(label=str(label), file=file_name, table_id=table_id or None,
                             year=y, licence=licence))
    for label in loose:
        out.append(SourceRef(label=label, file=None, table_id=None, year=None,
                             licence=CBS_LICENCE if label.startswith("CBS") else None))
    return out


#: A year counts as a nationwide file of a level when it has at least this many regions.
NATIONWIDE_REGIONS = {"wijk": 2000, "buurt": 10000}


def _years_under_other_codes(con: duckdb.DuckDBPyConnection, subject: Subject,
                             kwb_years: Sequence[int],
                             cache: dict[Any, Any] | None = None) -> list[int]:
    """Years in which the subject's gemeente has KWB figures at the subject's level but the
    subject (one wijk or buurt code) has none: the code is of another CBS division."""
    if subject.kind not in ("wijk", "buurt") or len(subject.members) != 1 or \
            subject.other_years:
        return []
    code = subject.members[0]
    prefix = {"wijk": "WK", "buurt": "BU"}[subject.kind]
    if not code.startswith(prefix) or len(code) < 6:
        return []
    store: dict[Any, Any] = cache if cache is not None else {}
    key = f"kwb-years:{code[:6]}"
    if key not in store:
        store[key] = {int(r[0]) for r in con.execute(
            """SELECT DISTINCT r.year FROM region_sources r JOIN sources s USING (source_id)
               WHERE s.kind = 'kwb' AND starts_with(r.code, ?)""", [code[:6]]).fetchall()}
    years = set(store[key])
    if len(kwb_years) <= 1:
        # a gemeente formed later (Dijk en Waard, 2022) has no old codes of its own: the
        # nationwide files of other years at this level lack the code too
        key = f"kwb-years-nationwide:{subject.kind}"
        if key not in store:
            store[key] = {int(r[0]) for r in con.execute(
                """SELECT r.year FROM region_sources r JOIN sources s USING (source_id)
                   WHERE s.kind = 'kwb' AND r.level = ? GROUP BY r.year
                   HAVING count(DISTINCT r.code) >= ?""",
                [subject.kind, NATIONWIDE_REGIONS[subject.kind]]).fetchall()}
        years |= store[key]
    return sorted(y for y in years if y not in set(kwb_years))


def _area_word(subject: Subject) -> str:
    if subject.kind == "gebied":
        return "dit gebied"
    return {"wijk": "deze wijk", "buurt": "deze buurt", "gemeente": "deze gemeente"}.get(
        subject.kind, "dit gebied")


def _missing_statements(
    ctx: _Context,
    *,
    kwb_years: list[int],
    gem_years: set[int],
    key_figures: list[KeyFigure],
    lbm_note: str | None,
    other_years_of_gemeente: Sequence[int] = (),
) -> list[str]:
    subject, year = ctx.subject, ctx.year
    word = _area_word(subject)
    out: list[str] = []
    if not kwb_years:
        out.append(f"Geen KWB-cijfers voor {word} geladen.")
    else:
        gaps = [y for y in range(kwb_years[0], kwb_years[-1] + 1) if y not in kwb_years]
        if gaps:
            out.append(f"Geen KWB-cijfers voor {join_nl(gaps)} geladen.")
        if year not in kwb_years:
            out.append(f"Geen KWB-cijfers voor {year} voor {word}; wel voor "
                       f"{join_nl(kwb_years)}.")
    wanted = sorted(set(kwb_years) | {year})
    if subject.kind != "gemeente":
        gem_name = subject.gemeente_name or subject.gemeente_code
        if not subject.gemeente_code:
            out.append("Geen gemeente bekend: geen vergelijking met de gemeente.")
        else:
            lacking = [y for y in wanted if y not in gem_years]
            if lacking:
                out.append(f"Geen cijfers van de gemeente {gem_name} voor {join_nl(lacking)}.")
    for y, text in sorted(ctx.nl_derived_years.items()):
        out.append(f"Nederland {y}: de bestanden van {y} hebben geen landelijke rij; de "
                   f"landelijke cijfers zijn {text}. Percentages uit de Wijk- en Buurtkaart "
                   "zijn hele procenten, dus het landelijke percentage is een benadering.")
    lacking_nl = [y for y in wanted if y not in ctx.nl_years and y not in ctx.nl_derived_years]
    if lacking_nl:
        have = sorted(ctx.nl_years)
        tail = f": alleen voor {join_nl(have)}" if have else ""
        out.append(f"Geen landelijke cijfers (Nederland) voor {join_nl(lacking_nl)}{tail}.")
    for note in ctx.area_notes:
        out.append(note.text)
    by_parts: dict[tuple[int, tuple[str, ...]], list[str]] = {}
    for (ind, y), codes in sorted(ctx.zero_parts.items()):
        m = ctx.meta.get(ind)
        if m is not None:
            by_parts.setdefault((y, tuple(sorted(codes))), []).append(m.label)
    for (y, part_ids), labels in sorted(by_parts.items()):
        out.append(f"In {y} woonde niemand in {join_nl(list(part_ids))}; daar niet gepubliceerde "
                   f"cijfers over bewoners tellen bij het gebied als 0: {join_nl(labels)}.")
    if other_years_of_gemeente:
        out.append(
            f"Er zijn cijfers per {subject.level} voor "
            f"{join_nl(other_years_of_gemeente)}, maar niet onder de code {subject.id} (een "
            "andere CBS-indeling). Oude en nieuwe codes worden (nog) niet aan elkaar "
            "gekoppeld, dus die jaren ontbreken in de ontwikkeling"
            + (" en is er geen ontwikkeling te tonen." if len(kwb_years) <= 1 else "."))
    if lbm_note:
        out.append(lbm_note)
    shown = {kf.indicator_id: kf for kf in key_figures}
    absent: list[str] = []
    empty: dict[int, list[str]] = {}
    older: dict[int, list[str]] = {}
    has_year = any(y <= year and i not in LBM_INDICATORS for (i, y) in ctx.area)
    for ind in KEY_FIGURES if has_year else ():
        m = ctx.meta.get(ind)
        if m is None or not m.valid_in(year) or ind in LBM_INDICATORS:
            continue  # the Leefbaarometer has its own statement and series
        kf = shown.get(ind)
        if kf is None:
            absent.append(m.label)
        elif kf.area.value is None:
            empty.setdefault(kf.year, []).append(m.label)
        elif kf.year != year:
            older.setdefault(kf.year, []).append(m.label)
    if absent:
        when = f"voor {year}" if ctx.fixed_year else f"tot en met {year}"
        out.append(f"Niet in de geladen bestanden {when}: {join_nl(absent)}.")
    for y, labels in sorted(empty.items()):
        out.append(f"Zonder waarde in {y} (ontbreekt of geheim bij CBS): {join_nl(labels)}.")
    for y, labels in sorted(older.items(), reverse=True):
        out.append(f"Geen cijfer voor {year}; het meest recente cijfer is van {y}: "
                   f"{join_nl(labels)}.")
    incomplete: dict[int, list[str]] = {}
    for kf in key_figures:
        if not kf.area.complete and len(subject.members_in(kf.year)) > 1:
            incomplete.setdefault(kf.year, []).append(kf.label)
    for y, labels in sorted(incomplete.items()):
        out.append(f"Onvolledig voor {word} in {y} (niet alle delen hebben een waarde): "
                   f"{join_nl(labels)}.")
    return out


def _region_names(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = con.execute(
        "SELECT code, arg_max(name, year) FROM regions WHERE list_contains(?, code) "
        "AND name IS NOT NULL GROUP BY code", [list(codes)]
    ).fetchall()
    return {code: _display_name(name, code) for code, name in rows}


def _lbm_texts(subject: Subject, codes: Sequence[str], names: Mapping[str, str],
               has_lbm: bool, weight_year: int | None) -> tuple[str | None, str | None]:
    """(prefix of the Leefbaarometer notes, missing statement)."""
    if subject.level == "gemeente":
        return None, ("Geen Leefbaarometer voor de gemeente: de geladen Leefbaarometer "
                      "bevat alleen wijken.")
    listed = join_nl([names.get(c, c) for c in codes])
    if not codes:
        return None, "Geen Leefbaarometer: de wijk van het gebied is onbekend."
    if not has_lbm:
        if subject.level == "buurt":
            noun = "wijk" if len(codes) == 1 else "wijken"
            return None, f"Geen Leefbaarometer voor {noun} {listed}, waarin het gebied ligt."
        return None, f"Geen Leefbaarometer voor {_area_word(subject)}."
    prefix = None
    if subject.level == "buurt":
        if len(codes) == 1:
            where = "de buurt ligt" if len(subject.members) == 1 else "de buurten liggen"
            prefix = f"Leefbaarometer van wijk {listed}, waarin {where}."
        else:
            prefix = f"Leefbaarometer van de wijken {listed}, waarin de buurten liggen"
    elif len(codes) > 1:
        prefix = f"Leefbaarometer van de wijken {listed}"
    if prefix is not None and len(codes) > 1:
        prefix += (f", gewogen naar aantal inwoners ({weight_year})." if weight_year
                   else ", gewogen naar aantal inwoners.")
    return prefix, None


def _lbm_notes(prefix: str | None) -> dict[str, str]:
    lead = f"{prefix} " if prefix else ""
    score = (lead + "Nederland: het landelijk gemiddelde volgens de Leefbaarometer (score min "
             "afwijking). Geen gemeentecijfers: de geladen Leefbaarometer bevat alleen wijken.")
    dev = (lead + "Afwijking van het landelijk gemiddelde (Nederland = 0). Geen "
           "gemeentecijfers: de geladen Leefbaarometer bevat alleen wijken.")
    return {ind: (score if ind == "lbm" else dev) for ind in LBM_INDICATORS}


# ------------------------------------------------------------------------------ public API


def build_profile(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    year: int | None = None,
    catalogue: Catalogue | None = None,
    with_peers: bool = True,
    with_signals: bool = True,
    with_location: bool = True,
    with_stories: bool = True,
    with_segregatie: bool = True,
    with_kennis: bool = True,
    cache: dict[Any, Any] | None = None,
) -> Profile:
    """Assemble the wijkprofiel of ``subject``.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    subject
        The area (see :func:`wijkanalyse.gebieden.subjects.resolve_subject`).
    year
        Year of the Kerncijfers; default the latest year with a KWB value for the subject.
    catalogue
        The indicator catalogue (default: the one shipped with the package).
    with_peers, with_signals, with_location, with_stories
        Ask :mod:`~wijkanalyse.profiel.peers`, :mod:`~wijkanalyse.signalen.rules`,
        :mod:`~wijkanalyse.gebieden.location` and :mod:`~wijkanalyse.verhalen.stories` for their
        parts. A part
        whose module is not installed stays empty (``None`` or ``[]``).
    with_segregatie, with_kennis
        Add the segregation section (:func:`wijkanalyse.segregatie.analyse.profile_section`) and the
        matched interventions (:func:`wijkanalyse.kennis.zoek.profile_section`).
    cache
        A dict kept between calls when many profiles are made from one connection (bench,
        monitor): boundaries per gemeente are then read once.

    Returns
    -------
    Profile
        Key figures, series, Leefbaarometer, sources and missing-data statements, plus the
        parts of the other modules.

    Raises
    ------
    WijkanalyseError
        When the subject has no members or the database holds no KWB figures at all.
    YearNotAvailableError
        When ``year`` is given and the subject has no KWB figures in that year (the message
        lists the years that have).
    """
    if not subject.members:
        raise WijkanalyseError(f"Het gebied {subject.name!r} heeft geen buurten of wijken.")
    cat = catalogue if catalogue is not None else load_catalogue()
    meta = _meta_table(cat)
    members = list(dict.fromkeys(
        [*subject.members, *(c for div in subject.other_years for c in div.members)]))
    lbm_codes = _lbm_codes(subject)
    gem_code = subject.gemeente_code
    obs = _fetch(con, [*members, *lbm_codes, NL_CODE, gem_code or ""])
    sources = con.execute(
        "SELECT source_id, file_name, kind, table_id, year, label FROM sources"
    ).fetchall()
    labels = {row[0]: row[5] for row in sources}

    generic = [r for r in obs if r.indicator_id not in LBM_INDICATORS]
    zero_parts: dict[tuple[str, int], list[str]] = {}
    area, member_rows = _area_cells(generic, subject, cat, meta, zero_parts)
    kwb_years = sorted(_kwb_years(member_rows))
    fixed_year = year is not None
    if year is None:
        if kwb_years:
            year = kwb_years[-1]
        else:
            latest = con.execute("SELECT max(year) FROM sources WHERE kind = 'kwb'").fetchone()
            if latest is None or latest[0] is None:
                raise WijkanalyseError(
                    "De database bevat geen KWB-cijfers; bouw hem met 'wijkanalyse data build'."
                )
            year = int(latest[0])
    year = int(year)
    if fixed_year and year not in kwb_years:
        raise _year_not_available(con, subject, year, kwb_years)

    gem_rows = [r for r in generic if gem_code and r.code == gem_code]
    gemeente = _direct_cells(gem_rows)
    nl_rows = [r for r in generic if r.code == NL_CODE]
    nederland = _direct_cells(nl_rows)
    nl_years = _kwb_years(nl_rows)
    nl_derived: dict[int, str] = {}
    for y in sorted(set(kwb_years) - nl_years):
        cells, text = _nederland_from_gemeenten(
            con, y, cat, meta, None if cache is None else cache.setdefault("nederland", {}))
        if text:
            nederland.update(cells)
            nl_derived[y] = text
    for table in (area, gemeente, nederland):
        _add_derived(table, meta)

    lbm_area, lbm_nl, weight_year = _lbm_cells(obs, lbm_codes, cat, meta)
    area.update(lbm_area)
    nederland.update(lbm_nl)

    ctx = _Context(subject=subject, year=year, meta=meta, labels=labels, area=area,
                   gemeente=gemeente, nederland=nederland, fixed_year=fixed_year)
    ctx.nl_years = nl_years
    ctx.nl_derived_years = nl_derived
    ctx.area_notes = _area_notes(con, subject, kwb_years, cache)
    ctx.zero_parts = zero_parts
    gem_years = _kwb_years(gem_rows)

    peer_group: PeerGroup | None = None
    ctx.peer_note = "geen vergelijkbare wijken bepaald"
    if with_peers:
        peer_group = find_peers(con, subject, year=year)
        peer_codes = [p.code for p in peer_group.peers] if peer_group is not None else []
        if peer_codes:
            peer_obs = _fetch(con, peer_codes)
            for peer_year in (kwb_years if not fixed_year else [year]):
                if peer_year > year:
                    continue
                figures, used = _peer_figures(peer_obs, peer_codes, peer_year, meta, labels)
                ctx.peers.update({(ind, peer_year): f for ind, f in figures.items()})
                ctx.used.update(used)
            ctx.peer_note = f"geen waarde bij de {len(peer_codes)} vergelijkbare wijken in {year}"
        elif peer_group is not None and peer_group.note:
            ctx.peer_note = peer_group.note

    key_figures = _key_figures(ctx)
    series_ids = _ordered({ind for (ind, _) in area if ind not in LBM_INDICATORS}, meta)
    series = _series(ctx, series_ids, min_values=2)
    series_groups = _series_groups(ctx)

    names = _region_names(con, lbm_codes) if (
        subject.level == "buurt" or len(lbm_codes) > 1) else {}
    prefix, lbm_missing = _lbm_texts(subject, lbm_codes, names, bool(lbm_area), weight_year)
    leefbaarometer = _series(ctx, LBM_INDICATORS, min_values=1, notes=_lbm_notes(prefix))

    missing = _missing_statements(ctx, kwb_years=kwb_years, gem_years=gem_years,
                                  key_figures=key_figures, lbm_note=lbm_missing,
                                  other_years_of_gemeente=_years_under_other_codes(
                                      con, subject, kwb_years, cache))

    location = None
    if with_location:
        location = (locate(con, subject) if cache is None
                    else locate(con, subject, cache=cache.setdefault("location", {})))
    stories: list[Any] = []
    approaches: list[Any] = []
    if with_stories:
        stories, approaches = stories_for(con, subject)

    extra = [location.source if location is not None else None,
             peer_group.source if peer_group is not None else None]
    result = Profile(
        subject=subject,
        year=year,
        years_available=kwb_years,
        key_figures=key_figures,
        series=series,
        leefbaarometer=leefbaarometer,
        signals=[],
        peers=peer_group,
        location=location,
        stories=list(stories),
        approaches=list(approaches),
        sources=_sources(ctx, sources, extra),
        missing=missing,
        generated_with=f"wijkanalyse {__version__}",
        series_groups=series_groups,
        area_notes=list(ctx.area_notes),
    )
    if with_signals:
        result.signals = list(derive_signals(result))
    if with_segregatie:
        result.segregatie = (
            segregatie_section(con, subject, year=None) if cache is None
            else segregatie_section(con, subject, year=None,
                                    cache=cache.setdefault("segregatie", {})))
    if with_kennis:
        result.kennis = kennis_section(con, subject, profile=result)
    return result


def profile(
    query: str,
    *,
    gemeente: str | None = None,
    year: int | None = None,
    db: str | Path | None = None,
) -> Profile:
    """The wijkprofiel of a wijk, buurt, gemeente or area given by name or code.

    Parameters
    ----------
    query
        Name or code ("Angelslo", "Wijk 43 Angelslo", "WK011443", an area id).
    gemeente
        Gemeente name or code to choose between equal names.
    year
        Year of the Kerncijfers (default: the latest with KWB figures).
    db
        Database path (default: ``WIJKANALYSE_DB`` or the per-user default).

    Returns
    -------
    Profile
        See :func:`build_profile`; :func:`profile_frames` gives DataFrames.

    Raises
    ------
    WijkanalyseError
        When there is no database, or the name cannot be resolved (from
        :func:`wijkanalyse.gebieden.subjects.resolve_subject`).
    """
    from wijkanalyse import store
    from wijkanalyse.settings import resolve_settings

    settings = resolve_settings(db=db)
    from wijkanalyse.gebieden.subjects import resolve_subject

    with store.reading(settings.db_path) as con:
        subject = resolve_subject(con, query, gemeente=gemeente, year=year)
        return build_profile(con, subject, year=year)


def profile_frames(prof: Profile) -> dict[str, pd.DataFrame]:
    """A profile as DataFrames for notebooks.

    Returns
    -------
    dict of pandas.DataFrame
        ``key_figures`` (one row per Kerncijfer with the subject, gemeente, Nederland and peer
        values, differences and assessment), ``series`` and ``leefbaarometer`` (long: one row
        per indicator and year), ``signals`` and ``peers``.
    """
    kf_rows = []
    for kf in prof.key_figures:
        kf_rows.append({
            "indicator_id": kf.indicator_id, "label": kf.label, "unit": kf.unit,
            "domain": kf.domain, "kind": kf.kind, "better": kf.better, "year": kf.year,
            "area": kf.area.value, "area_complete": kf.area.complete,
            "area_reason": kf.area.reason, "gemeente": kf.gemeente.value,
            "nederland": kf.nederland.value, "peers": kf.peers.value,
            "diff_gemeente": kf.diff_gemeente, "diff_gemeente_text": kf.diff_gemeente_text,
            "diff_nederland": kf.diff_nederland, "diff_nederland_text": kf.diff_nederland_text,
            "assessment": kf.assessment, "source": kf.area.source,
            "derived": kf.area.derived, "note": kf.note,
        })
    key_cols = ["indicator_id", "label", "unit", "domain", "kind", "better", "year", "area",
                "area_complete", "area_reason", "gemeente", "nederland", "peers",
                "diff_gemeente", "diff_gemeente_text", "diff_nederland", "diff_nederland_text",
                "assessment", "source", "derived", "note"]
    series_cols = ["indicator_id", "label", "unit", "domain", "year", "area", "gemeente",
                   "nederland", "complete", "source", "note", "derived", "nederland_derived"]

    def long(series: list[Series]) -> pd.DataFrame:
        rows = [
            {"indicator_id": s.indicator_id, "label": s.label, "unit": s.unit,
             "domain": s.domain, "year": p.year, "area": p.area, "gemeente": p.gemeente,
             "nederland": p.nederland, "complete": p.complete, "source": p.source,
             "note": s.note, "derived": p.derived, "nederland_derived": p.nederland_derived}
            for s in series for p in s.points
        ]
        return pd.DataFrame(rows, columns=series_cols)

    signal_cols = ["rule_id", "severity", "severity_label", "domain", "title", "text"]
    signals = pd.DataFrame(
        [{c: getattr(s, c) for c in signal_cols} for s in prof.signals], columns=signal_cols)
    peer_cols = ["rank", "code", "name", "gemeente_name", "distance", "reasons", "lbm_change",
                 "lbm_change_text"]
    peers = pd.DataFrame(
        [{"rank": p.rank, "code": p.code, "name": p.name, "gemeente_name": p.gemeente_name,
          "distance": p.distance, "reasons": "; ".join(p.reasons),
          "lbm_change": p.lbm_change, "lbm_change_text": p.lbm_change_text}
         for p in (prof.peers.peers if prof.peers is not None else [])],
        columns=peer_cols,
    )
    return {
        "key_figures": pd.DataFrame(kf_rows, columns=key_cols),
        "series": long(prof.series),
        "leefbaarometer": long(prof.leefbaarometer),
        "signals": signals,
        "peers": peers,
    }
