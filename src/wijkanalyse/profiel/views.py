"""The tables and charts of the wijkprofiel report: Kerncijfers tables with footnotes, the
charts of the Ontwikkeling and the series groups, the Leefbaarometer, and the small Dutch
formatting helpers they share (source captions, dates). Used by
:mod:`wijkanalyse.profiel.report`, which puts them into the page."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from wijkanalyse.catalogue import DOMAINS
from wijkanalyse.fmt import (
    dutch_date,
    format_score,
    format_value,
    unit_label,
    year_list,
)
from wijkanalyse.model import Figure, KeyFigure, Profile, Series, SeriesGroup, SeriesPoint
from wijkanalyse.present import charts
from wijkanalyse.profiel.themes import THEMES, charted_in_body

_UNKNOWN_SOURCE = "Bron: niet vastgelegd"


def _dutch_date(value: date | str | None) -> str:
    """``2024-03-05`` -> ``"5 maart 2024"``; text that is no ISO date is shown as it is."""
    if value is None or value == "":
        return "datum onbekend"
    if isinstance(value, str):
        try:
            parsed = date.fromisoformat(value[:10])
        except ValueError:
            return value
        return dutch_date(parsed)
    return dutch_date(value)


_LABEL_YEAR = re.compile(r"^(?P<stem>.*\D)\s(?P<year>(?:19|20)\d\d)$")


def _source_caption(labels: Iterable[str | None]) -> str:
    """``"Bron: A; B"`` from the distinct labels, in first-seen order.

    Labels that differ only in their closing year are cited once with all years:
    "CBS, Kerncijfers Wijken en Buurten 2015, 2017 en 2019".
    """
    stems: dict[str, list[int]] = {}
    order: list[str] = []
    for label in labels:
        if not label:
            continue
        match = _LABEL_YEAR.match(label)
        key = match["stem"] if match else label
        if key not in stems:
            stems[key] = []
            order.append(key)
        if match:
            stems[key].append(int(match["year"]))
    if not order:
        return _UNKNOWN_SOURCE
    cited = [f"{key} {year_list(stems[key])}" if stems[key] else key for key in order]
    return "Bron: " + "; ".join(cited)


def _is_missing(value: float | None) -> bool:
    return value is None or value != value  # NaN != NaN


def _domain_order(domain: str) -> tuple[int, str]:
    return (DOMAINS.index(domain) if domain in DOMAINS else len(DOMAINS), domain)


class _Footnotes:
    """Numbered, de-duplicated notes under a table (why a figure is missing or incomplete)."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def number(self, text: str | None) -> int | None:
        if not text:
            return None
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text) + 1


@dataclass
class _Cell:
    text: str
    note: str | None = None  # footnote numbers, "2" or "2,3"
    incomplete: bool = False
    year: int | None = None  # shown when it differs from the table's year
    #: The containing area the value belongs to ("score van wijk Noordwest, 19.600 inw.").
    applies: str | None = None


@dataclass
class _Row:
    label: str
    unit: str
    area: _Cell
    gemeente: _Cell
    nederland: _Cell
    peers: _Cell
    diff_gemeente: str
    diff_nederland: str
    assessment: str | None
    mark: str
    year: int | None = None  # shown when the row is of another year than the profile
    note: int | None = None  # footnote on the label (definition change, changed name)
    #: The year the row's figures describe next to the edition where they differ, or in
    #: words from the catalogue ("waardepeildatum 1 januari 2018; KWB 2019"), else None.
    peiljaar: str | None = None


@dataclass
class _Table:
    title: str
    rows: list[Any]
    caption: str
    footnotes: list[str] = field(default_factory=list)


def _table_value(value: float | None, kf: KeyFigure) -> str:
    """A value for a table cell: ``68%``, ``€ 140.000``, ``-0,19``; other units stand in the
    label (:func:`fmt.unit_label`)."""
    return format_value(value, unit=kf.unit, kind=kf.kind, decimals=kf.decimals,
                        signed=kf.signed, with_unit=False)


