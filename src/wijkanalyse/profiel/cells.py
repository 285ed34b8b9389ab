"""The figures of a wijkprofiel as cells: one value of one role (area, gemeente, Nederland)
per indicator and year, from the observation rows (pure computation).

The subject's own cells (:func:`_area_cells`: one member directly, several aggregated with
:func:`~wijkanalyse.gebieden.aggregate.aggregate_many`), the shares computed from their counts
(:func:`_add_derived`), Nederland from all gemeenten of a year (:func:`_nederland_cells`), the
Leefbaarometer of the wijk(en) (:func:`_lbm_cells`) and the peer means (:func:`_peer_figures`).
The rules are described in :mod:`wijkanalyse.profiel.assemble`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from wijkanalyse.catalogue import Catalogue, Indicator
from wijkanalyse.codes import wijk_code_of
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden.aggregate import aggregate_many, indicator_table
from wijkanalyse.model import AppliesTo, Figure, Subject

NL_CODE = "NL00"


#: The Leefbaarometer 3.0 indicators: score, afwijking, then the five dimensions.
LBM_INDICATORS = ("lbm", "lbm_afw", "lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won")


#: The number of gemeenten on 1 January of each year (CBS, Gemeentelijke indeling). A year
#: without a national row (NL00) gets its Nederland figures from its gemeenten only when the
#: database holds exactly this many gemeenten with inhabitants for that year (the 2015
#: Wijk- en Buurtkaart: 393), never from a partial list (2021: Amsterdam, Den Haag, Utrecht).
GEMEENTEN_PER_JAAR: dict[int, int] = {
    2013: 408, 2014: 403, 2015: 393, 2016: 390, 2017: 388, 2018: 380, 2019: 355, 2020: 355,
    2021: 352, 2022: 345, 2023: 342, 2024: 342, 2025: 342,
}


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
    decimals: int | None = None
    signed: bool = False
    #: The catalogue entry (for its ``peiljaar``).
    indicator: Indicator | None = field(default=None, compare=False, repr=False)

    def peiljaar(self, edition: int) -> tuple[int | None, str | None]:
        """(the year a figure of ``edition`` describes, in words) when the catalogue records a
        ``peiljaar`` for the indicator, else ``(None, None)``."""
        ind = self.indicator
        if ind is None or not ind.peiljaar:
            return None, None
        return ind.reference_year(edition), ind.reference_text(edition)

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
                             changes=tuple(ind.definition_changes),
                             decimals=ind.decimals, signed=ind.signed, indicator=ind)
    return meta


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


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


def _lbm_codes(subject: Subject, own: Iterable[str] = ()) -> list[str]:
    """The codes whose Leefbaarometer stands for the subject: its own members at their level
    when every member has Leefbaarometer scores of its own (``own``: the member codes with
    Leefbaarometer rows, e.g. from a buurt score file), else the wijken that contain them."""
    members = list(dict.fromkeys(subject.members))
    if subject.level == "wijk":
        return members
    if subject.level == "buurt":
        if members and set(members) <= set(own):
            return members
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


def _applies_to(subject: Subject, codes: Sequence[str], names: Mapping[str, str],
                obs: Sequence[_Row]) -> AppliesTo | None:
    """The containing area the Leefbaarometer of ``codes`` belongs to, or ``None`` when the
    codes are the subject's own members (a wijk, or buurten with their own scores).

    The inhabitants are those of each code in its latest year with a count (summed)."""
    if not codes or set(codes) <= set(subject.members):
        return None
    wanted = set(codes)
    latest: dict[str, _Row] = {}
    for r in obs:
        if r.indicator_id == "a_inw" and r.code in wanted and r.value is not None and (
                r.code not in latest or r.year > latest[r.code].year):
            latest[r.code] = r
    inhabitants = (sum(float(r.value or 0.0) for r in latest.values())
                   if len(latest) == len(wanted) else None)
    year = max((r.year for r in latest.values()), default=None) if inhabitants else None
    listed = join_nl([names.get(c, c) for c in codes])
    level = "wijk" if all(c.startswith("WK") for c in codes) else "buurt"
    if len(codes) == 1:
        text = f"score van {level} {listed}"
        count = f", {nl_number(inhabitants, decimals=0)} inw." if inhabitants else "."
    else:
        text = f"gewogen score van de {level}en {listed}"
        count = (f", samen {nl_number(inhabitants, decimals=0)} inw."
                 if inhabitants else ".")
    return AppliesTo(code=codes[0], name=listed, level=level, codes=list(codes),
                     inhabitants=inhabitants, inhabitants_year=year, text=text + count)


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
    # summed in the order of ``codes``, not of the query's rows (which DuckDB does not fix):
    # the same peers give the same float, to the last bit
    order = {c: i for i, c in enumerate(codes)}
    by_ind: dict[str, list[str]] = {}
    for ind, code in sorted(values, key=lambda k: (k[0], order[k[1]])):
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


def _nederland_cells(frame: pd.DataFrame, year: int, expected: int,
                     meta: Mapping[str, _Meta]) -> tuple[_Table, str | None]:
    """Nederland of ``year`` from the values of its gemeenten (``frame``: columns
    ``indicator_id, code, value, source_id``, from
    :func:`wijkanalyse.profiel.load.gemeente_values`).

    Only when ``frame`` holds ``expected`` gemeenten with inhabitants; per indicator only when
    every one of them has a value (counts summed, rates and means weighted by their base).
    Returns the cells (``derived`` says so) and the Dutch description, or ``({}, None)``.
    """
    wide = frame.pivot(index="code", columns="indicator_id", values="value").astype(
        "float64")
    inhabited = wide.index[wide["a_inw"].notna()] if "a_inw" in wide else []
    if len(inhabited) != expected:
        return {}, None
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
    return table, text
