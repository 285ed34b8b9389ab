"""The Dutch texts of a peer group: how the peers were chosen (:func:`_method`) and what was
left out and why (:func:`_note`)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from wijkanalyse.fmt import count_text, join_nl, nl_number
from wijkanalyse.model import PeerGroup, Subject
from wijkanalyse.profiel.features import FEATURE_BY_ID, FEATURE_MIN_COVERAGE, FEATURES, THEMES

_PLURAL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}


def _method(level: str, year: int | None, min_inhabitants: int) -> str:
    plural = _PLURAL.get(level, level)
    return (
        f"De {plural} in heel Nederland die qua structuur het meest lijken: elk kenmerk "
        "(omvang, bevolkingsdichtheid, leeftijdsopbouw, huishoudens, woningvoorraad en "
        "herkomst, voor zover beschikbaar) is omgerekend naar standaardscores over alle "
        f"{plural} met minstens {nl_number(min_inhabitants)} inwoners"
        + (f" in {year}" if year else "")
        + ", elk thema weegt even zwaar, en de afstand is het gemiddelde verschil in "
        "standaarddeviaties (0 = gelijk; hoe kleiner, hoe meer vergelijkbaar)."
    )


def _empty(level: str, year: int | None, min_inhabitants: int, note: str) -> PeerGroup:
    return PeerGroup(level=level, year=year, indicators=[],
                     method=_method(level, year, min_inhabitants), peers=[], source=None,
                     note=note)


def _labels(ids: Sequence[str]) -> str:
    return join_nl([FEATURE_BY_ID[f].label for f in ids])


def _note(
    subject: Subject,
    level: str,
    year: int,
    *,
    used: list[str],
    not_loaded: list[str],
    low: list[str],
    coverage: pd.Series,
    lacking: list[str],
    flat: list[str],
    n_gaps: int,
    n_peers: int,
    min_inhabitants: int,
    exclude_same_gemeente: bool,
    candidate_gemeenten: tuple[list[str], int],
    indicators_given: bool,
) -> str:
    """Dutch note: features used and left out, exclusions and the reach of the comparison."""
    plural = _PLURAL[level]
    parts = [f"Vergeleken op {len(used)} kenmerken ({year}): {_labels(used)}."]
    used_themes = {FEATURE_BY_ID[f].theme for f in used}
    if not indicators_given:
        absent_themes = [THEMES[t] for t in THEMES
                         if t not in used_themes
                         and all(f.id in not_loaded for f in FEATURES if f.theme == t)]
        absent = [f for f in not_loaded if FEATURE_BY_ID[f].theme in used_themes
                  and FEATURE_BY_ID[f].theme != "herkomst"]
        if absent_themes:
            parts.append(f"Voor {plural} in {year} zijn geen gegevens geladen over "
                         f"{join_nl(absent_themes)}.")
        if absent:
            parts.append(f"Niet geladen voor {plural} in {year}: {_labels(absent)}.")
    elif not_loaded:
        parts.append(f"Niet geladen voor {plural} in {year}: {_labels(not_loaded)}.")
    if low:
        parts.append(
            "Niet gebruikt omdat ze voor te weinig " + plural + " bekend zijn (minder dan "
            f"{nl_number(FEATURE_MIN_COVERAGE * 100)}%): "
            + join_nl([f"{FEATURE_BY_ID[f].label} ({nl_number(coverage[f] * 100)}%)" for f in low])
            + "."
        )
    if lacking:
        parts.append(f"Niet gebruikt omdat ze voor {subject.name} ontbreken: "
                     f"{_labels(lacking)}.")
    if flat:
        parts.append(f"Niet gebruikt omdat ze voor alle {plural} gelijk zijn: {_labels(flat)}.")
    if subject.kind == "gebied" and subject.level == "buurt":
        n_members = len(subject.members)
        parts.append(
            f"{subject.name} ({n_members} buurt{'en' if n_members != 1 else ''}) is "
            "samengeteld (aantallen opgeteld, aandelen uit de opgetelde aantallen) en vergeleken "
            "met wijken, omdat het ongeveer zo groot is als een wijk."
        )
    excluded = [f"{subject.name} zelf"]
    if subject.wijk_codes and subject.kind == "gebied" and subject.level == "buurt":
        excluded.append("de wijk(en) waarin het ligt")
    if exclude_same_gemeente and level != "gemeente":
        excluded.append(f"de {plural} van {subject.gemeente_name or 'dezelfde gemeente'}")
    excluded.append(f"{plural} met minder dan {nl_number(min_inhabitants)} inwoners")
    parts.append(f"Niet meegeteld: {join_nl(excluded)}.")
    if n_gaps:
        parts.append(f"Bij {n_gaps} van de {n_peers} {plural} ontbrak een kenmerk; hun afstand "
                     "is berekend over de kenmerken die er wel zijn.")
    gms, n_gm = candidate_gemeenten
    if n_gm and len(gms) < 0.9 * n_gm:
        which = f" ({join_nl(gms)})" if len(gms) <= 10 else ""
        parts.append(
            f"Let op: voor {year} zijn alleen gegevens van {plural} in {len(gms)} van de "
            f"{count_text(n_gm, 'gemeente', 'gemeenten')} geladen{which}, dus de "
            "vergelijking is niet landelijk."
        )
    if n_peers == 0:
        parts.append(f"Er zijn geen {plural} gevonden die aan de voorwaarden voldoen.")
    return " ".join(parts)
