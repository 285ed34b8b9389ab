"""Verhalen: stories from Markdown files with a front matter header
(:func:`add_story_from_file`, :func:`update_story_from_file`)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.content import ContentStore
from wijkanalyse.model import Story
from wijkanalyse.verhalen.stories import _add, _update
from wijkanalyse.verhalen.validate import (
    _HEADING,
    MAX_BODY_CHARS,
    MAX_FILE_BYTES,
    META_LABELS,
    StoryError,
    StoryFileError,
    _bedoelt,
    _nl,
)

#: Kinds of story.


# --------------------------------------------------------------------------- Markdown files


#: Front matter keys (Dutch) and the field they set.
FRONT_MATTER_KEYS = {
    "titel": "title",
    "auteur": "author",
    "datum": "date",
    "gebied": "area",
    "gemeente": "gemeente",
    "soort": "kind",
    "tags": "tags",
    **{dutch: f"meta.{key}" for key, dutch in META_LABELS.items()},
}


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit dates (a date stays text, so its errors name the value)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class _Parsed:
    """A story file: fields from the front matter, the body, and where each field was."""

    fields: dict[str, Any]
    body: str
    lines: dict[str, int]
    body_line: int


def _read_story_file(path: Path, *, require_title: bool = True) -> _Parsed:
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_FILE_BYTES:
            raise StoryFileError(
                path, f"het bestand is {_nl(size)} bytes; wijkanalyse leest verhalen tot "
                f"{_nl(MAX_FILE_BYTES)} bytes",
                hint=f"een verhaal is tekst van hoogstens {_nl(MAX_BODY_CHARS)} tekens; kort "
                     "het in of splits het in meer verhalen.")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise StoryFileError(path, "bestand bestaat niet",
                             hint="controleer het pad van het Markdown-bestand.") from exc
    except IsADirectoryError as exc:
        raise StoryFileError(path, "dit is een map, geen bestand",
                             hint="geef het pad van een Markdown-bestand (.md).") from exc
    except UnicodeDecodeError as exc:
        raise StoryFileError(path, "bestand is geen UTF-8-tekst",
                             hint="sla het bestand op als UTF-8.") from exc
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fields: dict[str, Any] = {}
    where: dict[str, int] = {}
    body_start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            raise StoryFileError(
                path, "de kop begint met '---' maar wordt niet afgesloten", line=1,
                hint="sluit de kop af met een regel '---' voor de tekst begint.")
        fields, where = _parse_front_matter(path, "\n".join(lines[1:end]), first_line=2)
        body_start = end + 1
    body_lines = lines[body_start:]
    body_line = body_start + 1
    if "title" not in fields:
        for i, line in enumerate(body_lines):
            if not line.strip():
                continue
            match = _HEADING.match(line.strip())
            if match:
                fields["title"] = match.group(1).strip()
                where["title"] = body_start + i + 1
                body_lines = body_lines[:i] + body_lines[i + 1:]
            break
    if require_title and "title" not in fields:
        raise StoryFileError(
            path, "titel ontbreekt", line=1,
            hint="geef 'titel: ...' in de kop tussen '---'-regels, of begin de tekst met "
                 "'# Titel'.", field="title")
    return _Parsed(fields=fields, body="\n".join(body_lines), lines=where, body_line=body_line)


def _parse_front_matter(path: Path, text: str, *,
                        first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        root = safeyaml.compose(text, loader=_Loader)
    except safeyaml.YamlLimitError as exc:
        raise StoryFileError(
            path, f"ongeldige kop: {exc.problem}",
            line=exc.line + first_line - 1 if exc.line is not None else None) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StoryFileError(
            path,
            f"ongeldige kop (YAML): {getattr(exc, 'problem', None) or exc}",
            line=mark.line + first_line if mark is not None else first_line - 1,
            hint="schrijf elke regel als 'sleutel: waarde', bijv. 'titel: Gesprek met ...'.",
        ) from exc
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise StoryFileError(
            path, "de kop moet regels 'sleutel: waarde' bevatten",
            line=root.start_mark.line + first_line,
            hint="bijvoorbeeld 'titel: ...', 'auteur: ...', 'datum: 2024-05-01'.")
    loader = _Loader("")
    fields: dict[str, Any] = {}
    where: dict[str, int] = {}
    seen: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + first_line
        key = str(key_node.value).strip().lower()
        if key not in FRONT_MATTER_KEYS:
            close = difflib.get_close_matches(key, list(FRONT_MATTER_KEYS), n=1, cutoff=0.6)
            raise StoryFileError(
                path, f"onbekende sleutel {key_node.value!r} in de kop.{_bedoelt(close)}",
                line=line, hint=f"toegestaan zijn {', '.join(FRONT_MATTER_KEYS)}.")
        if key in seen:
            raise StoryFileError(path, f"sleutel {key!r} staat twee keer in de kop (ook op "
                                 f"regel {seen[key]})", line=line,
                                 hint="geef elke sleutel één keer.")
        seen[key] = line
        field = FRONT_MATTER_KEYS[key]
        if field not in ("tags", "meta.partners") and not isinstance(value_node, yaml.ScalarNode):
            raise StoryFileError(
                path, f"{key!r} moet één waarde zijn, geen lijst of mapping",
                line=value_node.start_mark.line + first_line,
                hint=f"schrijf '{key}: ...' op één regel.")
        if isinstance(value_node, yaml.ScalarNode):
            # text fields keep the text as written ("ja", "2016" stay text)
            value: Any = (value_node.value if field not in ("meta.start_year", "meta.end_year")
                          else loader.construct_object(value_node, deep=True))
            if value_node.tag == "tag:yaml.org,2002:null" or value == "":
                value = None
        else:
            value = loader.construct_object(value_node, deep=True)
        fields[field] = value
        where[field] = value_node.start_mark.line + first_line
    loader.dispose()
    return fields, where


def _file_error(
    path: Path, exc: StoryError, parsed: _Parsed, overridden: set[str]
) -> StoryFileError:
    """A :class:`StoryError` about a value from a file, with the line the value is on."""
    field = exc.field or ""
    line = None
    if field not in overridden:
        if field in parsed.lines:
            line = parsed.lines[field]
        elif field == "body_markdown":
            line = parsed.body_line
        elif field in ("area", "author", "title"):
            line = 1  # missing from the front matter, which starts on line 1
    message = exc.message
    if field in overridden:
        message += " (waarde opgegeven bij de opdracht)"
    return StoryFileError(path, message, line=line, field=exc.field)


def _file_meta(parsed: _Parsed) -> dict[str, Any]:
    return {k.split(".", 1)[1]: v for k, v in parsed.fields.items() if k.startswith("meta.")}


def add_story_from_file(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    path: Path,
    *,
    area: str | None = None,
    author: str | None = None,
    kind: str | None = None,
    gemeente: str | None = None,
) -> Story:
    """Store a verhaal or aanpak written as a Markdown file with an optional YAML front matter.

    The front matter is a block between two ``---`` lines at the top with Dutch keys
    (:data:`FRONT_MATTER_KEYS`)::

        ---
        titel: Gesprek met bewoners van de Jol
        auteur: A. de Vries
        datum: 2024-05-01
        gebied: BU09950633
        soort: verhaal
        tags: [bewoners, veiligheid]
        ---
        De tekst in **Markdown** ...

    An aanpak adds ``partners``, ``financiering``, ``startjaar``, ``eindjaar``, ``status`` and
    ``resultaat``. Without ``titel`` a first line ``# Titel`` is the title (and left out of the
    text). Options given here override the front matter.

    Parameters
    ----------
    con
        A connection to the analytical database (read-only is fine): the area is resolved
        there.
    content
        The content store the story is written to.
    path
        The Markdown file (UTF-8).
    area, author, kind, gemeente
        Override ``gebied``, ``auteur``, ``soort`` and ``gemeente`` of the file. ``kind``
        defaults to the file's ``soort``, else ``"verhaal"``; ``gemeente`` settles an area
        name used in several gemeenten.

    Raises
    ------
    StoryFileError
        Naming the file and, where the value came from the file, the line: unreadable file,
        invalid front matter, unknown key, missing title/author/area, invalid date, ...
    """
    path = Path(path)
    parsed = _read_story_file(path)
    overrides = {k: v for k, v in (("area", area), ("author", author), ("kind", kind),
                                   ("gemeente", gemeente)) if v is not None}
    values = {**parsed.fields, **overrides}
    try:
        if not values.get("area"):
            raise StoryError("gebied ontbreekt: geef 'gebied: CODE' in de kop of een gebied bij "
                             "de opdracht.", field="area")
        if not values.get("author"):
            raise StoryError("auteur ontbreekt: geef 'auteur: NAAM' in de kop of een auteur bij "
                             "de opdracht.", field="author")
        return _add(
            con,
            content,
            area=values["area"],
            title=values["title"],
            author=values["author"],
            body_markdown=parsed.body,
            date=values.get("date"),
            kind=values.get("kind") or "verhaal",
            tags=values.get("tags") or (),
            meta=_file_meta(parsed),
            gemeente=values.get("gemeente"),
            source_file=str(path.resolve()),
        )
    except StoryFileError:
        raise
    except StoryError as exc:
        raise _file_error(path, exc, parsed, set(overrides)) from exc


def update_story_from_file(
    con: duckdb.DuckDBPyConnection,
    content: ContentStore,
    story_id: int,
    path: Path,
    *,
    changed_by: str,
) -> Story:
    """Replace the text of a story (and the fields its front matter gives) from a Markdown file.

    The file has the form of :func:`add_story_from_file`; fields absent from the front matter
    keep their stored value (meta keys are merged), the title may also come from ``# Titel``.

    Raises
    ------
    StoryFileError
        As :func:`add_story_from_file`; also when nothing would change.
    """
    path = Path(path)
    parsed = _read_story_file(path, require_title=False)
    fields = {k: v for k, v in parsed.fields.items() if not k.startswith("meta.")}
    meta = _file_meta(parsed)
    try:
        return _update(con, content, story_id, changed_by=changed_by,
                       fields={**fields, "body_markdown": parsed.body, "meta": meta or None},
                       source_file=str(path.resolve()))
    except StoryError as exc:
        raise _file_error(path, exc, parsed, set()) from exc
