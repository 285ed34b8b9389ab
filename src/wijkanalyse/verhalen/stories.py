"""Aanpakken en verhalen: stories and approaches that users attach to areas.

A *verhaal* is an interview, a field note or an observation; an *aanpak* is an approach used
in the neighbourhood (with partners, funding, start and end year, status and result). Both are
written in Markdown, attached to one area and kept in two user tables of the store, which
``data build`` carries over (:data:`TABLES`). The area is named as for ``wijkanalyse profiel``
(:func:`wijkanalyse.gebieden.subjects.resolve_subject`) and stored under the profile subject's id:
a CBS
code, the id of a user-defined area (``areas``) or of an area of a shipped set
(``jol-galjoen``).

Tables:

``stories``        the current version of every story; a removed story keeps its row with
                   ``removed_at``/``removed_by`` set (soft delete) and is no longer listed;
``story_history``  every version ever written (``add``, ``update``, ``remove``) as a JSON
                   snapshot, so nothing is overwritten or removed without a trace.

Stored text is never trusted: :func:`render_markdown` renders it with raw HTML disabled (tags
are shown as text), links limited to ``http``, ``https``, ``mailto`` and ``#`` anchors, and
images shown as a link instead of being loaded (an offline report must not fetch remote
files, and the PDF renderer would try to).

A profile gets its stories from :func:`stories_for`: stories attached to the subject itself,
to a member, to a wijk that contains it, to a region inside it, or to a user area that overlaps
it; ``meta["gekoppeld_aan"]`` says to which area each story is attached and
``meta["koppeling_tekst"]`` says so in Dutch ("Over wijk Kustwijk, waarin dit gebied ligt.").
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from wijkanalyse import safeyaml, store
from wijkanalyse.codes import (
    area_relation,
    is_valid_code,
    level_of,
    name_key,
    normalise_code,
    relation_sentence,
)
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.gebieden import list_area_sets, load_area_set, suggest
from wijkanalyse.gebieden.areasets import SetArea
from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectNotFoundError,
    resolve_subject,
)
from wijkanalyse.model import Story, Subject
from wijkanalyse.store import reference_regions, transaction

#: Kinds of story.
KINDS = ("verhaal", "aanpak")

#: Allowed values of ``meta["status"]`` of an aanpak.
STATUSES = ("gepland", "lopend", "afgerond", "gestopt")

#: Meta keys of an aanpak and their Dutch labels (front matter keys and report labels).
META_LABELS = {
    "partners": "partners",
    "funding": "financiering",
    "start_year": "startjaar",
    "end_year": "eindjaar",
    "status": "status",
    "result": "resultaat",
}

#: Dutch labels of the stored fields (history and error messages).
FIELD_LABELS = {
    "kind": "soort",
    "area_code": "gebied",
    "title": "titel",
    "author": "auteur",
    "story_date": "datum",
    "body_markdown": "tekst",
    "tags": "tags",
    "meta": "gegevens van de aanpak",
    "source_file": "bestand",
    "changed_by": "naam van wie wijzigt",
    "removed_by": "naam van wie verwijdert",
}

#: The user tables of this module (to be listed in ``store.USER_TABLES``).
TABLES = ("stories", "story_history")

#: DDL of :data:`TABLES` (part of ``store.SCHEMA``).
SCHEMA = store.STORIES_SCHEMA

#: Columns of :func:`list_stories`.
LIST_COLUMNS = [
    "story_id", "kind", "area_code", "area_name", "title", "author", "story_date", "tags",
    "meta", "version", "created_at", "updated_at", "source_file", "removed_at", "removed_by",
]

#: Columns of :func:`story_history`.
HISTORY_COLUMNS = [
    "story_id", "version", "changed_at", "changed_by", "action", "changed_fields", "title",
    "area_code", "story_date", "snapshot",
]

#: Fields :func:`update_story` accepts.
UPDATE_FIELDS = ("area", "gemeente", "title", "author", "body_markdown", "date", "kind", "tags",
                 "meta")

_COLUMNS = ("story_id", "kind", "area_code", "title", "author", "story_date", "body_markdown",
            "tags", "meta", "created_at", "updated_at", "source_file", "removed_at",
            "removed_by")
_SELECT = ", ".join(
    "CAST(story_date AS VARCHAR) AS story_date" if c == "story_date" else c for c in _COLUMNS
)
_MAX_TITLE = 200
_MAX_TAG = 50
_MAX_TAGS = 30
#: Longest story text (characters; about 40 pages): longer texts are refused on input.
MAX_BODY_CHARS = 100_000
#: Largest story file read (bytes).
MAX_FILE_BYTES = 1_000_000
#: Characters of a story's text shown in a report (HTML/PDF); the rest is named, not shown.
REPORT_BODY_CHARS = 6_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CBS_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)
_HEADING = re.compile(r"^#\s+(.+?)(?:\s+#+)?\s*$")


class StoryError(WijkanalyseError):
    """A story cannot be stored, found or changed (message in Dutch).

    Attributes
    ----------
    field
        The field the error is about (``"area"``, ``"date"``, ``"meta.start_year"``, ...), so
        a file loader can name the line it came from; ``None`` when not about one field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StoryFileError(DataFileError, StoryError):
    """A Markdown story file cannot be used; names the file and line."""

    def __init__(self, path: str | Path, message: str, *, line: int | None = None,
                 hint: str | None = None, field: str | None = None) -> None:
        # set the DataFileError attributes directly: its __init__ would pass the formatted
        # text on to StoryError.__init__ (next in the MRO) as the message
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = None
        self.hint = hint
        self.field = field
        Exception.__init__(self, DataFileError.__str__(self))


