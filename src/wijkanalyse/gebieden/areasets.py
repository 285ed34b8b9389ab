"""Named sets of areas: the programme neighbourhoods and other lists of wijken shipped with
the package: the types and the database check (:func:`check_area_set`); reading the files is
:mod:`~wijkanalyse.gebieden.areasetfiles`.

An area set is a named list of areas (:class:`SetArea`), each one CBS wijk, one CBS buurt or a
set of buurten (or wijken) of one gemeente, given by its CBS codes. The package ships one YAML
file per set in ``wijkanalyse/data/areasets/`` (read with :mod:`importlib.resources`); the set's
name is the file name without ``.yaml`` (``programma-2016``).

File format::

    title: Programmawijken 2016
    description: De twaalf wijken van het programma uit 2016 ...
    year: 2024                               # optional: CBS division of the codes (default
                                             # for every area)
    areas:
      - id: jol-galjoen                      # slug: a-z, 0-9 and '-'
        name: Jol/Galjoen
        gemeente: {name: Lelystad, code: GM0995}
        level: buurt                         # buurt or wijk: the level of every code
        codes: [BU09950633, BU09950634, BU09950635, BU09950637]
        year: 2024                           # optional: overrides the set's year
        description: Buurten Jol, Galjoen, ... (CBS-buurtindeling 2024).   # optional
        reason: Waarom deze codes (één regel).  # optional
        aliases: [Jol en Galjoen]            # optional: other names it is found by
        onzeker: true                        # optional: the codes are a judgement ...
        onzeker_reden: ...                   # ... and this says why (required with onzeker)
        other_years:                         # optional: the codes in other CBS divisions
          - years: [2016, 2017]
            level: wijk
            codes: [WK036393, WK036394]
            reason: Buurtcombinaties Bijlmer Centrum en Bijlmer Oost.   # optional

The codes of ``year`` hold in every year that no ``other_years`` entry lists
(:meth:`SetArea.division`). Reading a file (:func:`read_area_set`) checks it without a
database: required fields, valid CBS codes of the stated level, all in the stated gemeente, no
repeated codes, ids or years, ``onzeker_reden`` exactly when ``onzeker`` is true. Whether the
codes exist in a database is checked by :func:`check_area_set`. An uncertain area
(``onzeker``) is not a problem of the set: it is usable, and listed with its reason by
``wijkanalyse sets check``.

The types are meant to hold other sets as well (user files, every wijk of a gemeente): an
:class:`AreaSet` records where it came from (``origin``) and a :class:`SetArea` needs no file.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from wijkanalyse.codes import level_of, name_key
from wijkanalyse.errors import DataFileError
from wijkanalyse.gebieden import load

#: Levels the areas of a set may be made of.
SET_LEVELS = ("buurt", "wijk")


class AreaSetError(DataFileError):
    """An area set file is invalid; names the file, the line and the entry."""


@dataclass(frozen=True)
class Division:
    """The codes of an area in the CBS division of some years.

    Attributes
    ----------
    years
        The years this division is used for; ``()`` for the area's main division, which holds
        in every year no other division lists.
    level
        ``"buurt"`` or ``"wijk"``.
    codes
        Member CBS codes of that division, normalised and sorted.
    year
        The boundary year the codes were taken from (the main division's ``year``; for other
        divisions the first of ``years``); ``None`` when the set does not say.
    reason
        Why these codes (Dutch, one line).
    """

    years: tuple[int, ...]
    level: str
    codes: tuple[str, ...]
    year: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class SetArea:
    """One area of a set.

    Attributes
    ----------
    id
        Slug, unique within the set (``"jol-galjoen"``).
    name
        Display name (``"Jol/Galjoen"``).
    gemeente_name, gemeente_code
        The gemeente the area lies in (``"Lelystad"``, ``"GM0995"``).
    level
        ``"buurt"`` or ``"wijk"``: the level of every code.
    codes
        Member CBS codes, normalised and sorted.
    description
        One line (Dutch), saying which CBS year's division the codes come from.
    aliases
        Other names the area is found by (``"Schiedam-Oost"``, ``"Oost"``).
    year
        The CBS boundary year of ``codes`` (``None`` when the set does not say).
    reason
        Why these codes (Dutch, one line).
    uncertain
        Whether the codes are a judgement the sources do not settle (``onzeker`` in the file).
    uncertain_reason
        Why (Dutch); empty when not uncertain.
    other_years
        The codes in other CBS divisions, where they differ (:class:`Division`).
    """

    id: str
    name: str
    gemeente_name: str | None
    gemeente_code: str | None
    level: str
    codes: tuple[str, ...]
    description: str = ""
    aliases: tuple[str, ...] = ()
    year: int | None = None
    reason: str = ""
    uncertain: bool = False
    uncertain_reason: str = ""
    other_years: tuple[Division, ...] = ()

    @property
    def is_single_region(self) -> bool:
        """Whether the area is exactly one CBS wijk or buurt."""
        return len(self.codes) == 1

    def keys(self) -> set[str]:
        """Name keys (:func:`~wijkanalyse.codes.name_key`) of the name and all aliases."""
        return {k for k in (name_key(n) for n in (self.name, *self.aliases)) if k}

    @property
    def main_division(self) -> Division:
        """The division of ``codes`` (``years`` empty: it holds wherever no other does)."""
        return Division(years=(), level=self.level, codes=self.codes, year=self.year,
                        reason=self.reason)

    def division(self, year: int | None) -> Division:
        """The codes to use for figures of ``year``: the ``other_years`` entry that lists the
        year, else the main division.

        Parameters
        ----------
        year
            A data year; ``None`` gives the main division.
        """
        if year is not None:
            for div in self.other_years:
                if int(year) in div.years:
                    return div
        return self.main_division

    def divisions(self) -> tuple[Division, ...]:
        """The main division followed by the other years' divisions."""
        return (self.main_division, *self.other_years)


