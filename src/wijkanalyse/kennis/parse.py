"""Reading an intervention file: YAML (or a Markdown front matter) composed with the line of
every key, and the validation of each field, collecting problems (:class:`Problem`) with
file, line and field."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse import safeyaml
from wijkanalyse.catalogue import DOMAINS
from wijkanalyse.kennis.model import Addressed, Cost, EvidenceRating, Horizon, Reference
from wijkanalyse.kennis.vocab import (
    _ADDRESS_KEYS,
    _COST_KEYS,
    _EVIDENCE_KEYS,
    _FILE_SUFFIXES,
    _HORIZON_KEYS,
    _MAX_ITEM,
    _MIN_YEAR,
    _SLUG,
    _SOURCE_KEYS,
    _URL,
    COST_LEVELS,
    DIRECTION_LABELS,
    DIRECTION_WORDS,
    EFFECTS,
    EFFECTS_NEEDING_SOURCE,
    EVIDENCE_LEVELS,
    HORIZONS,
    KEY_ALIASES,
    KINDS,
    MAX_FILE_BYTES,
    KennisError,
    Problem,
    _indicator_better,
    _indicator_domains,
    _norm,
    _rule_domains,
    _suggest,
    normalise_effect,
    normalise_evidence,
    normalise_kind,
)

# --------------------------------------------------------------------------- YAML reading


class _Loader(yaml.SafeLoader):
    """The safe YAML loader (own class, so nothing is registered on ``yaml.SafeLoader``)."""


#: Composes YAML into nodes with line marks (the C parser where available: faster).
_COMPOSER = getattr(yaml, "CSafeLoader", _Loader)


@dataclass
class _Doc:
    """A parsed intervention file: top-level values, the line of every key path."""

    path: Path
    data: dict[str, Any]
    lines: dict[str, int]
    first_line: int
    markdown: bool
    body: str | None = None
    body_line: int | None = None


class _Collector:
    """Collects :class:`Problem`\\ s of one file."""

    def __init__(self, doc_path: Path, lines: Mapping[str, int], first_line: int) -> None:
        self.path = doc_path
        self.lines = lines
        self.first_line = first_line
        self.problems: list[Problem] = []

    def line_of(self, key_path: str) -> int:
        probe = key_path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", probe)
            if probe == key_path:
                break
        return self.first_line

    def add(self, key_path: str | None, message: str, *, line: int | None = None) -> None:
        where = line if line is not None else self.line_of(key_path or "")
        self.problems.append(Problem(self.path, where, key_path, message))


def _compose(text: str, path: Path, *, first_line: int,
             problems: list[Problem]) -> tuple[Any, dict[str, int]]:
    """Parse YAML keeping the line of every key path (``pakt_aan[2].indicator``)."""
    try:
        root = safeyaml.compose(text, loader=_COMPOSER)
    except safeyaml.YamlLimitError as exc:
        line = exc.line + first_line - 1 if exc.line is not None else first_line
        problems.append(Problem(path, line, None, exc.problem))
        return None, {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problems.append(Problem(path, line, None,
                                f"geen geldige YAML: {getattr(exc, 'problem', None) or exc}"))
        return None, {}
    lines: dict[str, int] = {}
    if root is None:
        return None, lines
    loader = _Loader("")
    try:
        return _to_python(root, "", lines, first_line, loader, path, problems), lines
    finally:
        loader.dispose()


def _to_python(node: yaml.Node, key_path: str, lines: dict[str, int], first_line: int,
               loader: _Loader, path: Path, problems: list[Problem]) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True)).strip()
            sub = f"{key_path}.{key}" if key_path else key
            line = key_node.start_mark.line + first_line
            if key in out:
                problems.append(Problem(path, line, sub,
                                        f"sleutel {key!r} staat twee keer in het bestand (ook op "
                                        f"regel {lines[sub]})."))
                continue
            out[key] = _to_python(value_node, sub, lines, first_line, loader, path, problems)
            lines[sub] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value, start=1):
            sub = f"{key_path}[{i}]"
            lines[sub] = item.start_mark.line + first_line
            items.append(_to_python(item, sub, lines, first_line, loader, path, problems))
        return items
    return loader.construct_object(node, deep=True)


def _read_doc(path: Path, problems: list[Problem]) -> _Doc | None:
    """Read a YAML file, or a Markdown file with YAML front matter (body = description)."""
    if not path.exists():
        problems.append(Problem(path, None, None, "bestand bestaat niet."))
        return None
    if path.suffix.lower() not in _FILE_SUFFIXES:
        problems.append(Problem(path, None, None,
                                "onbekend bestandstype; gebruik .yaml, .yml of .md (Markdown met "
                                "een kop tussen '---'-regels)."))
        return None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(
                path, None, None,
                f"het bestand is {size:,} bytes; een interventie is hoogstens "
                f"{MAX_FILE_BYTES:,} bytes. Kort de beschrijving in.".replace(",", ".")))
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(path, None, None, "bestand bestaat niet."))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, None, None,
                                f"kan het bestand niet lezen als UTF-8-tekst ({exc})."))
        return None
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    markdown = path.suffix.lower() in (".md", ".markdown")
    if not markdown:
        data, lines = _compose(text, path, first_line=1, problems=problems)
        if problems:
            return None
        return _top_mapping(path, data, lines, first_line=1, markdown=False, problems=problems)
    all_lines = text.split("\n")
    if not all_lines or all_lines[0].strip() != "---":
        problems.append(Problem(path, 1, None,
                                "een Markdown-bestand begint met een kop tussen '---'-regels "
                                "(naam, samenvatting, themas, ...); de tekst daarna is de "
                                "beschrijving."))
        return None
    end = next((i for i, line in enumerate(all_lines[1:], start=1)
                if line.strip() in ("---", "...")), None)
    if end is None:
        problems.append(Problem(path, 1, None, "de kop begint met '---' maar wordt niet "
                                "afgesloten met een regel '---'."))
        return None
    data, lines = _compose("\n".join(all_lines[1:end]), path, first_line=2, problems=problems)
    if problems:
        return None
    doc = _top_mapping(path, data, lines, first_line=1, markdown=True, problems=problems)
    if doc is not None:
        doc.body = "\n".join(all_lines[end + 1:])
        doc.body_line = end + 2
    return doc


def _top_mapping(path: Path, data: Any, lines: dict[str, int], *, first_line: int,
                 markdown: bool, problems: list[Problem]) -> _Doc | None:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(path, first_line, None,
                                "verwacht regels 'sleutel: waarde' (naam, samenvatting, ...)."))
        return None
    out: dict[str, Any] = {}
    where: dict[str, int] = {}
    for key, value in data.items():
        canon = KEY_ALIASES.get(key.lower(), key.lower())
        if canon in out:
            problems.append(Problem(path, lines.get(key, first_line), canon,
                                    f"{key!r} en {canon!r} zijn hetzelfde veld; geef het één "
                                    "keer."))
            continue
        if canon != key:
            for k, v in list(lines.items()):
                if k == key or k.startswith(key + ".") or k.startswith(key + "["):
                    where[canon + k[len(key):]] = v
        out[canon] = value
    for k, v in lines.items():
        where.setdefault(k, v)
    return _Doc(path=path, data=out, lines=where, first_line=first_line, markdown=markdown)


# --------------------------------------------------------------------------- validation


def _text(c: _Collector, value: Any, key: str, *, required: bool = True, one_line: bool = False,
          max_len: int | None = None) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(key, f"{key} is verplicht en mag niet leeg zijn.")
        return ""
    if isinstance(value, (dict, list)):
        kind = "lijst" if isinstance(value, list) else "mapping"
        c.add(key, f"{key} moet tekst zijn, geen {kind}.")
        return ""
    text = _clean_text(str(value))
    if one_line:
        text = " ".join(text.split())
    if max_len is not None and len(text) > max_len:
        c.add(key, f"{key} is {len(text)} tekens lang; het maximum is {max_len}.")
    return text


def _clean_text(text: str) -> str:
    """Trailing spaces removed per line, no leading/trailing empty lines (stable round trip)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n").strip()


