"""Intervention files: building a validated :class:`Intervention` from a file, checking a set
of files, the catalogue shipped in ``wijkanalyse/data/interventies/``, and the conversions of a
record (:func:`to_dict` / :func:`from_dict`, :func:`to_file_data`, :func:`to_yaml`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse.kennis.citations import _check_citations
from wijkanalyse.kennis.model import (
    Addressed,
    Cost,
    EvidenceRating,
    Horizon,
    Intervention,
    Reference,
)
from wijkanalyse.kennis.parse import (
    _addresses,
    _check_effect_source,
    _Collector,
    _cost,
    _Doc,
    _evidence,
    _horizon,
    _kind,
    _read_doc,
    _related,
    _sources,
    _text,
    _text_items,
    _updated,
    _vocab_items,
)
from wijkanalyse.kennis.vocab import (
    _FILE_SUFFIXES,
    _MAX_NAME,
    _MAX_SUMMARY,
    _PACKAGE_DIR,
    _SLUG,
    DIRECTION_LABELS,
    FILE_KEYS,
    MAX_CONTEXT,
    MAX_DESCRIPTION,
    REQUIRED_KEYS,
    InterventionFileError,
    KennisError,
    Problem,
    _suggest,
    normalise_funding,
    normalise_partner,
    normalise_theme,
    slugify,
)


def _file_id(doc: _Doc, c: _Collector) -> str:
    stem = doc.path.stem
    given = doc.data.get("id")
    if given is not None:
        gid = str(given).strip()
        if not _SLUG.match(gid):
            c.add("id", f"ongeldige id {given!r}: alleen kleine letters, cijfers en '-' "
                  "(bijvoorbeeld 'buurtbemiddeling').")
            return slugify(gid) or stem
        if not doc.markdown and gid != stem:
            c.add("id", f"id {gid!r} verschilt van de bestandsnaam {stem!r}: bij een "
                  "YAML-bestand is de id de bestandsnaam; hernoem het bestand of laat 'id' weg.")
        return gid
    if doc.markdown:
        slug = slugify(stem)
        if not slug:
            c.add("id", f"uit de bestandsnaam {doc.path.name!r} volgt geen id; geef 'id: ...' "
                  "in de kop.", line=doc.first_line)
        return slug
    if not _SLUG.match(stem):
        c.add("id", f"de bestandsnaam {doc.path.name!r} is geen geldige id: gebruik kleine "
              f"letters, cijfers en '-', bijvoorbeeld {slugify(stem) + '.yaml'!r}.",
              line=doc.first_line)
    return stem


def _build(doc: _Doc, known_ids: set[str] | None) -> tuple[Intervention | None, list[Problem]]:
    c = _Collector(doc.path, doc.lines, doc.first_line)
    data = doc.data
    for key in data:
        if key not in FILE_KEYS:
            c.add(key, f"onbekende sleutel {key!r}; toegestaan zijn {', '.join(FILE_KEYS)}."
                  f"{_suggest(key, FILE_KEYS)}")
    iid = _file_id(doc, c)
    if doc.markdown:
        if data.get("beschrijving") not in (None, "") and (doc.body or "").strip():
            c.add("beschrijving", "de beschrijving staat zowel in de kop als in de tekst; geef "
                  "haar op één plek (bij Markdown: de tekst na de kop).")
        elif (doc.body or "").strip():
            data = {**data, "beschrijving": doc.body}
            c.lines = {**c.lines, "beschrijving": doc.body_line or doc.first_line}
    for key in REQUIRED_KEYS:
        if key not in data:
            hint = (" (bij Markdown: de tekst na de kop)"
                    if key == "beschrijving" and doc.markdown else "")
            c.add(key, f"verplicht veld {key!r} ontbreekt{hint}.", line=doc.first_line)
    get = data.get
    iv_name = _text(c, get("naam"), "naam", one_line=True, max_len=_MAX_NAME) if "naam" in data \
        else ""
    summary = _text(c, get("samenvatting"), "samenvatting", one_line=True,
                    max_len=_MAX_SUMMARY) if "samenvatting" in data else ""
    description = _text(c, get("beschrijving"), "beschrijving",
                        max_len=MAX_DESCRIPTION) if "beschrijving" in data else ""
    themes = _vocab_items(c, get("themas"), "themas", normalise_theme) if "themas" in data \
        else ()
    addresses = _addresses(c, get("pakt_aan")) if "pakt_aan" in data else ()
    working = _text_items(c, get("werkzame_bestanddelen"), "werkzame_bestanddelen") \
        if "werkzame_bestanddelen" in data else ()
    evidence = _evidence(c, get("bewijs")) if "bewijs" in data else EvidenceRating("onbekend")
    partners = _vocab_items(c, get("partners"), "partners", normalise_partner) \
        if "partners" in data else ()
    funding = _vocab_items(c, get("financiering"), "financiering", normalise_funding) \
        if "financiering" in data else ()
    cost = _cost(c, get("kosten")) if "kosten" in data else Cost("midden")
    horizon = _horizon(c, get("tijdshorizon")) if "tijdshorizon" in data \
        else Horizon("middellang")
    pitfalls = _text_items(c, get("valkuilen"), "valkuilen") if "valkuilen" in data else ()
    kind = _kind(c, get("soort")) if "soort" in data else "lokale aanpak"
    context = _text(c, get("context"), "context", required=False, one_line=True,
                    max_len=MAX_CONTEXT)
    sources = _sources(c, get("bronnen"))
    if not any((p.field or "").startswith("bronnen") for p in c.problems):
        if evidence.source:
            _check_citations(c, evidence.source, sources, "bewijs.toelichting")
        if context:
            _check_citations(c, context, sources, "context")
        _check_effect_source(c, evidence, sources)
    related = _related(c, get("verwant"), iid, known_ids)
    updated = _updated(c, get("bijgewerkt"))
    if c.problems:
        return None, sorted(c.problems, key=lambda p: (p.line or 0, p.field or ""))
    return Intervention(
        id=iid, name=iv_name, summary=summary, description=description, themes=themes,
        addresses=addresses, working_elements=working, evidence=evidence, partners=partners,
        funding=funding, cost=cost, horizon=horizon, pitfalls=pitfalls, kind=kind,
        context=context, sources=sources, related=related, updated=updated,
    ), []


def _parse_file(path: Path, known_ids: set[str] | None) -> tuple[
        Intervention | None, list[Problem], _Doc | None]:
    problems: list[Problem] = []
    doc = _read_doc(Path(path), problems)
    if doc is None:
        return None, problems, None
    iv, found = _build(doc, known_ids)
    problems.extend(found)
    return (iv if not problems else None), problems, doc


def _candidate_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in _FILE_SUFFIXES
                  and not p.name.startswith("."))


def load_intervention_file(path: str | Path, *,
                           known_ids: Iterable[str] | None = None) -> Intervention:
    """Read and validate one intervention file (YAML, or Markdown with a YAML front matter).

    Parameters
    ----------
    path
        ``<id>.yaml`` (the id is the file name) or a ``.md`` file whose front matter holds the
        fields and whose text is the description (id from ``id:`` or the file name).
    known_ids
        Ids a ``verwant`` reference may name. Default: the shipped catalogue and the files
        next to ``path``.

    Returns
    -------
    Intervention
        Without storage metadata (``version`` etc. ``None``).

    Raises
    ------
    InterventionFileError
        Every problem, each naming the file, line and field: missing field, unknown key,
        theme, partner, funding or evidence level, unknown indicator or signal rule, broken
        ``verwant`` reference, ...
    """
    path = Path(path)
    if known_ids is None:
        known = set(_shipped_ids())
        if path.parent.is_dir():
            known |= {slugify(p.stem) for p in _candidate_files(path.parent)}
    else:
        known = set(known_ids)
    iv, problems, _ = _parse_file(path, known | {slugify(path.stem)})
    if problems:
        raise InterventionFileError(problems)
    assert iv is not None
    return iv


def check_catalogue(paths: Iterable[str | Path] | str | Path | None = None) -> list[str]:
    """Validate intervention files and their references to each other.

    Parameters
    ----------
    paths
        Files and/or folders (their ``.yaml``/``.yml``/``.md`` files); default: the shipped
        catalogue. ``verwant`` references may name any checked file or any shipped
        intervention.

    Returns
    -------
    list of str
        Every problem in Dutch, each naming file, line and field; empty when all is well.
    """
    files = shipped_files() if paths is None else intervention_files(paths)
    if not files:
        return ["geen interventiebestanden gevonden (verwacht .yaml, .yml of .md)."]
    extra = set(_shipped_ids()) if paths is not None else set()
    return [str(p) for p in _check_files(files, extra)[1]]


def _check_files(files: Sequence[Path], extra_known: set[str]) -> tuple[
        list[Intervention], list[Problem]]:
    """Parse and validate files together: ids unique, ``verwant`` within the files and
    ``extra_known``. Returns the valid interventions and every problem."""
    parsed: list[tuple[_Doc | None, list[Problem]]] = []
    ids: dict[str, Path] = {}
    for path in files:
        found: list[Problem] = []
        doc = _read_doc(path, found)
        parsed.append((doc, found))
        if doc is not None:
            iid = _file_id(doc, _Collector(path, doc.lines, doc.first_line))
            if iid in ids:
                found.append(Problem(path, doc.lines.get("id", doc.first_line), "id",
                                     f"id {iid!r} komt ook voor in {ids[iid]}."))
            else:
                ids[iid] = path
    known = set(ids) | extra_known
    problems: list[Problem] = []
    out: list[Intervention] = []
    for doc, found in parsed:
        problems.extend(found)
        if doc is not None:
            iv, more = _build(doc, known)
            problems.extend(p for p in more if p not in found)
            if iv is not None and not found:
                out.append(iv)
    return out, problems


def intervention_files(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """The intervention files among ``paths``: files as given, folders by their
    ``.yaml``/``.yml``/``.md`` files (sorted)."""
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        out.extend(_candidate_files(p) if p.is_dir() else [p])
    return out


# --------------------------------------------------------------------------- shipped files


def shipped_files() -> list[Path]:
    """The intervention files shipped with the package, sorted by name."""
    folder = resources.files("wijkanalyse").joinpath(*_PACKAGE_DIR)
    return _candidate_files(Path(str(folder)))


def _shipped_ids() -> list[str]:
    return [p.stem for p in shipped_files()]


@lru_cache(maxsize=1)
def _shipped_catalogue() -> tuple[tuple[Intervention, str], ...]:
    """The shipped interventions with their content hash (validated as a whole)."""
    ivs, problems = _check_files(shipped_files(), set())
    if problems:
        raise KennisError("de meegeleverde interventiecatalogus is ongeldig:\n"
                          + "\n".join(str(p) for p in problems))
    return tuple((iv, content_hash(iv)) for iv in ivs)


def shipped_catalogue() -> list[Intervention]:
    """The shipped interventions as read from the package files (no database)."""
    return [iv for iv, _ in _shipped_catalogue()]


# --------------------------------------------------------------------------- records


def to_dict(iv: Intervention) -> dict[str, Any]:
    """The content of an intervention as a JSON-ready dict with English keys (no metadata)."""
    data = dataclasses.asdict(iv)
    for key in ("version", "origin", "updated_at", "updated_by"):
        data.pop(key)
    return data


def from_dict(data: Mapping[str, Any], **meta: Any) -> Intervention:
    """Rebuild an :class:`Intervention` from :func:`to_dict` output (plus metadata keywords)."""
    return Intervention(
        id=data["id"], name=data["name"], summary=data["summary"],
        description=data["description"], themes=tuple(data["themes"]),
        addresses=tuple(Addressed(**a) for a in data["addresses"]),
        working_elements=tuple(data["working_elements"]),
        evidence=EvidenceRating(**data["evidence"]), partners=tuple(data["partners"]),
        funding=tuple(data["funding"]), cost=Cost(**data["cost"]),
        horizon=Horizon(**data["horizon"]), pitfalls=tuple(data["pitfalls"]),
        kind=data.get("kind") or _legacy_kind(data["id"]), context=data.get("context") or "",
        sources=tuple(Reference(**s) for s in data["sources"]),
        related=tuple(data["related"]), updated=data.get("updated"), **meta,
    )


def _legacy_kind(iid: str) -> str:
    """The kind of a record stored before ``soort`` existed: the shipped intervention's kind
    for a shipped id, else ``lokale aanpak`` (a user's own approach)."""
    for iv, _ in _shipped_catalogue():
        if iv.id == iid:
            return iv.kind
    return "lokale aanpak"


def content_hash(iv: Intervention) -> str:
    """SHA-256 of the content (what makes two versions the same)."""
    text = json.dumps(to_dict(iv), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_file_data(iv: Intervention) -> dict[str, Any]:
    """The intervention in the file format (Dutch keys, :data:`FILE_KEYS`), without ``id``."""
    addresses = []
    for a in iv.addresses:
        if a.signal:
            addresses.append({"signaal": a.signal})
        elif a.indicator:
            addresses.append({"indicator": a.indicator,
                              "richting": DIRECTION_LABELS[a.direction or "lower"]})
        else:
            item: dict[str, Any] = {"domein": a.domain}
            if a.direction:
                item["richting"] = DIRECTION_LABELS[a.direction]
            addresses.append(item)
    evidence: dict[str, Any] = {"niveau": iv.evidence.level, "effect": iv.evidence.effect}
    if iv.evidence.source:
        evidence["toelichting"] = iv.evidence.source
    cost: dict[str, Any] = {"niveau": iv.cost.level}
    if iv.cost.note:
        cost["toelichting"] = iv.cost.note
    horizon: dict[str, Any] = {"termijn": iv.horizon.term}
    if iv.horizon.years_min is not None:
        horizon["jaren"] = (iv.horizon.years_min if iv.horizon.years_max in
                            (None, iv.horizon.years_min)
                            else f"{iv.horizon.years_min}-{iv.horizon.years_max}")
    sources = []
    for s in iv.sources:
        src: dict[str, Any] = {"titel": s.title}
        for key, value in (("auteurs", s.authors), ("uitgever", s.publisher),
                           ("jaar", s.year), ("url", s.url)):
            if value not in (None, ""):
                src[key] = value
        sources.append(src)
    data: dict[str, Any] = {
        "naam": iv.name,
        "samenvatting": iv.summary,
        "soort": iv.kind,
        "themas": list(iv.themes),
        "pakt_aan": addresses,
        "werkzame_bestanddelen": list(iv.working_elements),
        "bewijs": evidence,
        "partners": list(iv.partners),
        "financiering": list(iv.funding),
        "kosten": cost,
        "tijdshorizon": horizon,
        "valkuilen": list(iv.pitfalls),
    }
    if iv.context:
        data["context"] = iv.context
    if sources:
        data["bronnen"] = sources
    if iv.related:
        data["verwant"] = list(iv.related)
    if iv.updated:
        data["bijgewerkt"] = iv.updated
    data["beschrijving"] = iv.description
    return data


class _Flow(list[Any]):
    """A short list of terms, written on one line (``[sociaal, veiligheid]``)."""


_FLOW_KEYS = ("themas", "partners", "financiering", "verwant")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(
    _Flow, lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value,
                                                           flow_style=True))


def to_yaml(iv: Intervention) -> str:
    """The intervention as the text of a catalogue file ``<id>.yaml``."""
    data = to_file_data(iv)
    for key in _FLOW_KEYS:
        if key in data:
            data[key] = _Flow(data[key])
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


__all__ = [
    "check_catalogue", "content_hash", "from_dict", "intervention_files",
    "load_intervention_file", "shipped_catalogue", "shipped_files", "to_dict", "to_file_data",
    "to_yaml",
]
