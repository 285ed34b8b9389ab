"""Vergelijkbare wijken: the peer group of a neighbourhood.

Method
------
The peers of a subject are the regions of the same level, anywhere in the Netherlands, that are
most similar on *structural* characteristics: what a neighbourhood is, not how it is doing.

Features (:data:`FEATURES`), computed per region from the KWB counts of one year:

* **omvang**: ``log10`` of the number of inhabitants (``a_inw``);
* **dichtheid**: ``log10`` of the population density (``bev_dich``; where CBS leaves it empty,
  inhabitants per km² land from ``a_lan_ha``);
* **leeftijd**: shares 0–14, 15–24, 25–44, 45–64 and 65+ of ``a_inw`` (in %);
* **huishoudens**: mean household size (``g_hhgro``), shares of one-person households and of
  households with children in ``a_hh``;
* **woningen**: dwellings per 100 inhabitants (``a_woning``), shares of corporation-owned,
  owner-occupied and single-family dwellings and of dwellings built from 2000 on;
* **herkomst**: shares of ``a_inw`` by herkomst (Nederland, Europa, buiten Europa; from 2022)
  or by migratieachtergrond (westers, niet-westers; older years).

Only the features that exist in the database for the chosen level and year are used (in this
data: 2024 has size, age and herkomst for every level and density and dwellings for gemeenten
and wijken; the richer 2019 data covers only a few cities).

Standardisation: every feature is turned into z-scores over all *eligible* regions of the level
and year: at least :data:`MIN_INHABITANTS` inhabitants (tiny regions such as industrial estates
have extreme shares and would both distort the scale and make odd peers). Mean and standard
deviation (``ddof=0``) are taken over those regions, including the subject's own, so the scale
does not depend on who is excluded. A feature without variance carries no information and is
left out.

Distance: a weighted root-mean-square of the standardised differences over the features both
regions have, ``sqrt(sum(w * dz**2) / sum(w))``: the Euclidean distance divided by the root of
the total weight, readable as "the typical difference in standard deviations" (0 = equal). Each
theme weighs 1 in total, split evenly over its features, so five age shares do not outweigh the
single size feature.

Missing data, without imputation:

* a feature present for fewer than :data:`FEATURE_MIN_COVERAGE` of the eligible regions, or
  missing for the subject, is dropped for everyone (and named in :attr:`PeerGroup.note`);
* a candidate that lacks some of the remaining features is compared on the features it has (the
  RMS keeps such distances comparable); a candidate with less than
  :data:`CANDIDATE_MIN_WEIGHT` of the total weight is left out.

Candidates: the regions of the comparison level, except the subject itself, its members and the
wijken that contain them, and regions below :data:`MIN_INHABITANTS` (or without inhabitants);
with ``exclude_same_gemeente=True`` also the regions of the subject's gemeente. The comparison
level is the subject's level (wijk -> wijken, buurt -> buurten, gemeente -> gemeenten); a gebied
(a set of buurten or wijken) is summed into one area by :func:`sum_members` (counts summed,
rates weighted by their base, shares from the summed counts; the rules of
:mod:`wijkanalyse.gebieden.aggregate`) and compared with **wijken**, because such sets are about as
large as a wijk; the wijken that contain its buurten are no candidates.

Year: by default the latest year in which every member of the subject has an inhabitant count.

Reasons: for each peer the 2–3 features with the smallest standardised differences (one per
theme, within half a standard deviation; see :func:`choose_reasons`) are written as Dutch
phrases with both values, the peer's first: "vergelijkbaar aantal inwoners (3.590 tegen
3.455)", "ook veel 65-plussers (24% tegen 23%)" (see :func:`reason_text`).

Development: where the Leefbaarometer score (``lbm``) exists for a peer wijk its series is
attached, with the change from the first to the last measurement.

Performance: the features of all regions of a level and year are built in one query and
vectorised pandas; they, the region names, the years with inhabitants and the Leefbaarometer
series are cached per connection, keyed by the loaded sources (a rebuilt database has other
sources and is read again). After the first call a :func:`find_peers` call for a wijk costs one
tiny query and some numpy (about 5 ms); a gebied adds one query for its members.
"""

from __future__ import annotations