def _list(c: _Collector, value: Any, key: str, *, required: bool = True,
          split_commas: bool = False) -> list[tuple[str, Any]]:
    """(key path, item) pairs of a list field; a single text is one item (or split on
    commas)."""
    if value is None or value == [] or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(key, f"{key} is verplicht: geef minstens één waarde.")
        return []
    if isinstance(value, str):
        parts = value.split(",") if split_commas else [value]
        return [(key, p.strip()) for p in parts if p.strip()]
    if not isinstance(value, list):
        c.add(key, f"{key} moet een lijst zijn, niet {value!r}.")
        return []
    return [(f"{key}[{i}]", item) for i, item in enumerate(value, start=1)]


def _text_items(c: _Collector, value: Any, key: str) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, key):
        if isinstance(item, (dict, list)) or item is None:
            c.add(sub, f"verwacht een korte tekst, niet {item!r}.")
            continue
        text = " ".join(str(item).split())
        if not text:
            c.add(sub, "lege tekst.")
        elif len(text) > _MAX_ITEM:
            c.add(sub, f"te lang ({len(text)} tekens; maximaal {_MAX_ITEM}); schrijf het korter "
                  "of zet het in de beschrijving.")
        elif text not in out:
            out.append(text)
    return tuple(out)


def _vocab_items(c: _Collector, value: Any, key: str, norm: Any) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, key, split_commas=True):
        if isinstance(item, (dict, list)) or item is None:
            c.add(sub, f"verwacht een term, niet {item!r}.")
            continue
        try:
            term = norm(str(item))
        except KennisError as exc:
            c.add(sub, exc.message)
            continue
        if term not in out:
            out.append(term)
    return tuple(out)


