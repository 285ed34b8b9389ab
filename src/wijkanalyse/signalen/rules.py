"""Rule-based signals (opgaven): Dutch sentences with the figures behind them.

The rules, their thresholds and the wording of every sentence live in one documented place,
``data/signalen.yaml`` (explained in ``docs/signalen.md``). This module loads and validates that
file (:func:`load_rules`) and applies it to a filled :class:`~wijkanalyse.model.Profile`
(:func:`derive_signals`). Applying the rules is pure: no database, no I/O.

Rule types
----------
``level_vs_reference``
    The subject's value of a key figure against its gemeente or Nederland (the first reference
    in ``reference`` that has a value decides), measured as :func:`wijkanalyse.fmt.difference`
    does: percentage points for rates in %, an index for counts and means, the plain difference
    for scores. The unfavourable side comes from ``unfavourable`` or else from the key figure's
    ``better``.
``composition``
    The subject's own value against fixed boundaries (e.g. more than two thirds corporation
    housing: a corporatiewijk).
``trend``
    A series' change in the unfavourable direction: since the first measurement
    (``change: first``), since the previous one (``previous``) or the least-squares slope per
    year over the last ``last_n`` measurements (``slope``); percentage points for rates, the plain
    difference for scores, relative change in % for counts and means (as :func:`fmt.change`).
``level_and_trend``
    Combines a level rule and a trend rule (both named by id): fires when both fire; the
    severity is one (``bump``) above the higher of the two, and the combination replaces both.
``lbm_decline``
    A decline of a Leefbaarometer score: since the previous measurement (``compare: previous``),
    since a reference year (``year`` with ``since``) or from the highest earlier score after a
    rise of at least ``min_rise`` (``peak``: the Platform31 early warning that improvement stalls).
``lbm_level``
    The latest value of a Leefbaarometer series that is itself a deviation from the national
    average (``lbm_afw`` and the five dimensions) below that average.

Severity: 3 ``ernstig``, 2 ``aandacht``, 1 ``om te volgen``; a rule fires with the highest
severity whose threshold is reached and not at all below the lowest. Signals are ranked by
severity, then by strength (how many times the rule's lowest threshold the unfavourable distance
is), then by the order of the rules in the file.

Every number in a sentence is the formatted value or the year of one of the signal's
:class:`~wijkanalyse.model.Evidence` figures. Evidence ``subject`` is the profile's kind
of area (``"wijk"``, ``"buurt"``, ``"gebied"``, ``"gemeente"``) or ``"gemeente"``/``"Nederland"``
for the references; Leefbaarometer figures of a buurt-level profile are those of the surrounding
wijk (subject ``"wijk"``, and the sentence says so).

Missing values never fire a rule. A figure that is an incomplete aggregate
(``Figure.complete``/``SeriesPoint.complete`` False) is, by default (``incomplete: note``), used
and the sentence says so ("(onvolledig: ...)"); with ``incomplete: skip`` the rule does not fire.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse import safeyaml
from wijkanalyse.catalogue import DOMAINS, Catalogue, load_catalogue
from wijkanalyse.signalen.fields import (
    _DEFAULT_WORDS,
    _SEGMENT,
    DERIVED_SUFFIX,
    REFERENCES,
    SEVERITY_KEYS,
    SEVERITY_LABELS,
    RuleError,
    _check_template,
    _choice,
    _fields,
    _id_list,
    _int,
    _mate,
    _min_base,
    _number,
    _references,
    _thresholds,
    _words,
)

__all__ = [
    "DERIVED_SUFFIX",
    "PACKAGED_RULES",
    "RULE_TYPES",
    "SEVERITY_KEYS",
    "SEVERITY_LABELS",
    "Rule",
    "RuleError",
    "check_rule_set",
    "load_rules",
    "parse_rules",
]

RULE_TYPES = ("level_vs_reference", "composition", "trend", "level_and_trend", "lbm_decline",
              "lbm_level")
MEASURES = ("pp", "index", "difference")
DIRECTIONS = ("higher", "lower")
PACKAGED_RULES = "data/signalen.yaml"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOLERANCE = 1e-9
_DEFAULT_MATE = {1: "", 2: "ruim ", 3: "ver "}

_COMMON_FIELDS = {"id", "type", "domain", "title", "template", "phrase", "why", "supersedes",
                  "incomplete", "mate", "words", "min_base"}
# type -> (required fields, optional fields) besides the common ones
_TYPE_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "level_vs_reference": ({"indicator", "measure", "thresholds"}, {"reference", "unfavourable"}),
    "composition": ({"indicator", "thresholds"}, {"unfavourable"}),
    "trend": ({"indicator", "thresholds"},
              {"unfavourable", "change", "last_n", "min_span_years"}),
    "level_and_trend": ({"level_rule", "trend_rule"}, {"bump"}),
    "lbm_decline": ({"indicator", "thresholds"}, {"compare", "since", "min_rise",
                                                  "min_span_years"}),
    "lbm_level": ({"indicator", "thresholds"}, {"unfavourable"}),
}
_LEVEL_PH = {"waarde", "jaar", "richting", "mate", "ref_naam", "ref_waarde"}
_REF_PH = {"gm_waarde", "nl_waarde"}
_TREND_PH = {"van_jaar", "van_waarde", "tot_jaar", "tot_waarde", "trendwoord", "mate"}
# type -> (placeholders that always have a value, placeholders only for [optional] segments)
_PLACEHOLDERS: dict[str, tuple[set[str], set[str]]] = {
    "level_vs_reference": (_LEVEL_PH, _REF_PH),
    "composition": ({"waarde", "jaar", "mate"}, _REF_PH),
    "trend": (_TREND_PH, set()),
    # level_and_trend: the union of its two parts (checked in check_rule_set)
    "lbm_decline": (_TREND_PH | {"eerste_jaar", "eerste_waarde"}, set()),
    "lbm_level": ({"waarde", "jaar", "mate", "richting"}, {"vorige_jaar", "vorige_waarde"}),
}
_LEVEL_TYPES = ("level_vs_reference", "composition")
_TREND_TYPES = ("trend", "lbm_decline")


@dataclass(frozen=True)
class Rule:
    """One signal rule of ``signalen.yaml`` (validated; defaults filled in).

    Attributes
    ----------
    id, type, domain, title, template
        Identity, rule type (one of :data:`RULE_TYPES`), catalogue domain, short Dutch title and
        the sentence template.
    indicator
        The indicator id the rule reads (catalogue id or a derived id ending in ``_afgeleid``);
        ``None`` for ``level_and_trend``.
    phrase
        The subject of the sentence (``{onderwerp}``), e.g. "Het aandeel huishoudens met een
        laag inkomen".
    thresholds
        Severity (1-3) -> minimum unfavourable distance (for ``composition``: the boundary value).
    measure
        ``pp``, ``index`` or ``difference`` (``level_vs_reference``).
    reference
        References in order of preference (``gemeente``, ``nederland``).
    unfavourable
        ``higher`` or ``lower``: which side is unfavourable; ``None`` takes it from ``better``.
    change, last_n, min_span_years
        Trend measure (``first``, ``previous``, ``slope``), window of the slope and the minimum
        number of years between the compared measurements.
    compare, since, min_rise
        ``lbm_decline``: ``previous``, ``year`` (since ``since``) or ``peak`` (after a rise of at
        least ``min_rise``).
    level_rule, trend_rule, bump
        ``level_and_trend``: the combined rules and how many severity steps are added.
    min_base
        ``(indicator, minimum)``: the rule only fires when the subject's key figure of that
        indicator is at least the minimum (e.g. 1 000 inhabitants for crime rates).
    supersedes
        Rule ids whose signals are dropped when this rule fires.
    incomplete
        ``note`` (fire and say so) or ``skip`` (do not fire) for incomplete aggregates.
    mate, words
        Wording: degree words per severity (``{mate}``) and fixed words (references, directions).
    why
        Short Dutch justification (documentation).
    """

    id: str
    type: str
    domain: str
    title: str
    template: str
    indicator: str | None = None
    phrase: str = ""
    thresholds: Mapping[int, float] = field(default_factory=dict)
    measure: str | None = None
    reference: tuple[str, ...] = REFERENCES
    unfavourable: str | None = None
    change: str = "first"
    last_n: int = 3
    min_span_years: int = 1
    compare: str = "previous"
    since: int | None = None
    min_rise: float = 0.0
    level_rule: str | None = None
    trend_rule: str | None = None
    bump: int = 1
    min_base: tuple[str, float] | None = None
    supersedes: tuple[str, ...] = ()
    incomplete: str = "note"
    mate: Mapping[int, str] = field(default_factory=lambda: dict(_DEFAULT_MATE))
    words: Mapping[str, str] = field(default_factory=lambda: dict(_DEFAULT_WORDS))
    why: str = ""

    @property
    def replaces(self) -> tuple[str, ...]:
        """Rule ids whose signals this rule's signal replaces (``supersedes`` and components)."""
        parts = [r for r in (self.level_rule, self.trend_rule) if r]
        return tuple(dict.fromkeys([*self.supersedes, *parts]))