import json
import math
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import change, nl_number
from wijkanalyse.model import Peer, PeerGroup, SeriesPoint, Subject
from wijkanalyse.profiel import load, stored
from wijkanalyse.profiel.features import (
    FEATURE_BY_ID,
    FEATURE_MIN_COVERAGE,
    FEATURES,
    INPUT_INDICATORS,
    _scale,
    choose_reasons,
    display_value,
    features_from_indicators,
    reason_text,
    similarity,
    sum_members,
    theme_weights,
)
from wijkanalyse.profiel.peer_notes import _PLURAL, _empty, _method, _note

#: The API of the peer search; the structural features it compares on (defined in
#: :mod:`~wijkanalyse.profiel.features`) are part of it (``monitor.typology`` uses them).
__all__ = [
    "CANDIDATE_MIN_WEIGHT",
    "FEATURES",
    "FEATURE_BY_ID",
    "FEATURE_MIN_COVERAGE",
    "INPUT_INDICATORS",
    "MIN_INHABITANTS",
    "display_value",
    "features_from_indicators",
    "find_peers",
    "structural_features",
    "subject_features",
    "sum_members",
]

#: Regions with fewer inhabitants are neither candidates nor part of the standardisation.
MIN_INHABITANTS = 500
#: A candidate needs at least this share of the total feature weight to be compared.
CANDIDATE_MIN_WEIGHT = 2 / 3

LBM_INDICATOR = "lbm"
LBM_LABEL = "Leefbaarometer 3.0, ministerie van BZK"

_LEVEL_PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
_NAME_PREFIX = re.compile(r"^(wijk|buurt)\s+\d+[a-z]?\s+", re.IGNORECASE)


# --------------------------------------------------------------------------- pure computation


# --------------------------------------------------------------------------- database reads


@dataclass
class _Eligible:
    """The regions with enough inhabitants, with coverage, mean and std of every feature."""

    features: pd.DataFrame
    coverage: pd.Series
    mean: pd.Series
    std: pd.Series
    codes: np.ndarray  # region codes (str) in the order of ``features``
    gemeente_digits: np.ndarray  # the four gemeente digits of each code


@dataclass
class _LevelData:
    """Features of all regions of one level and year, with inhabitants and source labels."""

    features: pd.DataFrame
    inhabitants: pd.Series
    labels: dict[str, tuple[str, ...]]  # indicator id -> source labels
    n_gemeenten: int = 0  # gemeenten with an inhabitant count in that year
    eligible_cache: dict[int, _Eligible] | None = None

    def eligible(self, min_inhabitants: int) -> _Eligible:
        """The regions with at least ``min_inhabitants`` inhabitants (cached)."""
        if self.eligible_cache is None:
            self.eligible_cache = {}
        if min_inhabitants not in self.eligible_cache:
            mask = (self.inhabitants.reindex(self.features.index) >= min_inhabitants)
            feats = self.features.loc[mask.fillna(False).to_numpy()]
            mean, std = _scale(feats)
            coverage = feats.notna().mean() if len(feats) else feats.notna().sum()
            codes = np.array([str(c) for c in feats.index], dtype=str)
            digits = np.array([c[2:6] for c in codes], dtype=str)
            self.eligible_cache[min_inhabitants] = _Eligible(feats, coverage, mean, std, codes,
                                                             digits)
        return self.eligible_cache[min_inhabitants]


_CACHE: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    return load.source_fingerprint(con)


def _per_connection(con: duckdb.DuckDBPyConnection) -> dict[Any, Any]:
    """The cache dict of one connection (a fresh one where it cannot be weakly referenced)."""
    try:
        return _CACHE.setdefault(con, {})
    except TypeError:
        return {}


def _level_data(
    con: duckdb.DuckDBPyConnection, level: str, year: int, *, fingerprint: str | None = None
) -> _LevelData:
    """Read (or take from the per-connection cache) the features of a level and year: the
    part stored by ``data build`` when its fingerprint matches, else computed."""
    if level not in _LEVEL_PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {sorted(_LEVEL_PREFIX)}")
    fingerprint = fingerprint or _fingerprint(con)
    key = ("features", fingerprint, level, int(year))
    per_con = _per_connection(con)
    if key in per_con:
        cached: _LevelData = per_con[key]
        return cached
    payload = stored.read_part(con, "peer_features", f"{level}:{int(year)}",
                               _stored_fingerprint(fingerprint))
    data = (_decode_level(payload) if payload is not None
            else _compute_level_data(con, level, int(year)))
    per_con[key] = data
    return data