def _mapping(c: _Collector, value: Any, key: str, allowed: Sequence[str],
             *, scalar_key: str | None = None) -> dict[str, Any] | None:
    if value is None:
        c.add(key, f"{key} is verplicht.")
        return None
    if scalar_key is not None and not isinstance(value, (dict, list)):
        return {scalar_key: value}
    if not isinstance(value, dict):
        c.add(key, f"{key} moet sleutels hebben ({', '.join(allowed)}).")
        return None
    for k in value:
        if k not in allowed:
            c.add(f"{key}.{k}", f"onbekende sleutel {k!r} in {key}; toegestaan zijn "
                  f"{', '.join(allowed)}.{_suggest(k, allowed)}")
    return value


def _addresses(c: _Collector, value: Any) -> tuple[Addressed, ...]:
    domains = _indicator_domains()
    better = _indicator_better()
    rules = _rule_domains()
    out: list[Addressed] = []
    for sub, item in _list(c, value, "pakt_aan"):
        if not isinstance(item, dict):
            c.add(sub, "elk item van pakt_aan heeft 'indicator' met 'richting', 'signaal' of "
                  "'domein', bijvoorbeeld {indicator: p_hh_li, richting: lager}.")
            continue
        bad = [k for k in item if k not in _ADDRESS_KEYS]
        for k in bad:
            c.add(f"{sub}.{k}", f"onbekende sleutel {k!r}; toegestaan zijn "
                  f"{', '.join(_ADDRESS_KEYS)}.{_suggest(k, _ADDRESS_KEYS)}")
        if bad:
            continue
        domain = item.get("domein")
        indicator = item.get("indicator")
        direction_raw = item.get("richting")
        signal = item.get("signaal")
        if domain is not None and str(domain) not in DOMAINS:
            c.add(f"{sub}.domein", f"onbekend domein {domain!r}; kies uit "
                  f"{', '.join(DOMAINS)}.{_suggest(str(domain), DOMAINS)}")
            continue
        direction = None
        if direction_raw is not None:
            direction = DIRECTION_WORDS.get(_norm(direction_raw))
            if direction is None:
                c.add(f"{sub}.richting", f"onbekende richting {direction_raw!r}; kies 'lager' "
                      "of 'hoger' (waar de interventie de indicator naartoe wil bewegen).")
                continue
        if signal is not None:
            if indicator is not None or direction is not None:
                c.add(sub, "een item met 'signaal' heeft geen 'indicator' of 'richting': de "
                      "signaalregel bepaalt die; maak er twee items van.")
                continue
            sid = str(signal).strip()
            if sid not in rules:
                c.add(f"{sub}.signaal", f"onbekende signaalregel {sid!r} (zie "
                      f"data/signalen.yaml).{_suggest(sid, rules)}")
                continue
            if domain is not None and domain != rules[sid]:
                c.add(f"{sub}.domein", f"signaalregel {sid!r} hoort bij domein "
                      f"{rules[sid]!r}, niet bij {domain!r}; laat 'domein' weg.")
                continue
            out.append(Addressed(domain=rules[sid], signal=sid))
            continue
        if indicator is not None:
            iid = str(indicator).strip()
            if iid not in domains:
                c.add(f"{sub}.indicator", f"onbekende indicator {iid!r}: niet in de "
                      f"indicatorencatalogus (data/indicators.yaml).{_suggest(iid, domains)}")
                continue
            if domain is not None and domain != domains[iid]:
                c.add(f"{sub}.domein", f"indicator {iid!r} hoort bij domein {domains[iid]!r}, "
                      f"niet bij {domain!r}; laat 'domein' weg.")
                continue
            if direction is None:
                c.add(f"{sub}.richting", f"bij indicator {iid!r} hoort een richting: 'lager' "
                      "of 'hoger'.", line=c.line_of(sub))
                continue
            good = better.get(iid)
            if good is not None and good != direction:
                c.add(f"{sub}.richting", f"richting {DIRECTION_LABELS[direction]!r} gaat in "
                      f"tegen de gunstige richting van {iid!r} ({DIRECTION_LABELS[good]} is "
                      "beter).")
                continue
            out.append(Addressed(domain=domains[iid], indicator=iid, direction=direction))
            continue
        if domain is None:
            c.add(sub, "geef 'indicator' (met 'richting'), 'signaal' of 'domein'.")
            continue
        out.append(Addressed(domain=str(domain), direction=direction))
    if not out and not any(p.field and p.field.startswith("pakt_aan") for p in c.problems):
        c.add("pakt_aan", "pakt_aan is verplicht: noem minstens één indicator, signaal of "
              "domein.")
    return tuple(dict.fromkeys(out))