def _label_unit(kf: KeyFigure) -> str:
    """The unit after a row label: none where the cells say it or the label already does
    ("Personenauto's per huishouden", not "... (per huishouden)")."""
    unit = unit_label(kf.unit, kf.kind)
    return "" if unit and unit in kf.label else unit


def _cell(figure: Figure | None, kf: KeyFigure, notes: _Footnotes) -> _Cell:
    if figure is None:
        return _Cell("–")
    text = _table_value(figure.value, kf)
    missing = _is_missing(figure.value)
    reason = figure.reason
    if not missing and not figure.complete and not reason:
        reason = "onvolledig: niet alle delen hebben een waarde"
    note = notes.number(reason) if (missing or not figure.complete) else None
    if note is None and not missing and figure.derived:
        note = notes.number(_derived_footnote(figure.derived))
    numbers = [n for n in (note, notes.number(figure.conflict.text) if (
        figure.conflict is not None and not missing) else None) if n is not None]
    year = figure.year if (figure.year is not None and figure.year != kf.year
                           and not missing) else None
    applies = figure.geldt_voor.text if figure.geldt_voor is not None and not missing else None
    return _Cell(text, note=",".join(map(str, numbers)) or None,
                 incomplete=not figure.complete and not missing, year=year, applies=applies)


_ASSESSMENT = {"gunstig": "▲ gunstig", "ongunstig": "▼ ongunstig"}


def _derived_footnote(derived: str) -> str:
    """One footnote for every share computed from counts (the formula is in the catalogue and
    the JSON), its own for Nederland computed from the gemeenten."""
    if derived.startswith("berekend uit aantallen"):
        return ("Berekend uit de aantallen van hetzelfde gebied en jaar (teller ÷ noemer); "
                "CBS publiceert hier aantallen, geen percentage.")
    return derived[:1].upper() + derived[1:] + "."


def _peiljaar_text(kf: KeyFigure) -> str | None:
    """The year a row describes next to its KWB edition, where the catalogue says so:
    "waardepeildatum 1 januari 2018; KWB 2019", "inkomen over 2019; KWB 2019", "peiljaar
    2017; KWB 2023"."""
    if kf.peiljaar_text:
        return f"{kf.peiljaar_text}; KWB {kf.year}"
    if kf.peiljaar is not None and kf.peiljaar != kf.year:
        return f"peiljaar {kf.peiljaar}; KWB {kf.year}"
    return None


def _marks(profile: Profile) -> dict[str, str]:
    """The Oordeel column per indicator, from the profile's one assessment
    (``Profile.judgements``); a profile made without one falls back on
    ``KeyFigure.assessment``."""
    if profile.judgements:
        return {j.indicator_id: j.mark for j in profile.judgements}
    return {kf.indicator_id: _ASSESSMENT.get(kf.assessment or "", "")
            for kf in profile.key_figures}


def _table(title: str, kfs: Sequence[KeyFigure], profile: Profile,
           marks: dict[str, str]) -> _Table:
    """One Kerncijfers table of the given key figures, with its footnotes and source line."""
    notes = _Footnotes()
    rows = []
    sources: list[str | None] = []
    for kf in kfs:
        rows.append(_Row(
            label=kf.label,
            unit=_label_unit(kf),
            area=_cell(kf.area, kf, notes),
            gemeente=_cell(kf.gemeente, kf, notes),
            nederland=_cell(kf.nederland, kf, notes),
            peers=_cell(kf.peers, kf, notes),
            diff_gemeente=kf.diff_gemeente_text or "–",
            diff_nederland=kf.diff_nederland_text or "–",
            assessment=kf.assessment,
            mark=marks.get(kf.indicator_id, ""),
            year=kf.year if kf.year != profile.year else None,
            note=notes.number(kf.note),
            peiljaar=_peiljaar_text(kf),
        ))
        sources += [kf.area.source, kf.gemeente.source, kf.nederland.source,
                    kf.peers.source]
    return _Table(title=title, rows=rows, caption=_source_caption(sources),
                  footnotes=notes.items)


