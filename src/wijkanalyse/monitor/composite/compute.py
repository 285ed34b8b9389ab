"""The pure computation of the index: unit members, references, aggregation, scores, domains."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.codes import level_of, normalise_code
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden.aggregate import aggregate_many
from wijkanalyse.monitor.composite.config import (
    _PLURAL,
    _PREFIX,
    INDEX_COLUMNS,
    NATIONAL_CODE,
    REFERENCE_COLUMNS,
    SCORE_COLUMNS,
    TOTAL,
    CompositeConfig,
    load_config,
)
from wijkanalyse.monitor.composite.groupsets import (
    expand_sets,
    group_numbers,
    joined_labels,
    set_numbers,
)

# --------------------------------------------------------------------------- units


def unit_members(units: pd.DataFrame) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Validate a units frame; return ``unit_id -> member codes`` and ``unit_id -> level``.

    Parameters
    ----------
    units
        One row per unit with ``unit_id`` and ``codes`` (list of CBS codes); optional ``level``
        (``wijk``, ``buurt`` or ``gemeente``; otherwise the level of the codes).

    Raises
    ------
    ValueError
        When a column is missing, a unit id repeats, a unit has no codes, or the level of a
        unit cannot be determined (codes of different levels and no ``level``).
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError("units moet een DataFrame zijn")
    for col in ("unit_id", "codes"):
        if col not in units.columns:
            raise ValueError(f"units mist de kolom {col!r}")
    ids = units["unit_id"].astype(str)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise ValueError(f"unit_id komt meer dan eens voor: {', '.join(sorted(set(dup)))}")
    members: dict[str, list[str]] = {}
    levels: dict[str, str] = {}
    level_col = units["level"] if "level" in units.columns else pd.Series(None, index=units.index)
    for uid, codes, lvl in zip(ids, units["codes"], level_col, strict=True):
        if isinstance(codes, str) or codes is None:
            raise ValueError(f"codes van {uid!r} moet een lijst van CBS-codes zijn")
        norm = list(dict.fromkeys(c for c in (normalise_code(x) for x in codes) if c))
        if not norm:
            raise ValueError(f"gebied {uid!r} heeft geen codes")
        members[uid] = norm
        if isinstance(lvl, str) and lvl in _PREFIX:
            levels[uid] = lvl
            continue
        found = {level_of(c) for c in norm}
        if len(found) != 1:
            raise ValueError(f"gebied {uid!r} bestaat uit codes van verschillende niveaus "
                             f"({', '.join(sorted(found))}); geef een kolom 'level'")
        levels[uid] = found.pop()
    return members, levels


# --------------------------------------------------------------------------- database reads



def compute_references(
    values: pd.DataFrame,
    *,
    level: str,
    base_year: int,
    config: CompositeConfig | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Reference value and spread of every configured indicator (pure computation).

    Parameters
    ----------
    values
        Observations ``indicator_id, year, code, value`` (optional ``label``: the source
        citation) of the base year: the national row (``NL00``) and the regions of ``level``,
        for the configured indicators, their bases and ``a_inw``.
    level
        ``wijk``, ``buurt`` or ``gemeente``: the regions that give the spread.
    base_year
        The base year.
    config, catalogue
        The index configuration and the catalogue (default: the packaged ones).

    Returns
    -------
    pandas.DataFrame
        One row per configured indicator with the columns :data:`REFERENCE_COLUMNS`:
        ``reference`` (national value, else the base-weighted mean of the regions that count
        for the spread), ``reference_kind`` (``"nationaal"``, ``"gemiddelde"`` or ``None``),
        ``sd`` (``ddof=0``), ``n_regions``/``n_gemeenten`` (regions with a value and at least
        ``min_inhabitants`` inhabitants, and their gemeenten), ``usable`` and a Dutch
        ``note`` when it is not usable.
    """
    cfg = config if config is not None else load_config()
    cat = catalogue if catalogue is not None else load_catalogue()
    if level not in _PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    base_year = int(base_year)
    plural = _PLURAL[level]
    v = values[values["year"] == base_year]
    if "label" not in v.columns:
        v = v.assign(label=None)
    # the prefix test once per distinct code (the codes repeat for every indicator)
    code_no, distinct = pd.factorize(v["code"].to_numpy(dtype=object))
    of_level = np.array([str(c).startswith(_PREFIX[level]) for c in distinct] + [False],
                        dtype=bool)
    regions = v[of_level[code_no]]
    # region x indicator table of values, regions and indicators sorted (first non-missing
    # value of a region and indicator, as a pivot with "first" takes it)
    r_code, r_codes = pd.factorize(regions["code"].to_numpy(dtype=object), sort=True)
    r_ind, r_inds = pd.factorize(regions["indicator_id"].to_numpy(dtype=object), sort=True)
    column = {str(x): j for j, x in enumerate(r_inds)}
    wide = np.full((len(r_codes), len(r_inds)), np.nan)
    r_val = regions["value"].to_numpy(dtype="float64")
    filled = np.flatnonzero(~np.isnan(r_val))
    cell = r_code[filled] * len(r_inds) + r_ind[filled]
    _, first = np.unique(cell, return_index=True)
    wide.reshape(-1)[cell[first]] = r_val[filled[first]]
    no_values = np.full(len(r_codes), np.nan)
    inhabitants = wide[:, column["a_inw"]] if "a_inw" in column else no_values
    national = v[(v["code"] == NATIONAL_CODE) & v["value"].notna()]
    nat_value = dict(zip(national["indicator_id"], national["value"], strict=True))
    nat_label = dict(zip(national["indicator_id"], national["label"], strict=True))
    gemeente = np.array([str(c)[2:6] for c in r_codes], dtype=object)
    has_label = regions["label"].notna().to_numpy()
    lab_code, lab_ind = r_code[has_label], r_ind[has_label]
    lab_no, lab_texts = pd.factorize(regions["label"].to_numpy(dtype=object)[has_label])
    lab_str = [str(x) for x in lab_texts]
    rows = []
    for ind in cfg.indicators:
        j = column.get(ind.id)
        col = wide[:, j] if j is not None else no_values
        with np.errstate(invalid="ignore"):
            eligible = ~np.isnan(col) & (inhabitants >= cfg.min_inhabitants)
        vals = col[eligible]
        n = int(len(vals))
        n_gm = len(set(gemeente[eligible]))
        sd = float(np.std(vals)) if n else math.nan
        spread_labels = [] if j is None else sorted({lab_str[k] for k in np.unique(
            lab_no[(lab_ind == j) & eligible[lab_code]])})
        if ind.id in nat_value:
            ref, kind = float(nat_value[ind.id]), "nationaal"
            ref_text = f"Nederland {base_year}"
            ref_labels = [str(nat_label[ind.id])] if nat_label[ind.id] else []
        elif n:
            base = cat[ind.id].base
            w = (wide[:, column[base]][eligible] if base and base in column
                 else np.full(n, np.nan))
            ok = np.isfinite(w) & (w > 0)
            if base and ok.any():
                ref = float(np.sum(vals[ok] * w[ok]) / np.sum(w[ok]))
                how = f"gewogen naar {base}"
            else:
                ref = float(np.mean(vals))
                how = "ongewogen"
            kind = "gemiddelde"
            ref_text = (f"gemiddelde van {n} geladen {plural} in {base_year} ({how}; "
                        "geen landelijke waarde)")
            ref_labels = spread_labels
        else:
            ref, kind, ref_text, ref_labels = math.nan, None, None, []
        if n == 0:
            note = f"geen waarde voor {plural} in basisjaar {base_year}"
        elif n < cfg.min_regions:
            note = (f"te weinig {plural} met een waarde in basisjaar {base_year} ({n}, minimaal "
                    f"{cfg.min_regions})")
        elif not sd > 0:
            note = f"geen spreiding: alle {plural} hebben in {base_year} dezelfde waarde"
        elif not math.isfinite(ref):
            note = f"geen referentiewaarde in basisjaar {base_year}"
        else:
            note = None
        rows.append({
            "indicator_id": ind.id, "label": ind.label, "domain": ind.domain,
            "better": ind.better, "weight": ind.weight, "level": level, "base_year": base_year,
            "reference": ref, "reference_kind": kind, "reference_text": ref_text,
            "sd": sd, "n_regions": n, "n_gemeenten": n_gm, "usable": note is None,
            "note": note, "source": "; ".join(sorted(set(ref_labels) | set(spread_labels)))
            or None,
        })
    out = pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))
    out["usable"] = out["usable"].astype(bool)
    return out

