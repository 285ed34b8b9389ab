"""The programmes in the content store: :class:`ContentProgrammeStore` (the
:class:`~wijkanalyse.programma.files.ProgrammeStore` of the CLI and the site) and
:func:`import_folder`, which moves the JSON files of the former file store in.

The tables and the locking are in :mod:`wijkanalyse.content.programmes`; this module turns
:class:`~wijkanalyse.programma.model.Programme` objects into documents and back. A programme
carries the version it was loaded at (``Programme.version``): :meth:`ContentProgrammeStore.save`
outside :meth:`~ContentProgrammeStore.editing` refuses a save based on an older version
(someone else saved meanwhile), inside it the programme is locked and nothing can be stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wijkanalyse.content import ContentStore
from wijkanalyse.content.programmes import ProgrammeDocument, ProgrammeTables, plain_text
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma.files import FileStore, check_slug
from wijkanalyse.programma.model import Programme, programme_from_dict, programme_to_dict

__all__ = ["ContentProgrammeStore", "ImportedProgramme", "import_folder"]


def _programme(doc: ProgrammeDocument) -> Programme:
    data = dict(doc.document)
    data["history"] = doc.history
    programme = programme_from_dict(data)
    programme.version = doc.version
    return programme


def _document(programme: Programme) -> dict[str, Any]:
    data = programme_to_dict(programme)
    data.pop("history", None)
    return data


class ContentProgrammeStore:
    """Programmes in the content store (one row per programme, one per save; see the module
    docstring).

    Parameters
    ----------
    content
        An open content store (:func:`wijkanalyse.content.open_content`); the caller closes it.
    """

    def __init__(self, content: ContentStore) -> None:
        self.content = content
        self.tables = ProgrammeTables(content)

    @property
    def where(self) -> str:
        """The content database, for messages (password hidden)."""
        return self.content.engine.url.render_as_string(hide_password=True)

    def list(self) -> list[str]:
        """The slugs of all programmes, sorted."""
        return self.tables.slugs()

    def marks(self) -> tuple[tuple[str, int], ...]:
        """(slug, version) of every programme, sorted by slug: one query, for cache keys."""
        return tuple(self.tables.marks())

    def exists(self, slug: str) -> bool:
        """Whether a programme with this slug is stored."""
        return self.tables.exists(check_slug(slug))

    def _missing(self, slug: str) -> WijkanalyseError:
        known = ", ".join(self.list()) or "geen"
        return WijkanalyseError(
            f"Programma {slug!r} bestaat niet in de inhoudsdatabase {self.where} (wel: {known}). "
            "Maak het met 'wijkanalyse programma nieuw', of neem oude programmabestanden over "
            "met 'wijkanalyse programma importeer-map'.")

    def load(self, slug: str) -> Programme:
        """One programme, with its history and the version it is at.

        Raises
        ------
        WijkanalyseError
            No such programme (names the ones that exist).
        """
        doc = self.tables.get(check_slug(slug))
        if doc is None:
            raise self._missing(slug)
        return _programme(doc)

    @contextmanager
    def editing(self, slug: str, *, purpose: str) -> Iterator[Programme]:
        """Lock the programme while the block loads, changes and saves it (a second writer
        waits and then sees this change; no lost updates).

        Parameters
        ----------
        slug
            The programme.
        purpose
            The command, in Dutch (the interface's; the database waits without a message).
        """
        del purpose
        with self.tables.editing(check_slug(slug)) as doc:
            if doc is None:
                raise self._missing(slug)
            yield _programme(doc)

    def save(self, programme: Programme, *, what: str, who: str = "") -> None:
        """Save the programme as its next version, adding ``what`` (and who) to its history
        (NUL characters removed from those two).

        Raises
        ------
        wijkanalyse.content.programmes.StaleProgrammeError
            Someone else saved the programme after it was loaded (outside :meth:`editing`),
            or a new programme's slug is taken; nothing is saved.
        """
        when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        what, who = plain_text(what), plain_text(who)
        version = self.tables.put(check_slug(programme.slug), _document(programme),
                                  base_version=programme.version, what=what, who=who,
                                  when=when)
        programme.history.append({"when": when, "what": what, "who": who})
        programme.version = version


@dataclass(frozen=True)
class ImportedProgramme:
    """What :func:`import_folder` did with one file: ``status`` is ``"overgenomen"``,
    ``"al aanwezig"`` (the same programme is stored; nothing done) or ``"conflict"`` (a
    different programme with this slug is stored; not overwritten)."""

    slug: str
    path: Path
    status: str
    history: int


def import_folder(store: ContentProgrammeStore, folder: Path) -> list[ImportedProgramme]:
    """Move the JSON programmes of a folder (the former file store) into the content store.

    Idempotent: a programme that is already stored with the same content (history included)
    is left alone; one with the same slug and other content is reported as a conflict and not
    overwritten. Each imported programme is read back and compared with its file.

    Raises
    ------
    WijkanalyseError
        The folder does not exist, a file is damaged, or a programme read back differs from
        its file.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise WijkanalyseError(f"De map {folder} bestaat niet; geef de map met de "
                               "programmabestanden (<slug>.json).")
    files = FileStore(folder)
    out: list[ImportedProgramme] = []
    for slug in files.list():
        original = programme_to_dict(files.load(slug))
        path = folder / f"{slug}.json"
        if original["slug"] != slug:
            raise WijkanalyseError(f"{path}: de slug in het bestand ({original['slug']!r}) is "
                                   "niet de bestandsnaam; maak ze gelijk en draai de opdracht "
                                   "opnieuw.")
        n = len(original.get("history", ()))
        if store.exists(slug):
            same = programme_to_dict(store.load(slug)) == original
            out.append(ImportedProgramme(slug, path, "al aanwezig" if same else "conflict", n))
            continue
        document = dict(original)
        history = document.pop("history", [])
        store.tables.import_document(slug, document, history)
        if programme_to_dict(store.load(slug)) != original:
            raise WijkanalyseError(f"{path}: het programma in de inhoudsdatabase wijkt af van "
                                   "het bestand na overnemen; meld dit als fout en bewaar het "
                                   "bestand.")
        out.append(ImportedProgramme(slug, path, "overgenomen", n))
    return out