def _compute_level_data(con: duckdb.DuckDBPyConnection, level: str, year: int) -> _LevelData:
    """The features of a level and year from the observations (one query, vectorised)."""
    long = load.level_values(con, int(year), _LEVEL_PREFIX[level], INPUT_INDICATORS)
    wide = long.pivot(index="code", columns="indicator_id", values="value")
    wide.columns = [str(c) for c in wide.columns]
    wide.index = wide.index.astype(object)
    wide = wide.sort_index()
    labels = {
        str(k): tuple(sorted({str(x) for x in v.dropna()}))
        for k, v in long.groupby("indicator_id")["label"]
    }
    inhabitants = (
        wide["a_inw"].astype("float64") if "a_inw" in wide.columns
        else pd.Series(np.nan, index=wide.index, dtype="float64")
    )
    return _LevelData(features_from_indicators(wide), inhabitants, labels,
                      n_gemeenten=load.gemeenten_with_inhabitants(con, int(year)))


#: The modules whose code makes the stored peer parts (a change invalidates them).
_PEER_CODE = ("profiel/features.py", "profiel/peers.py", "profiel/load.py")


def _stored_fingerprint(source_fingerprint: str) -> str:
    return f"{stored.code_hash(*_PEER_CODE)}|{source_fingerprint}"


def _encode_level(data: _LevelData) -> str:
    inw = data.inhabitants
    return json.dumps({
        "features": stored.encode_frame(data.features),
        "inhabitants": stored.encode_frame(inw.to_frame(name="v")),
        "inhabitants_name": inw.name,
        "labels": {k: list(v) for k, v in data.labels.items()},
        "n_gemeenten": data.n_gemeenten,
    }, ensure_ascii=False)


def _decode_level(payload: dict[str, Any]) -> _LevelData:
    inw = stored.decode_frame(payload["inhabitants"])["v"]
    inw.name = payload["inhabitants_name"]
    return _LevelData(stored.decode_frame(payload["features"]), inw,
                      {str(k): tuple(v) for k, v in payload["labels"].items()},
                      n_gemeenten=int(payload["n_gemeenten"]))


def stored_parts(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, str]]]:
    """The peer parts ``data build`` stores (see :mod:`~wijkanalyse.profiel.stored`): per kind
    the rows ``(key, fingerprint, payload)``; the features of every level and year with an
    inhabitant count, and the names of all regions."""
    fingerprint = _stored_fingerprint(_fingerprint(con))
    features = [
        (f"{level}:{year}", fingerprint, _encode_level(_compute_level_data(con, level, year)))
        for level, year in load.levels_with_inhabitants(con, _LEVEL_PREFIX)]
    rows = [(code, y, n) for code, by_year in sorted(load.best_names(con).items())
            for y, n in sorted(by_year.items())]
    names = json.dumps({"codes": [r[0] for r in rows], "years": [r[1] for r in rows],
                        "names": [r[2] for r in rows]}, ensure_ascii=False)
    return {"peer_features": features, "peer_names": [("", fingerprint, names)]}


def structural_features(
    con: duckdb.DuckDBPyConnection, *, level: str, year: int
) -> pd.DataFrame:
    """The structural features of every region of one level and year.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    level
        ``"wijk"``, ``"buurt"`` or ``"gemeente"``.
    year
        KWB year.

    Returns
    -------
    pandas.DataFrame
        Index ``code`` (sorted), one float column per feature of :data:`FEATURES` that has at
        least one value for this level and year (``NaN`` = missing); empty when nothing is
        loaded. Read in one query and computed vectorised.
    """
    return _level_data(con, level, year).features.copy()


def _subject_values(
    con: duckdb.DuckDBPyConnection, subject: Subject, year: int
) -> tuple[pd.Series | None, float | None, tuple[str, ...]]:
    """Features, inhabitants and source labels of a subject that is summed from members."""
    members = list(dict.fromkeys(subject.members))
    values = load.member_values(con, int(year), members, INPUT_INDICATORS)
    if values.empty:
        return None, None, ()
    bases = load.weighted_bases(con, INPUT_INDICATORS)
    wide = values.pivot(index="code", columns="indicator_id", values="value").reindex(members)
    wide.columns = [str(c) for c in wide.columns]
    summed = sum_members(wide, bases=bases)
    feats = features_from_indicators(summed.to_frame().T)
    row = feats.iloc[0] if len(feats) else pd.Series(dtype="float64")
    inw = float(summed.get("a_inw", math.nan))
    labels = tuple(sorted({str(x) for x in values["label"].dropna()}))
    return row, (None if math.isnan(inw) else inw), labels


