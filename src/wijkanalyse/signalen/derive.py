"""Applying the signal rules to a profile (:func:`derive_signals`): pure, no database, no I/O.

The rule types, severities and wording are described in :mod:`wijkanalyse.signalen.rules`,
which loads and validates ``data/signalen.yaml``.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wijkanalyse import fmt
from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.model import Evidence, Figure, KeyFigure, Profile, Series, SeriesPoint, Signal
from wijkanalyse.signalen.fields import _SEGMENT, SEVERITY_LABELS
from wijkanalyse.signalen.rules import (
    _TOLERANCE,
    Rule,
    _expected_measure,
    check_rule_set,
    load_rules,
)


@dataclass
class _Hit:
    severity: int
    strength: float
    values: dict[str, str | None]
    evidence: list[Evidence]
    notes: list[str] = field(default_factory=list)


@dataclass
class _Context:
    profile: Profile
    key_figures: dict[str, KeyFigure]
    series: dict[str, Series]
    lbm: dict[str, Series]
    catalogue: Catalogue
    area_word: str
    is_gemeente: bool

    def find_series(self, indicator: str, *, lbm_first: bool) -> Series | None:
        first, second = (self.lbm, self.series) if lbm_first else (self.series, self.lbm)
        return first.get(indicator) or second.get(indicator)

    def kind_of(self, indicator: str, unit: str) -> str:
        kf = self.key_figures.get(indicator)
        if kf is not None and kf.kind:
            return kf.kind
        if indicator in self.catalogue:
            return self.catalogue[indicator].kind
        if unit == "%":
            return "rate"
        if unit in ("aantal", ""):
            return "count"
        return "score" if unit == "score" else "mean"


def derive_signals(profile: Profile, *, rules: list[Rule] | None = None) -> list[Signal]:
    """The signals (opgaven) of a profile, ranked.

    Parameters
    ----------
    profile
        A profile whose ``key_figures``, ``series`` and ``leefbaarometer`` are filled; its
        ``signals`` are ignored.
    rules
        The rules to apply; default :func:`load_rules` (the packaged ``signalen.yaml``).

    Returns
    -------
    list of Signal
        Ranked by severity (3 ernstig first), then by the strength of the evidence, then by the
        order of the rules. A signal whose rule is superseded by another fired rule (or that is
        part of a fired ``level_and_trend`` combination) is left out.

    Raises
    ------
    RuleError
        When ``rules`` refer to rules that are not in the list.
    """
    rules = load_rules() if rules is None else list(rules)
    check_rule_set(rules)
    ctx = _context(profile)
    by_id = {r.id: r for r in rules}
    hits: list[tuple[int, Rule, _Hit]] = []
    for pos, rule in enumerate(rules):
        hit = _evaluate(rule, ctx, by_id)
        if hit is not None:
            hits.append((pos, rule, hit))
    replaced = {other for _, rule, _ in hits for other in rule.replaces}
    kept = [h for h in hits if h[1].id not in replaced]
    kept.sort(key=lambda h: (-h[2].severity, -h[2].strength, h[0]))
    return [_signal(rule, hit, ctx) for _, rule, hit in kept]


def _context(profile: Profile) -> _Context:
    subject = profile.subject
    return _Context(
        profile=profile,
        key_figures={kf.indicator_id: kf for kf in reversed(profile.key_figures)},
        series={s.indicator_id: s for s in reversed(profile.series)},
        lbm={s.indicator_id: s for s in reversed(profile.leefbaarometer)},
        catalogue=load_catalogue(),
        area_word=subject.kind or "wijk",
        is_gemeente=subject.kind == "gemeente",
    )


def _evaluate(rule: Rule, ctx: _Context, by_id: Mapping[str, Rule]) -> _Hit | None:
    if rule.type == "level_and_trend":
        return _eval_combined(rule, ctx, by_id)
    if not _base_ok(rule, ctx):
        return None
    if rule.type == "level_vs_reference":
        return _eval_level(rule, ctx)
    if rule.type == "composition":
        return _eval_composition(rule, ctx)
    if rule.type == "trend":
        return _eval_trend(rule, ctx)
    if rule.type == "lbm_decline":
        return _eval_decline(rule, ctx)
    return _eval_lbm_level(rule, ctx)


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) or math.isinf(out) else out


def _unfavourable(rule: Rule, better: str | None) -> str | None:
    if rule.unfavourable:
        return rule.unfavourable
    return {"lower": "higher", "higher": "lower"}.get(better or "")


def _severity(amount: float, thresholds: Mapping[int, float]) -> int | None:
    reached = [s for s, t in thresholds.items() if amount >= t - _TOLERANCE * max(1.0, abs(t))]
    return max(reached) if reached else None


def _strength(amount: float, thresholds: Mapping[int, float]) -> float:
    lowest = thresholds[min(thresholds)]
    return amount / lowest if lowest else amount


def _base_ok(rule: Rule, ctx: _Context) -> bool:
    if rule.min_base is None:
        return True
    indicator, minimum = rule.min_base
    kf = ctx.key_figures.get(indicator)
    value = _num(kf.area.value) if kf is not None else None
    return value is not None and value >= minimum


def _fmt(value: float, unit: str, kind: str, decimals: int | None = None,
         signed: bool = False) -> str:
    """A value as the sentence shows it (:func:`fmt.format_value`, with the catalogue's
    decimals and sign): ``68%``, ``€ 140.000``, scores without the word "score" ("-0,19")."""
    return fmt.format_value(value, unit=unit, kind=kind, decimals=decimals, signed=signed)


def _sfmt(value: float, series: Series, kind: str) -> str:
    """A value of ``series`` as the sentence shows it (see :func:`_fmt`)."""
    return _fmt(value, series.unit, kind, series.decimals, series.signed)


def _figure_evidence(kf: KeyFigure, fig: Figure, subject: str, rule: Rule) -> Evidence:
    value = _num(fig.value)
    text = _fmt(value, kf.unit, kf.kind, kf.decimals, kf.signed) if value is not None else "–"
    if not fig.complete:
        text += f" ({rule.words['onvolledig']})"
    return Evidence(indicator_id=kf.indicator_id, label=kf.label, subject=subject,
                    year=fig.year if fig.year is not None else kf.year, value=value, text=text,
                    source=fig.source)


def _point_evidence(series: Series, point: SeriesPoint, kind: str, subject: str,
                    rule: Rule) -> Evidence:
    value = _num(point.area)
    text = _sfmt(value, series, kind) if value is not None else "–"
    if not point.complete:
        text += f" ({rule.words['onvolledig']})"
    return Evidence(indicator_id=series.indicator_id, label=series.label, subject=subject,
                    year=point.year, value=value, text=text, source=point.source)


def _figure_notes(rule: Rule, figures: Sequence[Figure]) -> list[str] | None:
    """Notes on incomplete figures; ``None`` when the rule skips incomplete figures."""
    reasons = [f.reason or rule.words["onvolledig_reden"] for f in figures if not f.complete]
    if not reasons:
        return []
    if rule.incomplete == "skip":
        return None
    return [f"{rule.words['onvolledig']}: {'; '.join(dict.fromkeys(reasons))}"]


def _point_notes(rule: Rule, points: Sequence[SeriesPoint]) -> list[str] | None:
    years = [str(p.year) for p in points if not p.complete]
    if not years:
        return []
    if rule.incomplete == "skip":
        return None
    return [f"{rule.words['onvolledig']}: {rule.words['onvolledig_reden']} "
            f"({', '.join(dict.fromkeys(years))})"]


def _reference_values(kf: KeyFigure, ctx: _Context, used: str | None,
                      rule: Rule) -> tuple[dict[str, str | None], list[Evidence]]:
    """``gm_waarde``/``nl_waarde`` for the references not already named, with evidence."""
    values: dict[str, str | None] = {"gm_waarde": None, "nl_waarde": None}
    evidence = []
    for name, key, fig, subject in (("gemeente", "gm_waarde", kf.gemeente, "gemeente"),
                                    ("nederland", "nl_waarde", kf.nederland, "Nederland")):
        if name == used or (name == "gemeente" and ctx.is_gemeente):
            continue
        value = _num(fig.value)
        if value is None:
            continue
        values[key] = _fmt(value, kf.unit, kf.kind, kf.decimals, kf.signed)
        evidence.append(_figure_evidence(kf, fig, subject, rule))
    return values, evidence


def _eval_level(rule: Rule, ctx: _Context) -> _Hit | None:
    kf = ctx.key_figures.get(rule.indicator or "")
    if kf is None:
        return None
    area = _num(kf.area.value)
    unfav = _unfavourable(rule, kf.better)
    if area is None or unfav is None or rule.measure != _expected_measure(kf.unit, kf.kind):
        return None
    figures = {"gemeente": kf.gemeente, "nederland": kf.nederland}
    for name in rule.reference:
        if name == "gemeente" and ctx.is_gemeente:
            continue
        ref_fig = figures[name]
        ref = _num(ref_fig.value)
        if ref is None:
            continue
        diff, _ = fmt.difference(area, ref, unit=kf.unit, kind=kf.kind, decimals=kf.decimals)
        if diff is None:
            continue
        if rule.measure == "index":
            amount = diff - 100 if unfav == "higher" else 100 - diff
        else:
            amount = diff if unfav == "higher" else -diff
        severity = _severity(amount, rule.thresholds)
        if severity is None:
            return None  # the first reference with a value decides
        notes = _figure_notes(rule, [kf.area, ref_fig])
        if notes is None:
            return None
        subject = "gemeente" if name == "gemeente" else "Nederland"
        values: dict[str, str | None] = {
            "waarde": _fmt(area, kf.unit, kf.kind, kf.decimals, kf.signed),
            "jaar": str(kf.area.year if kf.area.year is not None else kf.year),
            "richting": rule.words["boven" if unfav == "higher" else "onder"],
            "mate": rule.mate.get(severity, ""),
            "ref_naam": rule.words[name],
            "ref_waarde": _fmt(ref, kf.unit, kf.kind, kf.decimals, kf.signed),
        }
        extra, extra_evidence = _reference_values(kf, ctx, name, rule)
        values.update(extra)
        evidence = [_figure_evidence(kf, kf.area, ctx.area_word, rule),
                    _figure_evidence(kf, ref_fig, subject, rule), *extra_evidence]
        return _Hit(severity, _strength(amount, rule.thresholds), values, evidence, notes)
    return None


def _eval_composition(rule: Rule, ctx: _Context) -> _Hit | None:
    kf = ctx.key_figures.get(rule.indicator or "")
    if kf is None:
        return None
    value = _num(kf.area.value)
    if value is None:
        return None
    higher = rule.unfavourable != "lower"
    tol = _TOLERANCE
    reached = [s for s, t in rule.thresholds.items()
               if (value >= t - tol * max(1.0, abs(t)) if higher
                   else value <= t + tol * max(1.0, abs(t)))]
    if not reached:
        return None
    severity = max(reached)
    notes = _figure_notes(rule, [kf.area])
    if notes is None:
        return None
    lowest = rule.thresholds[min(rule.thresholds)]
    scale = abs(lowest) or 1.0
    strength = 1.0 + ((value - lowest) if higher else (lowest - value)) / scale
    values: dict[str, str | None] = {
        "waarde": _fmt(value, kf.unit, kf.kind, kf.decimals, kf.signed),
        "jaar": str(kf.area.year if kf.area.year is not None else kf.year),
        "mate": rule.mate.get(severity, ""),
    }
    extra, extra_evidence = _reference_values(kf, ctx, None, rule)
    values.update(extra)
    evidence = [_figure_evidence(kf, kf.area, ctx.area_word, rule), *extra_evidence]
    return _Hit(severity, strength, values, evidence, notes)


def _valid_points(series: Series, max_year: int | None) -> list[SeriesPoint]:
    points = [p for p in series.points
              if _num(p.area) is not None and (max_year is None or p.year <= max_year)]
    return sorted(points, key=lambda p: p.year)


def _slope(points: Sequence[SeriesPoint]) -> float | None:
    xs = [float(p.year) for p in points]
    ys = [float(p.area) for p in points]  # type: ignore[arg-type]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def _trend_values(rule: Rule, series: Series, kind: str, start: SeriesPoint, last: SeriesPoint,
                  severity: int) -> dict[str, str | None]:
    rising = float(last.area) > float(start.area)  # type: ignore[arg-type]
    return {
        "van_jaar": str(start.year),
        "van_waarde": _sfmt(float(start.area), series, kind),  # type: ignore[arg-type]
        "tot_jaar": str(last.year),
        "tot_waarde": _sfmt(float(last.area), series, kind),  # type: ignore[arg-type]
        "trendwoord": rule.words["gestegen" if rising else "gedaald"],
        "mate": rule.mate.get(severity, ""),
    }


def _eval_trend(rule: Rule, ctx: _Context, *, max_year: int | None = None) -> _Hit | None:
    series = ctx.find_series(rule.indicator or "", lbm_first=False)
    if series is None:
        return None
    unfav = _unfavourable(rule, series.better)
    if unfav is None:
        return None
    kind = ctx.kind_of(series.indicator_id, series.unit)
    points = _valid_points(series, max_year)
    if len(points) < 2:
        return None
    last = points[-1]
    change: float | None
    if rule.change == "slope":
        window = points[-rule.last_n:]
        start = window[0]
        slope = _slope(window)
        if slope is None:
            return None
        if series.unit == "%" or kind == "score":
            change = slope
        elif float(start.area) == 0:  # type: ignore[arg-type]
            return None
        else:
            change = slope / abs(float(start.area)) * 100  # type: ignore[arg-type]
        used = window
    else:
        start = points[0] if rule.change == "first" else points[-2]
        change, _ = fmt.change(start.area, last.area, unit=series.unit, kind=kind,
                               decimals=series.decimals)
        if change is None:
            return None
        used = [start, last]
    if last.year - start.year < rule.min_span_years:
        return None
    amount = change if unfav == "higher" else -change
    severity = _severity(amount, rule.thresholds)
    if severity is None:
        return None
    notes = _point_notes(rule, used)
    if notes is None:
        return None
    evidence = [_point_evidence(series, start, kind, ctx.area_word, rule),
                _point_evidence(series, last, kind, ctx.area_word, rule)]
    return _Hit(severity, _strength(amount, rule.thresholds),
                _trend_values(rule, series, kind, start, last, severity), evidence, notes)


def _lbm_subject(ctx: _Context, rule: Rule, notes: list[str]) -> str:
    """Evidence subject of a Leefbaarometer figure; for buurten it is the surrounding wijk.

    The Leefbaarometer is loaded per wijk, so the profile of a buurt (or a set of buurten) shows
    the score of the wijk(en) it lies in; the sentence says so.
    """
    if ctx.profile.subject.level == "buurt" and ctx.profile.subject.kind != "gemeente":
        notes.append(rule.words["lbm_wijk"])
        return "wijk"
    return ctx.area_word


def _eval_decline(rule: Rule, ctx: _Context, *, max_year: int | None = None) -> _Hit | None:
    series = ctx.find_series(rule.indicator or "", lbm_first=True)
    if series is None:
        return None
    kind = ctx.kind_of(series.indicator_id, series.unit)
    points = _valid_points(series, max_year)
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    earlier = points[:-1]
    if rule.compare == "previous":
        start = earlier[-1]
    elif rule.compare == "year":
        candidates = [p for p in earlier if p.year >= (rule.since or 0)]
        if not candidates:
            return None
        start = candidates[0]
    else:  # peak: the highest earlier score (the latest of equal ones), after a rise
        start = max(earlier, key=lambda p: (float(p.area), p.year))  # type: ignore[arg-type]
        rise = float(start.area) - float(first.area)  # type: ignore[arg-type]
        if rule.min_rise > 0 and (start is first or rise < rule.min_rise - _TOLERANCE):
            return None
    if last.year - start.year < rule.min_span_years:
        return None
    change, _ = fmt.change(start.area, last.area, unit=series.unit, kind=kind,
                               decimals=series.decimals)
    if change is None:
        return None
    amount = -change
    severity = _severity(amount, rule.thresholds)
    if severity is None:
        return None
    used = [first, start, last] if rule.compare == "peak" else [start, last]
    notes = _point_notes(rule, used)
    if notes is None:
        return None
    subject = _lbm_subject(ctx, rule, notes)
    values = _trend_values(rule, series, kind, start, last, severity)
    values["eerste_jaar"] = str(first.year)
    values["eerste_waarde"] = _sfmt(float(first.area), series, kind)  # type: ignore[arg-type]
    shown = [first, start, last] if "{eerste_" in rule.template else [start, last]
    by_year = {p.year: p for p in shown}
    evidence = [_point_evidence(series, by_year[y], kind, subject, rule)
                for y in sorted(by_year)]
    return _Hit(severity, _strength(amount, rule.thresholds), values, evidence, notes)


def _eval_lbm_level(rule: Rule, ctx: _Context) -> _Hit | None:
    series = ctx.find_series(rule.indicator or "", lbm_first=True)
    if series is None:
        return None
    kind = ctx.kind_of(series.indicator_id, series.unit)
    points = _valid_points(series, None)
    if not points:
        return None
    last = points[-1]
    value = float(last.area)  # type: ignore[arg-type]
    unfav = rule.unfavourable or "lower"
    amount = -value if unfav == "lower" else value
    severity = _severity(amount, rule.thresholds)
    if severity is None:
        return None
    notes = _point_notes(rule, [last])
    if notes is None:
        return None
    subject = _lbm_subject(ctx, rule, notes)
    values: dict[str, str | None] = {
        "waarde": _sfmt(value, series, kind),
        "jaar": str(last.year),
        "mate": rule.mate.get(severity, ""),
        "richting": rule.words["onder" if unfav == "lower" else "boven"],
        "vorige_jaar": None,
        "vorige_waarde": None,
    }
    evidence = [_point_evidence(series, last, kind, subject, rule)]
    if len(points) >= 2:
        prev = points[-2]
        values["vorige_jaar"] = str(prev.year)
        values["vorige_waarde"] = _sfmt(float(prev.area), series, kind)  # type: ignore[arg-type]
        evidence.insert(0, _point_evidence(series, prev, kind, subject, rule))
    return _Hit(severity, _strength(amount, rule.thresholds), values, evidence, notes)


def _eval_combined(rule: Rule, ctx: _Context, by_id: Mapping[str, Rule]) -> _Hit | None:
    level_rule = by_id[rule.level_rule or ""]
    trend_rule = by_id[rule.trend_rule or ""]
    if not (_base_ok(level_rule, ctx) and _base_ok(trend_rule, ctx)):
        return None
    level = (_eval_level(level_rule, ctx) if level_rule.type == "level_vs_reference"
             else _eval_composition(level_rule, ctx))
    if level is None:
        return None
    kf = ctx.key_figures[level_rule.indicator or ""]
    if trend_rule.type == "trend":
        trend = _eval_trend(trend_rule, ctx, max_year=kf.year)
    else:
        trend = _eval_decline(trend_rule, ctx, max_year=kf.year)
    if trend is None:
        return None
    severity = min(3, max(level.severity, trend.severity) + rule.bump)
    values = {**trend.values, **level.values}
    seen: set[tuple[str, str, int | None]] = set()
    evidence = []
    for ev in [*level.evidence, *trend.evidence]:
        key = (ev.indicator_id, ev.subject, ev.year)
        if key not in seen:
            seen.add(key)
            evidence.append(ev)
    notes = list(dict.fromkeys([*level.notes, *trend.notes]))
    return _Hit(severity, level.strength, values, evidence, notes)


def _render(template: str, values: Mapping[str, str | None]) -> str:
    def segment(match: re.Match[str]) -> str:
        inner = match.group(1)
        names = {n for _, n, _, _ in string.Formatter().parse(inner) if n}
        return inner if all(values.get(n) is not None for n in names) else ""

    return _SEGMENT.sub(segment, template).format_map(values)


def _signal(rule: Rule, hit: _Hit, ctx: _Context) -> Signal:
    values = {**hit.values, "onderwerp": rule.phrase, "gebied": ctx.profile.subject.name}
    text = _render(rule.template, values)
    if hit.notes:
        extra = f" ({'; '.join(hit.notes)})"
        text = f"{text[:-1]}{extra}." if text.endswith(".") else f"{text}{extra}"
    return Signal(rule_id=rule.id, severity=hit.severity,
                  severity_label=SEVERITY_LABELS[hit.severity], domain=rule.domain,
                  title=rule.title, text=text, evidence=hit.evidence)
