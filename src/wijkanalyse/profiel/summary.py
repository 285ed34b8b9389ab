"""The summary page of a wijkprofiel (:func:`summarise`): the four questions of a wijkanalyse
answered in Dutch sentences, the most important figures and the strongest signals.

Everything here is read from the profile's one assessment (``Profile.signals`` and
``Profile.judgements``, made together by :func:`wijkanalyse.signalen.assess.assess_profile`),
so the summary never says something the Kerncijfers, the signals or the kennisdossier section
contradict:

* **Hoe staat de wijk ervoor?** Size, then how many compared figures are unfavourable and
  favourable (the Oordeel column), the most unfavourable one, and the Leefbaarometer.
* **Hoe heeft de wijk zich ontwikkeld?** Inhabitants and the Leefbaarometer score from the
  first to the last measurement, and the signals on a development (trend rules).
* **Welke problemen komen op?** The signals, counted by severity, the strongest named.
* **Welke aanpakken worden gebruikt?** The approaches recorded for the area and the
  applications of the kennisdossier here, then what the kennisdossier section lists and on
  what basis (signals, or preventive without signals).

The most important figures (:data:`SUMMARY_FIGURES`): the figures the strongest signals rest
on, in the order of the signals; then the figures with the largest unfavourable, then
favourable, position (the distance outside the neutral band of
:mod:`wijkanalyse.signalen.assess`, in units of that band); then, when fewer than five,
the core figures of :data:`_CORE` (size, income, poverty, benefits) and the other compared
figures in the order of the Kerncijfers. The strongest signals
(:data:`SUMMARY_SIGNALS`) are the first of the ranked signals. Each list has its source line.
"""

from __future__ import annotations

from collections.abc import Sequence

from wijkanalyse import fmt
from wijkanalyse.fmt import join_nl
from wijkanalyse.model import (
    Figure,
    Judgement,
    KeyFigure,
    Profile,
    Series,
    Signal,
    Summary,
    SummaryAnswer,
    SummaryFigure,
)
from wijkanalyse.profiel.views import _source_caption
from wijkanalyse.signalen.assess import NEUTRAL_INDEX, NEUTRAL_PP, NEUTRAL_SCORE, rule_types

__all__ = ["QUESTIONS", "SUMMARY_FIGURES", "SUMMARY_SIGNALS", "summarise"]

#: How many figures the summary shows.
SUMMARY_FIGURES = 5
#: How many signals the summary shows.
SUMMARY_SIGNALS = 5

#: The four questions of a wijkanalyse, in order, by key.
QUESTIONS: dict[str, str] = {
    "stand": "Hoe staat de wijk ervoor?",
    "ontwikkeling": "Hoe heeft de wijk zich ontwikkeld?",
    "problemen": "Welke problemen komen op?",
    "aanpakken": "Welke aanpakken worden er gebruikt?",
}

#: Rule types whose signals are about a development.
_DEVELOPMENT_TYPES = frozenset({"trend", "lbm_decline", "level_and_trend"})
#: Indicators that measure the same as another one shown (the Leefbaarometer score and its
#: deviation from the national average): only the first of a pair is shown.
_SAME_MEASUREMENT = {"lbm": "lbm_afw", "lbm_afw": "lbm"}
#: Figures that fill the summary when fewer than :data:`SUMMARY_FIGURES` lie outside the
#: neutral band: size, income, poverty, benefits, housing value, employment.
_CORE = ("a_inw", "p_hh_lkk", "p_soz_wb_afgeleid", "g_ink_pi", "g_woz", "p_arb_pp")
_REFERENCE_WORDS = {"gemeente": "in de gemeente", "Nederland": "in Nederland"}


def _value(kf: KeyFigure, value: float | None) -> str:
    return fmt.format_value(value, unit=kf.unit, kind=kf.kind, decimals=kf.decimals,
                            signed=kf.signed)


def _area_value(kf: KeyFigure) -> str:
    """The area's value, with the area it belongs to when that is a containing one
    ("4,01 (score van wijk Buitenwijk West, 36.335 inw.)")."""
    text = _value(kf, kf.area.value)
    applies = kf.area.geldt_voor
    return f"{text} ({applies.text})" if applies is not None and applies.text else text