def _key_figure_tables(profile: Profile) -> list[_Table]:
    """Every key figure, one table per catalogue domain (the appendix)."""
    marks = _marks(profile)
    by_domain: dict[str, list[KeyFigure]] = {}
    for kf in profile.key_figures:
        by_domain.setdefault(kf.domain, []).append(kf)
    return [_table(domain[:1].upper() + domain[1:], by_domain[domain], profile, marks)
            for domain in sorted(by_domain, key=_domain_order)]


def _theme_order(body: dict[str, str]) -> dict[str, int]:
    """Indicator id -> place in the body: the themes' own order, cited ones after them."""
    order = {i: n for n, i in enumerate(i for ids in THEMES.values() for i in ids)}
    return {i: order.get(i, len(order)) for i in body}


def _theme_tables(profile: Profile, body: dict[str, str]) -> list[_Table]:
    """The key figures of the body (:func:`~wijkanalyse.profiel.themes.body_indicators`), one
    table per theme in the order of :data:`~wijkanalyse.profiel.themes.THEMES`."""
    marks = _marks(profile)
    order = _theme_order(body)
    by_theme: dict[str, list[KeyFigure]] = {}
    for kf in profile.key_figures:
        if kf.indicator_id in body:
            by_theme.setdefault(body[kf.indicator_id], []).append(kf)
    return [_table(theme, sorted(by_theme[theme], key=lambda k: order[k.indicator_id]),
                   profile, marks)
            for theme in THEMES if theme in by_theme]


def _last_and_earlier(points: Sequence[SeriesPoint]) -> tuple[int | None, int | None,
                                                                int | None]:
    years = sorted(p.year for p in points if not _is_missing(p.area))
    if not years:
        return None, None, None
    first = years[0] if len(years) > 1 else None
    previous = years[-2] if len(years) > 1 else None
    return first, previous, years[-1]


def _change_lines(series: Series) -> list[str]:
    first, previous, last = _last_and_earlier(series.points)
    lines = []
    if series.change_first_text and first is not None:
        lines.append(f"{first}–{last}: {series.change_first_text}")
    if (series.change_previous_text and previous is not None
            and previous != first):
        lines.append(f"{previous}–{last}: {series.change_previous_text}")
    elif series.change_previous_text and previous is None:
        lines.append(f"sinds vorige meting: {series.change_previous_text}")
    return lines


@dataclass
class _Chart:
    title: str
    svg: Markup
    caption: str
    lines: list[str] = field(default_factory=list)
    note: str | None = None


def _series_chart(series: Series, profile: Profile, *, wide: bool = False) -> _Chart:
    size = {"width": 6.8, "height": 2.7} if wide else {}
    svg = charts.series_chart(series, area_label=profile.subject.name,
                              gemeente_label=profile.subject.gemeente_name, **size)
    lines = _change_lines(series)
    if charts.is_indexed(series):
        lines.append("Ontwikkeling als index: het gebied, de gemeente en Nederland verschillen "
                     "sterk in omvang.")
    lines.extend(_derived_lines(series.points))
    lines.extend(f"{p.year}: {p.conflict.text}" for p in series.points
                 if p.conflict is not None and not _is_missing(p.area))
    return _Chart(title=series.label, svg=Markup(svg),
                  caption=_source_caption(p.source for p in series.points),
                  lines=lines, note=series.note)


def _derived_lines(points: Sequence[SeriesPoint], *, references: bool = True) -> list[str]:
    """Which values of a series are computed, not published ("2024: berekend uit aantallen:
    a_00_14 / a_inw × 100 (open rondje)"; "Nederland 2015: berekend uit de 393 gemeenten")."""
    out: list[str] = []
    measured = [p for p in points if not _is_missing(p.area)]
    by_text: dict[str, list[int]] = {}
    for p in measured:
        if p.derived:
            by_text.setdefault(p.derived, []).append(p.year)
    for text, years in by_text.items():
        mark = " (open rondje)" if len(years) < len(measured) else ""
        out.append(f"{year_list(years)}: {text}{mark}.")
    published = [p.year for p in measured if not p.derived]
    if by_text and published:
        out.append(f"{year_list(published)}: zoals gepubliceerd door CBS.")
    for role, attr in ((("gemeente", "gemeente_derived"), ("Nederland", "nederland_derived"))
                       if references else ()):
        refs: dict[str, list[int]] = {}
        for p in points:
            text = getattr(p, attr)
            if text and (role != "gemeente" or text not in by_text):
                refs.setdefault(text, []).append(p.year)
        for text, years in refs.items():
            out.append(f"{role.capitalize() if role == 'gemeente' else role} "
                       f"{year_list(years)}: {text}.")
    return out


