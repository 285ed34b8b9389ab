"""The typology over the years: one fit, every year assigned to it, transitions between types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.monitor.typology.cluster import assign_types, typology
from wijkanalyse.monitor.typology.features import name_reference, structural_features
from wijkanalyse.monitor.typology.model import (
    FEATURE_LABELS,
    TypologyResult,
)
from wijkanalyse.profiel import peers


def typology_over_years(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int],
    reference_year: int | None = None,
    common_features: bool = True,
    with_location: bool = True,
    **options: Any,
) -> tuple[TypologyResult, dict[int, pd.DataFrame]]:
    """Fit a typology on one year and assign the units of the other years to its types.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect`.
    units
        The units (see :func:`structural_features`).
    years
        The KWB years.
    reference_year
        The year to fit on; default the year with the most usable features, then the most
        units with an inhabitant count, then the latest.
    common_features
        Use only the features known (for at least ``min_coverage`` of the units) in every
        year, so that every year can be assigned; the note names the features left out.
    with_location
        Include the location feature where boundaries exist.
    **options
        Passed to :func:`typology` (``k``, ``method``, ``seed``, ``k_range``,
        ``min_inhabitants``, ``min_coverage``, ``noun``, ``reference``; by default the
        reference of :func:`name_reference` for the reference year).

    Returns
    -------
    tuple
        The typology and ``year -> labels`` (the reference year: the fitted labels).
    """
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("geef minstens één jaar")
    if reference_year is not None and int(reference_year) not in years:
        years = sorted({*years, int(reference_year)})
    cache: dict[str, Any] = {}
    feats = {y: structural_features(con, units, year=y, with_location=with_location,
                                    cache=cache) for y in years}
    min_cov = float(options.get("min_coverage", peers.FEATURE_MIN_COVERAGE))

    def covered(f: pd.DataFrame) -> set[str]:
        return {c for c in f.columns if f[c].notna().mean() >= min_cov} if len(f) else set()

    cover = {y: covered(f) for y, f in feats.items()}
    if reference_year is None:
        reference_year = max(years, key=lambda y: (
            len(cover[y]), int(feats[y].get("inwoners_log", pd.Series(dtype=float))
                               .notna().sum()), y))
    ref = int(reference_year)
    ref_feats = feats[ref]
    left_out: list[str] = []
    if common_features:
        keep = set.intersection(*cover.values()) if cover else set()
        left_out = [c for c in ref_feats.columns if c in cover[ref] and c not in keep]
        ref_feats = ref_feats[[c for c in ref_feats.columns if c in keep or c not in cover[ref]]]
        ref_feats.attrs = dict(feats[ref].attrs)
    if "reference" not in options:
        options["reference"] = name_reference(con, units, year=ref)
    result = typology(ref_feats, **options)
    result.reference_year = ref
    extra = [f"Gemaakt op {ref} en toegewezen aan de jaren {join_nl([str(y) for y in years])} "
             "(dichtstbijzijnde type, met de standaardisering van het referentiejaar)."]
    if left_out:
        extra.append("Weggelaten omdat ze niet in elk jaar bekend zijn: "
                     + join_nl([FEATURE_LABELS.get(f, f) for f in left_out]) + ".")
    result.note = " ".join([result.note, *extra])
    by_year = {y: (result.labels.copy() if y == ref else assign_types(result, feats[y]))
               for y in years}
    return result, by_year


# --------------------------------------------------------------------------- transitions


def transition_table(
    labels_by_year: Mapping[int, pd.DataFrame],
    *,
    year_from: int | None = None,
    year_to: int | None = None,
) -> pd.DataFrame:
    """Units by type in one year (rows) and type in another year (columns).

    Parameters
    ----------
    labels_by_year
        ``year -> labels`` (``unit_id, type_id, type_name``) of the same typology, e.g. from
        :func:`typology_over_years`.
    year_from, year_to
        The two years; default the first and the last.

    Returns
    -------
    pandas.DataFrame
        Counts (int) of the units typed in both years; rows and columns are the type names
        (every type that occurs in either year, ordered by type id). ``attrs``: ``note``
        (Dutch), ``n_units`` (units in both years), ``n_changed``, ``year_from``,
        ``year_to``. Empty, with a note, when fewer than two years are given or no unit is
        typed in both.

    Raises
    ------
    ValueError
        When a requested year is not in ``labels_by_year``.
    """
    years = sorted(int(y) for y in labels_by_year)
    empty = pd.DataFrame()
    if len(years) < 2:
        empty.attrs.update(note="Geen overgangen: de typen zijn maar voor "
                           f"{'één jaar' if years else 'geen enkel jaar'} bekend.",
                           n_units=0, n_changed=0, year_from=None, year_to=None)
        return empty
    a = years[0] if year_from is None else int(year_from)
    b = years[-1] if year_to is None else int(year_to)
    for y in (a, b):
        if y not in labels_by_year:
            raise ValueError(f"geen typen voor {y}; beschikbaar: {', '.join(map(str, years))}")
    la = labels_by_year[a].dropna(subset=["type_id"])[["unit_id", "type_id", "type_name"]]
    lb = labels_by_year[b].dropna(subset=["type_id"])[["unit_id", "type_id", "type_name"]]
    both = la.merge(lb, on="unit_id", suffixes=("_a", "_b"))
    if both.empty:
        empty.attrs.update(note=f"Geen overgangen: geen enkel gebied heeft zowel in {a} als "
                           f"in {b} een type (kenmerken ontbreken in een van de jaren).",
                           n_units=0, n_changed=0, year_from=a, year_to=b)
        return empty
    types = pd.concat([
        la[["type_id", "type_name"]], lb[["type_id", "type_name"]]
    ]).drop_duplicates("type_id").sort_values("type_id")
    names = list(types["type_name"])
    table = pd.crosstab(both["type_name_a"], both["type_name_b"]).reindex(
        index=names, columns=names, fill_value=0).astype("int64")
    table.index.name = f"type {a}"
    table.columns.name = f"type {b}"
    n = len(both)
    changed = int((both["type_id_a"] != both["type_id_b"]).sum())
    only = (len(set(labels_by_year[a]["unit_id"]) | set(labels_by_year[b]["unit_id"])) - n)
    note = (f"{nl_number(n)} gebieden hebben zowel in {a} als in {b} een type; "
            f"{nl_number(changed)} daarvan ({nl_number(100 * changed / n)}%) veranderden van "
            "type.")
    if only:
        note += f" {nl_number(only)} gebieden hebben in een van de twee jaren geen type."
    table.attrs.update(note=note, n_units=n, n_changed=changed, year_from=a, year_to=b)
    return table