# --------------------------------------------------------------------------- loading


def load_rules(path: Path | None = None) -> list[Rule]:
    """Load and validate the signal rules.

    Parameters
    ----------
    path
        A rules file in the format of the packaged ``data/signalen.yaml``; ``None`` loads the
        packaged file.

    Returns
    -------
    list of Rule
        In file order (the order breaks ties in the ranking). The packaged rules are read once
        per process and shared: treat them as read-only.

    Raises
    ------
    RuleError
        The file cannot be read or is invalid; the message names the file and the rule id.
    """
    if path is None:
        return list(_packaged_rules())
    origin = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"{origin}: kan het bestand niet lezen ({exc}).") from exc
    return _parse_text(text, origin)


@lru_cache(maxsize=1)
def _packaged_rules() -> tuple[Rule, ...]:
    text = resources.files("wijkanalyse").joinpath(PACKAGED_RULES).read_text("utf-8")
    return tuple(_parse_text(text, f"wijkanalyse/{PACKAGED_RULES}"))


def _parse_text(text: str, origin: str) -> list[Rule]:
    try:
        data = safeyaml.load(text, origin=origin)
    except yaml.YAMLError as exc:
        raise RuleError(f"{origin}: geen geldige YAML ({exc}).") from exc
    return parse_rules(data, origin=origin)


