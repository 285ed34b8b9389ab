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
    regions = v[v["code"].str.startswith(_PREFIX[level])]
    wide = regions.pivot_table(index="code", columns="indicator_id", values="value",
                               aggfunc="first", dropna=False)
    inhabitants = (wide["a_inw"] if "a_inw" in wide.columns
                   else pd.Series(np.nan, index=wide.index, dtype="float64"))
    national = v[(v["code"] == NATIONAL_CODE) & v["value"].notna()]
    nat_value = dict(zip(national["indicator_id"], national["value"], strict=True))
    nat_label = dict(zip(national["indicator_id"], national["label"], strict=True))
    rows = []
    for ind in cfg.indicators:
        col = (wide[ind.id] if ind.id in wide.columns
               else pd.Series(np.nan, index=wide.index, dtype="float64"))
        eligible = col.notna() & (inhabitants >= cfg.min_inhabitants)
        vals = col[eligible].to_numpy(dtype="float64")
        codes = col.index[eligible]
        n = int(len(vals))
        n_gm = int(len({c[2:6] for c in codes}))
        sd = float(np.std(vals)) if n else math.nan
        spread_labels = sorted({str(x) for x in regions.loc[
            (regions["indicator_id"] == ind.id) & regions["code"].isin(codes), "label"]
            .dropna()})
        if ind.id in nat_value:
            ref, kind = float(nat_value[ind.id]), "nationaal"
            ref_text = f"Nederland {base_year}"
            ref_labels = [str(nat_label[ind.id])] if nat_label[ind.id] else []
        elif n:
            base = cat[ind.id].base
            w = (wide[base][eligible].to_numpy(dtype="float64")
                 if base and base in wide.columns else np.full(n, np.nan))
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
    agg = aggregate_many(values, areas=members, indicators=cat)
    agg = agg[agg["indicator_id"].isin(ids)].rename(columns={"area_id": "unit_id"})
    if "label" in values.columns:
        hit = values[values["indicator_id"].isin(ids) & values["value"].notna()]
        mem = pd.DataFrame([(u, c) for u, cs in members.items() for c in cs],
                           columns=["unit_id", "code"])
        hit = hit.merge(mem, on="code")
        src = (hit.dropna(subset=["label"]).groupby(["unit_id", "indicator_id", "year"])["label"]
               .agg(lambda s: "; ".join(sorted(set(map(str, s))))).rename("source"))
        agg = agg.merge(src.reset_index(), on=["unit_id", "indicator_id", "year"], how="left")
    else:
        agg = agg.assign(source=None)
    agg["level"] = agg["unit_id"].map(dict(levels))
    agg["source"] = agg["source"].astype(object).where(agg["source"].notna(), None)
    cols = ["unit_id", "level", "indicator_id", "year", "value", "complete", "reason", "source"]
    return agg[cols].reset_index(drop=True)


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
    v = values.copy()
    for col in ("reason", "source"):
        if col not in v.columns:
            v[col] = None
    v = v.merge(meta, on="indicator_id", how="inner")
    refs = references[["level", "indicator_id", "reference", "reference_kind", "sd", "usable"]]
    refs = refs.astype({"level": object, "indicator_id": object})
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


