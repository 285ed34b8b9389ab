"""Verhalen: constants (kinds, labels, columns, limits), the errors, and the cleaning and
validation of every field of a story."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from wijkanalyse.errors import DataFileError, WijkanalyseError

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

#: The tables of this module in the content store (:mod:`wijkanalyse.content.models`; older
#: analytical databases had them too, see ``store.LEGACY_TABLES``).
TABLES = ("stories", "story_history")

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