def _target(
    con: duckdb.DuckDBPyConnection, subject: Subject, level: str, year: int, data: _LevelData
) -> tuple[pd.Series | None, float | None, tuple[str, ...]]:
    """Features, inhabitants and extra source labels of the subject (``None`` when absent)."""
    if subject.kind != "gebied" and len(subject.members) == 1:
        code = subject.members[0]
        if code not in data.features.index:
            return None, None, ()
        inw = data.inhabitants.get(code)
        return (data.features.loc[code].copy(), None if pd.isna(inw) else float(inw), ())
    return _subject_values(con, subject, year)


def subject_features(
    con: duckdb.DuckDBPyConnection, subject: Subject, *, year: int | None = None
) -> pd.Series:
    """The structural features of a subject, as :func:`find_peers` compares them.

    A single region gives its row of :func:`structural_features`; a gebied is summed from its
    members first (counts summed, shares from the summed counts).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    subject
        The wijk, buurt, gemeente or gebied.
    year
        KWB year; default the latest year in which every member has an inhabitant count.

    Returns
    -------
    pandas.Series
        Feature id -> value (``NaN`` = missing); empty when there is no data for the year.
    """
    level = _comparison_level(subject)
    if level not in _LEVEL_PREFIX or not subject.members:
        return pd.Series(dtype="float64")
    fingerprint = _fingerprint(con)
    if year is None:
        year = _default_year(con, subject.members, fingerprint)
        if year is None:
            return pd.Series(dtype="float64")
    data = _level_data(con, level, int(year), fingerprint=fingerprint)
    target, _, _ = _target(con, subject, level, int(year), data)
    return pd.Series(dtype="float64") if target is None else target


