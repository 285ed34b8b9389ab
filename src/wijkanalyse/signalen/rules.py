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

import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse import fmt, safeyaml
from wijkanalyse.catalogue import DOMAINS, Catalogue, load_catalogue
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.model import Evidence, Figure, KeyFigure, Profile, Series, SeriesPoint, Signal

#: Severity number -> label shown to users.
SEVERITY_LABELS: dict[int, str] = {3: "ernstig", 2: "aandacht", 1: "om te volgen"}
#: Keys of ``thresholds`` and ``mate`` in the YAML -> severity number.
SEVERITY_KEYS: dict[str, int] = {"om_te_volgen": 1, "aandacht": 2, "ernstig": 3}
RULE_TYPES = ("level_vs_reference", "composition", "trend", "level_and_trend", "lbm_decline",
              "lbm_level")
MEASURES = ("pp", "index", "difference")
REFERENCES = ("gemeente", "nederland")
DIRECTIONS = ("higher", "lower")
#: Indicator ids that are not in the catalogue but computed by the profile end with this.
DERIVED_SUFFIX = "_afgeleid"
PACKAGED_RULES = "data/signalen.yaml"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_TOLERANCE = 1e-9
_DEFAULT_WORDS = {
    "gemeente": "de gemeente",
    "nederland": "Nederland",
    "boven": "boven",
    "onder": "onder",
    "gestegen": "gestegen",
    "gedaald": "gedaald",
    "onvolledig": "onvolledig",
    "onvolledig_reden": "niet alle delen hebben een waarde",
    "lbm_wijk": "Leefbaarometer van de wijk waarin het gebied ligt",
}
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
_COMMON_PH = {"onderwerp", "gebied"}
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


class RuleError(WijkanalyseError):
    """The signal rules (``signalen.yaml`` or a user's version) are invalid."""


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


def _choice(value: Any, allowed: Sequence[str], name: str, where: str) -> str:
    if value not in allowed:
        raise RuleError(f"{where}: {name} {value!r} is onbekend; kies uit {', '.join(allowed)}.")
    return str(value)