def _group_chart(group: SeriesGroup, profile: Profile, *, small: bool = False) -> _Chart:
    """The chart of rates across a definition change (migratieachtergrond → herkomst), with
    the area notes (other names, other codes) of the years it shows; ``small``: the size of
    a small multiple (the body's grid)."""
    size = {"width": 3.4, "height": 2.3} if small else {}
    svg = charts.definition_break_chart(group, **size)
    lines = []
    for s in group.series:
        measured = [p for p in s.points if not _is_missing(p.area)]
        if measured:
            values = ", ".join(
                f"{p.year} {format_value(p.area, unit=s.unit, kind='rate', decimals=s.decimals)}"
                for p in measured)
            lines.append(f"{s.label}: {values}.")
    lines.append(f"Vanaf {group.break_year}: {group.note}")
    derived = {text for s in group.series
               for text in _derived_lines(s.points, references=False)
               if "zoals gepubliceerd" not in text}
    lines.extend(sorted(derived))
    lines.append("Alleen het gebied; de gemeente en Nederland staan bij de kerncijfers.")
    shown = {p.year for s in group.series for p in s.points if not _is_missing(p.area)}
    notes = [n.short or n.text for n in profile.area_notes if shown & set(n.years)]
    return _Chart(title=group.title, svg=Markup(svg),
                  caption=_source_caption(p.source for s in group.series for p in s.points),
                  lines=lines, note=" ".join(notes) or None)


def _series_groups(profile: Profile, body: dict[str, str] | None = None
                   ) -> list[tuple[str, list[_Chart], list[_Chart]]]:
    """Charts per theme (per domain without ``body``): (title, wide charts, small
    multiples). A series is a small chart, except the members of a definition-change group,
    which share one wide chart (:func:`_group_chart`).

    With ``body`` (:func:`~wijkanalyse.profiel.themes.body_indicators`) only the series the
    body charts (:func:`~wijkanalyse.profiel.themes.charted_in_body`), grouped by theme.
    """
    in_group = {i for g in profile.series_groups for i in (*g.before, *g.after)}
    small: dict[str, list[_Chart]] = {}
    wide: dict[str, list[_Chart]] = {}
    if body is None:
        for s in profile.series:
            if s.indicator_id not in in_group:
                small.setdefault(s.domain, []).append(_series_chart(s, profile))
        for group in profile.series_groups:
            wide.setdefault(group.domain, []).append(_group_chart(group, profile))
        return [
            (domain[:1].upper() + domain[1:], wide.get(domain, []), small.get(domain, []))
            for domain in sorted(set(small) | set(wide), key=_domain_order)
        ]
    order = _theme_order(body)
    charted = charted_in_body(profile, body)
    for s in sorted((s for s in profile.series if s.indicator_id in charted
                     and s.indicator_id not in in_group),
                    key=lambda s: order[s.indicator_id]):
        small.setdefault(body[s.indicator_id], []).append(_series_chart(s, profile))
    for group in profile.series_groups:
        if any(s.indicator_id in charted for s in group.series):
            theme = next(body[s.indicator_id] for s in group.series if s.indicator_id in body)
            wide.setdefault(theme, []).append(_group_chart(group, profile, small=True))
    return [(theme, wide.get(theme, []), small.get(theme, []))
            for theme in THEMES if theme in small or theme in wide]


@dataclass
class _SeriesRow:
    """One line of the appendix's development table: a series without a chart in the body."""

    label: str
    values: str
    change: str
    caption: str


