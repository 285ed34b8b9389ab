"""The wijkprofiel orchestrator: key figures, development, Leefbaarometer, sources, missing data.

:func:`build_profile` assembles a :class:`~wijkanalyse.model.Profile` for a
:class:`~wijkanalyse.model.Subject` from the database and asks the other parts
(:mod:`~wijkanalyse.profiel.peers`, :mod:`~wijkanalyse.signalen.derive`,
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
  ``assessment`` is the verdict of the profile's one assessment
  (:func:`wijkanalyse.signalen.assess.assess_profile`, also in ``Profile.judgements``):
  ``"ongunstig"`` when a signal rests on the figure, else its position against the gemeente
  (Nederland when the gemeente has no figure, e.g. the Leefbaarometer or a gemeente profile),
  ``None`` inside the neutral band or without a direction (``docs/signalen.md``).
* **Summary**: the four questions of a wijkanalyse answered from that assessment
  (:mod:`~wijkanalyse.profiel.summary`), first in the report and in the JSON.
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

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse import __version__
from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.content import ContentStore
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden.location import locate
from wijkanalyse.model import (
    PeerGroup,
    Profile,
    Series,
    Subject,
)
from wijkanalyse.profiel import load
from wijkanalyse.profiel.cells import (
    GEMEENTEN_PER_JAAR,
    LBM_INDICATORS,
    NL_CODE,
    _add_derived,
    _applies_to,
    _area_cells,
    _clean,
    _direct_cells,
    _kwb_years,
    _lbm_cells,
    _lbm_codes,
    _Meta,
    _meta_table,
    _nederland_cells,
    _peer_figures,
    _Row,
    _Table,
)
from wijkanalyse.profiel.conflicts import Conflicts, conflicts_by_key
from wijkanalyse.profiel.figures import _Context, _key_figures, _ordered, _series, _series_groups
from wijkanalyse.profiel.harmonised import (
    Harmonised,
    harmonised_cells,
    harmonised_missing,
    unchanged,
)
from wijkanalyse.profiel.peers import find_peers
from wijkanalyse.profiel.sections import add_sections
from wijkanalyse.profiel.summary import summarise
from wijkanalyse.profiel.texts import (
    _area_notes,
    _display_name,
    _harmonised_note,
    _lbm_notes,
    _lbm_texts,
    _missing_statements,
    _sources,
)
from wijkanalyse.signalen.assess import assess_profile
from wijkanalyse.verhalen import stories_for

__all__ = [
    "YearNotAvailableError",
    "build_profile",
    "profile",
    "profile_frames",
]

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
    known = load.kwb_years(con)
    return YearNotAvailableError(
        f"Geen KWB-cijfers voor {subject.name} ({subject.id}), in {year} of een ander jaar"
        + (f"; de database heeft KWB-cijfers voor {join_nl(known)}" if known else "")
        + ". Laad een bron met deze regio ('wijkanalyse data build'), of kies een ander gebied.",
        years=[])


# ------------------------------------------------------------------------------ internals


def _fetch(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> list[_Row]:
    """Every observation of ``codes`` (all indicators, all years) in one query."""
    wanted = sorted({c for c in codes if c})
    return [
        _Row(ind, int(year), code, _clean(value), reason, sid, kind)
        for ind, year, code, value, reason, sid, kind in load.observations(con, wanted)
    ]


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
    sids = load.kwb_source_ids(con, year)
    if expected and sids:
        result = _nederland_cells(load.gemeente_values(con, sids, year), year, expected, meta)
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
            cache["names"] = load.wijk_buurt_names(con)
        names = cache["names"]
        return {(c, y): _display_name(names[(c, y)], c) for c in codes for y in wanted
                if (c, y) in names}
    rows = load.names_by_year(con, codes, wanted)
    return {(code, year): _display_name(name, code) for code, year, name in rows}


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
        store[key] = load.kwb_years_of_prefix(con, code[:6])
    years = set(store[key])
    if len(kwb_years) <= 1:
        # a gemeente formed later (Dijk en Waard, 2022) has no old codes of its own: the
        # nationwide files of other years at this level lack the code too
        key = f"kwb-years-nationwide:{subject.kind}"
        if key not in store:
            store[key] = load.nationwide_kwb_years(con, subject.kind,
                                                   NATIONWIDE_REGIONS[subject.kind])
        years |= store[key]
    return sorted(y for y in years if y not in set(kwb_years))


def _harmonise_subject(con: duckdb.DuckDBPyConnection, subject: Subject, catalogue: Catalogue,
                       area: _Table, member_rows: list[_Row],
                       cache: dict[Any, Any] | None = None) -> Harmonised:
    """Earlier years of a wijk or buurt (one code, not renumbered) on its latest boundary
    (:mod:`~wijkanalyse.profiel.harmonised`; ``area`` and ``member_rows`` changed in place).

    Most areas kept their boundary: one small query on the links into the code settles that
    before the lineage around it is fetched and harmonised."""
    if subject.kind not in ("wijk", "buurt") or len(subject.members) != 1 or \
            subject.other_years:
        return Harmonised()
    code = subject.members[0]
    store: dict[Any, Any] = cache if cache is not None else {}
    if "lineage_latest" not in store:
        store["lineage_latest"] = load.lineage_latest(con)
    latest: int | None = store["lineage_latest"]
    if latest is None:
        return Harmonised()
    into = load.lineage_into(con, latest, code)
    if unchanged(code, into):
        return Harmonised()
    _, lineage = load.lineage_around(con, code, latest)
    if lineage.empty:
        return Harmonised()
    sources = sorted({src for _, src, _, _ in into} - {code})
    rows = [*_fetch(con, sources), *member_rows] if sources else list(member_rows)
    return harmonised_cells(code, latest, lineage, rows, area, member_rows, catalogue)


def _conflicts(con: duckdb.DuckDBPyConnection, obs: Sequence[_Row], codes: Sequence[str],
               years: set[int], cache: dict[Any, Any] | None) -> Conflicts:
    """The values of ``codes`` in ``years`` (the years of the subject's figures) on which
    loaded sources disagree. Only sources the build found in a conflict can hold one, and the
    chosen value of a disagreement comes from one of them: only the codes with such rows
    among the profile's rows of those years are read, and nothing when there are none."""
    store: dict[Any, Any] = cache if cache is not None else {}
    if "conflicting_sources" not in store:
        store["conflicting_sources"] = load.conflicting_sources(con)
    sources: frozenset[str] = store["conflicting_sources"]
    wanted = set(codes)
    hit = sorted({r.code for r in obs if r.source_id in sources and r.code in wanted
                  and r.year in years}) if sources else []
    if not hit:
        return {}
    return conflicts_by_key(load.disagreeing_values(con, hit, sorted(sources)))


def _region_names(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {code: _display_name(name, code) for code, name in load.latest_names(con, codes)}


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
    content: ContentStore | None = None,
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
        Ask :mod:`~wijkanalyse.profiel.peers`, :mod:`~wijkanalyse.signalen.derive`,
        :mod:`~wijkanalyse.gebieden.location` and :mod:`~wijkanalyse.verhalen.stories` for their
        parts; a part switched off stays empty (``None`` or ``[]``).
    with_segregatie, with_kennis
        Add the segregation section (:func:`wijkanalyse.segregatie.analyse.profile_section`) and the
        matched interventions (:func:`wijkanalyse.kennis.profile_section`): the
        sections of :data:`wijkanalyse.profiel.sections.SECTIONS`, stored in
        ``Profile.sections`` (``None`` when switched off).
    cache
        A dict kept between calls when many profiles are made from one connection (bench,
        monitor): boundaries per gemeente are then read once.
    content
        The content store (:func:`wijkanalyse.content.open_content`) with the stories,
        approaches and applied interventions; ``None``: the profile has none.

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
    wijk_lbm_codes = _lbm_codes(subject)
    gem_code = subject.gemeente_code
    obs = _fetch(con, [*members, *wijk_lbm_codes, NL_CODE, gem_code or ""])
    # a finer Leefbaarometer (buurt scores, when loaded) wins over the wijk's
    lbm_codes = _lbm_codes(subject, {r.code for r in obs if r.indicator_id in LBM_INDICATORS
                                     and r.code in set(subject.members)})
    sources = load.source_rows(con)
    labels = {row[0]: row[5] for row in sources}

    generic = [r for r in obs if r.indicator_id not in LBM_INDICATORS]
    zero_parts: dict[tuple[str, int], list[str]] = {}
    area, member_rows = _area_cells(generic, subject, cat, meta, zero_parts)
    moved = _harmonise_subject(con, subject, cat, area, member_rows, cache)
    kwb_years = sorted(_kwb_years(member_rows))
    fixed_year = year is not None
    if year is None:
        if kwb_years:
            year = kwb_years[-1]
        else:
            latest = load.latest_kwb_year(con)
            if latest is None:
                raise WijkanalyseError(
                    "De database bevat geen KWB-cijfers; bouw hem met 'wijkanalyse data build'."
                )
            year = latest
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
    # a year moved from other codes no longer shows what the code was called then
    ctx.area_notes = _area_notes(
        subject, [y for y in kwb_years if y not in moved.moved_years],
        lambda codes, ys: _names_by_year(con, codes, ys, cache))
    if moved.moved_years:
        part_names = _names_by_year(
            con, sorted({c for cs in moved.moved_years.values() for c in cs}),
            list(moved.moved_years), cache)
        note = _harmonised_note(subject.members[0], moved.latest, moved.moved_years,
                                moved.unsure_years,
                                {c: n for (c, _), n in sorted(part_names.items())})
        if note is not None:
            ctx.area_notes.append(note)
    ctx.zero_parts = zero_parts
    ctx.conflicts = _conflicts(con, obs, [*members, *([gem_code] if gem_code else []),
                                          NL_CODE], {y for (_, y) in area}, cache)
    names = _region_names(con, lbm_codes) if (
        subject.level == "buurt" or len(lbm_codes) > 1) else {}
    if lbm_area:
        ctx.lbm_applies = _applies_to(subject, lbm_codes, names, obs)
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

    prefix, lbm_missing = _lbm_texts(subject, lbm_codes, names, bool(lbm_area), weight_year)
    leefbaarometer = _series(ctx, LBM_INDICATORS, min_values=1, notes=_lbm_notes(prefix))

    missing = _missing_statements(ctx, kwb_years=kwb_years, gem_years=gem_years,
                                  key_figures=key_figures, lbm_note=lbm_missing,
                                  other_years_of_gemeente=_years_under_other_codes(
                                      con, subject, kwb_years, cache))
    missing.extend(harmonised_missing(moved, subject.members[0]))

    location = None
    if with_location:
        location = (locate(con, subject) if cache is None
                    else locate(con, subject, cache=cache.setdefault("location", {})))
    stories: list[Any] = []
    approaches: list[Any] = []
    if with_stories:
        stories, approaches = stories_for(con, content, subject)

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
    # the one assessment: signals, the Oordeel of every key figure, and through them the
    # kennisdossier section and the summary
    assessment = assess_profile(result, with_signals=with_signals)
    result.signals = assessment.signals
    result.judgements = assessment.judgements
    for kf, judgement in zip(result.key_figures, assessment.judgements, strict=True):
        kf.assessment = judgement.verdict
    add_sections(result, con, enabled={"segregatie": with_segregatie, "kennis": with_kennis},
                 cache=cache, content=content)
    result.summary = summarise(result)
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
    from wijkanalyse.content import open_content_if_present
    from wijkanalyse.gebieden.subjects import resolve_subject

    content = open_content_if_present(db_path=settings.db_path)
    try:
        with store.reading(settings.db_path) as con:
            subject = resolve_subject(con, query, gemeente=gemeente, year=year)
            return build_profile(con, subject, year=year, content=content)
    finally:
        if content is not None:
            content.close()




def profile_frames(prof: Profile) -> dict[str, pd.DataFrame]:
    """A profile as DataFrames for notebooks.

    Returns
    -------
    dict of pandas.DataFrame
        ``key_figures`` (one row per Kerncijfer with the subject, gemeente, Nederland and peer
        values, differences and assessment; ``peiljaar``, the code of the containing area the
        subject's value belongs to (``geldt_voor``), the footnote of a ``conflict`` and the
        judgement: ``oordeel`` as in the report, ``severity`` and ``signals`` of the signals on
        it), ``series`` and ``leefbaarometer`` (long: one row per indicator and year),
        ``signals`` and ``peers``.
    """
    kf_rows = []
    judgements = {j.indicator_id: j for j in prof.judgements}
    for kf in prof.key_figures:
        judgement = judgements.get(kf.indicator_id)
        kf_rows.append({
            "indicator_id": kf.indicator_id, "label": kf.label, "unit": kf.unit,
            "domain": kf.domain, "kind": kf.kind, "better": kf.better, "year": kf.year,
            "area": kf.area.value, "area_complete": kf.area.complete,
            "area_reason": kf.area.reason, "gemeente": kf.gemeente.value,
            "nederland": kf.nederland.value, "peers": kf.peers.value,
            "diff_gemeente": kf.diff_gemeente, "diff_gemeente_text": kf.diff_gemeente_text,
            "diff_nederland": kf.diff_nederland, "diff_nederland_text": kf.diff_nederland_text,
            "assessment": kf.assessment, "source": kf.area.source,
            "derived": kf.area.derived, "note": kf.note, "peiljaar": kf.peiljaar,
            "geldt_voor": kf.area.geldt_voor.code if kf.area.geldt_voor is not None else None,
            "conflict": kf.area.conflict.text if kf.area.conflict is not None else None,
            "oordeel": judgement.mark if judgement is not None else None,
            "severity": judgement.severity if judgement is not None else 0,
            "signals": "; ".join(judgement.signals) if judgement is not None else "",
        })
    key_cols = ["indicator_id", "label", "unit", "domain", "kind", "better", "year", "area",
                "area_complete", "area_reason", "gemeente", "nederland", "peers",
                "diff_gemeente", "diff_gemeente_text", "diff_nederland", "diff_nederland_text",
                "assessment", "source", "derived", "note", "peiljaar", "geldt_voor",
                "conflict", "oordeel", "severity", "signals"]
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