# --------------------------------------------------------------------------- tables


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables ``stories`` and ``story_history`` when they do not exist yet.

    Idempotent. Needs a writable connection when a table is missing.

    Raises
    ------
    StoryError
        When a table is missing and the database is opened read-only.
    """
    if _tables_exist(con):
        return
    try:
        con.execute(SCHEMA)
    except duckdb.Error as exc:
        raise StoryError(
            "de tabellen voor verhalen en aanpakken ontbreken en de database is alleen-lezen "
            "geopend. Open de database schrijfbaar om een verhaal toe te voegen."
        ) from exc


def _tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    return store.tables_exist(con, TABLES)


def _ensure_writable(con: duckdb.DuckDBPyConnection) -> None:
    """Tables present and the connection writable, else a :class:`StoryError`."""
    ensure_tables(con)
    if store.is_read_only(con):
        raise StoryError("de database is alleen-lezen geopend; open hem schrijfbaar om "
                         "verhalen of aanpakken toe te voegen of te wijzigen.")


def _readable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the tables exist (created on a writable connection; read-only: as they are)."""
    if _tables_exist(con):
        return True
    try:
        ensure_tables(con)
    except StoryError:
        return False
    return True


# --------------------------------------------------------------------------- validation


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _bedoelt(options: Iterable[str]) -> str:
    shown = [repr(o) for o in options]
    return f" Bedoelt u {' of '.join(shown)}?" if shown else ""


def _clean_kind(kind: object) -> str:
    text = str(kind or "").strip().lower()
    if text in KINDS:
        return text
    close = difflib.get_close_matches(text, KINDS, n=1, cutoff=0.5)
    raise StoryError(
        f"onbekende soort {str(kind)!r}; kies 'verhaal' of 'aanpak'.{_bedoelt(close)}",
        field="kind",
    )


def _clean_line(value: object, *, field: str, required: bool = True) -> str:
    label = FIELD_LABELS.get(field, field)
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise StoryError(f"de {label} is verplicht en mag niet leeg zijn.", field=field)
        return ""
    if "\n" in text or "\r" in text:
        raise StoryError(f"de {label} {text!r} moet op één regel staan.", field=field)
    if len(text) > _MAX_TITLE:
        raise StoryError(
            f"de {label} is {len(text)} tekens lang; het maximum is {_MAX_TITLE}.", field=field
        )
    return text


def _clean_date(value: object) -> str:
    today = date.today()
    if value is None or (isinstance(value, str) and not value.strip()):
        return today.isoformat()
    if isinstance(value, datetime):
        value = value.date()
    parsed: date | None
    if isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        parsed = None
        if _DATE.match(text):
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            raise StoryError(
                f"ongeldige datum {text!r}: schrijf de datum als JJJJ-MM-DD, bijvoorbeeld "
                "2024-05-01.",
                field="date",
            )
    if parsed > today:
        raise StoryError(
            f"de datum {parsed.isoformat()} ligt in de toekomst (vandaag is "
            f"{today.isoformat()}); geef de datum van het verhaal of de vastlegging.",
            field="date",
        )
    if parsed.year < 1900:
        raise StoryError(f"de datum {parsed.isoformat()} ligt voor 1900; controleer het jaar.",
                         field="date")
    return parsed.isoformat()