def _years_with_inhabitants(
    con: duckdb.DuckDBPyConnection, fingerprint: str
) -> dict[str, frozenset[int]]:
    """Per region code the years with an inhabitant count (cached per connection)."""
    key = ("years", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        per_con[key] = load.years_with_inhabitants(con)
    years: dict[str, frozenset[int]] = per_con[key]
    return years


def _default_year(
    con: duckdb.DuckDBPyConnection, members: Sequence[str], fingerprint: str
) -> int | None:
    """The latest year in which every member has an inhabitant count."""
    years = _years_with_inhabitants(con, fingerprint)
    common: frozenset[int] | None = None
    for code in members:
        own = years.get(code, frozenset())
        common = own if common is None else common & own
    return max(common) if common else None


def _display_name(name: str | None, code: str) -> str:
    """A region name without the CBS prefix ("Wijk 43 Angelslo" -> "Angelslo")."""
    if not name:
        return code
    return _NAME_PREFIX.sub("", str(name).strip()) or str(name).strip()


def _all_names(
    con: duckdb.DuckDBPyConnection, fingerprint: str
) -> dict[str, dict[int, str]]:
    """Per region code its name per year (best source), cached per connection."""
    key = ("names", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        payload = stored.read_part(con, "peer_names", "", _stored_fingerprint(fingerprint))
        per_con[key] = load.best_names(con) if payload is None else _decode_names(payload)
    found: dict[str, dict[int, str]] = per_con[key]
    return found


def _decode_names(payload: dict[str, list[Any]]) -> dict[str, dict[int, str]]:
    names: dict[str, dict[int, str]] = {}
    for code, year, name in zip(payload["codes"], payload["years"], payload["names"],
                                strict=True):
        names.setdefault(code, {})[year] = name
    return names


def _names(
    con: duckdb.DuckDBPyConnection, codes: Sequence[str], year: int, fingerprint: str
) -> dict[str, str | None]:
    """Names of regions (the given year first, else the latest year that names them)."""
    names = _all_names(con, fingerprint)
    out: dict[str, str | None] = {}
    for code in codes:
        by_year = names.get(code)
        out[code] = (by_year.get(year) or by_year[max(by_year)]) if by_year else None
    return out


def _lbm_series(
    con: duckdb.DuckDBPyConnection, codes: Sequence[str], fingerprint: str
) -> dict[str, list[SeriesPoint]]:
    """Leefbaarometer score series per wijk code (new objects on every call)."""
    key = ("lbm", fingerprint)
    per_con = _per_connection(con)
    if key not in per_con:
        table: dict[str, list[tuple[int, float, str]]] = {}
        for code, year, value, label in load.indicator_series(con, LBM_INDICATOR):
            table.setdefault(code, []).append((year, value, label or LBM_LABEL))
        per_con[key] = table
    table = per_con[key]
    return {
        code: [SeriesPoint(year=y, area=v, source=lab) for y, v, lab in table[code]]
        for code in codes if code in table
    }


# --------------------------------------------------------------------------- find_peers


def _comparison_level(subject: Subject) -> str:
    if subject.kind == "gebied" and subject.level == "buurt":
        return "wijk"
    return subject.level


def find_peers(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    year: int | None = None,
    n: int = 10,
    indicators: Sequence[str] | None = None,
    exclude_same_gemeente: bool = False,
    min_inhabitants: int = MIN_INHABITANTS,
) -> PeerGroup:
    """The most similar regions nationally on structural features (see the module docstring).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    subject
        The wijk, buurt, gemeente or gebied (set of buurten or wijken).
    year
        KWB year of the features; default the latest year in which every member has an
        inhabitant count.
    n
        Number of peers (at most).
    indicators
        Feature ids (of :data:`FEATURES`) to compare on; default all that are available.
    exclude_same_gemeente
        Leave out regions of the subject's gemeente.
    min_inhabitants
        Regions with fewer inhabitants are no candidates and do not shape the z-scores.

    Returns
    -------
    PeerGroup
        Peers sorted by distance (rank 1 = most similar); ``indicators`` lists the feature ids
        used; ``note`` says in Dutch what was used, left out and why. When the subject has no
        structural data for the year the group is empty and ``note`` says why.

    Raises
    ------
    ValueError
        When ``n`` < 1 or ``indicators`` names an unknown feature.
    """
    if n < 1:
        raise ValueError("n moet minstens 1 zijn")
    if indicators is not None:
        unknown = [i for i in indicators if i not in FEATURE_BY_ID]
        if unknown:
            raise ValueError(
                f"onbekende kenmerken: {', '.join(unknown)}; kies uit "
                f"{', '.join(FEATURE_BY_ID)}."
            )
    level = _comparison_level(subject)
    plural = _PLURAL.get(level, level)
    if level not in _LEVEL_PREFIX or not subject.members:
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} (niveau {subject.level}) worden geen vergelijkbare "
                      "gebieden gezocht: dat kan alleen voor gemeenten, wijken, buurten en "
                      "gebieden van buurten of wijken.")
    fingerprint = _fingerprint(con)
    if year is None:
        year = _default_year(con, subject.members, fingerprint)
        if year is None:
            return _empty(level, None, min_inhabitants,
                          f"Voor {subject.name} is in geen enkel jaar een inwonertal geladen; "
                          "daarom zijn er geen vergelijkbare gebieden te bepalen.")
    year = int(year)
    data = _level_data(con, level, year, fingerprint=fingerprint)
    target, target_inw, target_labels = _target(con, subject, level, year, data)
    if target is None or target.isna().all() or target_inw is None or pd.isna(target_inw):
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} zijn in {year} geen structuurkenmerken (zoals het "
                      "aantal inwoners) geladen; daarom zijn er voor dat jaar geen "
                      "vergelijkbare gebieden te bepalen.")

    elig = data.eligible(int(min_inhabitants))
    eligible = elig.features
    if eligible.empty:
        return _empty(level, year, min_inhabitants,
                      f"Er zijn in {year} geen {plural} met minstens "
                      f"{nl_number(min_inhabitants)} inwoners geladen om mee te vergelijken.")

    wanted = list(indicators) if indicators is not None else [f.id for f in FEATURES]
    present = [f for f in wanted if f in eligible.columns]
    not_loaded = [f for f in wanted if f not in eligible.columns]
    low = [f for f in present if elig.coverage[f] < FEATURE_MIN_COVERAGE]
    lacking = [f for f in present if f not in low and pd.isna(target.get(f))]
    flat = [f for f in present if f not in low and f not in lacking and not elig.std[f] > 0]
    used = [f for f in present if f not in (*low, *lacking, *flat)]
    if len(used) < 2:
        return _empty(level, year, min_inhabitants,
                      f"Voor {subject.name} zijn in {year} te weinig structuurkenmerken "
                      f"beschikbaar om {plural} te vergelijken"
                      + (f" (alleen {FEATURE_BY_ID[used[0]].label})" if used else "") + ".")

    sim = similarity(eligible[used], target[used], weights=theme_weights(used))
    codes = elig.codes
    excluded = {subject.id, *subject.members, *subject.wijk_codes}
    keep = ~np.isin(codes, sorted(excluded))
    if exclude_same_gemeente and subject.gemeente_code and level != "gemeente":
        keep &= elig.gemeente_digits != subject.gemeente_code[2:6]
    keep &= sim["weight_share"].to_numpy() >= CANDIDATE_MIN_WEIGHT - 1e-12
    distance = sim["distance"].to_numpy()
    keep &= np.isfinite(distance)
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((codes[idx], distance[idx]))][:n]

    mean = elig.mean[used].to_numpy(dtype="float64")
    std = elig.std[used].to_numpy(dtype="float64")
    t = target[used].to_numpy(dtype="float64")
    x = eligible[used].to_numpy(dtype="float64")[idx]
    dz = sim[used].to_numpy(dtype="float64")[idx]
    peer_codes = [str(c) for c in codes[idx]]
    gemeente_codes = sorted({"GM" + c[2:6] for c in peer_codes if c[:2] in ("WK", "BU")})
    names = _names(con, [*peer_codes, *gemeente_codes], year, fingerprint)
    lbm = _lbm_series(con, peer_codes, fingerprint) if level == "wijk" else {}

    peers: list[Peer] = []
    n_gaps = 0
    n_compared = sim["n_features"].to_numpy()[idx]
    for rank, code in enumerate(peer_codes, start=1):
        row = rank - 1
        if int(n_compared[row]) < len(used):
            n_gaps += 1
        chosen = choose_reasons(dict(zip(used, dz[row], strict=True)))
        reasons = []
        for f in chosen:
            j = used.index(f)
            reasons.append(reason_text(f, float(x[row, j]), float(t[j]),
                                       peer_z=float((x[row, j] - mean[j]) / std[j]),
                                       subject_z=float((t[j] - mean[j]) / std[j])))
        series = lbm.get(code, [])
        lbm_change, lbm_text = (None, None)
        if len(series) >= 2:
            lbm_change, lbm_text = change(series[0].area, series[-1].area, unit="score",
                                          kind="score")
        gm = "GM" + code[2:6] if code[:2] in ("WK", "BU") else None
        peers.append(Peer(
            code=code,
            name=_display_name(names.get(code), code),
            gemeente_name=(names.get(gm) if gm else None),
            distance=float(distance[idx[row]]),
            rank=rank,
            reasons=reasons,
            lbm_change=lbm_change,
            lbm_change_text=lbm_text,
            lbm_series=series,
        ))

    labels = set(target_labels)
    for f in used:
        for ind in FEATURE_BY_ID[f].inputs:
            labels.update(data.labels.get(ind, ()))
    labels.update(pt.source or LBM_LABEL for p in peers for pt in p.lbm_series)
    note = _note(subject, level, year, used=used, not_loaded=not_loaded, low=low,
                 coverage=elig.coverage, lacking=lacking, flat=flat, n_gaps=n_gaps,
                 n_peers=len(peers), min_inhabitants=min_inhabitants,
                 exclude_same_gemeente=exclude_same_gemeente,
                 candidate_gemeenten=_candidate_gemeenten(con, data, elig, year, level,
                                                          fingerprint),
                 indicators_given=indicators is not None)
    return PeerGroup(
        level=level,
        year=year,
        indicators=used,
        method=_method(level, year, min_inhabitants),
        peers=peers,
        source="; ".join(sorted(labels)) or None,
        note=note,
    )


def _candidate_gemeenten(
    con: duckdb.DuckDBPyConnection, data: _LevelData, elig: _Eligible, year: int, level: str,
    fingerprint: str,
) -> tuple[list[str], int]:
    """Names (or codes) of the gemeenten the eligible regions lie in when they are few, and
    how many gemeenten have an inhabitant count that year; for gemeenten ``([], 0)``."""
    if level == "gemeente" or not data.n_gemeenten:
        return [], 0
    gms = ["GM" + d for d in np.unique(elig.gemeente_digits)]
    if len(gms) < 0.9 * data.n_gemeenten and len(gms) <= 10:
        names = _names(con, gms, year, fingerprint)
        gms = sorted(names.get(g) or g for g in gms)
    return gms, data.n_gemeenten