def _evidence(c: _Collector, value: Any) -> EvidenceRating:
    data = _mapping(c, value, "bewijs", _EVIDENCE_KEYS, scalar_key="niveau")
    if data is None:
        return EvidenceRating("onbekend")
    raw = data.get("niveau")
    if raw is None or not str(raw).strip():
        c.add("bewijs.niveau" if "niveau" in data else "bewijs",
              f"bewijs.niveau is verplicht; kies uit {', '.join(EVIDENCE_LEVELS)}.")
        return EvidenceRating("onbekend")
    try:
        level = normalise_evidence(str(raw))
    except KennisError as exc:
        c.add("bewijs.niveau", exc.message)
        return EvidenceRating("onbekend")
    source = _text(c, data.get("toelichting"), "bewijs.toelichting", required=False)
    if level != "onbekend" and not source:
        c.add("bewijs", f"bij bewijsniveau {level!r} hoort een toelichting: waarop rust het "
              "(onderzoek, databank, evaluatie)?")
    effect = "onbekend"
    raw_effect = data.get("effect")
    if raw_effect is not None and str(raw_effect).strip():
        try:
            effect = normalise_effect(str(raw_effect))
        except KennisError as exc:
            c.add("bewijs.effect", exc.message)
    elif "effect" in data:
        c.add("bewijs.effect", f"bewijs.effect is leeg; kies uit {', '.join(EFFECTS)} (of laat "
              "het weg: dan is het 'onbekend').")
    if effect != "onbekend" and not source:
        c.add("bewijs.effect", f"bij effect {effect!r} hoort een toelichting die zegt wat het "
              "onderzoek vond.")
    if level == "effectief" and raw_effect is None and "effect" not in data:
        effect = "positief"  # the ladder's definition: an effect study found the effect
    elif level == "effectief" and effect not in ("positief", "gemengd"):
        c.add("bewijs.effect", f"bewijsniveau 'effectief' betekent dat effectonderzoek met een "
              f"vergelijkingsgroep het beoogde effect liet zien; dat past niet bij effect "
              f"{effect!r}. Kies een lager niveau of effect 'positief' of 'gemengd'.")
    return EvidenceRating(level=level, source=source, effect=effect)


def _kind(c: _Collector, value: Any) -> str:
    if value is None or not str(value).strip() or isinstance(value, (dict, list)):
        c.add("soort", f"soort is verplicht: kies uit {', '.join(KINDS)}.")
        return "lokale aanpak"
    try:
        return normalise_kind(str(value))
    except KennisError as exc:
        c.add("soort", exc.message)
        return "lokale aanpak"


def _check_effect_source(c: _Collector, evidence: EvidenceRating,
                         sources: Sequence[Reference]) -> None:
    if evidence.effect in EFFECTS_NEEDING_SOURCE and not sources:
        c.add("bewijs.effect", f"effect {evidence.effect!r} zegt wat een evaluatie vond; zet "
              "die evaluatie onder 'bronnen' (titel, auteurs of uitgever, jaar), of kies "
              "'onbekend'.")


