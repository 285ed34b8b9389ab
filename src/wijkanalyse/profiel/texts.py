"""The Dutch statements of a wijkprofiel: what is missing, changed names and divisions
(:class:`~wijkanalyse.model.AreaNote`), the Leefbaarometer notes and the Bronnen (pure
computation over the assembled parts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from wijkanalyse.codes import name_key
from wijkanalyse.fmt import join_nl
from wijkanalyse.model import AreaNote, KeyFigure, SourceRef, Subject
from wijkanalyse.profiel.cells import LBM_INDICATORS
from wijkanalyse.profiel.figures import KEY_FIGURES, _Context

CBS_LICENCE = "CC BY 4.0"


_KIND_ORDER = {"kwb": 0, "ses": 1, "leefbaarometer": 2, "boundaries": 3}


_CBS_PREFIX = re.compile(r"^(?:wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)


def _display_name(name: str | None, code: str) -> str:
    if not name:
        return code
    return _CBS_PREFIX.sub("", str(name).strip()) or str(name)


def _area_notes(subject: Subject, years: Sequence[int],
                names_of: Callable[[Sequence[str], Sequence[int]], dict[tuple[str, int], str]]
                ) -> list[AreaNote]:
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
    names = names_of(main, main_years)
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
        div_names = names_of(div.members, ys)
        listed = [f"{div_names.get((c, ys[0]), c)} ({c})" for c in div.members]
        noun = {"buurt": "buurt", "wijk": "wijk"}.get(div.level, div.level)
        plural = noun + ("en" if len(div.members) > 1 else "")
        text = (f"De cijfers van {join_nl(ys)} zijn van {plural} {join_nl(listed)} "
                f"(CBS-indeling van dat jaar).")
        if div.reason:
            text += f" {div.reason.rstrip('.')}."
        short = (f"{join_nl(ys)}: de {plural} van toen, met andere "
                 f"codes ({', '.join(div.members)}).")
        if div.reason.startswith("op de grenzen van"):
            # a renumbering found by the lineage (issue 12): "op de grenzen van 2024; 2017
            # omgerekend (WK036339 → WK0363ED: hernummerd, zelfde grens)"
            reason = div.reason.split(";")[0]
            short = _omgerekend(reason, ys, f"{', '.join(div.members)}: "
                                f"{div.reason.split(': ', 1)[-1]}"[:-1])
            text = (f"De cijfers van {join_nl(ys)} zijn van {plural} {join_nl(listed)}, "
                    f"{div.reason.split('(', 1)[-1].rstrip(')')}: {reason}.")
        notes.append(AreaNote(kind="indeling", years=ys, codes=list(div.members),
                              names=[div_names.get((c, ys[0]), c) for c in div.members],
                              text=text, short=short))
    return notes


def _omgerekend(reason: str, years: Sequence[int], detail: str) -> str:
    """The chart note of years put on later boundaries: "Op de grenzen van 2024; 2017
    omgerekend (detail)"."""
    return f"{reason[0].upper()}{reason[1:]}; {join_nl(list(years))} omgerekend ({detail})"


def _harmonised_note(code: str, latest: int, moved: Mapping[int, Sequence[str]],
                     unsure: Sequence[int], names: Mapping[str, str] | None = None
                     ) -> AreaNote | None:
    """The note of the years moved onto the boundaries of ``latest`` by the lineage
    (``names``: the name of each source code in its year, where known)."""
    if not moved:
        return None
    names = names or {}
    ys = sorted(moved)
    parts = sorted({c for y in ys for c in moved[y]})
    named = [f"{c} {names[c]}" if c in names else c for c in parts]
    detail = f"{code}: grens gewijzigd" if parts == [code] else \
        f"{', '.join(named)} → {code}: grenswijziging"
    text = (f"De cijfers van {join_nl(ys)} zijn omgerekend naar de grenzen van {latest} uit "
            f"{join_nl(named)} (CBS-indeling van toen, gewogen naar de koppeling van de "
            "indelingen).")
    if unsure:
        text += (f" De omrekening van {join_nl(sorted(unsure))} berust op een onzekere "
                 "koppeling.")
    return AreaNote(kind="indeling", years=ys, codes=parts,
                    names=[names.get(c, c) for c in parts], text=text,
                    short=_omgerekend(f"op de grenzen van {latest}", ys, detail))


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
