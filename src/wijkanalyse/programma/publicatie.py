"""The programme's publication (issue 16 item 7): one HTML+PDF report with the state of the
aandachtswijken (the monitor of a broad set: a shipped set such as the 40 krachtwijken plus
the participating wijken), a short wijkanalyse of every participating wijk (the profile's
summary page, :func:`wijkanalyse.profiel.render_summary_html`), the outcomes of the meetings
and the partners and money overview (:mod:`.partners`), every part with its source line.

The monitor and the profile are reused through their public API; the monitor's page is
embedded as rendered by :func:`wijkanalyse.monitor.render_html` (its body).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma.model import Programme, Registration
from wijkanalyse.programma.partners import overview

if TYPE_CHECKING:
    import duckdb

    from wijkanalyse.gebieden.sets import MonitorSet
    from wijkanalyse.model import Profile, Subject
    from wijkanalyse.monitor import MonitorResult

__all__ = ["DEFAULT_SET", "PDF_KIND", "Publication", "WijkPart", "broad_set", "build_publication",
           "render_publication", "write_publication"]

#: The shipped set the publication's monitor starts from.
DEFAULT_SET = "krachtwijken-2007"
#: The text at the top right of the PDF's pages (but the first).
PDF_KIND = "Kennisprogramma"
_BODY = re.compile(r"<body[^>]*>(.*)<footer class=\"colophon\">", re.S)


@dataclass
class WijkPart:
    """One participating wijk in the publication: its registration and profile (or why
    there is none)."""

    registration: Registration
    profile: Profile | None
    problem: str = ""


@dataclass
class Publication:
    """Everything the publication shows (made by :func:`build_publication`)."""

    programme: Programme
    monitor: MonitorResult | None
    wijken: list[WijkPart]
    set_spec: str
    notes: list[str] = field(default_factory=list)
    generated_on: dt.date = field(default_factory=dt.date.today)


def _subject(con: duckdb.DuckDBPyConnection, reg: Registration) -> Subject:
    """The area of a registration: its name within its gemeente (the predefined programme
    areas answer to their names), else its single CBS code."""
    from wijkanalyse.gebieden import resolve_subject

    gemeente = (reg.gemeente_codes[0] if reg.gemeente_codes
                else ("GM" + reg.wijk_codes[0][2:6] if reg.wijk_codes else reg.gemeente))
    try:
        return resolve_subject(con, reg.wijk, gemeente=gemeente)
    except WijkanalyseError:
        if len(reg.wijk_codes) == 1:
            return resolve_subject(con, reg.wijk_codes[0])
        raise


def broad_set(con: duckdb.DuckDBPyConnection, programme: Programme, subjects: list[Subject],
              *, set_spec: str = DEFAULT_SET) -> MonitorSet:
    """The shipped set ``set_spec`` plus the participating wijken (each unit once).

    Raises
    ------
    WijkanalyseError
        An unknown set (with the forms a set can take).
    """
    from wijkanalyse.gebieden import sets

    base = sets.resolve_set(con, set_spec)
    rows = [{"unit_id": s.id, "name": s.name, "gemeente_code": s.gemeente_code,
             "gemeente_name": s.gemeente_name,
             "level": "gebied" if s.kind == "gebied" else s.level,
             "codes": list(s.members), "wijk_codes": list(s.wijk_codes),
             "source": f"deelnemer aan {programme.name}", "codes_year": pd.NA,
             "uncertain": False, "uncertain_reason": ""} for s in subjects]
    known = set(base.units["unit_id"])
    known_codes = {tuple(sorted(c)) for c in base.units["codes"]}
    extra = [r for r in rows if r["unit_id"] not in known
             and tuple(sorted(r["codes"])) not in known_codes]
    units = pd.concat([base.units, pd.DataFrame(extra, columns=list(base.units.columns))],
                      ignore_index=True) if extra else base.units
    title = f"{base.title} en de deelnemers aan {programme.name}"
    return sets.MonitorSet(
        name=f"{base.name}-{programme.slug}", title=title,
        description=(f"{base.description} Daarbij {len(extra)} deelnemende wijken van "
                     f"{programme.name} die niet in die set staan."),
        level_note=base.level_note, units=units, problems=list(base.problems),
        kind="pakket", spec=f"{set_spec}+{programme.slug}", areas=dict(base.areas))


def build_publication(con: duckdb.DuckDBPyConnection, programme: Programme, *,
                      set_spec: str = DEFAULT_SET, year: int | None = None,
                      progress: Callable[[str], None] | None = None) -> Publication:
    """Gather the publication: a short profile per participating wijk and the monitor of the
    broad set.

    Parameters
    ----------
    con
        A read-only store connection.
    programme
        The programme (its participating registrations, meetings, partners and money).
    set_spec
        The shipped set the monitor starts from (``krachtwijken-2007``).
    year
        Report year of the monitor (default: the latest Leefbaarometer year).
    progress
        Called with a short Dutch description before each step.

    Returns
    -------
    Publication
        A wijk whose area cannot be found keeps its place with the reason.

    Raises
    ------
    WijkanalyseError
        A programme without participants, or an unknown set.
    """
    from wijkanalyse.monitor import run_monitor
    from wijkanalyse.profiel import build_profile

    say = progress or (lambda _t: None)
    regs = programme.participating()
    if not regs:
        raise WijkanalyseError(f"Programma {programme.slug} heeft nog geen deelnemers; lees eerst "
                               "aanmeldingen in met 'wijkanalyse programma aanmelding import'.")
    parts: list[WijkPart] = []
    subjects: list[Subject] = []
    cache: dict[Any, Any] = {}
    for reg in regs:
        say(f"Wijkanalyse {reg.wijk} ({reg.gemeente})")
        try:
            subject = _subject(con, reg)
        except WijkanalyseError as exc:
            parts.append(WijkPart(reg, None, f"{reg.wijk} ({reg.gemeente}) is niet gevonden in "
                                             f"de database: {exc}"))
            continue
        subjects.append(subject)
        prof = build_profile(con, subject, with_peers=False, with_location=False,
                             with_segregatie=False, cache=cache)
        parts.append(WijkPart(reg, prof))
    say(f"Monitor {set_spec} en de deelnemers")
    monitor = run_monitor(con, broad_set(con, programme, subjects, set_spec=set_spec),
                          year=year, progress=lambda t: say(f"Monitor: {t}"))
    return Publication(programme=programme, monitor=monitor, wijken=parts, set_spec=set_spec)


def _monitor_body(result: MonitorResult, generated_on: dt.date) -> Markup:
    from wijkanalyse.monitor import render_html

    page = render_html(result, generated_on=generated_on)
    m = _BODY.search(page)
    if m is None:  # the report's base template changed: say so rather than drop the monitor
        raise RuntimeError("monitor.render_html gaf geen <body> met colofon; pas _BODY in "
                           "programma/publicatie.py aan.")
    return Markup(m.group(1))  # noqa: S704 - rendered by the autoescaping templates


def _euro(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


def render_publication(pub: Publication) -> str:
    """The publication as one self-contained HTML page (inline CSS and SVG, no scripts).

    Sections: the programme, the state of the aandachtswijken (the monitor), a short
    wijkanalyse per participating wijk, the meetings and their outcomes, partners and money;
    each with its source line.
    """
    from wijkanalyse.fmt import dutch_date
    from wijkanalyse.present.jinja import environment
    from wijkanalyse.profiel import render_summary_html

    prog = pub.programme
    wijken = [{"id": w.registration.id, "gemeente": w.registration.gemeente,
               "wijk": w.registration.wijk, "problem": w.problem,
               "html": Markup(render_summary_html(w.profile, generated_on=pub.generated_on))  # noqa: S704
               if w.profile is not None else None} for w in pub.wijken]
    ov = overview(prog)
    regs = {r.id: r for r in prog.registrations}
    money = [{"wijk": regs[m.registration_id].wijk if m.registration_id in regs
              else m.registration_id, "bron": m.source, "bedrag": _euro(m.amount),
              "periode": f"{m.start}–{m.end}" if m.end != m.start else str(m.start),
              "doel": m.purpose, "model": m.model or "–"} for m in prog.money]
    generated = f"Gemaakt met wijkanalyse op {dutch_date(pub.generated_on)}"
    context = {
        "p": {"generated_with": "wijkanalyse"}, "prog": prog, "generated": generated,
        "wijken": wijken,
        "monitor_html": _monitor_body(pub.monitor, pub.generated_on)
        if pub.monitor is not None else None,
        "set_spec": pub.set_spec,
        "meetings": [{"number": m.number, "date": dutch_date(m.date), "theme": m.theme,
                      "host": f"{m.host_wijk} ({m.host_gemeente})",
                      "n_present": sum(len(a.names) for a in m.attendance),
                      "outcomes": [o.text for o in m.outcomes]} for m in prog.meetings],
        "per_wijk": [{**r, "geld": _euro(r["geld"]) if r["geld"] else "–"}
                     for r in ov.per_wijk],
        "several": ov.parties_in_several,
        "models": [{**r, "bedrag": _euro(r["bedrag"])} for r in ov.models],
        "money": money,
    }
    return environment().get_template("programma_publicatie.html").render(**context)


def write_publication(pub: Publication, out_dir: Path, *,
                      formats: tuple[str, ...] = ("html", "pdf")) -> dict[str, Path]:
    """Write ``publicatie-<slug>.html`` and ``.pdf`` atomically into ``out_dir`` (the PDF
    typeset by Typst, :func:`wijkanalyse.present.typeset.typeset_pdf`, with "Kennisprogramma"
    at the top of every page but the first).

    Returns
    -------
    dict of str to Path
        The written file per format.
    """
    from wijkanalyse.atomicio import write_report_files
    from wijkanalyse.present.typeset import typeset_pdf

    html = render_publication(pub)
    return write_report_files(
        out_dir, f"publicatie-{pub.programme.slug}", formats, allowed=("html", "pdf"),
        html=lambda: html,
        printer=lambda target, page: typeset_pdf(target, page, kind=PDF_KIND))