def _distance(kf: KeyFigure, judgement: Judgement) -> float:
    """How far a figure lies from its reference, in units of the neutral band."""
    diff = kf.diff_gemeente if judgement.reference == "gemeente" else kf.diff_nederland
    if diff is None:
        return 0.0
    if kf.unit == "%":
        return abs(diff) / NEUTRAL_PP
    if kf.kind == "score":
        return abs(diff) / NEUTRAL_SCORE
    return abs(diff - 100.0) / (100.0 - NEUTRAL_INDEX[0])


def _reference_text(kf: KeyFigure, judgement: Judgement) -> str:
    """``"11,3% tegen 4,7% in de gemeente"``; the area's value alone without a reference."""
    ref = kf.gemeente if judgement.reference == "gemeente" else kf.nederland
    area = _area_value(kf)
    if judgement.reference is None or ref.value is None:
        return area
    return f"{area} tegen {_value(kf, ref.value)} {_REFERENCE_WORDS[judgement.reference]}"


_LEVEL_MARKS = {"gunstig": "▲ gunstig", "ongunstig": "▼ ongunstig"}


def _judgements(profile: Profile) -> list[Judgement]:
    """The profile's one assessment (``Profile.judgements``). A profile made by hand without
    one (tests, notebooks) is read from its ``KeyFigure.assessment`` instead."""
    if profile.judgements:
        return profile.judgements
    return [Judgement(indicator_id=kf.indicator_id, verdict=kf.assessment, level=kf.assessment,
                      reference=("gemeente" if kf.diff_gemeente is not None else
                                 "Nederland" if kf.diff_nederland is not None else None),
                      mark=_LEVEL_MARKS.get(kf.assessment or "", ""))
            for kf in profile.key_figures]


def _important(profile: Profile,
               all_judgements: Sequence[Judgement]) -> list[tuple[KeyFigure, Judgement, str]]:
    """The most important figures with why (see the module docstring)."""
    key_figures = {kf.indicator_id: kf for kf in profile.key_figures
                   if kf.area.value is not None}
    judgements = {j.indicator_id: j for j in all_judgements}
    chosen: dict[str, str] = {}
    for sig in profile.signals:
        ind = next((e.indicator_id for e in sig.evidence if e.indicator_id in key_figures), None)
        if ind is not None and ind not in chosen:
            chosen[ind] = f"signaal: {sig.title} ({sig.severity_label})"
    for level, why in (("ongunstig", "ongunstig"), ("gunstig", "gunstig")):
        ranked = sorted(
            (j for j in all_judgements
             if j.level == level and j.indicator_id in key_figures
             and j.indicator_id not in chosen),
            key=lambda j: -_distance(key_figures[j.indicator_id], j))
        for j in ranked:
            against = "de gemeente" if j.reference == "gemeente" else "Nederland"
            chosen.setdefault(j.indicator_id, f"{why} tegenover {against}")
    for ind in _CORE:
        if ind in key_figures and ind in judgements:
            chosen.setdefault(ind, "omvang" if ind == "a_inw" else "kerncijfer")
    for j in all_judgements:  # then the compared figures, in the order of the Kerncijfers
        if j.reference is not None and j.indicator_id in key_figures:
            chosen.setdefault(j.indicator_id, "kerncijfer")
    out: list[tuple[KeyFigure, Judgement, str]] = []
    for ind, why in chosen.items():
        if _SAME_MEASUREMENT.get(ind) in {kf.indicator_id for kf, _, _ in out}:
            continue
        out.append((key_figures[ind], judgements[ind], why))
        if len(out) == SUMMARY_FIGURES:
            break
    return out


def _figure_text(kf: KeyFigure, figure: Figure) -> str | None:
    """A reference value, with its year where it differs from the row's ("43,0% (2015)")."""
    if figure.value is None:
        return None
    text = _value(kf, figure.value)
    return text + (f" ({figure.year})" if figure.year not in (None, kf.year) else "")


def _summary_figure(kf: KeyFigure, judgement: Judgement, why: str) -> SummaryFigure:
    return SummaryFigure(
        indicator_id=kf.indicator_id, label=kf.label, year=kf.year,
        text=_area_value(kf), gemeente_text=_figure_text(kf, kf.gemeente),
        nederland_text=_figure_text(kf, kf.nederland), mark=judgement.mark, why=why,
        source=kf.area.source)


def _kind_phrase(profile: Profile) -> str:
    s = profile.subject
    if s.kind == "gemeente":
        return f"{s.name} is een gemeente"
    plural = {"wijk": "wijken", "buurt": "buurten"}.get(s.level, s.level)
    if s.kind == "gebied":
        what = f"een gebied van {fmt.count_text(len(s.members), s.level, plural)}"
    else:
        what = f"een {s.kind}"
    return f"{s.name} is {what}" + (f" in de gemeente {s.gemeente_name}" if s.gemeente_name
                                    else "")


