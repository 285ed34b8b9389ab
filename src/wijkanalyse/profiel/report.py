"""The wijkprofiel as a self-contained HTML report, a PDF and JSON.

:func:`render_html` turns a :class:`~wijkanalyse.model.Profile` into one HTML page
(Jinja2 templates in ``templates/``, autoescaped) that works offline: the stylesheet is inlined
in a ``<style>`` element, charts are inline SVG drawn by :mod:`wijkanalyse.present.charts`, and
there is
no JavaScript, no font file and no link to anything outside the page. The only stored markup
placed in the page unescaped is :attr:`Story.body_html`, which :mod:`wijkanalyse.verhalen.stories`
has
already sanitised, and the SVG of the charts and the map that this program draws itself.

:func:`render_pdf` prints the same HTML, typeset by Typst (:mod:`wijkanalyse.present.typeset`:
A4, the subject's name in the page header, "pagina X van Y" in the footer).
:func:`write_report` writes the chosen formats with names like
``profiel-moerwijk-s-gravenhage-2019.html``, each atomically (temporary file, then
``os.replace``).

This module formats only: what the figures are, which signals apply and which peers are
similar is decided by the modules that fill the profile.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from wijkanalyse.atomicio import write_json, write_report_files
from wijkanalyse.fmt import nl_number
from wijkanalyse.model import (
    Location,
    Peer,
    PeerGroup,
    Profile,
    Signal,
    Story,
    to_dict,
)
from wijkanalyse.present import charts
from wijkanalyse.present.jinja import environment
from wijkanalyse.present.typeset import typeset_pdf
from wijkanalyse.profiel.sections import SECTIONS
from wijkanalyse.profiel.summary import summarise
from wijkanalyse.profiel.themes import body_indicators
from wijkanalyse.profiel.views import (
    _UNKNOWN_SOURCE,
    _Chart,
    _dutch_date,
    _key_figure_tables,
    _leefbaarometer,
    _series_groups,
    _series_rows,
    _source_caption,
    _theme_tables,
)
from wijkanalyse.profiel.workbook import write_workbook

__all__ = [
    "APPENDIX_SECTIONS",
    "APPENDIX_TITLE",
    "FORMATS",
    "environment",
    "render_html",
    "render_pdf",
    "report_stem",
    "write_report",
]

#: The formats :func:`write_report` can write (``xlsx``: every indicator, the appendix as a
#: workbook; :mod:`wijkanalyse.profiel.workbook`).
FORMATS: tuple[str, ...] = ("html", "pdf", "json", "xlsx")

#: The heading of the first appendix (every indicator; ``id="bijlage"``): where the body of
#: the PDF ends, on a page of its own.
APPENDIX_TITLE = "Bijlage A Alle indicatoren"

#: The report's own sections, in order; the sections of other packages
#: (:data:`wijkanalyse.profiel.sections.SECTIONS`) follow the one their ``after`` names.
#: The body (issue 13: the four questions) runs up to :data:`APPENDIX_SECTIONS`; those,
#: after the appendix of all indicators, are appendices too.
BUILT_IN_SECTIONS: dict[str, str] = {
    "kerncijfers": "Kerncijfers",
    "ontwikkeling": "Ontwikkeling",
    "signalen": "Opgaven en signalen",
    "verhalen": "Aanpakken en verhalen",
    "peers": "Vergelijkbare wijken",
    "ligging": "Ligging",
    "bronnen": "Bronnen",
}

#: The built-in sections printed as appendices (Bijlage B, C, ...) after
#: :data:`APPENDIX_TITLE`, with the registered sections that follow them.
APPENDIX_SECTIONS: frozenset[str] = frozenset({"peers", "ligging", "bronnen"})


def _all_sections() -> list[tuple[str, str]]:
    """(key, title) of every section in report order: the built-in ones with the registered
    sections after the one they follow."""
    out: list[tuple[str, str]] = []
    for key, title in BUILT_IN_SECTIONS.items():
        out.append((key, title))
        out.extend((s.key, s.title) for s in SECTIONS if s.after == key)
    return out


def _in_appendix(key: str) -> bool:
    """Whether a section (built-in or registered) is printed as an appendix."""
    if key in BUILT_IN_SECTIONS:
        return key in APPENDIX_SECTIONS
    return any(s.key == key and s.after in APPENDIX_SECTIONS for s in SECTIONS)


def _numbered(keys: list[tuple[str, str]]) -> dict[str, str]:
    """Headings: body sections numbered 1, 2, ...; appendices lettered after "Bijlage A"
    (:data:`APPENDIX_TITLE`): "Bijlage B Vergelijkbare wijken"."""
    titles: dict[str, str] = {}
    number = 0
    letter = 1  # A is the appendix of all indicators
    for key, title in keys:
        if _in_appendix(key):
            titles[key] = f"Bijlage {chr(ord('A') + letter)} {title}"
            letter += 1
        else:
            number += 1
            titles[key] = f"{number} {title}"
    return titles


#: Every section heading, numbered as when all sections are present.
SECTION_TITLES: dict[str, str] = _numbered(_all_sections())

_SEVERITY_MARK = {3: "●●●", 2: "●●○", 1: "●○○"}
_KIND_TEXT = {"wijk": "Wijk", "buurt": "Buurt", "gemeente": "Gemeente", "gebied": "Gebied"}
_LEVEL_PLURAL = {"wijk": "wijken", "buurt": "buurten", "gemeente": "gemeenten"}


# ------------------------------------------------------------------------------------------
# small formatting helpers


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


# ------------------------------------------------------------------------------------------
# signals, peers, location, stories


@dataclass
class _SignalView:
    signal: Signal
    mark: str
    caption: str


def _signals(profile: Profile) -> list[_SignalView]:
    return _signal_views(profile.signals)


def _signal_views(signals: Sequence[Signal]) -> list[_SignalView]:
    ordered = sorted(signals, key=lambda s: -s.severity)
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
    """Section headings numbered over the sections this profile has (a registered section
    that was not computed is left out); appendices lettered (:func:`_numbered`)."""
    return _numbered([(key, title) for key, title in _all_sections()
                      if key in BUILT_IN_SECTIONS or profile.section(key) is not None])


def _section_context(profile: Profile, titles: dict[str, str]) -> dict[str, Any]:
    """The data of every registered section for its template, with its numbered ``title``
    (``None`` when the section is empty or not computed)."""
    out: dict[str, Any] = {}
    for spec in SECTIONS:
        data = profile.section(spec.key)
        out[spec.key] = {**data, "title": titles[spec.key]} if data else None
    return out


def _context(profile: Profile, generated_on: date) -> dict[str, Any]:
    s = profile.subject
    generated = (f"Gemaakt met {profile.generated_with or 'wijkanalyse'} op "
                 f"{_dutch_date(generated_on)}")
    titles = _section_titles(profile)
    # made by build_profile; a profile made by hand gets it here, from the same rules
    summary = profile.summary if profile.summary is not None else summarise(profile)
    body = body_indicators(profile)  # the themes' indicators; every one is in the appendix
    series_rows, series_caption = _series_rows(profile, body)
    return {
        "p": profile,
        "subject": s,
        "titles": titles,
        "subtitle": _subtitle(profile),
        "members_text": _members_text(profile),
        "years_text": ", ".join(str(y) for y in sorted(profile.years_available)),
        "generated": generated,
        "summary": summary,
        "summary_signals": _signal_views(summary.signals),
        "n_signals": len(profile.signals),
        "kerncijfers": _theme_tables(profile, body),
        "series_groups": _series_groups(profile, body),
        "appendix": {"title": APPENDIX_TITLE, "tables": _key_figure_tables(profile),
                     "series": series_rows, "series_caption": series_caption},
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
        **_section_context(profile, titles),
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


def render_summary_html(profile: Profile, *, generated_on: date | None = None) -> str:
    """Only the profile's heading and summary page (``_kop.html``: the four questions, the
    most important figures and the strongest signals, with their source lines), as an HTML
    fragment to embed in another report (the programme's publication).

    Parameters
    ----------
    profile
        The filled profile (peers, map and the other sections are not needed).
    generated_on
        Date shown in the heading; today when not given.

    Returns
    -------
    str
        An HTML fragment (``<header>`` and ``<section id="samenvatting">``), autoescaped.
    """
    s = profile.subject
    summary = profile.summary if profile.summary is not None else summarise(profile)
    generated = (f"Gemaakt met {profile.generated_with or 'wijkanalyse'} op "
                 f"{_dutch_date(generated_on or date.today())}")
    template = environment().get_template("_kop.html")
    return template.render(
        p=profile, subject=s, subtitle=_subtitle(profile), members_text=_members_text(profile),
        years_text=", ".join(str(y) for y in sorted(profile.years_available)),
        generated=generated, summary=summary, summary_signals=_signal_views(summary.signals),
        n_signals=len(profile.signals))


def render_pdf(profile: Profile, path: Path, *, generated_on: date | None = None) -> Path:
    """Print the profile to an A4 PDF from the same HTML as :func:`render_html`, typeset by
    Typst (:func:`wijkanalyse.present.typeset.typeset_pdf`).

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
    return typeset_pdf(Path(path), render_html(profile, generated_on=generated_on))


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
    """Write the profile as HTML, PDF, JSON and/or Excel (every indicator) into ``out_dir``.

    Parameters
    ----------
    profile
        The filled profile.
    out_dir
        Output folder (created when missing).
    formats
        Any of ``"html"``, ``"pdf"``, ``"json"``, ``"xlsx"``.
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
        writers={"json": lambda target: write_json(target, to_dict(profile)),
                 "xlsx": lambda target: write_workbook(profile, target)},
        printer=typeset_pdf)