def _int(value: Any, name: str, where: str, *, minimum: int,
         maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (
            maximum is not None and value > maximum):
        bound = f"tussen {minimum} en {maximum}" if maximum is not None else f">= {minimum}"
        raise RuleError(f"{where}: {name} moet een geheel getal {bound} zijn, niet {value!r}.")
    return value


def _number(value: Any, name: str, where: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise RuleError(f"{where}: {name} moet een getal zijn, niet {value!r}.")
    if minimum is not None and value < minimum:
        raise RuleError(f"{where}: {name} moet minstens {minimum} zijn.")
    return float(value)


def _references(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleError(f"{where}: reference moet een lijst zijn uit {', '.join(REFERENCES)}.")
    return tuple(_choice(v, REFERENCES, "reference", where) for v in value)


def _id_list(value: Any, name: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: {name} moet een lijst van regel-id's zijn.")
    return tuple(value)


def _severity_map(raw: Any, name: str, where: str) -> dict[int, Any]:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: {name} moet een mapping zijn met sleutels uit "
                        f"{', '.join(SEVERITY_KEYS)}.")
    bad = [k for k in raw if k not in SEVERITY_KEYS]
    if bad:
        raise RuleError(f"{where}: {name}: onbekende ernst {bad}; kies uit "
                        f"{', '.join(SEVERITY_KEYS)}.")
    return {SEVERITY_KEYS[k]: v for k, v in raw.items()}


def _thresholds(raw: Any, where: str, *, descending: bool, positive: bool) -> dict[int, float]:
    values = _severity_map(raw, "thresholds", where)
    if not values:
        raise RuleError(f"{where}: thresholds heeft minstens één drempel nodig.")
    out = {s: _number(v, f"drempel {SEVERITY_LABELS[s]!r}", where,
                      minimum=0.0 if positive else None) for s, v in values.items()}
    if positive and any(v == 0 for v in out.values()):
        raise RuleError(f"{where}: drempels moeten groter dan 0 zijn.")
    ordered = [out[s] for s in sorted(out)]
    pairs = list(zip(ordered, ordered[1:], strict=False))
    if descending and any(b >= a for a, b in pairs):
        raise RuleError(f"{where}: drempels moeten dalen van om_te_volgen naar ernstig "
                        "(unfavourable: lower).")
    if not descending and any(b <= a for a, b in pairs):
        raise RuleError(f"{where}: drempels moeten stijgen van om_te_volgen naar ernstig.")
    return dict(sorted(out.items()))


def _mate(raw: Any, base: dict[int, str], where: str) -> dict[int, str]:
    for s, text in _severity_map(raw, "mate", where).items():
        if not isinstance(text, str):
            raise RuleError(f"{where}: mate moet tekst zijn per ernst.")
        base[s] = text
    return base


def _words(raw: Any, base: dict[str, str], where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: words moet een mapping zijn.")
    unknown = set(raw) - set(_DEFAULT_WORDS)
    if unknown:
        raise RuleError(f"{where}: words: onbekende sleutels {sorted(unknown)}; toegestaan zijn "
                        f"{sorted(_DEFAULT_WORDS)}.")
    for key, text in raw.items():
        if not isinstance(text, str):
            raise RuleError(f"{where}: words.{key} moet tekst zijn.")
        base[key] = text
    return base


def _min_base(raw: Any, where: str, catalogue: Catalogue) -> tuple[str, float]:
    if not isinstance(raw, dict) or set(raw) != {"indicator", "value"}:
        raise RuleError(f"{where}: min_base moet 'indicator' en 'value' hebben.")
    ind = raw["indicator"]
    if not isinstance(ind, str) or not (ind in catalogue or ind.endswith(DERIVED_SUFFIX)):
        raise RuleError(f"{where}: min_base: indicator {ind!r} staat niet in de catalogus.")
    return ind, _number(raw["value"], "min_base.value", where)


def _fields(text: str, where: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise RuleError(f"{where}: template heeft ongeldige accolades ({exc}).") from exc
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or spec or conversion:
            raise RuleError(f"{where}: template: schrijf plaatshouders als {{naam}}, zonder "
                            "opmaak of positie.")
        names.add(name)
    return names


def _check_template(template: str, always: set[str], optional: set[str], where: str, *,
                    has_phrase: bool) -> None:
    always = always | _COMMON_PH
    main = _SEGMENT.sub("", template)
    if "[" in main or "]" in main:
        raise RuleError(f"{where}: template heeft een ongepaarde '[' of ']' (optionele delen "
                        "staan tussen [ en ], niet genest).")
    main_fields = _fields(main, where)
    bad = main_fields - always
    if bad & optional:
        raise RuleError(f"{where}: template: {sorted(bad & optional)} heeft niet altijd een "
                        "waarde; zet het in een optioneel deel tussen [ en ].")
    if bad:
        raise RuleError(f"{where}: template: onbekende plaatshouders {sorted(bad)}; voor deze "
                        f"regel zijn er {sorted(always | optional)}.")
    seg_fields: set[str] = set()
    for seg in _SEGMENT.findall(template):
        seg_fields |= _fields(seg, where)
    bad = seg_fields - always - optional
    if bad:
        raise RuleError(f"{where}: template: onbekende plaatshouders {sorted(bad)}; voor deze "
                        f"regel zijn er {sorted(always | optional)}.")
    if "onderwerp" in (main_fields | seg_fields) and not has_phrase:
        raise RuleError(f"{where}: template gebruikt {{onderwerp}} maar 'phrase' ontbreekt.")


# --------------------------------------------------------------------------- applying


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


def _expected_measure(unit: str, kind: str) -> str:
    if unit == "%":
        return "pp"
    return "difference" if kind == "score" else "index"


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


def _fmt(value: float, unit: str, kind: str) -> str:
    """A value as the sentence shows it; scores without the word "score" ("-0,19")."""
    if unit == "score":
        return fmt.nl_number(value, decimals=fmt.decimals_for(unit, kind))
    return fmt.format_value(value, unit=unit, kind=kind)


def _figure_evidence(kf: KeyFigure, fig: Figure, subject: str, rule: Rule) -> Evidence:
    value = _num(fig.value)
    text = _fmt(value, kf.unit, kf.kind) if value is not None else "–"
    if not fig.complete:
        text += f" ({rule.words['onvolledig']})"
    return Evidence(indicator_id=kf.indicator_id, label=kf.label, subject=subject,
                    year=fig.year if fig.year is not None else kf.year, value=value, text=text,
                    source=fig.source)


def _point_evidence(series: Series, point: SeriesPoint, kind: str, subject: str,
                    rule: Rule) -> Evidence:
    value = _num(point.area)
    text = _fmt(value, series.unit, kind) if value is not None else "–"
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
        values[key] = _fmt(value, kf.unit, kf.kind)
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
        diff, _ = fmt.difference(area, ref, unit=kf.unit, kind=kf.kind)
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
            "waarde": _fmt(area, kf.unit, kf.kind),
            "jaar": str(kf.area.year if kf.area.year is not None else kf.year),
            "richting": rule.words["boven" if unfav == "higher" else "onder"],
            "mate": rule.mate.get(severity, ""),
            "ref_naam": rule.words[name],
            "ref_waarde": _fmt(ref, kf.unit, kf.kind),
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
        "waarde": _fmt(value, kf.unit, kf.kind),
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
        "van_waarde": _fmt(float(start.area), series.unit, kind),  # type: ignore[arg-type]
        "tot_jaar": str(last.year),
        "tot_waarde": _fmt(float(last.area), series.unit, kind),  # type: ignore[arg-type]
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
        change, _ = fmt.change(start.area, last.area, unit=series.unit, kind=kind)
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
    change, _ = fmt.change(start.area, last.area, unit=series.unit, kind=kind)
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
    values["eerste_waarde"] = _fmt(float(first.area), series.unit, kind)  # type: ignore[arg-type]
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
        "waarde": _fmt(value, series.unit, kind),
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
        values["vorige_waarde"] = _fmt(float(prev.area), series.unit, kind)  # type: ignore[arg-type]
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
