"""Segregatie: buurten (or wijken) dominated by special-purpose housing — student housing and
institutions (care homes, asylum centres, prisons) — flagged by a stated rule
(:func:`special_housing`), so that a concentration there is read for what it is, and
optionally left out of the indices (``wijkanalyse segregatie --zonder-bijzondere-woonvormen``).

KWB has no count of students or of residents of institutions per buurt. What it has:

* inhabitants (``a_inw``) — everyone registered, in private and institutional households;
* private households (``a_hh``) and their mean size (``g_hhgro``, persons in private
  households / private households, one decimal): ``a_hh × g_hhgro`` are the persons in private
  households, so ``a_inw − a_hh × g_hhgro`` estimates the persons *outside* private
  households (institutions). As ``g_hhgro`` is rounded to 0,1, the estimate here is the lower
  bound ``a_inw − a_hh × (g_hhgro + 0,05)``;
* one-person households (``a_1p_hh``) and inhabitants aged 15 to 25 (``a_15_24``): student
  housing is one-person households of young people.

The rule (:data:`STUDENT_MIN_YOUNG`, :data:`STUDENT_MIN_ONE_PERSON`,
:data:`INSTITUTION_MIN_SHARE`, :data:`INSTITUTION_MIN_PERSONS`, :data:`MIN_INHABITANTS`) is in
``docs/segregatie.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.segregatie.data import _Data

#: The indicators the rule reads.
SPECIAL_INDICATORS: tuple[str, ...] = ("a_inw", "a_hh", "g_hhgro", "a_1p_hh", "a_15_24")
#: Student housing: at least this share (%) of the inhabitants is 15 to 25 years old ...
STUDENT_MIN_YOUNG = 40.0
#: ... and at least this share (%) of the households are one-person households.
STUDENT_MIN_ONE_PERSON = 75.0
#: Institutions: at least this share (%) of the inhabitants lives outside private households
#: (lower bound, see the module docstring) ...
INSTITUTION_MIN_SHARE = 10.0
#: ... and at least this many persons.
INSTITUTION_MIN_PERSONS = 25.0
#: Units with fewer inhabitants are not judged (CBS rounds their counts to fives).
MIN_INHABITANTS = 50.0

#: Columns of :func:`special_housing`.
SPECIAL_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "year", "code", "name", "inhabitants", "share_15_24",
    "share_one_person", "outside_households", "share_outside_households", "kind", "reason")

STUDENTS = "studentenhuisvesting"
INSTITUTIONS = "instellingen"


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    return np.where(ok, num / np.where(ok, den, 1.0) * 100.0, np.nan)


def special_housing(data: _Data, gemeente_code: str | None = None) -> pd.DataFrame:
    """The units dominated by special-purpose housing, per year.

    Parameters
    ----------
    data
        Loaded observations that include :data:`SPECIAL_INDICATORS`.
    gemeente_code
        Only this gemeente; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SPECIAL_COLUMNS`, one row per flagged unit × year: the shares (%) the
        rule uses, the estimated persons outside private households (lower bound) and their
        share, ``kind`` (``"studentenhuisvesting"``, ``"instellingen"`` or both joined by
        ``" en "``) and ``reason`` (the figures in Dutch).
    """
    wide = data.values(SPECIAL_INDICATORS)
    if gemeente_code is not None:
        wide = wide[wide["gemeente_code"] == gemeente_code]
    if wide.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SPECIAL_COLUMNS})
    wide = wide.reset_index(drop=True)
    inw = wide["a_inw"].to_numpy(float)
    hh = wide["a_hh"].to_numpy(float)
    young = _share(wide["a_15_24"].to_numpy(float), inw)
    # one-person households rounded by CBS can exceed the households (Osdorp 2019: 10 of 5)
    one = np.minimum(_share(wide["a_1p_hh"].to_numpy(float), hh), 100.0)
    outside = inw - hh * (wide["g_hhgro"].to_numpy(float) + 0.05)
    outside_share = _share(outside, inw)
    big = np.isfinite(inw) & (inw >= MIN_INHABITANTS)
    students = big & (young >= STUDENT_MIN_YOUNG) & (one >= STUDENT_MIN_ONE_PERSON)
    institutions = big & (outside_share >= INSTITUTION_MIN_SHARE) & (
        outside >= INSTITUTION_MIN_PERSONS)
    flagged = students | institutions
    kinds, reasons = [], []
    for k in np.flatnonzero(flagged):
        kind, why = [], []
        if students[k]:
            kind.append(STUDENTS)
            why.append(f"{nl_number(young[k])}% van de inwoners is 15 tot 25 jaar en "
                       f"{nl_number(one[k])}% van de huishoudens is eenpersoons")
        if institutions[k]:
            kind.append(INSTITUTIONS)
            why.append(f"minstens {nl_number(outside[k])} van de {nl_number(inw[k])} inwoners "
                       f"({nl_number(outside_share[k])}%) woont niet in een particulier "
                       "huishouden")
        kinds.append(" en ".join(kind))
        reasons.append("; ".join(why))
    out = wide.loc[flagged, ["gemeente_code", "year", "code", "name"]].reset_index(drop=True)
    out["inhabitants"] = inw[flagged]
    out["share_15_24"] = young[flagged]
    out["share_one_person"] = one[flagged]
    out["outside_households"] = np.maximum(outside[flagged], 0.0)
    out["share_outside_households"] = np.maximum(outside_share[flagged], 0.0)
    out["kind"] = kinds
    out["reason"] = reasons
    from wijkanalyse.gebieden.subjects import display_name

    out["name"] = [display_name(n, code=c) for n, c in zip(out["name"], out["code"],
                                                          strict=True)]
    return out[list(SPECIAL_COLUMNS)].sort_values(["year", "code"]).reset_index(drop=True)


def rule_text() -> str:
    """The rule in Dutch, as the report and the docs state it."""
    return (f"Een gebied met minstens {nl_number(MIN_INHABITANTS)} inwoners heet hier "
            "gedomineerd door een bijzondere woonvorm bij studentenhuisvesting (minstens "
            f"{nl_number(STUDENT_MIN_YOUNG)}% van de inwoners is 15 tot 25 jaar én minstens "
            f"{nl_number(STUDENT_MIN_ONE_PERSON)}% van de huishoudens is eenpersoons) of bij "
            f"instellingen (minstens {nl_number(INSTITUTION_MIN_SHARE)}% en minstens "
            f"{nl_number(INSTITUTION_MIN_PERSONS)} van de inwoners woont niet in een "
            "particulier huishouden: inwoners min huishoudens × gemiddelde huishoudensgrootte, "
            "met de grootte 0,05 hoger genomen omdat CBS die op één decimaal afrondt). CBS "
            "telt studenten en bewoners van instellingen niet apart per buurt; dit zijn "
            "signalen uit de kerncijfers, geen telling.")


def without_units(data: _Data, special: pd.DataFrame) -> _Data:
    """``data`` without the observations of the flagged units (per year)."""
    if special.empty:
        return data
    drop = pd.MultiIndex.from_frame(special[["year", "code"]].astype({"year": "int64"}))
    keep = ~pd.MultiIndex.from_frame(data.long[["year", "code"]]).isin(drop)
    return _Data(level=data.level, long=data.long[keep].reset_index(drop=True),
                 gemeente_names=data.gemeente_names, gemeente_rows=data.gemeente_rows,
                 lineage=data.lineage)
