"""The monitor's tables, computed from DataFrames: one row per unit (class, Leefbaarometer,
index, type, risk, data), the class distribution and the class order and colours, the mean
Leefbaarometer deviation per class and year, the summary per gemeente, the early-warning list,
the typology summary, and the information blocks on typology, index and risk."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor import trends
from wijkanalyse.monitor.availability import Availability
from wijkanalyse.monitor.result import NO_CLASS, UNIT_COLUMNS, WARN_CLASSES
from wijkanalyse.monitor.wording import is_missing

__all__ = [
    "CLASS_COLOURS",
    "class_definitions",
    "class_distribution",
    "class_info_of",
    "class_order",
    "class_series_of",
    "gemeente_summary",
    "index_info_of",
    "latest_total_index",
    "risk_info_of",
    "type_summary",
    "typology_info_of",
    "unit_table",
    "warning_list",
]

_NO_CLASS_LABEL = "geen Leefbaarometer-reeks"


#: Colour per trend class (ColorBrewer PRGn/RdYlGn tones: green = good, red = decline).
CLASS_COLOURS: dict[str, str] = {
    "succes": "#1a7837",
    "stabiel_sterk": "#5aae61",
    "boven_dalend": "#d9ef8b",
    "gestaag_herstel": "#a6dba0",
    "recent_herstel": "#92c5de",
    "vroegsignalering": "#fdae61",
    "terugval": "#d73027",
    "achteruitgang": "#a50026",
    "blijvend_achter": "#762a83",
    "onvoldoende_gegevens": "#bdbdbd",
    NO_CLASS: "#ececec",
}
_EXTRA_COLOURS = ("#2166ac", "#e08214", "#8c510a", "#01665e", "#c51b7d", "#636363")


def _evidence_text(value: Any) -> str:
    """The trend evidence as one Dutch line (text as is; mappings as ``key: value``)."""
    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        parts = []
        for key, val in value.items():
            if isinstance(val, float):
                val = nl_number(val, decimals=3)
            parts.append(f"{key}: {val}")
        return "; ".join(parts)
    if isinstance(value, (list, tuple)):
        return "; ".join(_evidence_text(v) for v in value)
    return str(value)


def _periods(value: Any) -> tuple[str, str]:
    """The two periods of a trend row as text (``"2002–2012"``, ``"2012–2024"``)."""
    if is_missing(value):
        return "", ""
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[;,/]| en ", value) if p.strip()]
        return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")
    if isinstance(value, dict):
        items = list(value.values())
    else:
        items = list(value)
    texts = []
    for item in items[:2]:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            texts.append(f"{int(item[0])}–{int(item[1])}")
        else:
            texts.append(str(item))
    texts += ["", ""]
    return texts[0], texts[1]


def _class_key(klasse: str, order: list[str]) -> tuple[int, str]:
    return (order.index(klasse) if klasse in order else len(order), klasse)


def class_order(present: Sequence[str]) -> list[str]:
    """Class codes in the trend module's report order, unknown ones after, no series last."""
    declared = [str(k) for k in trends.CLASS_IDS]
    order = [k for k in declared if k in present]
    order += sorted(k for k in present if k not in declared and k != NO_CLASS)
    return order + [NO_CLASS]


def class_definitions() -> dict[str, str]:
    """Dutch description per class code (:func:`wijkanalyse.monitor.trends.trend_classes`)."""
    classes = trends.trend_classes()
    return {str(k): str(v) for k, v in zip(classes["klasse"], classes["description"],
                                            strict=True)}


def latest_total_index(index: pd.DataFrame | None, year: int, total: str) -> pd.DataFrame:
    """Per unit the total composite index of the latest year up to ``year`` with a value."""
    cols = ["unit_id", "index_year", "index", "index_complete"]
    if index is None or index.empty:
        return pd.DataFrame(columns=cols)
    df = index[(index["year"] <= year) & (index["domain"] == total)]
    df = df.dropna(subset=["index"]).sort_values(["unit_id", "year"])
    last = df.groupby("unit_id", as_index=False).tail(1)
    return pd.DataFrame({"unit_id": last["unit_id"].astype(str),
                         "index_year": last["year"].astype(int),
                         "index": last["index"].astype(float),
                         "index_complete": last["complete"].astype(bool)})


