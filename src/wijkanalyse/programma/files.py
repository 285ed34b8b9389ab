"""Persistence of programmes: a small interface (:class:`ProgrammeStore`) and the former
file store.

The programmes live in the content store (:class:`wijkanalyse.programma.contentstore.
ContentProgrammeStore`, the default of the CLI and the site). :class:`FileStore` is the former
place: each programme a JSON file ``<slug>.json`` in a folder (``WIJKANALYSE_PROGRAMMA``, else
``programma/`` in the per-user data folder), written atomically
(:func:`wijkanalyse.atomicio.write_json`), every save appending to the programme's ``history``
(when, what, who). It stays as the source of ``wijkanalyse programma importeer-map``. A
programme's definition can also be read from YAML (:func:`read_definition`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from wijkanalyse import safeyaml
from wijkanalyse.atomicio import write_json
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.programma.model import (
    FeeRules,
    Programme,
    programme_from_dict,
    programme_to_dict,
)

__all__ = ["ENV_VAR", "FileStore", "ProgrammeStore", "check_slug", "default_folder",
           "new_programme", "read_definition"]

ENV_VAR = "WIJKANALYSE_PROGRAMMA"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class ProgrammeStore(Protocol):
    """What the library and CLI ask of a programme store."""

    def list(self) -> list[str]:
        """The slugs of all programmes."""
        ...

    def exists(self, slug: str) -> bool:
        """Whether a programme with this slug exists."""
        ...

    def load(self, slug: str) -> Programme:
        """One programme."""
        ...

    def save(self, programme: Programme, *, what: str, who: str = "") -> None:
        """Save the programme, adding ``what`` (and who) to its history."""
        ...

    def editing(self, slug: str, *, purpose: str) -> AbstractContextManager[Programme]:
        """Load the programme for a change that the block saves; no one else changes it
        meanwhile (no lost updates)."""
        ...

    def marks(self) -> tuple[tuple[str, int], ...]:
        """(slug, a number that grows with every save) of every programme, sorted by slug:
        cheap, for cache keys of pages that show programme data."""
        ...


def check_slug(slug: str) -> str:
    """The slug when it is valid (lower case letters, digits, hyphens; at most 64).

    Raises
    ------
    WijkanalyseError
        An invalid slug, with an example of a valid one.
    """
    if not _SLUG.match(slug):
        raise WijkanalyseError(f"Ongeldige programmanaam {slug!r}: gebruik kleine letters, "
                               "cijfers en streepjes (bijvoorbeeld 'programma-2016').")
    return slug


def default_folder() -> Path:
    """``WIJKANALYSE_PROGRAMMA`` or ``programma/`` in the per-user data folder."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    from wijkanalyse.settings import default_data_dir

    return default_data_dir() / "programma"


class FileStore:
    """Programmes as JSON files in one folder (see the module docstring)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()

    def _path(self, slug: str) -> Path:
        return self.folder / f"{check_slug(slug)}.json"

    def list(self) -> list[str]:
        """The slugs of all programmes in the folder, sorted."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if _SLUG.match(p.stem))

    def marks(self) -> tuple[tuple[str, int], ...]:
        """(slug, number of history entries) of every programme, sorted by slug."""
        return tuple((slug, len(self.load(slug).history)) for slug in self.list())

    def exists(self, slug: str) -> bool:
        """Whether ``<slug>.json`` exists."""
        return self._path(slug).is_file()

    def load(self, slug: str) -> Programme:
        """Read one programme.

        Raises
        ------
        WijkanalyseError
            No such programme (names the ones that exist), or the file is damaged.
        """
        path = self._path(slug)
        if not path.is_file():
            known = ", ".join(self.list()) or "geen"
            raise WijkanalyseError(f"Programma {slug!r} bestaat niet in {self.folder} (wel: "
                                   f"{known}). Maak het met 'wijkanalyse programma nieuw'.")
        try:
            return programme_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            raise DataFileError(path, f"het programmabestand is beschadigd ({exc}).",
                                hint="Zet een reservekopie terug; het bestand wordt alleen "
                                     "in zijn geheel vervangen.") from exc

    @contextmanager
    def editing(self, slug: str, *, purpose: str) -> Iterator[Programme]:
        """Hold the programme's lock (:func:`wijkanalyse.dblock.hold` on ``<slug>.json``,
        exclusive; a second process waits with a message) while the block loads, changes and
        saves it, so that two commands at the same time never lose each other's changes.

        Parameters
        ----------
        slug
            The programme.
        purpose
            The command, in Dutch, shown to a process that has to wait.
        """
        from wijkanalyse.dblock import hold

        path = self._path(slug)
        self.folder.mkdir(parents=True, exist_ok=True)
        with hold(path, exclusive=True, purpose=purpose):
            yield self.load(slug)

    def save(self, programme: Programme, *, what: str, who: str = "") -> None:
        """Append ``what`` to the history and write the file atomically."""
        programme.history.append({"when": dt.datetime.now(dt.UTC).isoformat(
            timespec="seconds"), "what": what, "who": who})
        write_json(self._path(programme.slug), programme_to_dict(programme))


