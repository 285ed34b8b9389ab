"""Clustering units into types (k-means or Ward on standardised features); assigning units."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.monitor.typology.model import (
    CENTER_COLUMNS,
    CRITERION_COLUMNS,
    FEATURE_LABELS,
    METHODS,
    MIN_UNITS_PER_TYPE,
    SILHOUETTE_SAMPLE,
    WARD_MAX_UNITS,
    NameReference,
    TypologyResult,
)
from wijkanalyse.monitor.typology.names import Word, context_words, name_types
from wijkanalyse.profiel import peers

# --------------------------------------------------------------------------- clustering


def _cluster(z: np.ndarray, k: int, method: str, seed: int) -> tuple[np.ndarray, float]:
    """Labels (0..k-1) and within-cluster sum of squares."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        if method == "kmeans":
            from sklearn.cluster import KMeans

            labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(z)
        else:
            from sklearn.cluster import AgglomerativeClustering

            labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(z)
    inertia = 0.0
    for c in range(k):
        part = z[labels == c]
        inertia += float(((part - part.mean(axis=0)) ** 2).sum())
    return labels.astype("int64"), inertia


def _silhouette(z: np.ndarray, labels: np.ndarray, seed: int) -> float:
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    if len(np.unique(labels)) < 2:
        return math.nan
    sample = SILHOUETTE_SAMPLE if len(z) > SILHOUETTE_SAMPLE else None
    with threadpool_limits(limits=1):
        return float(silhouette_score(z, labels, sample_size=sample, random_state=seed))


def _empty_result(features: pd.DataFrame, method: str, seed: int, note: str,
                  reasons: pd.Series, min_inhabitants: int, dropped: dict[str, str],
                  criterion: pd.DataFrame | None = None) -> TypologyResult:
    labels = pd.DataFrame({
        "unit_id": pd.Series(features.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(features), dtype="Int64"),
        "type_name": pd.Series([None] * len(features), dtype=object),
        "fitted": np.zeros(len(features), dtype=bool),
        "reason": pd.Series(list(reasons.reindex(features.index)), dtype=object),
    })
    return TypologyResult(
        labels=labels, centers=pd.DataFrame(columns=list(CENTER_COLUMNS)),
        criterion=criterion if criterion is not None
        else pd.DataFrame(columns=list(CRITERION_COLUMNS)),
        k=0, method=method, features_used=[], note=note, seed=seed,
        min_inhabitants=min_inhabitants, reference_year=features.attrs.get("year"),
        dropped=dropped)


def _validate(method: str, k: int | None, k_range: Sequence[int]) -> list[int]:
    if method not in METHODS:
        raise ValueError(f"onbekende methode {method!r}; kies uit {', '.join(METHODS)}")
    if k is not None:
        if int(k) != k or k < 2:
            raise ValueError("k moet een geheel getal van minstens 2 zijn")
        return [int(k)]
    ks = sorted({int(x) for x in k_range})
    if not ks or ks[0] < 2:
        raise ValueError("k_range moet niet leeg zijn en alleen waarden >= 2 bevatten")
    return ks