def _labels_by_group(frame: pd.DataFrame, key: list[str], column: str,
                     name: str) -> pd.DataFrame:
    """Per group (``key`` columns) the sorted labels of the "; "-separated ``column``, as a
    list in column ``name``."""
    lab = frame[[*key, column]].dropna(subset=[column])
    if lab.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=frame[k].dtype) for k in key},
                             name: pd.Series(dtype=object)})
    lab = lab.assign(**{column: lab[column].astype(str).str.split("; ")}).explode(column)
    lab = lab.drop_duplicates()
    out = lab.groupby(key, sort=False)[column].agg(lambda c: sorted(set(c)))
    return out.rename(name).reset_index()


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
    dom = s.groupby(key, sort=False).agg(has=("_has", "any"), w_present=("_wp", "sum"),
                                         w_index=("_wi", "sum"), n=("_present", "sum"))
    dom = dom[dom["has"]].reset_index().merge(info, on=["level", "domain"], how="inner")
    ps = s[present]
    used = ps.groupby(key, sort=False)["indicator_id"].agg(list).rename("indicators_used")
    dom = dom.merge(used.reset_index(), on=key, how="left")
    dom["indicators_used"] = [x if isinstance(x, list) else [] for x in dom["indicators_used"]]
    miss = s[s["usable"].to_numpy(dtype=bool) & ~present & s["reason"].notna().to_numpy()]
    reasons = dict(zip(zip(miss["unit_id"], miss["year"], miss["indicator_id"], strict=True),
                       miss["reason"].astype(str), strict=True))
    usable_ids = {(r.level, r.domain): [i for i in cfg.domain(r.domain).indicators
                                         if i.id in set(references.loc[
                                             (references["level"] == r.level)
                                             & references["usable"], "indicator_id"])]
                  for r in info.itertuples()}

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
    notes = []
    for r in dom.itertuples(index=False):
        parts = []
        if r.n_usable == 0:
            parts.append(f"Geen indicator van dit domein is bruikbaar in basisjaar {base_year}.")
        elif not (r.w_present > 0 and r.w_present / r.w_usable + 1e-12 >= cfg.min_weight_share):
            parts.append(f"Geen domeinindex: de beschikbare indicatoren ({r.n} van "
                         f"{r.n_usable}) dragen minder dan {pct}% van het gewicht.")
        missing = [i.id for i in usable_ids[(r.level, r.domain)]
                   if i.id not in r.indicators_used]
        if missing:
            parts.append(f"Ontbreekt in {r.year}: " + join_nl([
                f"{i} ({reasons[(r.unit_id, r.year, i)]})" if (r.unit_id, r.year, i) in reasons
                else f"{i} (geen gegevens)" for i in missing]) + ".")
        if r.unusable_text:
            parts.append(r.unusable_text)
        if r.ref_text:
            parts.append(r.ref_text)
        notes.append(" ".join(parts))
    dom["note"] = notes
    ref_src = references[["level", "indicator_id", "source"]].rename(
        columns={"source": "ref_source"})
    src_rows = ps[[*key, "indicator_id", "source"]].merge(ref_src, on=["level", "indicator_id"],
                                                          how="left")
    src_long = pd.concat([
        src_rows[[*key, "source"]],
        src_rows[[*key, "ref_source"]].rename(columns={"ref_source": "source"}),
    ])
    dom = dom.merge(_labels_by_group(src_long, key, "source", "sources"), on=key, how="left")
    dom["sources"] = [x if isinstance(x, list) else [] for x in dom["sources"]]
    dom["_o"] = dom["domain"].map(order)
    dom = dom.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)

    # totals: one per (unit, year) of the grid
    ukey = ["unit_id", "year"]
    avail = dom[dom["index"].notna()].copy()
    avail["_wd"] = avail["dom_weight"] * avail["index"]
    tot = avail.groupby(ukey, sort=False).agg(
        n_dom=("domain", "size"), wd=("_wd", "sum"), w=("dom_weight", "sum"),
        domains=("domain", list), used=("indicators_used", lambda c: [i for x in c for i in x]),
        n_complete=("complete", "sum"))
    tsrc = _labels_by_group(
        avail[[*ukey, "sources"]].explode("sources").rename(columns={"sources": "source"}),
        ukey, "source", "sources")
    tot = tot.reset_index().merge(tsrc, on=ukey, how="left").set_index(ukey)
    any_dom = dom.groupby(ukey, sort=False).size().rename("n_rows")
    g = grid.drop_duplicates(ukey)[["unit_id", "year", "level"]].copy()
    g["unit_id"] = g["unit_id"].astype(str)
    g["year"] = g["year"].astype("int64")
    g = g.merge(tot.reset_index(), on=ukey, how="left").merge(any_dom.reset_index(), on=ukey,
                                                              how="left")
    g["n_dom"] = g["n_dom"].fillna(0).astype("int64")
    g["n_rows"] = g["n_rows"].fillna(0).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        g["index"] = np.where(g["n_dom"] >= cfg.min_domains,
                              g["wd"] / g["w"].where(g["w"] > 0, 1.0), np.nan)
    n_usable_dom = g["level"].map({lv: len(v) for lv, v in usable_domains.items()})
    g["complete"] = (n_usable_dom > 0) & (g["n_complete"].fillna(0) == n_usable_dom) & (
        g["n_dom"] == n_usable_dom)
    tnotes, used_out = [], []
    for r in g.itertuples(index=False):
        doms = r.domains if isinstance(r.domains, list) else []
        parts = []
        if base_year is None:
            parts.append("Geen basisjaar: geen van de indexindicatoren heeft een bruikbare "
                         "referentie in de database.")
        elif r.n_rows == 0:
            parts.append(f"Geen van de indexindicatoren heeft in {r.year} een waarde voor dit "
                         "gebied.")
        elif r.n_dom < cfg.min_domains:
            parts.append(f"Geen totaalindex: minder dan {cfg.min_domains} domeinen met een "
                         "index.")
        if doms:
            parts.append("Gemiddelde van " + join_nl(doms) + ".")
        absent = [x for x in usable_domains.get(r.level, []) if x not in doms]
        if absent and base_year is not None and r.n_rows:
            parts.append(f"Zonder domeinindex in {r.year}: " + join_nl(absent) + ".")
        never = [d.id for d in cfg.domains if d.id not in usable_domains.get(r.level, [])]
        if never and base_year is not None:
            parts.append(f"Niet te berekenen (geen bruikbare indicator in basisjaar {base_year})"
                         ": " + join_nl(never) + ".")
        tnotes.append(" ".join(parts))
        used_out.append(sorted(set(r.used), key=ind_order.__getitem__)
                        if isinstance(r.used, list) else [])
    g["note"] = tnotes
    g["indicators_used"] = used_out
    g["n_indicators"] = [len(x) for x in used_out]
    g["sources"] = [x if isinstance(x, list) else [] for x in g["sources"]]
    g["domain"] = TOTAL
    cols = ["unit_id", "year", "domain", "index", "n_indicators", "indicators_used", "complete",
            "note", "sources"]
    out = pd.concat([dom[cols], g[cols]], ignore_index=True)
    out["_o"] = out["domain"].map(order)
    out = out.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)
    out["band"] = pd.Series([cfg.band(x) for x in out["index"]], index=out.index,
                            dtype=object)
    out["base_year"] = pd.array([base_year] * len(out), dtype="Int64")
    out["source"] = pd.Series([("Bron: " + "; ".join(x)) if x else None
                               for x in out["sources"]], index=out.index, dtype=object)
    out["index"] = out["index"].astype("float64")
    out["n_indicators"] = out["n_indicators"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out["complete"] = out["complete"].astype(bool)
    # text columns are plain objects whatever pandas infers (stable dtypes for callers)
    out = out.astype({"unit_id": object, "domain": object, "note": object})
    return out[list(INDEX_COLUMNS)]


# --------------------------------------------------------------------------- public API