def new_programme(*, slug: str, name: str, period_start: dt.date, period_end: dt.date,
                  deadline: dt.date, meeting_start: dt.date, meeting_end: dt.date,
                  partner_fee: int = 3000, non_partner_fee: int = 4000,
                  partners: tuple[str, ...] = (), maximum: int = 15,
                  n_meetings: int = 4) -> Programme:
    """A new, empty programme (checked: dates in order, positive amounts and counts).

    Raises
    ------
    WijkanalyseError
        A rule that cannot hold, with what to change.
    """
    if not _SLUG.match(slug):
        raise WijkanalyseError(f"Ongeldige programmanaam {slug!r}: gebruik kleine letters, "
                               "cijfers en streepjes.")
    if period_end < period_start or meeting_end < meeting_start:
        raise WijkanalyseError("Een einddatum ligt voor de begindatum; controleer de periode "
                               "en het venster van de bijeenkomsten.")
    if deadline > meeting_start:
        raise WijkanalyseError(f"De aanmeldtermijn ({deadline:%d-%m-%Y}) sluit na de eerste "
                               f"bijeenkomst ({meeting_start:%d-%m-%Y}); kies een eerdere "
                               "termijn.")
    if min(partner_fee, non_partner_fee) < 0 or maximum < 1 or n_meetings < 1:
        raise WijkanalyseError("Bedragen mogen niet negatief zijn; maximum en aantal "
                               "bijeenkomsten zijn minstens 1.")
    return Programme(slug=slug, name=name, period_start=period_start, period_end=period_end,
                     deadline=deadline, meeting_start=meeting_start, meeting_end=meeting_end,
                     fees=FeeRules(partner_fee, non_partner_fee, tuple(partners)),
                     maximum=maximum, n_meetings=n_meetings)


def _date(data: dict[str, Any], key: str, path: Path) -> dt.date:
    value = data.get(key)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise DataFileError(path, f"{key}: {value!r} is geen datum.", column=key,
                            hint="Schrijf de datum als 2016-10-14.") from exc


def read_definition(path: Path) -> Programme:
    """A programme's definition from YAML: ``slug``, ``naam``, ``periode: {van, tot}``,
    ``aanmelden_tot``, ``bijeenkomsten: {aantal, van, tot}``, ``maximum``,
    ``bedragen: {partner, niet_partner}``, ``partners`` (list).

    Raises
    ------
    DataFileError
        A missing or wrong field (names the field and says what to write).
    """
    path = Path(path)
    data = safeyaml.load(path.read_text(encoding="utf-8"), origin=str(path))
    if not isinstance(data, dict):
        raise DataFileError(path, "geen programma (verwacht velden als slug, naam, periode).")
    for key in ("slug", "naam", "periode", "aanmelden_tot", "bijeenkomsten"):
        if key not in data:
            raise DataFileError(path, f"veld {key!r} ontbreekt.", column=key,
                                hint="Zie docs/programma.md voor een voorbeeld.")
    periode, meet = data["periode"] or {}, data["bijeenkomsten"] or {}
    fees = data.get("bedragen") or {}
    return new_programme(
        slug=str(data["slug"]), name=str(data["naam"]),
        period_start=_date(periode, "van", path), period_end=_date(periode, "tot", path),
        deadline=_date(data, "aanmelden_tot", path),
        meeting_start=_date(meet, "van", path), meeting_end=_date(meet, "tot", path),
        partner_fee=int(fees.get("partner", 3000)),
        non_partner_fee=int(fees.get("niet_partner", 4000)),
        partners=tuple(str(p) for p in data.get("partners") or ()),
        maximum=int(data.get("maximum", 15)), n_meetings=int(meet.get("aantal", 4)))