def _stand(profile: Profile, figures: dict[str, KeyFigure],
           judgements: Sequence[Judgement]) -> str:
    sentences: list[str] = []
    inw = figures.get("a_inw")
    lead = _kind_phrase(profile)
    if inw is not None and inw.area.value is not None:
        lead += f" met {fmt.nl_number(inw.area.value)} inwoners ({inw.year})"
    sentences.append(lead + ".")
    compared = [j for j in judgements if j.level is not None]
    bad = [j for j in judgements if j.level == "ongunstig"]
    good = [j for j in judgements if j.level == "gunstig"]
    against = ("Tegenover Nederland" if profile.subject.kind == "gemeente"
               else "Tegenover de gemeente (of Nederland, waar de gemeente geen cijfer heeft)")
    if compared:
        sentences.append(
            f"{against} {'is' if len(bad) == 1 else 'zijn'} "
            f"{fmt.count_text(len(bad), 'cijfer', 'cijfers') if bad else 'geen cijfers'} "
            f"ongunstig en {len(good) or 'geen'} gunstig (kolom Oordeel bij de kerncijfers); "
            "de andere liggen binnen de neutrale marge.")
    else:
        sentences.append("Geen van de cijfers wijkt buiten de neutrale marge af van de gemeente "
                         "of Nederland, of er zijn geen cijfers om te vergelijken.")
    worst = sorted((j for j in bad if j.indicator_id in figures),
                   key=lambda j: (-j.severity, -_distance(figures[j.indicator_id], j)))
    if worst:
        j = worst[0]
        kf = figures[j.indicator_id]
        sentences.append(f"Het meest ongunstig: {kf.label}: {_reference_text(kf, j)} in "
                         f"{kf.year}.")
    afw = next((j for j in judgements if j.indicator_id == "lbm_afw"), None)
    kf_afw = figures.get("lbm_afw")
    if afw is not None and kf_afw is not None and kf_afw.area.value is not None:
        word = {"ongunstig": "lager dan", "gunstig": "hoger dan"}.get(
            afw.level or "", "ongeveer gelijk aan")
        sentences.append(f"De leefbaarheid volgens de Leefbaarometer is {word} het landelijk "
                         f"gemiddelde (afwijking {fmt.nl_number(kf_afw.area.value, decimals=2)}"
                         f" in {kf_afw.year}).")
    return " ".join(sentences)


def _first_last(series: Series | None) -> tuple[tuple[int, float], tuple[int, float]] | None:
    if series is None:
        return None
    points = [(p.year, p.area) for p in series.points if p.area is not None]
    if len(points) < 2:
        return None
    return points[0], points[-1]


def _development(profile: Profile, types: dict[str, str]) -> str:
    sentences: list[str] = []
    inw = _first_last(next((s for s in profile.series if s.indicator_id == "a_inw"), None))
    if inw is not None:
        (y0, v0), (y1, v1) = inw
        _, change = fmt.change(v0, v1, unit="aantal", kind="count")
        sentences.append(f"Het aantal inwoners ging van {fmt.nl_number(v0)} in {y0} naar "
                         f"{fmt.nl_number(v1)} in {y1}" + (f" ({change})." if change else "."))
    lbm = _first_last(next((s for s in profile.leefbaarometer if s.indicator_id == "lbm"),
                           None))
    if lbm is not None:
        (y0, v0), (y1, v1) = lbm
        sentences.append(f"De Leefbaarometer-score ging van {fmt.nl_number(v0, decimals=2)} in "
                         f"{y0} naar {fmt.nl_number(v1, decimals=2)} in {y1}.")
    trends = [s for s in profile.signals if types.get(s.rule_id) in _DEVELOPMENT_TYPES]
    if trends:
        sentences.append("Ongunstige ontwikkelingen volgens de signaalregels: "
                         + join_nl([f"{s.title.lower()} ({s.severity_label})" for s in trends])
                         + ".")
    elif len(profile.years_available) > 1 or lbm is not None:
        sentences.append("Geen van de regels voor een ongunstige ontwikkeling slaat aan.")
    if not sentences:
        sentences.append("Er is maar één jaar met cijfers: de ontwikkeling is niet te zien.")
    return " ".join(sentences)