def typology(
    features: pd.DataFrame,
    *,
    k: int | None = None,
    method: str = "kmeans",
    seed: int = 42,
    k_range: Sequence[int] = range(3, 9),
    min_inhabitants: int = peers.MIN_INHABITANTS,
    min_coverage: float = peers.FEATURE_MIN_COVERAGE,
    noun: str = "wijken",
    reference: NameReference | None = None,
) -> TypologyResult:
    """Group units into types (see the module docstring for the method and the names).

    Parameters
    ----------
    features
        One row per unit (index = unit id), numeric feature columns, as
        :func:`structural_features` gives them (any numeric columns work; unknown features
        are named with their column name).
    k
        Number of types; default chosen from ``k_range`` by the silhouette criterion.
    method
        ``"kmeans"`` or ``"ward"``.
    seed
        Random seed (k-means initialisation and the silhouette sample).
    k_range
        The numbers of types tried when ``k`` is not given (values >= 2; values of at least the
        number of units are skipped).
    min_inhabitants
        Units with fewer inhabitants (feature ``inwoners_log``) are not typed; 0 types all.
    min_coverage
        A feature must be known for at least this share of the units to be used.
    noun
        Head noun of the type names.
    reference
        What the words of the names are compared with (national distributions, stedelijkheid
        and welvaart per unit: :func:`~wijkanalyse.monitor.typology.name_reference`); without
        it the typed units themselves, and no word on stedelijkheid or welvaart.

    Returns
    -------
    TypologyResult
        With ``k == 0`` and an explaining note when too few units or features remain.

    Raises
    ------
    ValueError
        For an unknown method, ``k`` < 2, an empty ``k_range``, or Ward on more than
        :data:`WARD_MAX_UNITS` units.
    """
    ks = _validate(method, k, k_range)
    if not isinstance(features, pd.DataFrame):
        raise TypeError("features moet een DataFrame zijn")
    feats = features.apply(pd.to_numeric, errors="coerce").astype("float64")
    reasons = pd.Series(None, index=feats.index, dtype=object)
    eligible = pd.Series(True, index=feats.index)
    notes: list[str] = []
    if min_inhabitants > 0 and "inwoners_log" in feats.columns:
        small = ~(feats["inwoners_log"] >= math.log10(min_inhabitants))
        eligible &= ~small
        reasons[small] = (f"minder dan {nl_number(min_inhabitants)} inwoners (of onbekend): "
                          "geen woonwijk om te typeren")
    elif min_inhabitants > 0:
        notes.append("Het aantal inwoners is onbekend, dus kleine gebieden zijn niet "
                     "uitgesloten.")
    base = feats[eligible]
    dropped: dict[str, str] = {}
    used: list[str] = []
    for col in feats.columns:
        cov = float(base[col].notna().mean()) if len(base) else 0.0
        if cov < min_coverage:
            dropped[col] = (f"bekend voor {nl_number(cov * 100)}% van de gebieden (minder dan "
                            f"{nl_number(min_coverage * 100)}%)")
        elif not float(base[col].std(ddof=0)) > 0:
            dropped[col] = "geen spreiding"
        else:
            used.append(col)
    lacking = eligible & feats[used].isna().any(axis=1) if used else eligible & False
    for uid in feats.index[lacking]:
        miss = [FEATURE_LABELS.get(f, f) for f in used if pd.isna(feats.at[uid, f])]
        reasons[uid] = "kenmerken ontbreken: " + join_nl(miss)
    fit_mask = eligible & ~lacking
    fit = feats.loc[fit_mask, used]
    n = len(fit)
    if dropped:
        notes.append("Niet gebruikt: " + join_nl(
            [f"{FEATURE_LABELS.get(f, f)} ({r})" for f, r in dropped.items()]) + ".")
    too_many = [x for x in ks if x * MIN_UNITS_PER_TYPE > n] if k is None else []
    ks = [x for x in ks if x < n and x not in too_many]
    if too_many and ks:
        notes.append(f"Niet geprobeerd: k = {join_nl([str(x) for x in too_many])} (minder dan "
                     f"{MIN_UNITS_PER_TYPE} gebieden per type bij {nl_number(n)} gebieden).")
    if len(used) < 2 or not ks:
        why = (f"te weinig kenmerken ({len(used)})" if len(used) < 2
               else f"te weinig gebieden met alle kenmerken ({n})")
        reasons[fit_mask] = f"geen typologie: {why}"
        return _empty_result(features, method, seed,
                             f"Geen typologie gemaakt: {why}. " + " ".join(notes), reasons,
                             min_inhabitants, dropped)
    if method == "ward" and n > WARD_MAX_UNITS:
        raise ValueError(f"de methode ward houdt een afstandsmatrix van {n}² getallen bij; "
                         f"gebruik k-means voor meer dan {WARD_MAX_UNITS} gebieden")

    mean = fit.mean()
    std = fit.std(ddof=0)
    z = ((fit - mean) / std).to_numpy(dtype="float64")
    crit_rows = []
    results: dict[int, np.ndarray] = {}
    for kk in ks:
        lab, inertia = _cluster(z, kk, method, seed)
        results[kk] = lab
        crit_rows.append({"k": kk, "silhouette": _silhouette(z, lab, seed), "inertia": inertia,
                          "smallest_type": int(np.bincount(lab, minlength=kk).min())})
    criterion = pd.DataFrame(crit_rows, columns=list(CRITERION_COLUMNS))
    if k is not None:
        best = int(k)
    else:
        valid = criterion[criterion["silhouette"].notna()]
        best = int(valid.sort_values(["silhouette", "k"], ascending=[False, True])["k"].iloc[0]
                   if len(valid) else ks[0])
    raw = results[best]

    # number types by size (largest first), ties by the first unit in feature order
    sizes = np.bincount(raw, minlength=best)
    first = [int(np.flatnonzero(raw == c)[0]) for c in range(best)]
    order = sorted(range(best), key=lambda c: (-sizes[c], first[c]))
    remap = {old: new + 1 for new, old in enumerate(order)}
    type_ids = np.array([remap[int(c)] for c in raw], dtype="int64")

    zdf = pd.DataFrame(z, index=fit.index, columns=used)
    center_z = zdf.groupby(type_ids).mean()
    center_z.index.name = "type_id"
    center_v = fit.groupby(type_ids).mean()
    names = name_types(center_z, noun=noun, values=fit, type_ids=type_ids,
                       reference=reference,
                       context=_type_context(reference, fit.index, type_ids))
    counts = pd.Series(type_ids).value_counts()

    centers = []
    for t in center_z.index:
        for f in used:
            val = float(center_v.at[t, f])
            disp = (peers.display_value(f, val) if f in peers.FEATURE_BY_ID else val)
            centers.append({"type_id": int(t), "type_name": names[int(t)],
                            "n_units": int(counts[t]), "feature": f,
                            "label": FEATURE_LABELS.get(f, f), "value": val,
                            "display_value": disp, "z": float(center_z.at[t, f])})
    labels = pd.DataFrame({
        "unit_id": pd.Series(feats.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(feats), dtype="Int64"),
        "type_name": pd.Series([None] * len(feats), dtype=object),
        "fitted": fit_mask.to_numpy(dtype=bool),
        "reason": pd.Series(list(reasons), dtype=object),
    })
    pos = np.flatnonzero(fit_mask.to_numpy())
    labels.loc[pos, "type_id"] = type_ids
    labels.loc[pos, "type_name"] = [names[int(t)] for t in type_ids]

    how = "k-means (10 starts, seed " + str(seed) + ")" if method == "kmeans" else \
        "Ward-clustering"
    if k is None:
        best_sil = float(criterion.loc[criterion["k"] == best, "silhouette"].iloc[0])
        tried = str(ks[0]) if len(ks) == 1 else f"{ks[0]}–{ks[-1]}"
        choice = (f"het aantal typen ({best}) is gekozen met het silhouetcriterium over k = "
                  f"{tried} (hoogste silhouet {nl_number(best_sil, decimals=2)})")
    else:
        choice = f"het aantal typen ({best}) is opgegeven"
    text = (f"{how} op {nl_number(n)} gebieden met {len(used)} kenmerken "
            f"(standaardscores); {choice}.")
    n_untyped = int((~fit_mask).sum())
    if n_untyped:
        text += (f" Zonder type: {nl_number(n_untyped)} "
                 f"{'gebied' if n_untyped == 1 else 'gebieden'} (de reden staat per gebied).")
    note = " ".join([text, *notes, features.attrs.get("note") or "",
                     reference.note if reference is not None else ""]).strip()
    return TypologyResult(
        labels=labels, centers=pd.DataFrame(centers, columns=list(CENTER_COLUMNS)),
        criterion=criterion, k=best, method=method, features_used=used, note=note, seed=seed,
        mean=mean, std=std, center_z=center_z, min_inhabitants=min_inhabitants,
        reference_year=features.attrs.get("year"), dropped=dropped)