def _series_rows(profile: Profile, body: dict[str, str]) -> tuple[list[_SeriesRow], str]:
    """Every series of the profile with two or more measured years that the body does not
    chart (the Leefbaarometer has its own table), as a line of the appendix: the years and
    values and the change since the first measurement, with its source line; and the source
    line of the whole table."""
    charted = charted_in_body(profile, body)
    kinds = {kf.indicator_id: kf.kind for kf in profile.key_figures}
    rows = []
    sources: list[str | None] = []
    for s in sorted(profile.series, key=lambda s: _domain_order(s.domain)):
        measured = [p for p in s.points if not _is_missing(p.area)]
        if s.indicator_id in charted or len(measured) < 2:
            continue
        first, _, last = _last_and_earlier(s.points)
        kind = kinds.get(s.indicator_id, "rate")
        values = ", ".join(
            f"{p.year}: " + format_value(p.area, unit=s.unit, kind=kind, decimals=s.decimals,
                                         signed=s.signed)
            for p in measured)
        change = (f"{first}–{last}: {s.change_first_text}"
                  if s.change_first_text and first is not None else "–")
        rows.append(_SeriesRow(label=s.label, values=values, change=change,
                               caption=_source_caption(p.source for p in measured)))
        sources += [p.source for p in measured]
    return rows, _source_caption(sources)


@dataclass
class _Leefbaarometer:
    score: _Chart | None
    dimensions: _Chart | None
    columns: list[str]
    rows: list[list[str]]
    caption: str
    notes: list[str]
    #: The containing area every value belongs to ("score van wijk Noordwest, 19.600 inw."),
    #: or None for the subject's own scores.
    applies: str | None = None


_LBM_TABLE = (("lbm", "Score"), ("lbm_afw", "Afwijking"), ("lbm_won", "Woningvoorraad"),
              ("lbm_fys", "Fysieke omgeving"), ("lbm_vrz", "Voorzieningen"),
              ("lbm_soc", "Sociale samenhang"), ("lbm_onv", "Overlast en onveiligheid"))


def _leefbaarometer(profile: Profile) -> _Leefbaarometer | None:
    series = {s.indicator_id: s for s in profile.leefbaarometer}
    if not series or not any(not _is_missing(p.area) for s in series.values()
                             for p in s.points):
        return None
    caption = _source_caption(p.source for s in profile.leefbaarometer for p in s.points)
    score = None
    if "lbm" in series and any(not _is_missing(p.area) for p in series["lbm"].points):
        score = _series_chart(series["lbm"], profile)
        score.title = "Leefbaarometer-score"
        if series["lbm"].geldt_voor is not None:
            score.title += f" ({series['lbm'].geldt_voor.text})"
    dims = [s for s in profile.leefbaarometer if s.indicator_id in charts.LBM_DIMENSIONS]
    dim_svg = charts.lbm_dimensions_chart(dims) if dims else None
    dimensions = None
    if dim_svg:
        dimensions = _Chart(
            title="De vijf dimensies: bijdrage aan de afwijking van het landelijk gemiddelde",
            svg=Markup(dim_svg), caption=caption,
            lines=["Boven nul: beter dan gemiddeld in Nederland; onder nul: slechter."])
    columns = [(i, label) for i, label in _LBM_TABLE if i in series]
    values = {i: {p.year: p.area for p in series[i].points} for i, _ in columns}
    years = sorted({y for per in values.values() for y, v in per.items() if not _is_missing(v)})
    rows = [[str(y)] + [format_score(values[i].get(y), decimals=3, signed=series[i].signed)
                        for i, _ in columns]
            for y in years]
    notes = [s.note for s in profile.leefbaarometer if s.note]
    return _Leefbaarometer(score=score, dimensions=dimensions,
                           columns=["Jaar"] + [label for _, label in columns], rows=rows,
                           caption=caption, notes=list(dict.fromkeys(notes)),
                           applies=next((s.geldt_voor.text for s in profile.leefbaarometer
                                         if s.geldt_voor is not None), None))
