"""The parts of a profile that depend on a whole level or on all of NL, computed once by
``data build`` and stored in ``stored_parts`` (issue 13), read back here.

Kinds (see :mod:`wijkanalyse.store.storedparts`):

``peer_features`` (key ``level:year``)
    The structural features of every region of a level and year (:mod:`.peers`), with the
    inhabitants, the source labels per indicator and the number of gemeenten with inhabitants.
``peer_names`` (key ``""``)
    Every region's name per year (best source), for the names of peers.
``nederland`` (key ``year``)
    Nederland of a year without a national row, computed from its gemeenten
    (:func:`wijkanalyse.profiel.cells._nederland_cells`).

Each is stored under a fingerprint of the loaded sources (:func:`load.source_fingerprint`) and
of the code that computes it (a hash of the modules, :func:`code_hash`); ``nederland`` also
of the packaged indicator catalogue. A profile reads a part only when the fingerprint matches;
otherwise (a database of an older version, a stale part, another catalogue) it computes the
part itself, as before, and logs a note. Floats survive the JSON exactly (``repr``), ``NaN``
as ``NaN``: a stored part equals the part computed on the fly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse import store

__all__ = ["code_hash", "decode_frame", "encode_frame", "note_live", "read_part"]

LOG = logging.getLogger("wijkanalyse.profiel")

#: Raise to invalidate every stored part of the profile (a change of format).
STORE_VERSION = 1

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=16)
def code_hash(*files: str) -> str:
    """A short hash of the package files ``files`` (paths relative to ``wijkanalyse/``) and
    :data:`STORE_VERSION`: another version of the code that computes a part, another hash."""
    h = hashlib.sha1(f"v{STORE_VERSION}".encode())
    for name in files:
        h.update(name.encode())
        h.update((_HERE.parent / name).read_bytes())
    return h.hexdigest()[:16]


def note_live(kind: str, key: str, why: str) -> None:
    """Say (in the log) that a part is computed on the fly instead of read from the store."""
    LOG.info("%s %s wordt nu berekend (%s); 'wijkanalyse data build' slaat het op.",
             kind, key, why)


def read_part(con: duckdb.DuckDBPyConnection, kind: str, key: str,
              fingerprint: str) -> Any | None:
    """The decoded JSON of a stored part, or ``None`` (with a note) when there is none with
    this fingerprint."""
    payload = store.read_stored_part(con, kind, key, fingerprint)
    if payload is None:
        note_live(kind, key, "niet opgeslagen in deze database of opgeslagen door een andere "
                  "versie")
        return None
    return json.loads(payload)


def _floats(values: Iterable[Any]) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            for v in values]


def encode_frame(frame: pd.DataFrame) -> dict[str, Any]:
    """A float frame as JSON-able columns (``None`` = ``NaN``), with index and names."""
    return {
        "index": [str(c) for c in frame.index],
        "index_name": frame.index.name,
        "columns": [str(c) for c in frame.columns],
        "values": [_floats(frame[c].tolist()) for c in frame.columns],
    }


def decode_frame(data: Mapping[str, Any]) -> pd.DataFrame:
    """The frame of :func:`encode_frame` (float64 columns, object index)."""
    index = pd.Index(list(data["index"]), dtype=object, name=data["index_name"])
    cols = {c: np.array([np.nan if v is None else v for v in vals], dtype="float64")
            for c, vals in zip(data["columns"], data["values"], strict=True)}
    return pd.DataFrame(cols, index=index, columns=list(data["columns"]))


def encode_cells(cells: Mapping[tuple[str, int], Any], text: str | None) -> str:
    """Nederland's cells of one year (``(indicator, year) -> _Cell``) and their description."""
    return json.dumps({"text": text, "cells": [
        [ind, year, c.value, c.complete, c.reason, list(c.source_ids), c.derived]
        for (ind, year), c in cells.items()]}, ensure_ascii=False)


def decode_cells(payload: Mapping[str, Any]) -> tuple[dict[tuple[str, int], Any], str | None]:
    """The cells and description of :func:`encode_cells`."""
    from wijkanalyse.profiel.cells import _Cell

    cells = {(str(ind), int(year)): _Cell(value, bool(complete), reason, tuple(sids),
                                          derived=derived)
             for ind, year, value, complete, reason, sids, derived in payload["cells"]}
    text = payload["text"]
    return cells, (None if text is None else str(text))