@dataclass(frozen=True)
class AreaSet:
    """A named set of areas.

    Attributes
    ----------
    name
        The set's name (``"programma-2016"``): the file name without extension.
    title
        Readable title (``"Programmawijken 2016"``).
    description
        What the set is (Dutch).
    areas
        The areas, in the order of the file.
    origin
        Where the set came from (a file path, or ``"pakket"`` style text).
    year
        The set's default CBS boundary year (``year`` at the top of the file), or ``None``.
    """

    name: str
    title: str
    description: str
    areas: tuple[SetArea, ...]
    origin: str = ""
    year: int | None = None

    @property
    def uncertain(self) -> tuple[SetArea, ...]:
        """The areas marked ``onzeker``, in file order."""
        return tuple(a for a in self.areas if a.uncertain)

    def get(self, area_id: str) -> SetArea:
        """The area with this id.

        Raises
        ------
        KeyError
            When the set has no area with that id.
        """
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)


@dataclass(frozen=True)
class AreaSetInfo:
    """Summary of a shipped set, for listings (``n_uncertain``: areas marked ``onzeker``)."""

    name: str
    title: str
    description: str
    n_areas: int
    n_uncertain: int = 0


# ----------------------------------------------------------------------------- database check


def check_area_set(con: duckdb.DuckDBPyConnection, area_set: AreaSet) -> list[str]:
    """Problems of a set against the database (Dutch), empty when every area is usable.

    Checks per area: every code is known in the ``regions`` view (in any year), the codes are
    of one level and of the area's level, the gemeente code is known and its name agrees with
    the database. The codes under ``other_years`` are not checked here: a database need not
    hold those years (or holds part of them); the monitor's overview of the data per area
    (:mod:`wijkanalyse.monitor.availability`) says per year what it finds for them. An uncertain
    area
    (``onzeker``) is not a problem.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    area_set
        The set to check.

    Returns
    -------
    list of str
        One Dutch sentence per problem, naming set, area and codes.
    """
    wanted = sorted({c for a in area_set.areas for c in a.codes}
                    | {a.gemeente_code for a in area_set.areas if a.gemeente_code})
    known = dict(load.latest_nonempty_names(con, wanted))
    problems: list[str] = []
    for area in area_set.areas:
        who = f"Set {area_set.name!r}, gebied {area.name!r} ({area.id})"
        unknown = [c for c in area.codes if c not in known]
        if unknown:
            problems.append(
                f"{who}: code(s) {', '.join(unknown)} komen in geen enkel geladen jaar voor; "
                "laad de gegevens van die jaren of pas de codes aan."
            )
        levels = sorted({level_of(c) for c in area.codes})
        if len(levels) > 1:
            problems.append(
                f"{who}: mengt niveaus ({', '.join(levels)}); een gebied bestaat uit alleen "
                "buurten of alleen wijken."
            )
        elif levels and levels[0] != area.level:
            problems.append(f"{who}: de codes zijn {levels[0]}codes, het gebied heeft niveau "
                            f"{area.level}.")
        if area.gemeente_code:
            gm_name = known.get(area.gemeente_code)
            if area.gemeente_code not in known:
                problems.append(f"{who}: gemeentecode {area.gemeente_code} is onbekend in de "
                                "database.")
            elif area.gemeente_name and gm_name and name_key(gm_name) != name_key(
                    area.gemeente_name):
                problems.append(f"{who}: gemeente {area.gemeente_code} heet in de database "
                                f"{gm_name!r}, in de set {area.gemeente_name!r}.")
    return problems