def _problems(profile: Profile) -> str:
    name = profile.subject.name
    signals = profile.signals
    if not signals:
        return (f"Geen signalen: geen van de regels slaat aan op de cijfers van {name}. "
                "Ontbrekende cijfers kunnen een opgave verbergen.")
    counts = [(n, label) for n, label in (
        (sum(s.severity == 3 for s in signals), "ernstig"),
        (sum(s.severity == 2 for s in signals), "aandacht"),
        (sum(s.severity == 1 for s in signals), "om te volgen")) if n]
    strongest = [f"{s.title.lower()} ({s.severity_label})" for s in signals[:3]]
    return (f"{fmt.count_text(len(signals), 'signaal', 'signalen')} "
            f"({join_nl([f'{n} {label}' for n, label in counts])}). "
            f"{'Het sterkste' if len(strongest) == 1 else 'De sterkste'}: "
            f"{join_nl(strongest)}.")


def _approaches(profile: Profile) -> str:
    name = profile.subject.name
    sentences: list[str] = []
    if profile.approaches:
        titles = [a.title for a in profile.approaches]
        sentences.append(f"Voor {name} "
                         f"{'is' if len(titles) == 1 else 'zijn'} "
                         f"{fmt.count_text(len(titles), 'aanpak', 'aanpakken')} vastgelegd: "
                         f"{join_nl(titles)}.")
    kennis = profile.section("kennis")
    applied = kennis.get("applied") if kennis else None
    if isinstance(applied, list) and applied:
        names = list(dict.fromkeys(str(a.get("name")) for a in applied
                                   if isinstance(a, dict)))
        sentences.append(f"Uit het kennisdossier {'is' if len(names) == 1 else 'zijn'} hier "
                         f"toegepast: {join_nl(names)}.")
    if not sentences:
        sentences.append(f"Voor {name} zijn nog geen aanpakken vastgelegd.")
    if kennis:
        basis = kennis.get("basis")
        rows = kennis.get("matches") if basis == "signalen" else kennis.get("preventive")
        names = [str(r.get("name")) for r in (rows if isinstance(rows, list) else [])[:3]
                 if isinstance(r, dict)]
        if basis == "signalen" and names:
            sentences.append(f"Het kennisdossier noemt bij de signalen onder meer: "
                             f"{join_nl(names)}.")
        elif basis == "preventief" and names:
            why = ("er zijn geen signalen" if not profile.signals
                   else "geen aanpak richt zich op de signalen")
            sentences.append(f"Het kennisdossier beveelt hier niets aan vanwege problemen ({why}); "
                             f"het noemt preventief, voor wat het minst gunstig is: "
                             f"{join_nl(names)}.")
    return " ".join(sentences)


def _signal_caption(signals: Sequence[Signal]) -> str:
    return _source_caption(e.source for s in signals for e in s.evidence)


def summarise(profile: Profile) -> Summary:
    """The summary page of ``profile`` from its one assessment (see the module docstring).

    Parameters
    ----------
    profile
        A profile with its ``signals`` and ``judgements``
        (:func:`wijkanalyse.signalen.assess.assess_profile`) and, when made, its sections.

    Returns
    -------
    Summary
        The four answers, the most important figures and the strongest signals, each list
        with its source line.
    """
    figures = {kf.indicator_id: kf for kf in profile.key_figures}
    types = rule_types()
    judgements = _judgements(profile)
    important = _important(profile, judgements)
    top_signals = list(profile.signals[:SUMMARY_SIGNALS])
    answers = [
        SummaryAnswer("stand", QUESTIONS["stand"], _stand(profile, figures, judgements)),
        SummaryAnswer("ontwikkeling", QUESTIONS["ontwikkeling"], _development(profile, types)),
        SummaryAnswer("problemen", QUESTIONS["problemen"], _problems(profile)),
        SummaryAnswer("aanpakken", QUESTIONS["aanpakken"], _approaches(profile)),
    ]
    sources: list[str | None] = []
    for kf, judgement, _ in important:
        ref = kf.gemeente if judgement.reference == "gemeente" else kf.nederland
        sources += [kf.area.source, kf.gemeente.source, kf.nederland.source, ref.source]
    return Summary(
        answers=answers,
        figures=[_summary_figure(kf, j, why) for kf, j, why in important],
        signals=top_signals,
        figures_caption=_source_caption(sources),
        signals_caption=_signal_caption(top_signals),
    )
