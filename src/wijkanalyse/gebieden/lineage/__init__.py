"""Region lineage across CBS boundary years (issue 12): which region of year A becomes which
region(s) of the next year B the database holds, per level.

Pure computation: :func:`compute_lineage` takes the regions of each division year and their
boundaries (DataFrames) and returns the lineage table; the SQL that gathers them and writes
the table lives in :mod:`wijkanalyse.gebieden.load` (``lineage_inputs``, ``write_lineage``)
and :func:`build_lineage` ties the two together for ``data build``. See ``docs/lineage.md``.

Modules: ``inputs`` (constants, :class:`Polygons`, :func:`prepare_regions`, name keys),
``compute`` (:func:`compute_lineage` and its rules, :func:`build_lineage`), ``corrections``
(reading, validating and applying the corrections files, :class:`CorrectionFileError`),
``history`` (:func:`area_history`, :class:`History`, :class:`Span`, and the questions of the
subject resolver: :func:`same_area`, :func:`whole_predecessors`,
:func:`renumbered_divisions`, :func:`same_boundary_across_levels`).

A link is ``source_year, source_code -> target_year, target_code`` with a ``weight`` (the
share of the source that lies in the target: by area where polygons are compared, 1 for a
whole region), the ``evidence`` and a ``certainty``:

=============  ==================================================================  ============
evidence       rule                                                                certainty
=============  ==================================================================  ============
code+naam      the same code with the same name (key) in both years                zeker
geometrie      area overlap in RD New of the polygons of both years; of other      zeker /
               years (latest before, earliest after) when one year has none        waarschijnlijk
hernummerd     the same name in the same gemeente (family) under a new code        waarschijnlijk
               (zeker when the polygons of both codes coincide: "zelfde grens")
samenvoeging   a gemeente without polygons: where its wijken's names went          waarschijnlijk
code           the same code under another name                                    onzeker
correctie      the corrections file (shipped or the user's)                        zeker
=============  ==================================================================  ============

A source region for which no rule finds a successor gets one row with an empty target and a
note (listed, never guessed). The year B of a region is the next year that holds regions of its
level in its gemeente (or in a gemeente its gemeente merged with): the partial files of some
years (Amsterdam, Den Haag, Heerlen) make the chain of each region its own.
"""


from wijkanalyse.gebieden.lineage.compute import build_lineage, compute_lineage
from wijkanalyse.gebieden.lineage.corrections import (
    CORRECTIONS_FILE,
    CorrectionFileError,
    apply_corrections,
    load_corrections,
    read_corrections,
)
from wijkanalyse.gebieden.lineage.history import (
    MAX_HISTORY_CODES,
    History,
    Span,
    WholeLinks,
    area_history,
    history_from,
    renumbered_divisions,
    same_area,
    same_boundary_across_levels,
    whole_links,
    whole_predecessors,
)
from wijkanalyse.gebieden.lineage.inputs import (
    CERTAINTY,
    COVERED,
    EVIDENCE,
    LEVELS,
    LINEAGE_COLUMNS,
    MIN_INHABITANTS,
    NATIONWIDE_GEMEENTEN,
    NOT_A_GEMEENTE,
    SAME,
    SAME_BOUNDARY_IOU,
    SLIVER,
    Polygons,
    prepare_regions,
    similar_names,
)
from wijkanalyse.gebieden.load import boundaries_of, read_lineage

__all__ = [
    "CERTAINTY", "CORRECTIONS_FILE", "COVERED", "CorrectionFileError", "EVIDENCE", "History",
    "LEVELS", "LINEAGE_COLUMNS", "MAX_HISTORY_CODES", "MIN_INHABITANTS", "NATIONWIDE_GEMEENTEN",
    "NOT_A_GEMEENTE", "Polygons", "SAME", "SAME_BOUNDARY_IOU", "SLIVER", "Span",
    "apply_corrections", "area_history", "boundaries_of", "build_lineage", "compute_lineage",
    "history_from", "load_corrections", "prepare_regions", "read_corrections", "read_lineage",
    "renumbered_divisions", "same_area", "same_boundary_across_levels", "similar_names",
    "WholeLinks", "whole_links", "whole_predecessors",
]