def aggregate_unit_values(
    values: pd.DataFrame,
    *,
    members: Mapping[str, Sequence[str]],
    levels: Mapping[str, str],
    config: CompositeConfig | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Aggregate member observations into unit values (pure part of :func:`unit_values`)."""
    cfg = config if config is not None else load_config()
    cat = catalogue if catalogue is not None else load_catalogue()
    ids = cfg.indicator_ids
    agg = aggregate_many(values, areas=members, indicators=cat, indicator_ids=ids)
    agg = agg[agg["indicator_id"].isin(ids)].rename(columns={"area_id": "unit_id"})
    if "label" in values.columns:
        agg["source"] = _member_sources(values, members=members, ids=ids,
                                        agg=agg[["unit_id", "indicator_id", "year"]])
    else:
        agg = agg.assign(source=None)
    agg["level"] = agg["unit_id"].map(dict(levels))
    agg["source"] = agg["source"].astype(object).where(agg["source"].notna(), None)
    cols = ["unit_id", "level", "indicator_id", "year", "value", "complete", "reason", "source"]
    return agg[cols].reset_index(drop=True)


def _member_sources(values: pd.DataFrame, *, members: Mapping[str, Sequence[str]],
                    ids: Sequence[str], agg: pd.DataFrame) -> np.ndarray:
    """Per row of ``agg`` (``unit_id, indicator_id, year``) the sorted distinct labels of the
    members' observations with a value, joined with ``"; "`` (``None`` without a label).

    Keys are numbered (unit x indicator x year as one integer) so that no frame is grouped or
    merged on text columns.
    """
    hit = values.loc[values["indicator_id"].isin(ids) & values["value"].notna()
                     & values["label"].notna(), ["indicator_id", "year", "code", "label"]]
    code_no, code_ids = pd.factorize(hit["code"].to_numpy(dtype=object))
    unit_ids = pd.Index(list(members), dtype=object)
    mem_unit = np.repeat(np.arange(len(unit_ids)), [len(cs) for cs in members.values()])
    mem_code = pd.Index(code_ids, dtype=object).get_indexer(
        [c for cs in members.values() for c in cs])
    pairs = pd.DataFrame({"c": mem_code[mem_code >= 0], "u": mem_unit[mem_code >= 0]})
    joined = pd.DataFrame({"c": code_no, "row": np.arange(len(code_no))}).merge(pairs, on="c")
    row = joined["row"].to_numpy(dtype=np.int64)
    ind_ids = pd.Index(ids, dtype=object)
    year_ids = pd.Index(pd.unique(np.concatenate([hit["year"].to_numpy(dtype=np.int64),
                                                  agg["year"].to_numpy(dtype=np.int64)])))
    n_ind, n_year = len(ind_ids), len(year_ids)
    ind_no = ind_ids.get_indexer(hit["indicator_id"].to_numpy(dtype=object))
    year_no = year_ids.get_indexer(hit["year"].to_numpy(dtype=np.int64))
    key = (joined["u"].to_numpy(dtype=np.int64) * n_ind + ind_no[row]) * n_year + year_no[row]
    keys, gid = np.unique(key, return_inverse=True)
    texts = joined_labels(gid.reshape(-1), hit["label"].to_numpy(dtype=object)[row],
                          n_groups=len(keys), split=False)
    a_key = ((unit_ids.get_indexer(agg["unit_id"].to_numpy(dtype=object)) * n_ind
              + ind_ids.get_indexer(agg["indicator_id"].to_numpy(dtype=object))) * n_year
             + year_ids.get_indexer(agg["year"].to_numpy(dtype=np.int64)))
    out = np.full(len(agg), None, dtype=object)
    if len(keys):
        at = np.minimum(np.searchsorted(keys, a_key), len(keys) - 1)
        found = keys[at] == a_key
        out[found] = texts[at[found]]
    return out


# --------------------------------------------------------------------------- scores


def score_values(
    values: pd.DataFrame,
    references: pd.DataFrame,
    *,
    config: CompositeConfig | None = None,
) -> pd.DataFrame:
    """Indicator indices of unit values against references (pure computation).

    Parameters
    ----------
    values
        ``unit_id, level, indicator_id, year, value`` (optional ``reason``, ``source``), as
        :func:`unit_values` gives them.
    references
        As :func:`compute_references` gives them, for every level in ``values``.
    config
        The index configuration.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`; one row per row of ``values`` of a configured
        indicator. ``z`` is the oriented standard score before clipping, ``index`` =
        ``100 + scale * clip(z)`` (``NaN`` when the value is missing or the indicator is not
        usable).
    """
    cfg = config if config is not None else load_config()
    meta = pd.DataFrame([(i.id, i.domain, i.weight, i.direction) for i in cfg.indicators],
                        columns=["indicator_id", "domain", "weight", "direction"])
    refs = references[["level", "indicator_id", "reference", "reference_kind", "sd", "usable"]]
    refs = refs.astype({"level": object, "indicator_id": object})
    ref_keys = pd.MultiIndex.from_frame(refs[["level", "indicator_id"]])
    if not ref_keys.is_unique:
        return _score_values_merged(values, meta, refs, cfg)
    # the rows of configured indicators in their order (an inner join on the indicator),
    # each with the position of its indicator and of its reference (-1: none, a left join)
    ind_no = pd.Index(meta["indicator_id"], dtype=object).get_indexer(
        values["indicator_id"].to_numpy(dtype=object))
    keep = np.flatnonzero(ind_no >= 0)
    ind_no = ind_no[keep]
    level = values["level"].to_numpy(dtype=object)[keep]
    ind = values["indicator_id"].to_numpy(dtype=object)[keep]
    ref_no = ref_keys.get_indexer(pd.MultiIndex.from_arrays([level, ind])) if len(refs) else (
        np.full(len(keep), -1, dtype=np.int64))
    # sorted by unit, year and indicator (stable), as one take of every column
    year = values["year"].to_numpy()[keep].astype("int64")
    unit = values["unit_id"].array.take(keep)
    order = pd.DataFrame({"u": unit, "y": year, "i": ind}).sort_values(
        ["u", "y", "i"], kind="stable").index.to_numpy()
    rows, ind_no, ref_no = keep[order], ind_no[order], ref_no[order]
    val = values["value"].to_numpy(dtype="float64")[rows]
    ref = pd.api.extensions.take(refs["reference"].to_numpy(dtype="float64"), ref_no,
                                 allow_fill=True)
    sd = pd.api.extensions.take(refs["sd"].to_numpy(dtype="float64"), ref_no, allow_fill=True)
    usable = np.where(ref_no >= 0, refs["usable"].to_numpy()[ref_no].astype(bool), False)
    ok = usable & np.isfinite(val)
    direction = meta["direction"].to_numpy()[ind_no]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(ok, direction * (val - ref) / np.where(ok, sd, 1.0), np.nan)
    out = pd.DataFrame({
        "unit_id": pd.Series(unit.take(order), dtype=values["unit_id"].dtype),
        "year": year[order],
        "level": pd.Series(level[order], dtype=object),
        "domain": meta["domain"].array.take(ind_no),
        "indicator_id": pd.Series(ind[order], dtype=object),
        "weight": meta["weight"].to_numpy()[ind_no],
        "value": pd.Series(values["value"].array.take(rows), dtype=values["value"].dtype),
        "reference": ref,
        "reference_kind": pd.api.extensions.take(refs["reference_kind"].array, ref_no,
                                                 allow_fill=True),
        "sd": sd,
        "z": z,
        "index": 100.0 + cfg.scale * np.clip(z, -cfg.clip_z, cfg.clip_z),
        "usable": usable,
    })
    for col in ("reason", "source"):
        out[col] = (pd.Series(values[col].array.take(rows), dtype=values[col].dtype)
                    if col in values.columns
                    else pd.Series(None, index=out.index, dtype=object))
    return out[list(SCORE_COLUMNS)]


def _score_values_merged(values: pd.DataFrame, meta: pd.DataFrame, refs: pd.DataFrame,
                         cfg: CompositeConfig) -> pd.DataFrame:
    """:func:`score_values` by merges, for references with a repeated level and indicator
    (every value row is then scored against each of them)."""
    v = values.copy()
    for col in ("reason", "source"):
        if col not in v.columns:
            v[col] = None
    v = v.merge(meta, on="indicator_id", how="inner")
    v = v.astype({"level": object, "indicator_id": object})
    v = v.merge(refs, on=["level", "indicator_id"], how="left")
    v["usable"] = v["usable"].fillna(False).astype(bool)
    val = v["value"].to_numpy(dtype="float64")
    ref = v["reference"].to_numpy(dtype="float64")
    sd = v["sd"].to_numpy(dtype="float64")
    ok = v["usable"].to_numpy() & np.isfinite(val)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(ok, v["direction"].to_numpy() * (val - ref) / np.where(ok, sd, 1.0), np.nan)
    v["z"] = z
    v["index"] = 100.0 + cfg.scale * np.clip(z, -cfg.clip_z, cfg.clip_z)
    v["year"] = v["year"].astype("int64")
    v = v.sort_values(["unit_id", "year", "indicator_id"], kind="stable", ignore_index=True)
    return v[list(SCORE_COLUMNS)]


def _reference_summary(refs: pd.DataFrame, level: str) -> str:
    """Dutch text on the references and spread of the usable indicators of one domain."""
    plural = _PLURAL.get(level, level)
    parts = []
    for kind, grp in refs.groupby("reference_kind", sort=False):
        ids = join_nl(list(grp["indicator_id"]))
        if kind == "nationaal":
            parts.append(f"Nederland {int(grp['base_year'].iloc[0])} voor {ids}")
        else:
            parts.append(f"het gewogen gemiddelde van de geladen {plural} in "
                         f"{int(grp['base_year'].iloc[0])} voor {ids} (geen landelijke waarde)")
    n_min, n_max = int(refs["n_regions"].min()), int(refs["n_regions"].max())
    g_min, g_max = int(refs["n_gemeenten"].min()), int(refs["n_gemeenten"].max())
    n_text = nl_number(n_min) if n_min == n_max else f"{nl_number(n_min)}–{nl_number(n_max)}"
    g_text = (str(g_min) if g_min == g_max else f"{g_min}–{g_max}") + (
        " gemeente" if g_max == 1 else " gemeenten")
    return (f"Referentie: {'; '.join(parts)}. Spreiding over {n_text} {plural} in {g_text}.")


def combine_scores(
    scores: pd.DataFrame,
    references: pd.DataFrame,
    *,
    grid: pd.DataFrame,
    base_year: int | None,
    config: CompositeConfig | None = None,
) -> pd.DataFrame:
    """Domain and total indices from indicator indices (pure computation, vectorised).

    Parameters
    ----------
    scores
        As :func:`score_values` gives them.
    references
        As :func:`compute_references` gives them (every level of ``grid``).
    grid
        ``unit_id, year, level``: every unit and year that gets a total row (also when it
        has no data).
    base_year
        The base year (for the notes), ``None`` when there is none.
    config
        The index configuration.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`, sorted by unit, year and domain (:data:`DOMAINS`
        order, total last).
    """
    cfg = config if config is not None else load_config()
    order = {d.id: n for n, d in enumerate(cfg.domains)}
    order[TOTAL] = len(order)
    ind_order = {i: n for n, i in enumerate(cfg.indicator_ids)}
    levels = sorted(set(grid["level"]))

    # per level and domain: usable weight and ids, the reference text, unusable indicators
    info_rows = []
    for level in levels:
        for dom in cfg.domains:
            r = references[(references["level"] == level) & (references["domain"] == dom.id)]
            u = r[r["usable"]]
            unusable = [f"{x.indicator_id} ({x.note})" for x in r.itertuples() if not x.usable]
            info_rows.append({
                "level": level, "domain": dom.id, "dom_weight": dom.weight,
                "w_usable": float(u["weight"].sum()), "n_usable": len(u),
                "ref_text": _reference_summary(u, level) if len(u) else "",
                "unusable_text": ("Niet in de index: " + join_nl(unusable) + ".") if unusable
                else "",
            })
    info = pd.DataFrame(info_rows, columns=["level", "domain", "dom_weight", "w_usable",
                                            "n_usable", "ref_text", "unusable_text"])
    usable_domains = {lv: [d for d in info.loc[(info["level"] == lv) & (info["n_usable"] > 0),
                                               "domain"]] for lv in levels}

    key = ["unit_id", "year", "level", "domain"]
    s = scores[scores["level"].isin(levels)].copy()
    s["_io"] = s["indicator_id"].map(ind_order)
    s = s.sort_values([*key[:3], "_io"], kind="stable", ignore_index=True)
    present = s["usable"].to_numpy(dtype=bool) & s["index"].notna().to_numpy()
    s["_present"] = present
    s["_wp"] = np.where(present, s["weight"].to_numpy(dtype="float64"), 0.0)
    s["_wi"] = np.where(present, s["weight"].to_numpy(dtype="float64")
                        * s["index"].fillna(0.0).to_numpy(dtype="float64"), 0.0)
    s["_has"] = s["value"].notna()
    groups = s.groupby(key, sort=False)
    gid = groups.ngroup().to_numpy(dtype=np.int64)  # row i of the aggregate is group i
    dom = groups.agg(has=("_has", "any"), w_present=("_wp", "sum"), w_index=("_wi", "sum"),
                     n=("_present", "sum"))
    n_groups = len(dom)
    io = s["_io"].to_numpy(dtype=np.int64)
    ids = list(ind_order)
    # per group: the set of indicators used, of (indicator, reason) missing, of sources
    used_no, used_sets = set_numbers(gid[present], io[present], n_groups=n_groups)
    used_names = [tuple(ids[i] for i in x) for x in used_sets]
    with_reason = s["usable"].to_numpy(dtype=bool) & ~present & s["reason"].notna().to_numpy()
    frag_no, frags = pd.factorize(pd.MultiIndex.from_arrays(
        [io[with_reason], s.loc[with_reason, "reason"].astype(str).to_numpy(dtype=object)]))
    reason_no, reason_sets = set_numbers(gid[with_reason], frag_no, n_groups=n_groups)
    frag_list = list(frags)
    level_no, level_ids = pd.factorize(s["level"].astype(object))
    ref_text = np.full(len(level_ids) * len(ids), None, dtype=object)
    for lv_no, lv in enumerate(level_ids):
        for i, ind in enumerate(ids):
            sel = references.loc[(references["level"] == lv)
                                 & (references["indicator_id"] == ind), "source"].dropna()
            if len(sel):
                ref_text[lv_no * len(ids) + i] = "; ".join(map(str, sel))
    src_labels = np.concatenate([s["source"].to_numpy(dtype=object)[present],
                                 ref_text[level_no[present] * len(ids) + io[present]]])
    dom["used_no"] = used_no
    dom["reason_no"] = reason_no
    dom["src_text"] = joined_labels(np.concatenate([gid[present], gid[present]]), src_labels,
                                    n_groups=n_groups, split=True)
    dom = dom[dom["has"]].reset_index().merge(info, on=["level", "domain"], how="inner")
    dom["indicators_used"] = pd.Series([list(used_names[n]) for n in dom["used_no"]],
                                       index=dom.index, dtype=object)
    usable_ids = {(r.level, r.domain): [i for i in cfg.domain(r.domain).indicators
                                         if i.id in set(references.loc[
                                             (references["level"] == r.level)
                                             & references["usable"], "indicator_id"])]
                  for r in info.itertuples()}
    info_text = {(r.level, r.domain): (r.unusable_text, r.ref_text) for r in info.itertuples()}

    share = np.where(dom["w_usable"] > 0, dom["w_present"] / dom["w_usable"].where(
        dom["w_usable"] > 0, 1.0), 0.0)
    enough = (dom["n_usable"].to_numpy() > 0) & (share + 1e-12 >= cfg.min_weight_share) & (
        dom["w_present"].to_numpy() > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dom["index"] = np.where(enough, dom["w_index"] / dom["w_present"].where(
            dom["w_present"] > 0, 1.0), np.nan)
    dom["complete"] = (dom["n_usable"] > 0) & (dom["n"] == dom["n_usable"])
    dom["n_indicators"] = dom["n"].astype("int64")
    pct = nl_number(cfg.min_weight_share * 100)
    # one note per distinct (level, domain, year, indicators used, reasons); shared strings
    note_no, firsts = group_numbers(dom, ["level", "domain", "year", "used_no", "reason_no",
                                          "n", "n_usable", "w_present", "w_usable"])
    notes = []
    for r in firsts.itertuples(index=False):
        parts = []
        if r.n_usable == 0:
            parts.append(f"Geen indicator van dit domein is bruikbaar in basisjaar {base_year}.")
        elif not (r.w_present > 0 and r.w_present / r.w_usable + 1e-12 >= cfg.min_weight_share):
            parts.append(f"Geen domeinindex: de beschikbare indicatoren ({r.n} van "
                         f"{r.n_usable}) dragen minder dan {pct}% van het gewicht.")
        reason_of = {ids[frag_list[k][0]]: frag_list[k][1] for k in reason_sets[r.reason_no]}
        missing = [i.id for i in usable_ids[(r.level, r.domain)]
                   if i.id not in used_names[r.used_no]]
        if missing:
            parts.append(f"Ontbreekt in {r.year}: " + join_nl([
                f"{i} ({reason_of[i]})" if i in reason_of else f"{i} (geen gegevens)"
                for i in missing]) + ".")
        unusable_text, ref_summary = info_text[(r.level, r.domain)]
        if unusable_text:
            parts.append(unusable_text)
        if ref_summary:
            parts.append(ref_summary)
        notes.append(" ".join(parts))
    dom["note"] = np.array(notes, dtype=object)[note_no] if notes else None
    dom["_o"] = dom["domain"].map(order)
    dom = dom.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)

    # totals: one per (unit, year) of the grid
    ukey = ["unit_id", "year"]
    avail = dom[dom["index"].notna()].copy()
    avail["_wd"] = avail["dom_weight"] * avail["index"]
    tgroups = avail.groupby(ukey, sort=False)
    tgid = tgroups.ngroup().to_numpy(dtype=np.int64)
    tot = tgroups.agg(n_dom=("domain", "size"), wd=("_wd", "sum"), w=("dom_weight", "sum"),
                      n_complete=("complete", "sum"))
    dom_ids = [d.id for d in cfg.domains]
    tot["dom_no"], dom_sets = set_numbers(tgid, avail["_o"].to_numpy(dtype=np.int64),
                                          n_groups=len(tot))
    rows, items = expand_sets(avail["used_no"].to_numpy(dtype=np.int64), used_sets)
    tot["tused_no"], tused_sets = set_numbers(tgid[rows], items, n_groups=len(tot))
    tot["sources"] = joined_labels(tgid, avail["src_text"].to_numpy(dtype=object),
                                   n_groups=len(tot), split=True)
    any_dom = dom.groupby(ukey, sort=False).size().rename("n_rows")
    g = grid.drop_duplicates(ukey)[["unit_id", "year", "level"]].copy()
    g["unit_id"] = g["unit_id"].astype(str)
    g["year"] = g["year"].astype("int64")
    g = g.merge(tot.reset_index(), on=ukey, how="left").merge(any_dom.reset_index(), on=ukey,
                                                              how="left")
    g["n_dom"] = g["n_dom"].fillna(0).astype("int64")
    g["n_rows"] = g["n_rows"].fillna(0).astype("int64")
    g["dom_no"] = g["dom_no"].fillna(-1).astype("int64")
    g["tused_no"] = g["tused_no"].fillna(-1).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        g["index"] = np.where(g["n_dom"] >= cfg.min_domains,
                              g["wd"] / g["w"].where(g["w"] > 0, 1.0), np.nan)
    n_usable_dom = g["level"].map({lv: len(v) for lv, v in usable_domains.items()})
    g["complete"] = (n_usable_dom > 0) & (g["n_complete"].fillna(0) == n_usable_dom) & (
        g["n_dom"] == n_usable_dom)
    g["has_rows"] = g["n_rows"] > 0
    tnote_no, tfirsts = group_numbers(g, ["level", "year", "has_rows", "n_dom", "dom_no"])
    tnotes = []
    for r in tfirsts.itertuples(index=False):
        doms = [dom_ids[i] for i in dom_sets[r.dom_no]] if r.dom_no >= 0 else []
        parts = []
        if base_year is None:
            parts.append("Geen basisjaar: geen van de indexindicatoren heeft een bruikbare "
                         "referentie in de database.")
        elif not r.has_rows:
            parts.append(f"Geen van de indexindicatoren heeft in {r.year} een waarde voor dit "
                         "gebied.")
        elif r.n_dom < cfg.min_domains:
            parts.append(f"Geen totaalindex: minder dan {cfg.min_domains} domeinen met een "
                         "index.")
        if doms:
            parts.append("Gemiddelde van " + join_nl(doms) + ".")
        absent = [x for x in usable_domains.get(r.level, []) if x not in doms]
        if absent and base_year is not None and r.has_rows:
            parts.append(f"Zonder domeinindex in {r.year}: " + join_nl(absent) + ".")
        never = [d.id for d in cfg.domains if d.id not in usable_domains.get(r.level, [])]
        if never and base_year is not None:
            parts.append(f"Niet te berekenen (geen bruikbare indicator in basisjaar {base_year})"
                         ": " + join_nl(never) + ".")
        tnotes.append(" ".join(parts))
    g["note"] = np.array(tnotes, dtype=object)[tnote_no] if tnotes else None
    tused_names = [tuple(ids[i] for i in x) for x in tused_sets]
    g["indicators_used"] = pd.Series([list(tused_names[n]) if n >= 0 else []
                                      for n in g["tused_no"]], index=g.index, dtype=object)
    g["n_indicators"] = np.array([len(tused_names[n]) if n >= 0 else 0
                                  for n in g["tused_no"]], dtype="int64")
    g["sources"] = g["sources"].astype(object).where(g["sources"].notna(), None)
    g["domain"] = TOTAL
    dom["sources"] = dom["src_text"]
    cols = ["unit_id", "year", "domain", "index", "n_indicators", "indicators_used", "complete",
            "note", "sources"]
    out = pd.concat([dom[cols], g[cols]], ignore_index=True)
    out["_o"] = out["domain"].map(order)
    out = out.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)
    out["band"] = _bands(out["index"].to_numpy(dtype="float64"), cfg)
    out["base_year"] = pd.array([base_year] * len(out), dtype="Int64")
    src_no, src_texts = pd.factorize(out["sources"].astype(object))
    cited = np.array([f"Bron: {t}" for t in src_texts] + [None], dtype=object)
    out["source"] = pd.Series(cited[src_no], index=out.index, dtype=object)
    out["index"] = out["index"].astype("float64")
    out["n_indicators"] = out["n_indicators"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out["complete"] = out["complete"].astype(bool)
    # text columns are plain objects whatever pandas infers (stable dtypes for callers)
    out = out.astype({"unit_id": object, "domain": object, "note": object})
    return out[list(INDEX_COLUMNS)]


def _bands(index: np.ndarray, cfg: CompositeConfig) -> pd.Series:
    """The band label of every index value (:meth:`CompositeConfig.band`, vectorised)."""
    out = np.full(len(index), None, dtype=object)
    todo = np.isfinite(index)
    for low, label in cfg.bands:
        hit = todo if low is None else todo & (index >= low)
        out[hit] = label
        todo = todo & ~hit
    return pd.Series(out, dtype=object)


# --------------------------------------------------------------------------- public API
