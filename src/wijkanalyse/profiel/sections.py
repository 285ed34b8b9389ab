"""The sections other packages add to a wijkprofiel, in one registry (:data:`SECTIONS`).

A section is made by a function of its own package from the connection, the subject and the
profile assembled so far, and returns JSON-able plain data
(:data:`~wijkanalyse.model.SectionData`) or ``None``. :func:`add_sections` stores every section
in :attr:`Profile.sections <wijkanalyse.model.Profile.sections>` (in the JSON at the
profile's top level); :mod:`~wijkanalyse.profiel.report` numbers its heading after the report
section named by ``after`` and passes the data, with ``title``, to the template under its key.

A section made above this package (``programma``: partners and money of a knowledge
programme) has a ``build`` that returns ``None``; the caller fills it in with
:func:`with_section`.

Adding a section: write its ``profile_section`` in its package and its partial template
(``present/templates/_<key>.html``, included in ``profiel.html``), and add one
:class:`ProfileSection` here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from wijkanalyse.content import ContentStore
from wijkanalyse.kennis import profile_section as kennis_section
from wijkanalyse.model import Profile, SectionData
from wijkanalyse.segregatie import profile_section as segregatie_section


@dataclass(frozen=True)
class SectionRequest:
    """What a section is made from.

    Attributes
    ----------
    con
        The database connection the profile is built from.
    profile
        The profile assembled so far (key figures, series, signals, peers, ...; the sections
        before this one in :data:`SECTIONS`).
    cache
        The cache of :func:`~wijkanalyse.profiel.assemble.build_profile` (many profiles from
        one connection), or ``None``.
    content
        The content store (stories, applied approaches), or ``None``.
    """

    con: duckdb.DuckDBPyConnection
    profile: Profile
    cache: dict[Any, Any] | None = None
    content: ContentStore | None = None


@dataclass(frozen=True)
class ProfileSection:
    """One section another package adds to the profile.

    Attributes
    ----------
    key
        Its key in :attr:`Profile.sections <wijkanalyse.model.Profile.sections>`, in the JSON
        and in the template context; also the ``with_<key>`` switch of ``build_profile``.
    title
        Its heading without the number ("Segregatie en menging").
    after
        The report section it follows (a key of
        :data:`wijkanalyse.profiel.report.BUILT_IN_SECTIONS`).
    build
        Makes the section's data (or ``None``) from a :class:`SectionRequest`.
    """

    key: str
    title: str
    after: str
    build: Callable[[SectionRequest], SectionData | None]


def _segregatie(req: SectionRequest) -> SectionData | None:
    subject = req.profile.subject
    if req.cache is None:
        return segregatie_section(req.con, subject, year=None)
    return segregatie_section(req.con, subject, year=None,
                              cache=req.cache.setdefault("segregatie", {}))


def _kennis(req: SectionRequest) -> SectionData | None:
    return kennis_section(req.con, req.profile.subject, profile=req.profile,
                          content=req.content)


def _provided(req: SectionRequest) -> SectionData | None:
    """A section the caller passes in (:func:`with_section`): ``None`` when building."""
    return None


#: The sections, in the order they are made and shown.
SECTIONS: tuple[ProfileSection, ...] = (
    ProfileSection("segregatie", "Segregatie en menging", after="ligging", build=_segregatie),
    ProfileSection("kennis", "Wat werkt: passende interventies", after="verhalen",
                   build=_kennis),
    # Partners and money of a knowledge programme (wijkanalyse.programma lies above this
    # package: the CLI and the web pass the data in with with_section).
    ProfileSection("programma", "Partners en geld", after="verhalen", build=_provided),
)


def add_sections(profile: Profile, con: duckdb.DuckDBPyConnection, *,
                 enabled: Mapping[str, bool], cache: dict[Any, Any] | None = None,
                 content: ContentStore | None = None) -> None:
    """Make every section of :data:`SECTIONS` into ``profile.sections``, in order; a section
    whose key is ``False`` in ``enabled`` is ``None`` (not computed)."""
    for spec in SECTIONS:
        profile.sections[spec.key] = (
            spec.build(SectionRequest(con, profile, cache, content))
            if enabled.get(spec.key, True)
            else None)


def with_section(profile: Profile, key: str, data: SectionData | None) -> Profile:
    """A copy of ``profile`` with section ``key`` set to ``data`` (the sections a caller
    above this package makes, such as ``programma``); ``profile`` itself is not changed (it
    may be cached). The summary is kept.

    Raises
    ------
    KeyError
        ``key`` is not a section of :data:`SECTIONS`.
    """
    if not any(s.key == key for s in SECTIONS):
        raise KeyError(f"onbekende sectie {key!r}; kies uit "
                       + ", ".join(s.key for s in SECTIONS))
    return replace(profile, sections={**profile.sections, key: data})