def parse_rules(data: Any, *, origin: str = "signalen.yaml",
                catalogue: Catalogue | None = None) -> list[Rule]:
    """Validate parsed YAML and build the rules.

    Parameters
    ----------
    data
        The parsed YAML: a mapping with ``version``, optional ``defaults`` and ``rules``.
    origin
        File name used in error messages.
    catalogue
        The indicator catalogue rules are checked against (default: the packaged one).

    Returns
    -------
    list of Rule

    Raises
    ------
    RuleError
        Naming ``origin`` and the rule id (or position) with what is wrong, in Dutch.
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleError(f"{origin}: verwacht een sleutel 'rules' met een lijst van regels.")
    unknown = set(data) - {"version", "defaults", "rules"}
    if unknown:
        raise RuleError(f"{origin}: onbekende sleutels {sorted(unknown)}; toegestaan zijn "
                        "'version', 'defaults' en 'rules'.")
    if data.get("version", 1) != 1:
        raise RuleError(f"{origin}: versie {data.get('version')!r} wordt niet ondersteund "
                        "(alleen 1).")
    defaults = _parse_defaults(data.get("defaults") or {}, origin)
    rules: list[Rule] = []
    seen: set[str] = set()
    for pos, raw in enumerate(data["rules"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            raise RuleError(f"{origin}, regel {pos}: elke regel heeft een 'id' (tekst).")
        where = f"{origin}, regel {raw['id']!r}"
        if raw["id"] in seen:
            raise RuleError(f"{where}: id komt twee keer voor.")
        seen.add(raw["id"])
        rules.append(_parse_rule(raw, where=where, defaults=defaults, catalogue=cat))
    check_rule_set(rules, origin=origin)
    return rules


def check_rule_set(rules: Sequence[Rule], *, origin: str = "regels") -> None:
    """Check the references between rules: superseded and combined rules exist, no cycles.

    Raises
    ------
    RuleError
        Naming ``origin`` and the rule id.
    """
    by_id = {r.id: r for r in rules}
    for rule in rules:
        where = f"{origin}, regel {rule.id!r}"
        for other in rule.supersedes:
            if other not in by_id:
                raise RuleError(f"{where}: supersedes noemt onbekende regel {other!r}.")
        if rule.type == "level_and_trend":
            level = by_id.get(rule.level_rule or "")
            trend = by_id.get(rule.trend_rule or "")
            if level is None or level.type not in _LEVEL_TYPES:
                raise RuleError(f"{where}: level_rule {rule.level_rule!r} moet een bestaande "
                                f"regel van soort {' of '.join(_LEVEL_TYPES)} zijn.")
            if trend is None or trend.type not in _TREND_TYPES:
                raise RuleError(f"{where}: trend_rule {rule.trend_rule!r} moet een bestaande "
                                f"regel van soort {' of '.join(_TREND_TYPES)} zijn.")
            level_ph, trend_ph = _PLACEHOLDERS[level.type], _PLACEHOLDERS[trend.type]
            _check_template(rule.template, level_ph[0] | trend_ph[0], level_ph[1] | trend_ph[1],
                            where, has_phrase=bool(rule.phrase))
    # no cycles in "replaces" (a rule that (indirectly) replaces itself would drop itself)
    state: dict[str, int] = {}

    def visit(rule_id: str, path: list[str]) -> None:
        state[rule_id] = 1
        for nxt in by_id[rule_id].replaces:
            if nxt not in by_id:
                continue
            if state.get(nxt) == 1:
                cycle = " -> ".join([*path[path.index(nxt):], nxt]) if nxt in path else nxt
                raise RuleError(f"{origin}, regel {rule_id!r}: regels vervangen elkaar in een "
                                f"kring ({cycle}).")
            if state.get(nxt) is None:
                visit(nxt, [*path, nxt])
        state[rule_id] = 2

    for rule in rules:
        if state.get(rule.id) is None:
            visit(rule.id, [rule.id])


def _parse_defaults(raw: Any, origin: str) -> dict[str, Any]:
    where = f"{origin}, defaults"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: verwacht een mapping.")
    unknown = set(raw) - {"incomplete", "reference", "mate", "words"}
    if unknown:
        raise RuleError(f"{where}: onbekende sleutels {sorted(unknown)}.")
    return {
        "incomplete": _choice(raw.get("incomplete", "note"), ("note", "skip"), "incomplete",
                              where),
        "reference": _references(raw.get("reference", list(REFERENCES)), where),
        "mate": _mate(raw.get("mate", {}), dict(_DEFAULT_MATE), where),
        "words": _words(raw.get("words", {}), dict(_DEFAULT_WORDS), where),
    }


def _parse_rule(raw: dict[str, Any], *, where: str, defaults: dict[str, Any],
                catalogue: Catalogue) -> Rule:
    rid = raw["id"]
    if not _ID.match(rid):
        raise RuleError(f"{where}: id mag alleen kleine letters, cijfers en '_' bevatten.")
    rtype = raw.get("type")
    if rtype not in RULE_TYPES:
        raise RuleError(f"{where}: onbekende regelsoort {rtype!r}; kies uit "
                        f"{', '.join(RULE_TYPES)}.")
    required, optional = _TYPE_FIELDS[rtype]
    unknown = set(raw) - _COMMON_FIELDS - required - optional
    if unknown:
        raise RuleError(f"{where}: onbekende velden {sorted(unknown)} voor soort {rtype}; "
                        f"toegestaan zijn {sorted(_COMMON_FIELDS | required | optional)}.")
    for name in sorted(required | {"domain", "title", "template"}):
        if raw.get(name) in (None, "", [], {}):
            raise RuleError(f"{where}: veld {name!r} ontbreekt.")
    for name in ("title", "template", "phrase", "why"):
        if name in raw and not isinstance(raw[name], str):
            raise RuleError(f"{where}: {name} moet tekst zijn.")
    if raw["domain"] not in DOMAINS:
        raise RuleError(f"{where}: domein {raw['domain']!r} is onbekend; kies uit "
                        f"{', '.join(DOMAINS)}.")
    kw: dict[str, Any] = {
        "id": rid, "type": rtype, "domain": raw["domain"], "title": raw["title"].strip(),
        "template": raw["template"], "phrase": raw.get("phrase", ""),
        "why": raw.get("why", ""),
        "incomplete": _choice(raw.get("incomplete", defaults["incomplete"]), ("note", "skip"),
                              "incomplete", where),
        "mate": _mate(raw.get("mate", {}), dict(defaults["mate"]), where),
        "words": _words(raw.get("words", {}), dict(defaults["words"]), where),
        "supersedes": _id_list(raw.get("supersedes", []), "supersedes", where),
    }
    if "min_base" in raw:
        kw["min_base"] = _min_base(raw["min_base"], where, catalogue)
    indicator = raw.get("indicator")
    if "indicator" in required:
        if not isinstance(indicator, str) or not (indicator in catalogue
                                                  or indicator.endswith(DERIVED_SUFFIX)):
            raise RuleError(f"{where}: indicator {indicator!r} staat niet in de "
                            "indicatorencatalogus en is geen afgeleide id (eindigend op "
                            f"{DERIVED_SUFFIX!r}).")
        kw["indicator"] = indicator
        thresholds = raw["thresholds"]
        unfav_default = {"composition": "higher", "lbm_level": "lower"}.get(rtype)
        unfav = raw.get("unfavourable", unfav_default)
        if unfav is not None:
            unfav = _choice(unfav, DIRECTIONS, "unfavourable", where)
        kw["unfavourable"] = unfav
        kw["thresholds"] = _thresholds(thresholds, where,
                                       descending=rtype == "composition" and unfav == "lower",
                                       positive=rtype != "composition")
        ind = catalogue.indicators.get(indicator)
        if rtype in ("level_vs_reference", "trend") and unfav is None and ind is not None \
                and ind.better is None:
            raise RuleError(f"{where}: {indicator} heeft geen richting in de catalogus "
                            "(better); zet 'unfavourable: higher' of 'lower'.")
    if rtype == "level_vs_reference":
        kw["measure"] = _choice(raw["measure"], MEASURES, "measure", where)
        kw["reference"] = _references(raw.get("reference", list(defaults["reference"])), where)
        ind = catalogue.indicators.get(indicator or "")
        if ind is not None:
            expected = _expected_measure(ind.unit, ind.kind)
            if kw["measure"] != expected:
                raise RuleError(f"{where}: measure {kw['measure']!r} past niet bij {indicator} "
                                f"(eenheid {ind.unit!r}, soort {ind.kind}); gebruik {expected!r}.")
    elif rtype == "trend":
        kw["change"] = _choice(raw.get("change", "first"), ("first", "previous", "slope"),
                               "change", where)
        kw["last_n"] = _int(raw.get("last_n", 3), "last_n", where, minimum=2)
        kw["min_span_years"] = _int(raw.get("min_span_years", 1), "min_span_years", where,
                                    minimum=1)
    elif rtype == "lbm_decline":
        kw["compare"] = _choice(raw.get("compare", "previous"), ("previous", "year", "peak"),
                                "compare", where)
        if kw["compare"] == "year":
            if "since" not in raw:
                raise RuleError(f"{where}: compare: year heeft 'since' (een jaartal) nodig.")
            kw["since"] = _int(raw["since"], "since", where, minimum=1900)
        elif "since" in raw:
            raise RuleError(f"{where}: 'since' hoort alleen bij compare: year.")
        kw["min_rise"] = _number(raw.get("min_rise", 0.0), "min_rise", where, minimum=0.0)
        kw["min_span_years"] = _int(raw.get("min_span_years", 1), "min_span_years", where,
                                    minimum=1)
    elif rtype == "level_and_trend":
        for name in ("level_rule", "trend_rule"):
            if not isinstance(raw[name], str):
                raise RuleError(f"{where}: {name} moet een regel-id zijn.")
        kw["level_rule"] = raw["level_rule"]
        kw["trend_rule"] = raw["trend_rule"]
        kw["bump"] = _int(raw.get("bump", 1), "bump", where, minimum=0, maximum=2)
    if rtype == "level_and_trend":
        _fields(_SEGMENT.sub("", kw["template"]), where)  # syntax now, names in check_rule_set
    else:
        always, optional = _PLACEHOLDERS[rtype]
        _check_template(kw["template"], always, optional, where, has_phrase=bool(kw["phrase"]))
    return Rule(**kw)


def _expected_measure(unit: str, kind: str) -> str:
    if unit == "%":
        return "pp"
    return "difference" if kind == "score" else "index"