def _split_list(value: object, *, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        raise StoryError(
            f"{FIELD_LABELS.get(field, field)} moet een lijst zijn (of tekst met komma's), niet "
            f"{value!r}.",
            field=field,
        )
    out: list[str] = []
    for item in items:
        if isinstance(item, (dict, list, tuple)):
            raise StoryError(f"ongeldige waarde {item!r} in {field}: verwacht tekst.",
                             field=field)
        text = "" if item is None else str(item).strip()
        if text and text not in out:
            out.append(text)
    return out


def _clean_tags(tags: object) -> list[str]:
    out = _split_list(tags, field="tags")
    if len(out) > _MAX_TAGS:
        raise StoryError(f"{len(out)} tags; het maximum is {_MAX_TAGS}.", field="tags")
    for tag in out:
        if len(tag) > _MAX_TAG or "\n" in tag:
            raise StoryError(
                f"tag {tag!r} is te lang of staat niet op één regel (maximaal {_MAX_TAG} "
                "tekens).",
                field="tags",
            )
    return out


_DUTCH_META = {dutch: key for key, dutch in META_LABELS.items()}


def _clean_meta(meta: Mapping[str, Any] | None, *, kind: str) -> dict[str, Any]:
    """Validated meta of an aanpak (English keys; Dutch keys are accepted and translated)."""
    if not meta:
        return {}
    if not isinstance(meta, Mapping):
        raise StoryError(f"meta moet een mapping zijn, niet {meta!r}.", field="meta")
    out: dict[str, Any] = {}
    for raw_key, value in meta.items():
        key = str(raw_key)
        key = _DUTCH_META.get(key, key)
        if key not in META_LABELS:
            allowed = ", ".join(META_LABELS.values())
            raise StoryError(
                f"onbekend gegeven {raw_key!r} voor een aanpak; toegestaan zijn {allowed}."
                f"{_bedoelt(difflib.get_close_matches(str(raw_key), list(_DUTCH_META), n=1))}",
                field="meta",
            )
        field = f"meta.{key}"
        label = META_LABELS[key]
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if kind != "aanpak":
            raise StoryError(
                f"{label!r} hoort bij een aanpak, niet bij een {kind}; geef soort 'aanpak' of "
                f"laat {label!r} weg.",
                field=field,
            )
        if key == "partners":
            out[key] = _split_list(value, field=field)
        elif key in ("start_year", "end_year"):
            year = value if isinstance(value, int) and not isinstance(value, bool) else None
            if year is None and isinstance(value, str) and value.strip().isdigit():
                year = int(value.strip())
            if year is None or not 1900 <= year <= 2100:
                raise StoryError(
                    f"ongeldig {label} {value!r}: geef een jaartal, bijvoorbeeld 2016.",
                    field=field,
                )
            out[key] = year
        elif key == "status":
            status = str(value).strip().lower()
            if status not in STATUSES:
                close = difflib.get_close_matches(status, STATUSES, n=1, cutoff=0.5)
                raise StoryError(
                    f"onbekende status {str(value)!r}; kies uit {', '.join(STATUSES)}."
                    f"{_bedoelt(close)}",
                    field=field,
                )
            out[key] = status
        else:
            if isinstance(value, (dict, list)):
                raise StoryError(f"{label} moet tekst zijn, niet {value!r}.", field=field)
            out[key] = str(value).strip()
    start, end = out.get("start_year"), out.get("end_year")
    if start is not None and end is not None and end < start:
        raise StoryError(
            f"het eindjaar {end} ligt voor het startjaar {start}.", field="meta.end_year"
        )
    return out


def _clean_body(body: object) -> str:
    text = "" if body is None else str(body)
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")
    if not text.strip():
        raise StoryError(
            "de tekst is leeg; schrijf minstens één zin (Markdown mag).", field="body_markdown"
        )
    if len(text) > MAX_BODY_CHARS:
        raise StoryError(
            f"de tekst is {_nl(len(text))} tekens lang; het maximum is {_nl(MAX_BODY_CHARS)} "
            "(ongeveer 40 bladzijden). Kort de tekst in of splits hem in meer verhalen.",
            field="body_markdown")
    return text


def _nl(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def excerpt_markdown(text: str, limit: int = REPORT_BODY_CHARS) -> tuple[str, bool]:
    """At most ``limit`` characters of Markdown, cut at a paragraph (or line, or word) boundary;
    returns ``(text, cut)``."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    for sep in ("\n\n", "\n", " "):
        pos = head.rfind(sep)
        if pos > limit // 2:
            head = head[:pos]
            break
    return head.rstrip(), True


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class _AreaInfo:
    """An area a story can be attached to."""

    code: str  # CBS code or user area id
    name: str
    level: str  # land, gemeente, wijk, buurt or "gebied"
    members: tuple[str, ...]  # CBS codes (the code itself for a region)


def _text_or(value: object, default: str = "?") -> str:
    """``value`` as text, ``default`` for ``None``, NaN or empty text."""
    return value.strip() or default if isinstance(value, str) else default


def _display_name(name: object) -> str:
    """A region name without the CBS prefix ("Wijk 43 Angelslo" -> "Angelslo")."""
    return _CBS_PREFIX.sub("", _text_or(name, ""))


def _region_info(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, _AreaInfo]:
    codes = sorted(set(codes))
    if not codes:
        return {}
    rows = con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL), arg_max(level, year) "
        "FROM regions WHERE list_contains(?, code) GROUP BY code",
        [codes],
    ).fetchall()
    return {
        code: _AreaInfo(code, _display_name(name) or code, level or level_of(code), (code,))
        for code, name, level in rows
    }


def _user_area_info(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[str, _AreaInfo]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = con.execute(
        "SELECT a.area_id, a.name, list(m.code ORDER BY m.code) FILTER (WHERE m.code IS NOT NULL) "
        "FROM areas a LEFT JOIN area_members m USING (area_id) "
        "WHERE list_contains(?, a.area_id) GROUP BY a.area_id, a.name",
        [ids],
    ).fetchall()
    return {aid: _AreaInfo(aid, name or aid, "gebied", tuple(codes or ()))
            for aid, name, codes in rows}


def _set_area_info(ids: Iterable[str]) -> dict[str, _AreaInfo]:
    """Areas of the sets shipped with the package (e.g. ``jol-galjoen``) among ``ids``."""
    wanted = set(ids)
    out: dict[str, _AreaInfo] = {}
    if not wanted:
        return out
    for entry in _shipped_set_areas():
        if entry.id in wanted and entry.id not in out:
            out[entry.id] = _AreaInfo(entry.id, entry.name, "gebied", tuple(entry.codes))
    return out


def _shipped_set_areas() -> list[SetArea]:
    return [area for info in list_area_sets() for area in load_area_set(info.name).areas]


def _area_infos(con: duckdb.DuckDBPyConnection, codes: Iterable[str]) -> dict[str, _AreaInfo]:
    """What is known about each stored area code: regions, then user areas, then the areas of
    shipped sets (a user area replaces a shipped one with the same id)."""
    codes = set(codes)
    info = _region_info(con, {c for c in codes if is_valid_code(c)})
    info.update(_user_area_info(con, codes - set(info)))
    info.update(_set_area_info(codes - set(info)))
    return info


def _resolve_area(
    con: duckdb.DuckDBPyConnection, area: object, *, gemeente: str | None = None
) -> _AreaInfo:
    """The area a user names, resolved exactly as ``wijkanalyse profiel`` resolves it
    (:func:`wijkanalyse.gebieden.subjects.resolve_subject`): a CBS code, a region name, a user area
    or
    an area of a shipped set. The stored code is the profile subject's id."""
    text = "" if area is None else " ".join(str(area).split())
    if not text:
        raise StoryError(
            "een gebied is verplicht: geef een CBS-code (bijv. WK011443), de naam van een wijk "
            "of buurt, of de id van een eigen gebied.",
            field="area",
        )
    try:
        subject = resolve_subject(con, text, gemeente=gemeente)
    except AmbiguousSubjectError as exc:
        raise StoryError(str(exc), field="area") from exc
    except SubjectNotFoundError as exc:
        code = normalise_code(text) or ""
        known = is_valid_code(code) and code in _region_info(con, [code])
        if gemeente is not None or known:
            raise StoryError(str(exc), field="area") from exc
        raise StoryError(_unknown_area_message(con, text, reference_regions(con)),
                         field="area") from exc
    return _AreaInfo(subject.id, subject.name, subject.kind, tuple(subject.members))


def _unknown_area_message(
    con: duckdb.DuckDBPyConnection, text: str, reference: pd.DataFrame
) -> str:
    """Dutch message for an unknown area, with close codes or names ("bedoelt u ...?")."""
    ref = reference[reference["name"].notna()].sort_values(["code", "year"])
    latest = ref.drop_duplicates("code", keep="last")
    described: dict[str, str] = {}
    by_code: dict[str, list[str]] = {}
    by_name: dict[str, list[str]] = {}
    for code, name, level, gm in zip(latest["code"], latest["name"], latest["level"],
                                     latest["gemeente_name"], strict=True):
        described[code] = f"{code} ({level} {_display_name(name)}, {_text_or(gm)})"
        by_code[code] = [code]
    names: dict[str, None] = {}

    def add_name(spelling: object, code: str) -> None:
        if isinstance(spelling, str) and spelling.strip():
            names[spelling] = None
            codes = by_name.setdefault(name_key(spelling), [])
            if code not in codes:
                codes.append(code)

    for name, code in zip(ref["name"], ref["code"], strict=True):
        add_name(name, code)
    for entry in _shipped_set_areas():
        if len(entry.codes) > 1 and entry.id not in described:
            described[entry.id] = (f"{entry.id} (gebied {entry.name}, "
                                   f"{_text_or(entry.gemeente_name)})")
            for spelling in (entry.id, entry.name, *entry.aliases):
                add_name(spelling, entry.id)
    for area_id, name in con.execute("SELECT area_id, name FROM areas").fetchall():
        described[area_id] = f"{area_id} (eigen gebied {name})"
        by_code[area_id] = [area_id]
        for spelling in (area_id, name):
            add_name(spelling, area_id)
    code = normalise_code(text) or ""
    if re.match(r"^(BU|WK|GM|NL)\d", code):
        hits = _look_alike_codes(code, list(by_code)) or suggest(code, by_code, n=3)
    else:
        hits = [found for hit in suggest(text, names, n=3)
                for found in sorted(by_name[name_key(hit)], key=_code_order)[:3]]
    shown = list(dict.fromkeys(described[h] for h in hits))[:5]
    hint = f" Bedoelt u {' of '.join(shown)}?" if shown else ""
    return (
        f"gebied {text!r} bestaat niet: het is geen CBS-code of naam uit de geladen gegevens en "
        f"geen eigen gebied.{hint} Geef een CBS-code (BU/WK/GM), de naam van een wijk of buurt, "
        "of de id van een eigen gebied ('wijkanalyse gebied list')."
    )


def _code_order(code: str) -> tuple[int, str]:
    """Sort key: gemeenten, wijken, buurten, then user areas; by code within a level."""
    return ({"NL": 0, "GM": 1, "WK": 2, "BU": 3}.get(code[:2], 4), code)


def _look_alike_codes(code: str, candidates: list[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` known codes of the same length and prefix that differ from ``code`` in at
    most two characters, fewest differences and nearest number first."""
    scored = []
    for cand in candidates:
        if len(cand) != len(code) or cand[:2] != code[:2]:
            continue
        distance = sum(x != y for x, y in zip(cand, code, strict=True))
        if distance <= 2:
            gap = abs(int(cand[2:], 36) - int(code[2:], 36)) if code[2:].isalnum() else 0
            scored.append((distance, gap, cand))
    return [cand for _, _, cand in sorted(scored)[:n]]


# --------------------------------------------------------------------------- rows


def _row_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["tags"] = list(data["tags"] or [])
    data["meta"] = json.loads(data["meta"]) if data["meta"] else {}
    return data


def _story(data: Mapping[str, Any], *, extra_meta: Mapping[str, Any] | None = None) -> Story:
    meta = dict(data["meta"])
    if extra_meta:
        meta.update(extra_meta)
    # the report shows an excerpt of a long text (rendering stays bounded, also for texts
    # stored before the input limit existed); the full text stays in body_markdown
    shown, cut = excerpt_markdown(data["body_markdown"])
    body_html = render_markdown(shown)
    if cut:
        rest = len(data["body_markdown"]) - len(shown)
        noun = "aanpak" if data["kind"] == "aanpak" else "verhaal"
        body_html += (f'<p class="ingekort"><em>… ingekort: nog {_nl(rest)} tekens. De volledige '
                      f"tekst: <code>wijkanalyse {noun} show {int(data['story_id'])}</code>"
                      "</em></p>")
    return Story(
        story_id=int(data["story_id"]),
        kind=data["kind"],
        area_code=data["area_code"],
        title=data["title"],
        author=data["author"],
        date=str(data["story_date"]),
        body_markdown=data["body_markdown"],
        body_html=body_html,
        tags=list(data["tags"]),
        meta=meta,
    )


def _load(con: duckdb.DuckDBPyConnection, story_id: object, *,
          include_removed: bool = False) -> dict[str, Any]:
    try:
        sid = int(story_id)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise StoryError(f"ongeldig verhaalnummer {story_id!r}: geef een getal.") from exc
    row = con.execute(f"SELECT {_SELECT} FROM stories WHERE story_id = ?", [sid]).fetchone()
    if row is None:
        last = con.execute("SELECT max(story_id) FROM stories").fetchall()[0][0]
        known = f"de nummers lopen van 1 tot en met {last}" if last else "er zijn nog geen verhalen"
        raise StoryError(
            f"verhaal {sid} bestaat niet ({known}); zie 'wijkanalyse verhaal list'."
        )
    data = _row_dict(row)
    if data["removed_at"] and not include_removed:
        raise StoryError(
            f"verhaal {sid} is verwijderd op {data['removed_at']} door {data['removed_by']}; de "
            f"geschiedenis blijft bewaard ('wijkanalyse verhaal show {sid} --geschiedenis')."
        )
    return data


def _write_history(con: duckdb.DuckDBPyConnection, data: Mapping[str, Any], *,
                   action: str, changed_by: str, changed_at: str) -> None:
    store.append_version(con, "story_history", "story_id", data["story_id"],
                         {k: data[k] for k in _COLUMNS}, action=action,
                         changed_by=changed_by, changed_at=changed_at)


def _write_row(con: duckdb.DuckDBPyConnection, data: Mapping[str, Any]) -> None:
    values = [json.dumps(data["meta"], ensure_ascii=False, sort_keys=True) if c == "meta"
              else data[c] for c in _COLUMNS]
    con.execute(f"INSERT INTO stories ({', '.join(_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in _COLUMNS)})", values)


# --------------------------------------------------------------------------- public API


def add_story(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str,
    title: str,
    author: str,
    body_markdown: str,
    date: str | None = None,
    kind: str = "verhaal",
    tags: Iterable[str] | str = (),
    meta: Mapping[str, Any] | None = None,
    gemeente: str | None = None,
) -> Story:
    """Validate and store a new verhaal or aanpak (one transaction, with its history entry).

    Parameters
    ----------
    con
        A writable connection from :func:`wijkanalyse.store.connect`.
    area
        Resolved exactly as ``wijkanalyse profiel`` resolves its subject
        (:func:`wijkanalyse.gebieden.subjects.resolve_subject`): a CBS code known in the ``regions``
        view, a region name ("Kustwijk"; "Angelslo" is the wijk), the id or name of a user
        area, or an area of a shipped set ("Jol/Galjoen"). The story is stored under the
        subject's id: the CBS code, or the area id of a gebied.
    title, author
        One line each, required.
    body_markdown
        The text in Markdown (required); stored as given, rendered safely on output.
    date
        ISO date ``JJJJ-MM-DD`` (default: today); not in the future.
    kind
        ``"verhaal"`` or ``"aanpak"``.
    tags
        Tags (a comma-separated string is split).
    meta
        Aanpak only: ``partners`` (list), ``funding``, ``start_year``, ``end_year``, ``status``
        (one of :data:`STATUSES`), ``result``; the Dutch keys of :data:`META_LABELS`
        (``financiering``, ``startjaar``, ...) are accepted too.
    gemeente
        Settles an area name used in several gemeenten ("Meerwijk"), by name or GM code.

    Returns
    -------
    Story
        The stored story (with ``body_html``).

    Raises
    ------
    StoryError
        A value is invalid (the message names it; unknown areas get suggestions), or the same
        story (kind, area, title, date, text) is already stored.
    """
    return _add(con, area=area, title=title, author=author, body_markdown=body_markdown,
                date=date, kind=kind, tags=tags, meta=meta, gemeente=gemeente,
                source_file=None)


def _add(
    con: duckdb.DuckDBPyConnection,
    *,
    area: object,
    title: object,
    author: object,
    body_markdown: object,
    date: object,
    kind: object,
    tags: object,
    meta: Mapping[str, Any] | None,
    gemeente: object,
    source_file: str | None,
) -> Story:
    _ensure_writable(con)
    clean_kind = _clean_kind(kind)
    info = _resolve_area(con, area, gemeente=_clean_line(gemeente, field="gemeente",
                                                         required=False) or None)
    data: dict[str, Any] = {
        "kind": clean_kind,
        "area_code": info.code,
        "title": _clean_line(title, field="title"),
        "author": _clean_line(author, field="author"),
        "story_date": _clean_date(date),
        "body_markdown": _clean_body(body_markdown),
        "tags": _clean_tags(tags),
        "meta": _clean_meta(meta, kind=clean_kind),
        "source_file": source_file,
        "removed_at": None,
        "removed_by": None,
    }
    with transaction(con):
        same = con.execute(
            "SELECT story_id FROM stories WHERE removed_at IS NULL AND kind = ? AND area_code = ? "
            "AND title = ? AND story_date = CAST(? AS DATE) AND body_markdown = ? "
            "ORDER BY story_id LIMIT 1",
            [data["kind"], data["area_code"], data["title"], data["story_date"],
             data["body_markdown"]],
        ).fetchone()
        if same is not None:
            raise StoryError(
                f"dit {data['kind']} staat er al in als nummer {same[0]} (zelfde gebied, titel, "
                f"datum en tekst). Wijzig het met 'wijkanalyse verhaal update {same[0]}'."
            )
        now = _now()
        data["story_id"] = con.execute(
            "SELECT coalesce(max(story_id), 0) + 1 FROM stories").fetchall()[0][0]
        data["created_at"] = data["updated_at"] = now
        _write_row(con, data)
        _write_history(con, data, action="add", changed_by=data["author"], changed_at=now)
    return _story(data)


def get_story(con: duckdb.DuckDBPyConnection, story_id: int, *,
              include_removed: bool = False) -> Story:
    """One story by number.

    Raises
    ------
    StoryError
        When it does not exist, or was removed (unless ``include_removed``).
    """
    if not _readable(con):
        raise StoryError(f"verhaal {story_id} bestaat niet; er zijn nog geen verhalen.")
    return _story(_load(con, story_id, include_removed=include_removed))


def update_story(
    con: duckdb.DuckDBPyConnection,
    story_id: int,
    *,
    changed_by: str,
    **fields: Any,
) -> Story:
    """Change fields of a story; the previous version stays in ``story_history``.

    Parameters
    ----------
    con
        A writable connection.
    story_id
        The story's number.
    changed_by
        Who makes the change (required).
    **fields
        Any of :data:`UPDATE_FIELDS` (``area``, ``gemeente``, ``title``, ``author``,
        ``body_markdown``, ``date``, ``kind``, ``tags``, ``meta``), validated as in
        :func:`add_story` (``gemeente`` only together with ``area``). ``None``
        means "not given" (so CLI options map one to one). ``tags`` replaces the tags;
        ``meta`` is merged into the stored meta, a key with value ``None`` removes it.
        Changing the kind to ``"verhaal"`` requires removing the aanpak meta.

    Returns
    -------
    Story
        The new version.

    Raises
    ------
    StoryError
        Unknown or invalid field, unknown or removed story, or nothing would change.
    """
    return _update(con, story_id, changed_by=changed_by, fields=fields, source_file=None)


def _update(
    con: duckdb.DuckDBPyConnection,
    story_id: int,
    *,
    changed_by: str,
    fields: Mapping[str, Any],
    source_file: str | None,
) -> Story:
    """:func:`update_story`; ``source_file`` (when given) is recorded with the new version."""
    unknown = sorted(set(fields) - set(UPDATE_FIELDS))
    if unknown:
        raise StoryError(
            f"onbekend(e) veld(en) {', '.join(unknown)}; te wijzigen zijn "
            f"{', '.join(UPDATE_FIELDS)}."
        )
    _ensure_writable(con)
    who = _clean_line(changed_by, field="changed_by")
    old = _load(con, story_id)
    new = dict(old)
    given = {k: v for k, v in fields.items() if v is not None}
    if "kind" in given:
        new["kind"] = _clean_kind(given["kind"])
    if "gemeente" in given and "area" not in given:
        raise StoryError("'gemeente' kiest tussen gebieden met dezelfde naam; geef het samen met "
                         "een nieuw gebied.", field="gemeente")
    if "area" in given:
        gm = _clean_line(given.get("gemeente"), field="gemeente", required=False) or None
        new["area_code"] = _resolve_area(con, given["area"], gemeente=gm).code
    if "title" in given:
        new["title"] = _clean_line(given["title"], field="title")
    if "author" in given:
        new["author"] = _clean_line(given["author"], field="author")
    if "date" in given:
        new["story_date"] = _clean_date(given["date"])
    if "body_markdown" in given:
        new["body_markdown"] = _clean_body(given["body_markdown"])
    if "tags" in given:
        new["tags"] = _clean_tags(given["tags"])
    merged = dict(old["meta"])
    if "meta" in given:
        if not isinstance(given["meta"], Mapping):
            raise StoryError(f"meta moet een mapping zijn, niet {given['meta']!r}.",
                             field="meta")
        for key, value in given["meta"].items():
            key = _DUTCH_META.get(str(key), str(key))
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
    new["meta"] = _clean_meta(merged, kind=new["kind"])
    if source_file is not None:
        new["source_file"] = source_file
    return _save_update(con, old, new, who)


def _save_update(con: duckdb.DuckDBPyConnection, old: Mapping[str, Any],
                 new: dict[str, Any], who: str) -> Story:
    changed = [k for k in _COLUMNS if k not in ("updated_at", "source_file") and old[k] != new[k]]
    if not changed:
        raise StoryError(
            f"verhaal {old['story_id']} is niet gewijzigd: de opgegeven waarden zijn al de "
            "huidige."
        )
    with transaction(con):
        now = _now()
        new["updated_at"] = now
        con.execute(
            "UPDATE stories SET kind = ?, area_code = ?, title = ?, author = ?, "
            "story_date = CAST(? AS DATE), body_markdown = ?, tags = ?, meta = ?, "
            "updated_at = ?, source_file = ? WHERE story_id = ?",
            [new["kind"], new["area_code"], new["title"], new["author"], new["story_date"],
             new["body_markdown"], new["tags"],
             json.dumps(new["meta"], ensure_ascii=False, sort_keys=True), now,
             new["source_file"], new["story_id"]],
        )
        _write_history(con, new, action="update", changed_by=who, changed_at=now)
    return _story(new)


def remove_story(con: duckdb.DuckDBPyConnection, story_id: int, *, removed_by: str) -> None:
    """Remove a story from lists and profiles; its row and history are kept (soft delete).

    Raises
    ------
    StoryError
        Unknown or already removed story, or ``removed_by`` empty.
    """
    _ensure_writable(con)
    who = _clean_line(removed_by, field="removed_by")
    data = _load(con, story_id)
    with transaction(con):
        now = _now()
        data["removed_at"] = data["updated_at"] = now
        data["removed_by"] = who
        con.execute(
            "UPDATE stories SET removed_at = ?, removed_by = ?, updated_at = ? "
            "WHERE story_id = ?",
            [now, who, now, data["story_id"]],
        )
        _write_history(con, data, action="remove", changed_by=who, changed_at=now)


def list_stories(
    con: duckdb.DuckDBPyConnection,
    *,
    area: str | None = None,
    kind: str | None = None,
    include_removed: bool = False,
    gemeente: str | None = None,
) -> pd.DataFrame:
    """Stories as a table, newest first (by date, then number).

    Parameters
    ----------
    con
        A connection (read-only is fine).
    area
        Only stories attached to exactly this area (code, user area id or name, or a unique
        region name). A story attached to a wijk is not listed under its buurten here; use
        :func:`stories_for` for a profile.
    kind
        Only ``"verhaal"`` or ``"aanpak"``.
    include_removed
        Also list removed stories (``removed_at`` set).
    gemeente
        Settles an ambiguous ``area`` name.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LIST_COLUMNS`; ``story_date`` as ISO text, ``tags`` a list, ``meta`` a
        dict, ``area_name`` the display name of the area, ``version`` the number of versions.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in LIST_COLUMNS})
    if kind is not None:
        kind = _clean_kind(kind)
    if not _readable(con):
        if area is not None:
            _resolve_area(con, area, gemeente=gemeente)
        return empty
    sql = (f"SELECT {_SELECT}, (SELECT count(*) FROM story_history h "
           "WHERE h.story_id = s.story_id) AS version FROM stories s WHERE 1 = 1")
    params: list[Any] = []
    if area is not None:
        text = str(area).strip()
        direct = con.execute("SELECT count(*) FROM stories WHERE area_code = ?",
                             [text]).fetchall()[0][0]
        code = text if direct else _resolve_area(con, text, gemeente=gemeente).code
        sql += " AND area_code = ?"
        params.append(code)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    if not include_removed:
        sql += " AND removed_at IS NULL"
    sql += " ORDER BY story_date DESC, story_id DESC"
    rows = con.execute(sql, params).fetchall()
    if not rows:
        return empty
    records = []
    for row in rows:
        data = _row_dict(row[:-1])
        data["version"] = int(row[-1])
        records.append(data)
    infos = _area_infos(con, {r["area_code"] for r in records})
    for r in records:
        info = infos.get(r["area_code"])
        r["area_name"] = info.name if info else r["area_code"]
    return pd.DataFrame.from_records(records)[LIST_COLUMNS]


def story_history(con: duckdb.DuckDBPyConnection, story_id: int) -> pd.DataFrame:
    """Every version of a story, oldest first (also of a removed story).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`; ``changed_fields`` names (in Dutch, see
        :data:`FIELD_LABELS`) what differs from the previous version (``""`` for ``add`` and
        ``remove``); ``snapshot`` is the full version as JSON text.

    Raises
    ------
    StoryError
        When the story does not exist.
    """
    if not _readable(con):
        raise StoryError(f"verhaal {story_id} bestaat niet; er zijn nog geen verhalen.")
    data = _load(con, story_id, include_removed=True)
    rows = con.execute(
        "SELECT story_id, version, changed_at, changed_by, action, snapshot FROM story_history "
        "WHERE story_id = ? ORDER BY version",
        [data["story_id"]],
    ).fetchall()
    records = []
    previous: dict[str, Any] | None = None
    for sid, version, changed_at, changed_by, action, snapshot in rows:
        snap = json.loads(snapshot)
        changed = ""
        if action == "update" and previous is not None:
            changed = ", ".join(_changed_labels(previous, snap))
        records.append({
            "story_id": sid, "version": version, "changed_at": changed_at,
            "changed_by": changed_by, "action": action, "changed_fields": changed,
            "title": snap["title"], "area_code": snap["area_code"],
            "story_date": snap["story_date"], "snapshot": snapshot,
        })
        previous = snap
    return pd.DataFrame.from_records(records, columns=HISTORY_COLUMNS)


def _changed_labels(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    labels = []
    for key in _COLUMNS:
        if key in ("updated_at", "created_at", "removed_at", "removed_by", "story_id"):
            continue
        if key == "meta":
            keys = sorted(set(old["meta"]) | set(new["meta"]), key=list(META_LABELS).index)
            labels += [META_LABELS[k] for k in keys if old["meta"].get(k) != new["meta"].get(k)]
        elif old.get(key) != new.get(key):
            labels.append(FIELD_LABELS.get(key, key))
    return labels


# --------------------------------------------------------------------------- profiles


def _relation(info: _AreaInfo, subject: Subject, own: set[str], wijken: set[str]) -> str | None:
    """How a story's area relates to the subject: eigen, omvattend, deel, overlappend or None."""
    return area_relation(info.code, info.level, info.members, subject_id=subject.id, own=own,
                         wijk_codes=wijken)


def _relation_text(relation: str, info: _AreaInfo, subject: Subject) -> str:
    return relation_sentence(relation, lead="Over", what=f"{info.level} {info.name}",
                             subject_kind=subject.kind)


def stories_for(
    con: duckdb.DuckDBPyConnection, subject: Subject
) -> tuple[list[Story], list[Story]]:
    """The verhalen and aanpakken of a profile, newest first.

    A story is included when it is attached to the subject itself (its id or, for one region,
    its code), to a member, to a wijk containing the subject (``subject.wijk_codes``, or by
    the code hierarchy), to a region inside the subject (a buurt of a wijk subject), or to a
    user area whose members overlap the subject. Stories about a whole gemeente (or the
    Netherlands) only appear in the profile of that gemeente. Removed stories never appear.

    Parameters
    ----------
    con
        A connection (read-only is fine; without the story tables the lists are empty).
    subject
        The profile's subject.

    Returns
    -------
    tuple of (list of Story, list of Story)
        Verhalen and aanpakken. Each story's ``meta`` carries ``gekoppeld_aan`` (the area code
        or id it is attached to), ``gekoppeld_aan_naam``, ``koppeling`` (``"eigen"``,
        ``"omvattend"``, ``"deel"`` or ``"overlappend"``) and ``koppeling_tekst`` (Dutch, e.g.
        "Over wijk Kustwijk, waarin dit gebied ligt.").
    """
    if not _readable(con):
        return [], []
    rows = con.execute(
        f"SELECT {_SELECT} FROM stories WHERE removed_at IS NULL "
        "ORDER BY story_date DESC, story_id DESC"
    ).fetchall()
    if not rows:
        return [], []
    records = [_row_dict(r) for r in rows]
    infos = _area_infos(con, {r["area_code"] for r in records})
    own = {c for c in [*subject.members, subject.id] if c and is_valid_code(c)}
    if subject.kind == "gebied" and subject.members:
        own = {c for c in subject.members if is_valid_code(c)}
    wijken = set(subject.wijk_codes)
    relations: dict[str, str | None] = {}
    verhalen: list[Story] = []
    aanpakken: list[Story] = []
    for data in records:
        code = data["area_code"]
        info = infos.get(code) or _AreaInfo(code, code, "gebied", ())
        if code not in relations:
            relations[code] = _relation(info, subject, own, wijken)
        relation = relations[code]
        if relation is None:
            continue
        story = _story(data, extra_meta={
            "gekoppeld_aan": code,
            "gekoppeld_aan_naam": info.name,
            "koppeling": relation,
            "koppeling_tekst": _relation_text(relation, info, subject),
        })
        (aanpakken if story.kind == "aanpak" else verhalen).append(story)
    return verhalen, aanpakken


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
        A writable connection.
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
        return _update(con, story_id, changed_by=changed_by,
                       fields={**fields, "body_markdown": parsed.body, "meta": meta or None},
                       source_file=str(path.resolve()))
    except StoryError as exc:
        raise _file_error(path, exc, parsed, set()) from exc


# --------------------------------------------------------------------------- rendering


_LINK_OK = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
_REL = "nofollow noopener noreferrer"


def _validate_link(url: str) -> bool:
    """Only ``http(s)``, ``mailto`` and in-page anchors; never ``javascript:``, ``data:``,
    relative paths or protocol-relative ``//host`` links."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    return bool(_LINK_OK.match(cleaned))


def _render_link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", _REL)
    return str(self.renderToken(tokens, idx, options, env))


def _render_image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    label = escapeHtml(f"afbeelding: {alt}" if alt else "afbeelding")
    src = token.attrGet("src") or ""
    if src and _validate_link(str(src)):
        return f'<a href="{escapeHtml(str(src))}" rel="{_REL}" class="afbeelding">[{label}]</a>'
    return f"[{label}]"


def _render_raw_html(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return escapeHtml(tokens[idx].content)


@lru_cache(maxsize=8)
def _markdown(heading_offset: int) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("html_block", _render_raw_html)
    md.add_render_rule("html_inline", _render_raw_html)

    def shift(state: Any) -> None:
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1]) + heading_offset)}"

    def clean_fences(state: Any) -> None:
        # the info string of a code fence becomes a class attribute: keep it to plain
        # language names
        for token in state.tokens:
            if token.type == "fence":
                token.info = re.sub(r"[^A-Za-z0-9_+.#-]", "", token.info.split(" ")[0])

    md.core.ruler.push("clean_fences", clean_fences)
    if heading_offset:
        md.core.ruler.push("shift_headings", shift)
    return md


def render_markdown(text: str, *, heading_offset: int = 3) -> str:
    """Render stored Markdown to HTML that is safe to embed in a report.

    Raw HTML is not interpreted (``<script>`` shows as text), links are kept only for
    ``http``, ``https``, ``mailto`` and ``#`` anchors (others stay literal text) and get
    ``rel="nofollow noopener noreferrer"``, images become a link "[afbeelding: alt]" and are
    never loaded (offline reports, PDF). Tables and ~~strikethrough~~ are supported.

    Parameters
    ----------
    text
        Markdown.
    heading_offset
        Headings are shifted down by this many levels (``#`` becomes ``<h4>`` by default) so
        a story's headings sit below the report's own; at most ``<h6>``.

    Returns
    -------
    str
        HTML.
    """
    return str(_markdown(int(heading_offset)).render(str(text or "")))


__all__ = [
    "FIELD_LABELS",
    "FRONT_MATTER_KEYS",
    "HISTORY_COLUMNS",
    "KINDS",
    "LIST_COLUMNS",
    "META_LABELS",
    "SCHEMA",
    "STATUSES",
    "TABLES",
    "UPDATE_FIELDS",
    "StoryError",
    "StoryFileError",
    "add_story",
    "add_story_from_file",
    "ensure_tables",
    "get_story",
    "list_stories",
    "remove_story",
    "render_markdown",
    "stories_for",
    "story_history",
    "update_story",
    "update_story_from_file",
]
