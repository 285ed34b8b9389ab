"""The Kerncijfers and the series of a wijkprofiel from its cells (pure computation).

:func:`_key_figures` makes the rows of the Kerncijfers table (the subject next to gemeente,
Nederland and peers, with differences; the Oordeel is set from the profile's one assessment,
:func:`wijkanalyse.signalen.assess.assess_profile`), :func:`_series` the series of the
Ontwikkeling and the Leefbaarometer, :func:`_series_groups` the charts of a definition change.
The rules are described in :mod:`wijkanalyse.profiel.assemble`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wijkanalyse import fmt
from wijkanalyse.catalogue import DOMAINS
from wijkanalyse.model import (
    AppliesTo,
    AreaNote,
    Figure,
    KeyFigure,
    Series,
    SeriesGroup,
    SeriesPoint,
    Subject,
)
from wijkanalyse.profiel.cells import LBM_INDICATORS, NL_CODE, _Cell, _Meta, _Table
from wijkanalyse.profiel.conflicts import Conflicts, conflict_for
from wijkanalyse.signalen.assess import level_judgement

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


_NO_ROW = "niet in de geladen bestanden"


_LBM_NO_GEMEENTE = "geen Leefbaarometer voor gemeenten geladen (alleen per wijk)"


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
    #: Values of the subject's codes, its gemeente and Nederland on which sources disagree.
    conflicts: Conflicts = field(default_factory=dict)
    #: The containing area the Leefbaarometer belongs to (a buurt's wijk), or None.
    lbm_applies: AppliesTo | None = None

    def source(self, source_ids: Iterable[str]) -> str | None:
        labels: list[str] = []
        for sid in source_ids:
            self.used.add(sid)
            label = self.labels.get(sid)
            if label and label not in labels:
                labels.append(label)
        return "; ".join(labels) or None


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


#: The position of a key figure against its reference: one function for the whole profile,
#: :func:`wijkanalyse.signalen.assess.level_judgement` (kept here under its old name).
assess = level_judgement


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
        _mark(ctx, ind, year, m, area, gem, nl)
        label = m.label
        if ind in LBM_INDICATORS and ctx.subject.level == "buurt":
            label += " (van de wijk)"
        if area.derived or (m.computed and area.value is None):
            label = _with_berekend(label)
        kf = KeyFigure(indicator_id=ind, label=label, unit=m.unit, domain=m.domain,
                       kind=m.kind, better=m.better, year=year, area=area, gemeente=gem,
                       nederland=nl, peers=peers, note=_notes_for(ctx, ind, [year]),
                       decimals=m.decimals, signed=m.signed)
        kf.peiljaar, kf.peiljaar_text = m.peiljaar(year)
        if kf.peiljaar is None:
            kf.peiljaar = year
        # counts of areas of different size are not comparable (a wijk has "index 5" of its
        # gemeente's inhabitants); their comparison is made by the derived shares
        if m.kind not in ("code", "count"):
            kf.diff_gemeente, kf.diff_gemeente_text = fmt.difference(
                area.value, gem.value, unit=m.unit, kind=m.kind, decimals=m.decimals)
            kf.diff_nederland, kf.diff_nederland_text = fmt.difference(
                area.value, nl.value, unit=m.unit, kind=m.kind, decimals=m.decimals)
        out.append(kf)
    return out


def _mark(ctx: _Context, ind: str, year: int, m: _Meta, area: Figure, gem: Figure,
          nl: Figure) -> None:
    """Say in each figure what a reader must know where the figure is: the containing area a
    Leefbaarometer value belongs to, sources that disagree on it, and its peiljaar."""
    if ind in LBM_INDICATORS and ctx.lbm_applies is not None and area.value is not None:
        area.geldt_voor = ctx.lbm_applies
    peiljaar, text = m.peiljaar(year)
    roles: list[tuple[Figure, list[str], _Table]] = [
        (area, ctx.subject.members_in(year), ctx.area)]
    if ctx.subject.gemeente_code and ctx.subject.kind != "gemeente":
        roles.append((gem, [ctx.subject.gemeente_code], ctx.gemeente))
    roles.append((nl, [NL_CODE], ctx.nederland))
    for fig, codes, table in roles:
        if fig.value is None:
            continue
        if peiljaar is not None:
            fig.peiljaar, fig.peiljaar_text = peiljaar, text
        cell = table.get((ind, year))
        if fig.derived is None and cell is not None and ind not in LBM_INDICATORS:
            fig.conflict = conflict_for(ctx.conflicts, ind, year, codes, cell.source_ids,
                                        unit=m.unit, kind=m.kind, decimals=m.decimals)


def _with_berekend(label: str) -> str:
    """``"Inwoners 0 tot 15 jaar (%)"`` -> ``"Inwoners 0 tot 15 jaar (%, berekend)"``."""
    if label.endswith(")") and "(" in label:
        return label[:-1] + ", berekend)"
    return label + " (berekend)"


def _changes(series: Series, unit: str, kind: str) -> None:
    vals = [p.area for p in series.points if p.area is not None]
    if len(vals) < 2:
        return
    dec = series.decimals
    series.change_first, series.change_first_text = fmt.change(
        vals[0], vals[-1], unit=unit, kind=kind, decimals=dec)
    series.change_previous, series.change_previous_text = fmt.change(
        vals[-2], vals[-1], unit=unit, kind=kind, decimals=dec)


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
                else None,
                conflict=conflict_for(ctx.conflicts, ind, year, ctx.subject.members_in(year),
                                      cell.source_ids, unit=m.unit, kind=m.kind,
                                      decimals=m.decimals)
                if cell.value is not None and cell.derived is None
                and ind not in LBM_INDICATORS else None))
        label = m.label
        if ind in LBM_INDICATORS and ctx.subject.level == "buurt":
            label += " (van de wijk)"
        measured_points = [p for p in points if p.area is not None]
        if m.computed or (measured_points and all(p.derived for p in measured_points)):
            label = _with_berekend(label)  # a mixed series marks its computed points
        measured = [p.year for p in points if p.area is not None]
        texts = [t for t in ((notes or {}).get(ind), _notes_for(ctx, ind, measured)) if t]
        last = measured[-1] if measured else None
        peiljaar, words = m.peiljaar(last) if last is not None else (None, None)
        if last is not None and peiljaar is not None and (peiljaar != last or words):
            texts.append(f"De jaartallen zijn KWB-edities; {words or f'peiljaar {peiljaar}'} "
                         f"in KWB {last}.")
        s = Series(indicator_id=ind, label=label, unit=m.unit, domain=m.domain,
                   better=m.better, points=points, note=" ".join(texts) or None,
                   decimals=m.decimals, signed=m.signed)
        if ind in LBM_INDICATORS and measured:
            s.geldt_voor = ctx.lbm_applies
        _changes(s, m.unit, m.kind)
        out.append(s)
    return out