def risk_info_of(risk: pd.DataFrame | None) -> dict[str, Any]:
    """:attr:`MonitorResult.risk_info` from the risk scores."""
    info: dict[str, Any] = {"as_of": None, "base_rate": None, "n": 0}
    if risk is None or risk.empty:
        return info
    scored = risk[risk["risk"].notna()]
    info["n"] = len(scored)
    if "as_of" in risk and risk["as_of"].notna().any():
        info["as_of"] = int(risk["as_of"].dropna().iloc[0])
    if "base_rate" in risk and risk["base_rate"].notna().any():
        info["base_rate"] = float(risk["base_rate"].dropna().iloc[0])
    return info


# ------------------------------------------------------------------------------ tables


def unit_table(units: pd.DataFrame, series: pd.DataFrame, trend: pd.DataFrame,
               index: pd.DataFrame, typ: Any, risk: pd.DataFrame | None,
               geoms: dict[str, BaseGeometry],
               avail: Availability | None = None,
               containing: pd.DataFrame | None = None,
               signals: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit with class, Leefbaarometer, index, type, risk and what data exist.

    ``containing`` (:func:`wijkanalyse.monitor.trends.containing_wijken`) names, per unit
    that is a buurt or a set of buurten, the wijk(en) whose Leefbaarometer and class it shows:
    ``klasse_geldt_voor`` (codes) and ``klasse_geldt_voor_tekst`` ("klasse van wijk Kustwijk
    (WK099506, 13.000 inw.)"), also at the start of its evidence. ``signals``
    (:func:`wijkanalyse.monitor.earlywarning.unit_signals`) gives ``n_signals``, ``signals``
    (text) and ``lbm_change``."""
    base = pd.DataFrame({
        "unit_id": units["unit_id"].astype(str),
        "name": units["name"].astype(str),
        "gemeente_code": units["gemeente_code"],
        "gemeente": units["gemeente_name"].where(units["gemeente_name"].notna(),
                                                 units["gemeente_code"]),
        "level": units["level"].astype(str),
        "codes": ["; ".join(map(str, c)) for c in units["codes"]],
    })
    tr = trend.copy()
    tr["unit_id"] = tr["unit_id"].astype(str)
    if len(tr):
        pe = [_periods(v) for v in tr.get("periods", pd.Series([None] * len(tr)))]
        tr["period_early"] = [p[0] for p in pe]
        tr["period_late"] = [p[1] for p in pe]
        tr["evidence"] = [_evidence_text(v) for v in tr.get("evidence",
                                                             pd.Series([None] * len(tr)))]
    keep = ["unit_id", "klasse", "klasse_label", "level_year", "change_early", "change_late",
            "period_early", "period_late", "evidence"]
    tr = tr[[c for c in keep if c in tr]].drop_duplicates("unit_id")
    df = base.merge(tr, on="unit_id", how="left")
    # the last measurement up to the report year (the series is cut there): the level year
    s = series.assign(unit_id=series["unit_id"].astype(str)).dropna(subset=["lbm_afw"])
    last = s.sort_values(["unit_id", "year"]).groupby("unit_id").tail(1).set_index("unit_id")
    df["lbm_year"] = df["unit_id"].map(last["year"])
    df["lbm"] = df["unit_id"].map(last["lbm"])
    df["lbm_afw"] = df["unit_id"].map(last["lbm_afw"])
    has_class = df["klasse"].notna() if "klasse" in df else pd.Series(False, index=df.index)
    df["klasse"] = df.get("klasse", pd.Series(index=df.index, dtype=object)).where(
        has_class, NO_CLASS)
    df["klasse_label"] = df.get("klasse_label", pd.Series(index=df.index, dtype=object)).where(
        has_class, _NO_CLASS_LABEL)
    for col in ("change_early", "change_late"):
        df[col] = pd.to_numeric(df[col], errors="coerce") if col in df else np.nan
    for col in ("period_early", "period_late", "evidence"):
        df[col] = df[col].fillna("") if col in df else ""
    df["evidence"] = df["evidence"].where(has_class, "Geen Leefbaarometer-reeks in de database.")
    df["klasse_geldt_voor"] = ""
    df["klasse_geldt_voor_tekst"] = ""
    if containing is not None and len(containing):
        by_unit = containing.assign(unit_id=containing["unit_id"].astype(str)).set_index(
            "unit_id")
        mine = df["unit_id"].isin(by_unit.index) & has_class
        df.loc[mine, "klasse_geldt_voor"] = df.loc[mine, "unit_id"].map(
            by_unit["klasse_geldt_voor"])
        df.loc[mine, "klasse_geldt_voor_tekst"] = df.loc[mine, "unit_id"].map(
            by_unit["klasse_geldt_voor_tekst"])
        lead = df.loc[mine, "klasse_geldt_voor_tekst"].map(
            lambda t: f"Geen eigen klasse: {t}, waarin het gebied ligt. ")
        df.loc[mine, "evidence"] = lead + df.loc[mine, "evidence"]
    # composite index
    idx = index.set_index("unit_id") if len(index) else None
    df["index_year"] = df["unit_id"].map(idx["index_year"]) if idx is not None else np.nan
    df["index"] = df["unit_id"].map(idx["index"]) if idx is not None else np.nan
    # typology
    labels = getattr(typ, "labels", None)
    if labels is not None and len(labels):
        lab = labels.assign(unit_id=labels["unit_id"].astype(str)).set_index("unit_id")
        df["type_id"] = df["unit_id"].map(lab["type_id"])
        df["type_name"] = df["unit_id"].map(lab["type_name"]).fillna("")
    else:
        df["type_id"] = np.nan
        df["type_name"] = ""
    # risk
    if risk is not None and len(risk):
        rk = risk.assign(unit_id=risk["unit_id"].astype(str)).drop_duplicates("unit_id")
        rk = rk.set_index("unit_id")
        df["risk"] = pd.to_numeric(df["unit_id"].map(rk["risk"]), errors="coerce")
        df["risk_class"] = df["unit_id"].map(rk["risk_class"]).fillna("")
        expl = rk["explanation"] if "explanation" in rk else pd.Series("", index=rk.index)
        df["risk_explanation"] = df["unit_id"].map(expl.map(_evidence_text)).fillna("")
    else:
        df["risk"] = np.nan
        df["risk_class"] = ""
        df["risk_explanation"] = ""
    if signals is not None and len(signals):
        sg = signals.assign(unit_id=signals["unit_id"].astype(str)).drop_duplicates("unit_id")
        sg = sg.set_index("unit_id")
        df["n_signals"] = df["unit_id"].map(sg["n_signals"]).fillna(0).astype(int)
        df["signals"] = df["unit_id"].map(sg["signal_text"]).fillna("")
        df["lbm_change"] = pd.to_numeric(df["unit_id"].map(sg["lbm_change"]), errors="coerce")
    else:
        df["n_signals"] = 0
        df["signals"] = ""
        df["lbm_change"] = np.nan
    df["has_geometry"] = df["unit_id"].isin(list(geoms))
    ids = units["unit_id"].astype(str).tolist()
    df["codes_year"] = (units["codes_year"].astype("Int64").tolist() if "codes_year" in units
                        else [pd.NA] * len(units))
    df["uncertain"] = (units["uncertain"].astype(bool).tolist() if "uncertain" in units
                       else [False] * len(units))
    df["uncertain_reason"] = (units["uncertain_reason"].fillna("").astype(str).tolist()
                              if "uncertain_reason" in units else [""] * len(units))
    df["missing"] = [avail.missing.get(u, "") if avail is not None else "" for u in ids]
    df["codes_year"] = df["codes_year"].astype("Int64")
    for col in ("lbm_year", "index_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in ("lbm", "lbm_afw", "index"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    out = df[UNIT_COLUMNS + ["type_id"]].copy()
    return out.reset_index(drop=True)


def class_info_of(table: pd.DataFrame, order: list[str],
                  definitions: dict[str, str]) -> dict[str, dict[str, Any]]:
    """:attr:`MonitorResult.class_info`: label, colour and definition per class present."""
    labels = table.drop_duplicates("klasse").set_index("klasse")["klasse_label"].to_dict()
    palette = iter(_EXTRA_COLOURS)
    info: dict[str, dict[str, Any]] = {}
    for k in order:
        if k not in labels:
            continue
        colour = CLASS_COLOURS.get(k) or next(palette, "#999999")
        info[k] = {"label": str(labels[k]), "colour": colour,
                   "definition": definitions.get(k, "")}
    if NO_CLASS in info and not info[NO_CLASS]["definition"]:
        info[NO_CLASS]["definition"] = ("De database heeft geen Leefbaarometer-reeks van deze "
                                         "wijk, dus geen klasse.")
    return info


def class_distribution(table: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """:attr:`MonitorResult.classes`: units per class, in ``order``."""
    n_classified = int((table["klasse"] != NO_CLASS).sum())
    rows = []
    for k, grp in table.groupby("klasse", sort=False):
        n = len(grp)
        rows.append({"klasse": k, "klasse_label": grp["klasse_label"].iloc[0], "n": n,
                     "share": (np.nan if k == NO_CLASS or n_classified == 0
                               else n / n_classified * 100),
                     "mean_afw": grp["lbm_afw"].mean() if grp["lbm_afw"].notna().any()
                     else np.nan})
    df = pd.DataFrame(rows, columns=["klasse", "klasse_label", "n", "share", "mean_afw"])
    df["_o"] = [_class_key(k, order) for k in df["klasse"]]
    return df.sort_values("_o").drop(columns="_o").reset_index(drop=True)


def class_series_of(series: pd.DataFrame, table: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """:attr:`MonitorResult.class_series`: mean Leefbaarometer deviation per class and year."""
    cols = ["klasse", "klasse_label", "year", "mean_afw", "n"]
    if series.empty or "lbm_afw" not in series:
        return pd.DataFrame(columns=cols)
    s = series.assign(unit_id=series["unit_id"].astype(str)).merge(
        table[["unit_id", "klasse", "klasse_label"]], on="unit_id")
    s = s[s["klasse"] != NO_CLASS].dropna(subset=["lbm_afw"])
    if s.empty:
        return pd.DataFrame(columns=cols)
    out = (s.groupby(["klasse", "klasse_label", "year"], as_index=False)
           .agg(mean_afw=("lbm_afw", "mean"), n=("lbm_afw", "size")))
    out["_o"] = [_class_key(k, order) for k in out["klasse"]]
    return out.sort_values(["_o", "year"]).drop(columns="_o").reset_index(drop=True)[cols]


def gemeente_summary(table: pd.DataFrame, order: list[str],
                     class_info: dict[str, dict[str, Any]], *, ranking: bool = True
                     ) -> pd.DataFrame:
    """:attr:`MonitorResult.gemeenten`: units, classes and warnings per gemeente (``n_warn``:
    with ``ranking`` the units of risk class hoog/verhoogd, else those with an early signal).
    """
    classes = [k for k in order if k in class_info and k != NO_CLASS]
    labels = [class_info[k]["label"] for k in classes]
    cols = ["gemeente_code", "gemeente", "n_units", "n_lbm"] + labels + ["mean_afw", "n_warn"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    t = table.assign(gemeente_code=table["gemeente_code"].fillna(""),
                     _lbm=(table["klasse"] != NO_CLASS).astype(int),
                     _warn=(table["risk_class"].isin(WARN_CLASSES) if ranking
                            else table["n_signals"] > 0).astype(int))
    g = t.groupby("gemeente_code", sort=False)
    out = pd.DataFrame({"gemeente": g["gemeente"].first(), "n_units": g.size(),
                        "n_lbm": g["_lbm"].sum()})
    counts = pd.crosstab(t["gemeente_code"], t["klasse"]).reindex(
        index=out.index, columns=classes, fill_value=0)
    counts.columns = labels
    out = out.join(counts.astype(int))
    out["mean_afw"] = g["lbm_afw"].mean()
    out["n_warn"] = g["_warn"].sum()
    out = out.reset_index()[cols]
    out["gemeente_code"] = out["gemeente_code"].replace("", None)
    return out.sort_values(["n_lbm", "gemeente"], ascending=[False, True]).reset_index(drop=True)


def warning_list(table: pd.DataFrame, *, ranking: bool = True) -> pd.DataFrame:
    """:attr:`MonitorResult.warnings`: with ``ranking`` the units with risk class ``hoog`` or
    ``verhoogd``; without it (no skill) the units with a descriptive early signal."""
    cols = ["unit_id", "name", "gemeente", "klasse_label", "klasse_geldt_voor_tekst", "lbm_afw",
            "lbm_change", "risk", "risk_class", "risk_explanation", "n_signals", "signals"]
    if not ranking:
        df = table[table["n_signals"] > 0][cols].copy()
        df = df.sort_values(["n_signals", "lbm_change", "name"], ascending=[False, True, True],
                            na_position="last")
        return df.reset_index(drop=True)
    df = table[table["risk_class"].isin(WARN_CLASSES)][cols].copy()
    df["_rank"] = df["risk_class"].map({c: i for i, c in enumerate(WARN_CLASSES)})
    df = df.sort_values(["_rank", "risk", "name"], ascending=[True, False, True])
    return df.drop(columns="_rank").reset_index(drop=True)


def type_summary(table: pd.DataFrame, order: list[str],
                 class_info: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """:attr:`MonitorResult.types`: units, share, deviation and classes per type."""
    classes = [k for k in order if k in class_info]
    typed = table[table["type_name"] != ""]
    cols = (["type_id", "type_name", "n", "share", "mean_afw"]
            + [class_info[k]["label"] for k in classes])
    if typed.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (tid, tname), grp in typed.groupby(["type_id", "type_name"], sort=True):
        row: dict[str, Any] = {"type_id": tid, "type_name": tname, "n": len(grp),
                               "share": len(grp) / len(typed) * 100,
                               "mean_afw": grp["lbm_afw"].mean()
                               if grp["lbm_afw"].notna().any() else np.nan}
        for k in classes:
            row[class_info[k]["label"]] = int((grp["klasse"] == k).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=cols).sort_values(
        ["n", "type_name"], ascending=[False, True]).reset_index(drop=True)


def typology_info_of(typ: Any, features: pd.DataFrame | None,
                     extra: dict[str, Any]) -> dict[str, Any]:
    """:attr:`MonitorResult.typology_info` from the typology, its features and the transitions."""
    info: dict[str, Any] = {"year": extra.get("year"), "k": None, "method": None,
                            "criterion": None, "features_used": [], "feature_labels": [],
                            "note": "", "features_note": "", "centers": None,
                            "transitions": extra.get("transitions"),
                            "transition_note": extra.get("transition_note", "")}
    if features is not None:
        info["features_note"] = str(features.attrs.get("note", "") or "")
    if typ is None:
        return info
    from wijkanalyse.monitor.typology import FEATURE_LABELS

    info["k"] = int(typ.k)
    info["method"] = str(typ.method)
    info["criterion"] = typ.criterion
    info["features_used"] = list(typ.features_used)
    info["feature_labels"] = [FEATURE_LABELS.get(f, f) for f in typ.features_used]
    info["note"] = str(typ.note or "")
    info["centers"] = typ.centers
    return info


def index_info_of(index: pd.DataFrame | None, table: pd.DataFrame) -> dict[str, Any]:
    """:attr:`MonitorResult.index_info` from the composite index and the unit table."""
    years = table["index_year"].dropna().astype(int)
    info: dict[str, Any] = {
        "n": int(table["index"].notna().sum()),
        "year": int(years.mode().iloc[0]) if len(years) else None,
        "years": sorted({int(y) for y in years}),
        "domains": [],
        "base_year": None,
    }
    info["method"] = str(index.attrs.get("note", "")) if index is not None else ""
    if index is not None and len(index):
        info["domains"] = sorted(str(d) for d in index["domain"].dropna().unique())
        for col in ("base_year",):
            if col in index and index[col].notna().any():
                info["base_year"] = int(index[col].dropna().iloc[0])
        notes = index["note"].dropna().astype(str) if "note" in index else pd.Series([], dtype=str)
        info["notes"] = sorted({n for n in notes if n})[:10]
    return info