def _cost(c: _Collector, value: Any) -> Cost:
    data = _mapping(c, value, "kosten", _COST_KEYS, scalar_key="niveau")
    if data is None:
        return Cost("midden")
    level = _norm(data.get("niveau") or "")
    if level not in COST_LEVELS:
        c.add("kosten.niveau" if "niveau" in data else "kosten",
              f"kosten.niveau moet {', '.join(COST_LEVELS)} zijn, niet "
              f"{data.get('niveau')!r}.")
        level = "midden"
    return Cost(level=level, note=_text(c, data.get("toelichting"), "kosten.toelichting",
                                        required=False))


def _horizon(c: _Collector, value: Any) -> Horizon:
    data = _mapping(c, value, "tijdshorizon", _HORIZON_KEYS, scalar_key="termijn")
    if data is None:
        return Horizon("middellang")
    term = _norm(data.get("termijn") or "")
    if term not in HORIZONS:
        c.add("tijdshorizon.termijn" if "termijn" in data else "tijdshorizon",
              f"tijdshorizon.termijn moet {', '.join(HORIZONS)} zijn, niet "
              f"{data.get('termijn')!r}.")
        term = "middellang"
    years = data.get("jaren")
    lo = hi = None
    if years is not None:
        parts: list[Any]
        if isinstance(years, list):
            parts = years
        elif isinstance(years, int) and not isinstance(years, bool):
            parts = [years]
        else:
            parts = [p.strip() for p in re.split(r"[-–]", str(years))]
        try:
            nums = [int(p) for p in parts]
        except (TypeError, ValueError):
            nums = []
        if not 1 <= len(nums) <= 2 or any(n < 0 or n > 100 for n in nums) or nums != sorted(nums):
            c.add("tijdshorizon.jaren", f"jaren moet een aantal of een bereik zijn, "
                  f"bijvoorbeeld 3 of '5-10', niet {years!r}.")
        else:
            lo, hi = nums[0], nums[-1]
    return Horizon(term=term, years_min=lo, years_max=hi)


def _sources(c: _Collector, value: Any) -> tuple[Reference, ...]:
    out = []
    this_year = date.today().year
    for sub, item in _list(c, value, "bronnen", required=False):
        if not isinstance(item, dict):
            c.add(sub, "een bron heeft 'titel' en waar bekend 'auteurs', 'uitgever', 'jaar' en "
                  "'url'.")
            continue
        bad = [k for k in item if k not in _SOURCE_KEYS]
        for k in bad:
            c.add(f"{sub}.{k}", f"onbekende sleutel {k!r} in een bron; toegestaan zijn "
                  f"{', '.join(_SOURCE_KEYS)}.{_suggest(k, _SOURCE_KEYS)}")
        title = _text(c, item.get("titel"), f"{sub}.titel", one_line=True)
        authors = _text(c, item.get("auteurs"), f"{sub}.auteurs", required=False, one_line=True)
        publisher = _text(c, item.get("uitgever"), f"{sub}.uitgever", required=False,
                          one_line=True)
        year = item.get("jaar")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                                 or not _MIN_YEAR <= year <= this_year):
            c.add(f"{sub}.jaar", f"jaar moet een jaartal tussen {_MIN_YEAR} en {this_year} zijn, "
                  f"niet {year!r}.")
            year = None
        url = _text(c, item.get("url"), f"{sub}.url", required=False, one_line=True)
        if url and not _URL.match(url):
            c.add(f"{sub}.url", f"url moet met http:// of https:// beginnen, niet {url!r}.")
        if not bad and title:
            out.append(Reference(title=title, authors=authors, publisher=publisher, year=year,
                                 url=url))
    return tuple(out)




def _related(c: _Collector, value: Any, own_id: str,
             known_ids: set[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for sub, item in _list(c, value, "verwant", required=False, split_commas=True):
        rid = str(item).strip() if item is not None else ""
        if not _SLUG.match(rid):
            c.add(sub, f"ongeldige id {item!r}: een id bestaat uit kleine letters, cijfers en "
                  "'-'.")
            continue
        if rid == own_id:
            c.add(sub, "een interventie kan niet naar zichzelf verwijzen.")
            continue
        if known_ids is not None and rid not in known_ids:
            c.add(sub, f"verwijzing naar onbekende interventie {rid!r}.{_suggest(rid, known_ids)}")
            continue
        if rid not in out:
            out.append(rid)
    return tuple(out)


def _updated(c: _Collector, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            c.add("bijgewerkt", f"ongeldige datum {value!r}: schrijf JJJJ-MM-DD.")
            return None
    if parsed > date.today():
        c.add("bijgewerkt", f"de datum {parsed.isoformat()} ligt in de toekomst.")
        return None
    return parsed.isoformat()