def _type_context(reference: NameReference | None, index: pd.Index,
                  type_ids: np.ndarray) -> dict[int, list[Word]]:
    """Per type the stedelijkheid and welvaart words from the medians of its units (each
    only when at least half of the type's units have a value)."""
    if reference is None or reference.context.empty:
        return {}
    ctx = reference.context.reindex(index.astype(str))
    out: dict[int, list[Word]] = {}
    for t in np.unique(type_ids):
        part = ctx[type_ids == t]
        med = {}
        for col in ("stedelijkheid", "welvaart"):
            known = part[col].dropna() if col in part.columns else pd.Series(dtype="float64")
            med[col] = float(known.median()) if len(known) * 2 >= len(part) else float("nan")
        out[int(t)] = context_words(med["stedelijkheid"], med["welvaart"])
    return out


def assign_types(result: TypologyResult, features: pd.DataFrame) -> pd.DataFrame:
    """Assign units (e.g. of another year) to the nearest type of a fitted typology.

    The features are standardised with the typology's own mean and standard deviation and
    each unit gets the type whose centre is nearest (Euclidean distance of the z-scores).
    Units below the typology's ``min_inhabitants`` or lacking a used feature get no type.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LABEL_COLUMNS` (``fitted`` is False: the unit did not shape the types).
    """
    feats = features.apply(pd.to_numeric, errors="coerce").astype("float64")
    out = pd.DataFrame({
        "unit_id": pd.Series(feats.index.astype(str), dtype=object),
        "type_id": pd.array([pd.NA] * len(feats), dtype="Int64"),
        "type_name": pd.Series([None] * len(feats), dtype=object),
        "fitted": np.zeros(len(feats), dtype=bool),
        "reason": pd.Series([None] * len(feats), dtype=object),
    })
    if result.k == 0:
        out["reason"] = "geen typologie om aan toe te wijzen"
        return out
    used = result.features_used
    ok = np.ones(len(feats), dtype=bool)
    reasons: list[str | None] = [None] * len(feats)
    if result.min_inhabitants > 0 and "inwoners_log" in feats.columns:
        small = ~(feats["inwoners_log"] >= math.log10(result.min_inhabitants)).to_numpy()
        for i in np.flatnonzero(small):
            reasons[i] = (f"minder dan {nl_number(result.min_inhabitants)} inwoners (of "
                          "onbekend): geen woonwijk om te typeren")
        ok &= ~small
    x = feats.reindex(columns=used)
    missing = x.isna().to_numpy()
    for i in np.flatnonzero(ok & missing.any(axis=1)):
        reasons[i] = "kenmerken ontbreken: " + join_nl(
            [FEATURE_LABELS.get(f, f) for f, m in zip(used, missing[i], strict=True) if m])
    ok &= ~missing.any(axis=1)
    z = ((x - result.mean[used]) / result.std[used]).to_numpy(dtype="float64")
    centers = result.center_z[used].to_numpy(dtype="float64")
    ids = result.center_z.index.to_numpy(dtype="int64")
    names = result.type_names()
    idx = np.flatnonzero(ok)
    if len(idx):
        d = ((z[idx, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        nearest = ids[np.argmin(d, axis=1)]
        out.loc[idx, "type_id"] = nearest
        out.loc[idx, "type_name"] = [names[int(t)] for t in nearest]
    out["reason"] = pd.Series(reasons, dtype=object)
    return out
