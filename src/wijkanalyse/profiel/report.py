"""The wijkprofiel as a self-contained HTML report, a PDF and JSON.

:func:`render_html` turns a :class:`~wijkanalyse.model.Profile` into one HTML page
(Jinja2 templates in ``templates/``, autoescaped) that works offline: the stylesheet is inlined
in a ``<style>`` element, charts are inline SVG drawn by :mod:`wijkanalyse.present.charts`, and
there is
no JavaScript, no font file and no link to anything outside the page. The only stored markup
placed in the page unescaped is :attr:`Story.body_html`, which :mod:`wijkanalyse.verhalen.stories`
has
already sanitised, and the SVG of the charts and the map that this program draws itself.

:func:`render_pdf` prints the same HTML with WeasyPrint (A4, the subject's name in the page
header, "pagina X van Y" in the footer). :func:`write_report` writes the chosen formats with
names like ``profiel-moerwijk-s-gravenhage-2019.html``, each atomically (temporary file, then
``os.replace``).

This module formats only: what the figures are, which signals apply and which peers are
similar is decided by the modules that fill the profile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from wijkanalyse.atomicio import write_json, write_pdf, write_report_files
from wijkanalyse.catalogue import DOMAINS
from wijkanalyse.fmt import decimals_for, dutch_date, format_value, nl_number, year_list
from wijkanalyse.model import (
    Figure,
    KeyFigure,
    Location,
    Peer,
    PeerGroup,
    Profile,
    Series,
    SeriesGroup,
    SeriesPoint,
    Signal,
    Story,
    to_dict,
)
from wijkanalyse.present import charts
from wijkanalyse.present.jinja import environment

__all__ = [
    "FORMATS",
    "environment",
    "render_html",
    "render_pdf",
    "report_stem",
    "write_report",
]

#: The formats :func:`write_report` can write.
FORMATS: tuple[str, ...] = ("html", "pdf", "json")

SECTION_TITLES: dict[str, str] = {
    "kerncijfers": "1 Kerncijfers",
    "ontwikkeling": "2 Ontwikkeling",
    "signalen": "3 Opgaven en signalen",
    "peers": "4 Vergelijkbare wijken",
    "ligging": "5 Ligging",
    "segregatie": "6 Segregatie en menging",
    "verhalen": "7 Aanpakken en verhalen",
    "kennis": "8 Wat werkt: passende interventies",
    "bronnen": "9 Bronnen",
}

_SEVERITY_MARK = {3: "●●●", 2: "●●○", 1: "●○○"}
_KIND_TEXT = {"wijk": "Wijk", "buurt": "Buurt", "gemeente": "Gemeente", "gebied": "Gebied"}
_LEVEL_PLURAL = {"wijk": "wijken", "buurt": "buurten", "gemeente": "gemeenten"}
_UNKNOWN_SOURCE = "Bron: niet vastgelegd"
_SUMMARY_SIGNALS = 5


# ------------------------------------------------------------------------------------------
# small formatting helpers


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


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


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
    note: int | None = None
    incomplete: bool = False
    year: int | None = None  # shown when it differs from the table's year


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


@dataclass
class _Table:
    title: str
    rows: list[Any]
    caption: str
    footnotes: list[str] = field(default_factory=list)


def _table_value(value: float | None, *, unit: str, kind: str) -> str:
    """A value for a table cell: with ``%`` for percentages, other units stand in the label."""
    if unit == "%":
        return format_value(value, unit=unit, kind=kind)
    return nl_number(value, decimals=decimals_for(unit, kind))


def _cell(figure: Figure | None, kf: KeyFigure, notes: _Footnotes) -> _Cell:
    if figure is None:
        return _Cell("–")
    text = _table_value(figure.value, unit=kf.unit, kind=kf.kind)
    missing = _is_missing(figure.value)
    reason = figure.reason
    if not missing and not figure.complete and not reason:
        reason = "onvolledig: niet alle delen hebben een waarde"
    note = notes.number(reason) if (missing or not figure.complete) else None
    if note is None and not missing and figure.derived:
        note = notes.number(_derived_footnote(figure.derived))
    year = figure.year if (figure.year is not None and figure.year != kf.year
                           and not missing) else None
    return _Cell(text, note=note, incomplete=not figure.complete and not missing, year=year)


_ASSESSMENT = {"gunstig": "▲ gunstig", "ongunstig": "▼ ongunstig"}


def _derived_footnote(derived: str) -> str:
    """One footnote for every share computed from counts (the formula is in the catalogue and
    the JSON), its own for Nederland computed from the gemeenten."""
    if derived.startswith("berekend uit aantallen"):
        return ("Berekend uit de aantallen van hetzelfde gebied en jaar (teller ÷ noemer); "
                "CBS publiceert hier aantallen, geen percentage.")
    return derived[:1].upper() + derived[1:] + "."


def _key_figure_tables(profile: Profile) -> list[_Table]:
    by_domain: dict[str, list[KeyFigure]] = {}
    for kf in profile.key_figures:
        by_domain.setdefault(kf.domain, []).append(kf)
    tables = []
    for domain in sorted(by_domain, key=_domain_order):
        notes = _Footnotes()
        rows = []
        sources: list[str | None] = []
        for kf in by_domain[domain]:
            rows.append(_Row(
                label=kf.label,
                unit=kf.unit,
                area=_cell(kf.area, kf, notes),
                gemeente=_cell(kf.gemeente, kf, notes),
                nederland=_cell(kf.nederland, kf, notes),
                peers=_cell(kf.peers, kf, notes),
                diff_gemeente=kf.diff_gemeente_text or "–",
                diff_nederland=kf.diff_nederland_text or "–",
                assessment=kf.assessment,
                mark=_ASSESSMENT.get(kf.assessment or "", ""),
                year=kf.year if kf.year != profile.year else None,
                note=notes.number(kf.note),
            ))
            sources += [kf.area.source, kf.gemeente.source, kf.nederland.source,
                        kf.peers.source]
        tables.append(_Table(title=domain[:1].upper() + domain[1:], rows=rows,
                             caption=_source_caption(sources), footnotes=notes.items))
    return tables


# ------------------------------------------------------------------------------------------
# series


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


def _group_chart(group: SeriesGroup, profile: Profile) -> _Chart:
    """The chart of rates across a definition change (migratieachtergrond → herkomst), with
    the area notes (other names, other codes) of the years it shows."""
    svg = charts.definition_break_chart(group)
    lines = []
    for s in group.series:
        measured = [p for p in s.points if not _is_missing(p.area)]
        if measured:
            values = ", ".join(
                f"{p.year} {format_value(p.area, unit=s.unit, kind='rate')}" for p in measured)
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


def _series_groups(profile: Profile) -> list[tuple[str, list[_Chart], list[_Chart]]]:
    """Charts per domain: (title, wide charts, small multiples). Every multi-year series is a
    small chart, except the members of a definition-change group, which share one wide chart
    (:func:`_group_chart`)."""
    in_group = {i for g in profile.series_groups for i in (*g.before, *g.after)}
    small: dict[str, list[_Chart]] = {}
    wide: dict[str, list[_Chart]] = {}
    for s in profile.series:
        if s.indicator_id not in in_group:
            small.setdefault(s.domain, []).append(_series_chart(s, profile))
    for group in profile.series_groups:
        wide.setdefault(group.domain, []).append(_group_chart(group, profile))
    return [
        (domain[:1].upper() + domain[1:], wide.get(domain, []), small.get(domain, []))
        for domain in sorted(set(small) | set(wide), key=_domain_order)
    ]


@dataclass
class _Leefbaarometer:
    score: _Chart | None
    dimensions: _Chart | None
    columns: list[str]
    rows: list[list[str]]
    caption: str
    notes: list[str]


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
        score = _series_chart(series["lbm"], profile, wide=True)
        score.title = "Leefbaarometer-score"
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
    rows = [[str(y)] + [nl_number(values[i].get(y), decimals=3) for i, _ in columns]
            for y in years]
    notes = [s.note for s in profile.leefbaarometer if s.note]
    return _Leefbaarometer(score=score, dimensions=dimensions,
                           columns=["Jaar"] + [label for _, label in columns], rows=rows,
                           caption=caption, notes=list(dict.fromkeys(notes)))


# ------------------------------------------------------------------------------------------
# signals, peers, location, stories


@dataclass
class _SignalView:
    signal: Signal
    mark: str
    caption: str


def _signals(profile: Profile) -> list[_SignalView]:
    ordered = sorted(profile.signals, key=lambda s: -s.severity)
    return [_SignalView(signal=s, mark=_SEVERITY_MARK.get(s.severity, "●"),
                        caption=_source_caption(e.source for e in s.evidence))
            for s in ordered]


@dataclass
class _PeersView:
    group: PeerGroup
    peers: list[Peer]
    caption: str
    chart: _Chart | None


def _peers(profile: Profile) -> _PeersView | None:
    group = profile.peers
    if group is None:
        return None
    peers = sorted(group.peers, key=lambda p: p.rank)
    lbm_sources = [p.source for peer in peers for p in peer.lbm_series]
    has_lbm_change = any(p.lbm_change_text for p in peers)
    caption = _source_caption([group.source] + (lbm_sources if has_lbm_change else []))
    subject_lbm = next((s for s in profile.leefbaarometer if s.indicator_id == "lbm"), None)
    svg = charts.peers_lbm_chart(peers, subject=subject_lbm, area_label=profile.subject.name)
    chart = None
    if svg:
        chart_caption = _source_caption(lbm_sources + (
            [p.source for p in subject_lbm.points] if subject_lbm else []))
        chart = _Chart(title="Leefbaarometer-score van het gebied en de vergelijkbare wijken",
                       svg=Markup(svg), caption=chart_caption)
    return _PeersView(group=group, peers=peers, caption=caption, chart=chart)


@dataclass
class _LocationView:
    map_svg: Markup | None
    facts: list[str]
    notes: list[str]
    caption: str
    has_source: bool = False
    zoom_svg: Markup | None = None  # the subject and its neighbours, enlarged


def _map_renderer() -> Callable[..., str] | None:
    """:func:`wijkanalyse.present.maps.render_map_svg` if that module is installed."""
    try:
        from wijkanalyse.present.maps import render_map_svg
    except ImportError:
        return None
    return render_map_svg


def _needs_zoom(loc: Location) -> bool:
    try:
        from wijkanalyse.present.maps import needs_zoom
    except ImportError:
        return False
    return needs_zoom(loc)


def _strip_xml_prolog(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _location(profile: Profile) -> _LocationView:
    loc: Location | None = profile.location
    if loc is None:
        return _LocationView(map_svg=None, facts=[],
                             notes=["De ligging van dit gebied is niet bepaald."],
                             caption=_UNKNOWN_SOURCE)
    notes: list[str] = []
    map_svg = None
    zoom_svg = None
    if loc.has_map or loc.gemeente_geojson:
        render = _map_renderer()
        if render is None:
            notes.append("De kaart kan niet worden getekend: de kaartmodule (mapsvg) ontbreekt "
                         "in deze installatie.")
        else:
            svg = _strip_xml_prolog(render(loc, title=profile.subject.name, caption=False))
            map_svg = Markup(charts.unique_svg_ids(svg, "kaart"))
            if _needs_zoom(loc):
                zoom = _strip_xml_prolog(render(
                    loc, title=f"{profile.subject.name} en omgeving",
                    name=profile.subject.name, caption=False, view="omgeving"))
                zoom_svg = Markup(charts.unique_svg_ids(zoom, "kaart-omgeving"))
    elif not loc.note:
        notes.append("Geen grenzen geladen voor dit gebied; daarom is er geen kaart.")
    if loc.note:
        notes.append(loc.note)
    facts = []
    if loc.distance_to_centre_km is not None:
        facts.append("Afstand van het midden van het gebied tot het midden van de gemeente: "
                     f"{nl_number(loc.distance_to_centre_km, decimals=1)} km")
    if loc.area_km2 is not None:
        facts.append(f"Oppervlakte: {nl_number(loc.area_km2, decimals=2)} km²")
    if loc.centroid is not None:
        lon, lat = loc.centroid
        facts.append(f"Middelpunt: {nl_number(lat, decimals=4)}° NB, "
                     f"{nl_number(lon, decimals=4)}° OL")
    return _LocationView(map_svg=map_svg, facts=facts, notes=notes,
                         caption=_source_caption([loc.source]), has_source=bool(loc.source),
                         zoom_svg=zoom_svg)


@dataclass
class _StoryView:
    story: Story
    date_text: str
    body: Markup
    meta: list[tuple[str, str]]


def _meta_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return nl_number(value, decimals=0 if value.is_integer() else 1)
    return str(value)


def _stories(stories: Sequence[Story]) -> list[_StoryView]:
    ordered = sorted(stories, key=lambda s: (s.date or "", s.story_id), reverse=True)
    return [
        _StoryView(story=s, date_text=_dutch_date(s.date), body=Markup(s.body_html),
                   meta=[(str(k).replace("_", " "), _meta_text(v)) for k, v in s.meta.items()
                         if v not in (None, "", [])])
        for s in ordered
    ]


# ------------------------------------------------------------------------------------------
# header


def _subtitle(profile: Profile) -> str:
    s = profile.subject
    parts = [_KIND_TEXT.get(s.kind, s.kind.capitalize())]
    if s.kind != "gemeente" and s.gemeente_name:
        parts[0] += f" in gemeente {s.gemeente_name}"
    if s.kind != "gebied":
        parts.append(f"code {s.id}")
    parts.append(f"kerncijfers {profile.year}")
    return " · ".join(parts)


def _members_text(profile: Profile) -> str | None:
    s = profile.subject
    if s.kind != "gebied":
        return None
    plural = _LEVEL_PLURAL.get(s.level, s.level)
    return f"Bestaat uit {len(s.members)} {plural}: {', '.join(s.members)}"


def _section_titles(profile: Profile) -> dict[str, str]:
    """Section headings numbered over the sections this profile has (segregatie and kennis
    are optional)."""
    present = {"segregatie": profile.segregatie is not None, "kennis": profile.kennis is not None}
    titles: dict[str, str] = {}
    number = 0
    for key, title in SECTION_TITLES.items():
        if not present.get(key, True):
            continue
        number += 1
        titles[key] = f"{number} {title.split(' ', 1)[1]}"
    return titles


def _context(profile: Profile, generated_on: date) -> dict[str, Any]:
    s = profile.subject
    generated = (f"Gemaakt met {profile.generated_with or 'wijkanalyse'} op "
                 f"{_dutch_date(generated_on)}")
    return {
        "p": profile,
        "subject": s,
        "titles": _section_titles(profile),
        "subtitle": _subtitle(profile),
        "members_text": _members_text(profile),
        "years_text": ", ".join(str(y) for y in sorted(profile.years_available)),
        "generated": generated,
        "summary": _signals(profile)[:_SUMMARY_SIGNALS],
        "n_signals": len(profile.signals),
        "kerncijfers": _key_figure_tables(profile),
        "series_groups": _series_groups(profile),
        "area_notes": profile.area_notes,
        "lbm": _leefbaarometer(profile),
        "signals": _signals(profile),
        "peers": _peers(profile),
        "location": _location(profile),
        "approaches": _stories(profile.approaches),
        "stories": _stories(profile.stories),
        "cli_code": s.id,
        "sources": profile.sources,
        "missing": profile.missing,
        "segregatie": profile.segregatie,
        "kennis": ({**profile.kennis, "title": _section_titles(profile)["kennis"]}
                   if profile.kennis else None),
    }


# ------------------------------------------------------------------------------------------
# public API


def render_html(profile: Profile, *, generated_on: date | None = None) -> str:
    """The profile as one self-contained HTML page.

    Parameters
    ----------
    profile
        The filled profile.
    generated_on
        Date shown in the colophon; today when not given.

    Returns
    -------
    str
        HTML with inline CSS and inline SVG charts; no scripts and no external resources.
    """
    template = environment().get_template("profiel.html")
    return template.render(**_context(profile, generated_on or date.today()))


def render_pdf(profile: Profile, path: Path, *, generated_on: date | None = None) -> Path:
    """Print the profile to an A4 PDF (WeasyPrint) from the same HTML as :func:`render_html`.

    Parameters
    ----------
    profile
        The filled profile.
    path
        Where to write the PDF (replaced atomically).
    generated_on
        Date shown in the page footer; today when not given.

    Returns
    -------
    Path
        ``path``.
    """
    return write_pdf(Path(path), render_html(profile, generated_on=generated_on))


def report_stem(profile: Profile) -> str:
    """The file name without extension: ``profiel-<slug>-<year>``.

    The slug is the subject's name; for a wijk or buurt the gemeente follows (names such as
    "Centrum" occur in many gemeenten), for a gebied it is the area id.
    """
    s = profile.subject
    if s.kind == "gebied":
        slug = _slug(s.id) or _slug(s.name)
    else:
        slug = _slug(s.name)
        if s.kind in ("wijk", "buurt") and s.gemeente_name:
            slug = f"{slug}-{_slug(s.gemeente_name)}"
    return f"profiel-{slug or _slug(s.id) or 'gebied'}-{profile.year}"


def write_report(profile: Profile, out_dir: Path, *, formats: Sequence[str] = FORMATS,
                 generated_on: date | None = None) -> dict[str, Path]:
    """Write the profile as HTML, PDF and/or JSON into ``out_dir``.

    Parameters
    ----------
    profile
        The filled profile.
    out_dir
        Output folder (created when missing).
    formats
        Any of ``"html"``, ``"pdf"``, ``"json"``.
    generated_on
        Date shown in the report; today when not given.

    Returns
    -------
    dict of str to Path
        The written file per format.

    Raises
    ------
    OutputFormatError
        For an unknown format (message in Dutch; also a ``ValueError``).
    """
    return write_report_files(
        out_dir, report_stem(profile), formats, allowed=FORMATS,
        html=lambda: render_html(profile, generated_on=generated_on),
        writers={"json": lambda target: write_json(target, to_dict(profile))})
