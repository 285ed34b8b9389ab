"""Matching interventions to a neighbourhood with a database: the results
(:class:`MatchResult`, :class:`Match`, :class:`PeerApplication`), :func:`match`, and the
applications in the profile's peer group with the development of the peers since (the
scoring itself is :func:`wijkanalyse.kennis.scoring.match_profile`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import duckdb

from wijkanalyse import fmt
from wijkanalyse.codes import wijk_code_of
from wijkanalyse.content import ContentStore
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.kennis import load
from wijkanalyse.kennis.applied import list_applied
from wijkanalyse.kennis.index import _catalogue
from wijkanalyse.kennis.matchmodel import Match, MatchResult, PeerApplication
from wijkanalyse.kennis.scoring import match_profile
from wijkanalyse.model import Profile, Subject

# ------------------------------------------------------------------------------ peers

_Point = tuple[int, float, str]  # year, value, source label


def _observed(con: duckdb.DuckDBPyConnection, indicators: Iterable[str],
              codes: Iterable[str]) -> dict[tuple[str, str], list[_Point]]:
    """(indicator, code) -> [(year, value, source label)] with a value, by year."""
    inds, where = sorted(set(indicators)), sorted({c for c in codes if c})
    if not inds or not where:
        return {}
    rows = load.observed_rows(con, inds, where)
    out: dict[tuple[str, str], list[_Point]] = {}
    for ind, code, year, value, label in rows:
        out.setdefault((ind, code), []).append((int(year), float(value), label or ""))
    return out


def _since(series: Sequence[_Point], start: int) -> tuple[_Point, _Point | None, str]:
    """The measurement to compare from (the last one up to ``start``, else the first), the
    latest later one (or ``None``), and a Dutch lead when there was none before the start."""
    before = [p for p in series if p[0] <= start]
    base = before[-1] if before else series[0]
    later = [p for p in series if p[0] > base[0]]
    lead = "" if before else (f"Er is geen meting van vóór de start ({start}); de eerste is "
                              f"van {base[0]}. ")
    return base, (later[-1] if later else None), lead


def _lbm_development(peer_name: str, lbm_code: str | None, start: int | None,
                     obs: Mapping[tuple[str, str], list[_Point]]) -> tuple[str, dict[str, Any]]:
    """The Dutch sentence on a peer's Leefbaarometer since ``start`` and the figures used."""
    series = obs.get(("lbm", lbm_code or ""), [])
    if not series:
        return (f"Geen gegevens over de ontwikkeling: er is geen Leefbaarometer van "
                f"{peer_name} geladen.", {})
    if start is None:
        return ("Geen gegevens over de ontwikkeling sinds de start: het startjaar is niet "
                "vastgelegd.", {"sources": [series[0][2]]})
    base, last, lead = _since(series, start)
    if last is None:
        return (lead + "Geen gegevens over de ontwikkeling sinds de start: er is nog geen "
                f"Leefbaarometer-meting na {base[0]}.",
                {"lbm_from": base[1], "lbm_from_year": base[0], "sources": [base[2]]})
    change = last[1] - base[1]
    text = (f"De Leefbaarometer-score ging van {fmt.nl_number(base[1], decimals=2)} in "
            f"{base[0]} naar {fmt.nl_number(last[1], decimals=2)} in {last[0]} "
            f"({fmt.nl_number(change, decimals=2, sign=True)})")
    afw = obs.get(("lbm_afw", lbm_code or ""), [])
    a0 = next((v for y, v, _ in afw if y == base[0]), None)
    a1 = next((v for y, v, _ in afw if y == last[0]), None)
    if a0 is not None and a1 is not None:
        text += (f"; de afwijking van het landelijk gemiddelde van "
                 f"{fmt.nl_number(a0, decimals=2, sign=True)} naar "
                 f"{fmt.nl_number(a1, decimals=2, sign=True)}")
    return lead + text + ".", {
        "lbm_from": base[1], "lbm_from_year": base[0], "lbm_to": last[1],
        "lbm_to_year": last[0], "lbm_change": round(change, 6),
        "sources": list(dict.fromkeys([base[2], last[2]])),
    }


def _indicator_development(indicator: str, code: str, start: int | None,
                           obs: Mapping[tuple[str, str], list[_Point]]) -> tuple[str, list[str]]:
    """A Dutch sentence on one result indicator of an application in a peer since ``start``."""
    meta = _indicator_meta().get(indicator)
    label, unit, kind, decimals, signed = (meta if meta is not None
                                           else (indicator, "", "mean", None, False))
    series = obs.get((indicator, code), [])
    if not series or start is None:
        return f"{label}: geen gegevens.", []
    base, last, lead = _since(series, start)
    if last is None:
        return lead + f"{label}: geen gegevens van na {base[0]}.", [base[2]]
    _, change = fmt.change(base[1], last[1], unit=unit, kind=kind, decimals=decimals)
    shown = [fmt.format_value(v, unit=unit, kind=kind, decimals=decimals, signed=signed)
             for v in (base[1], last[1])]
    return (lead + f"{label}: van {shown[0]} in "
            f"{base[0]} naar {shown[1]} in {last[0]}"
            + (f" ({change})." if change else "."), list(dict.fromkeys([base[2], last[2]])))


@lru_cache(maxsize=1)
def _indicator_meta() -> dict[str, tuple[str, str, str, int | None, bool]]:
    from wijkanalyse.catalogue import load_catalogue

    return {ind.id: (ind.label, ind.unit, ind.kind, ind.decimals, ind.signed)
            for ind in load_catalogue()}


def _peer_of(members: Sequence[str], peers: Mapping[str, Any]) -> str | None:
    """The peer an application area belongs to: a member is the peer, a buurt in a peer wijk,
    or the wijk a peer buurt lies in."""
    for code in members:
        if code in peers:
            return code
    for code in members:
        wijk = wijk_code_of(code) if code.startswith("BU") else None
        if wijk and wijk in peers:
            return wijk
        if code.startswith("WK"):
            inside = [p for p in peers if p.startswith("BU") and wijk_code_of(p) == code]
            if inside:
                return sorted(inside, key=lambda p: peers[p].rank)[0]
    return None


def _peer_applications(con: duckdb.DuckDBPyConnection, profile: Profile,
                       matches: Sequence[Match], content: ContentStore | None) -> None:
    """Fill ``peer_applications`` of ``matches`` (see :class:`PeerApplication`)."""
    peers = {p.code: p for p in (profile.peers.peers if profile.peers is not None else [])}
    if not peers or not matches:
        return
    wanted = {m.intervention_id for m in matches}
    found: dict[str, list[tuple[Any, str]]] = {}
    for app in list_applied(con, content):
        if app.intervention_id not in wanted:
            continue
        peer_code = _peer_of([app.area_code, *app.area_members], peers)
        if peer_code is not None:
            found.setdefault(app.intervention_id, []).append((app, peer_code))
    if not found:
        return
    lbm_codes = {code: (code if code.startswith("WK") else wijk_code_of(code)) for code in peers}
    indicators = {"lbm", "lbm_afw"} | {i for apps in found.values() for a, _ in apps
                                       for i in a.result_indicators}
    obs = _observed(con, indicators, [*peers, *(c for c in lbm_codes.values() if c)])
    for m in matches:
        out = []
        for app, peer_code in found.get(m.intervention_id, []):
            peer = peers[peer_code]
            text, figures = _lbm_development(peer.name, lbm_codes.get(peer_code),
                                             app.year_from, obs)
            sources = figures.pop("sources", [])
            parts = [text]
            for ind in app.result_indicators:
                if ind in ("lbm", "lbm_afw"):
                    continue
                line, used = _indicator_development(ind, peer_code, app.year_from, obs)
                parts.append(line)
                sources.extend(used)
            out.append(PeerApplication(
                peer_code=peer_code, peer_name=peer.name, gemeente_name=peer.gemeente_name,
                area_code=app.area_code, area_name=app.area_name, applied_id=app.applied_id,
                start_year=app.year_from, end_year=app.year_to, partners=list(app.partners),
                funding=list(app.funding), result=app.result_text or None,
                development=" ".join(parts),
                source="; ".join(dict.fromkeys(s for s in sources if s)) or None, **figures,
            ))
        out.sort(key=lambda a: (peers[a.peer_code].rank, a.start_year or 0, a.applied_id))
        m.peer_applications = out


def match(
    con: duckdb.DuckDBPyConnection,
    subject: Subject,
    *,
    profile: Profile,
    limit: int | None = 10,
    content: ContentStore | None = None,
) -> MatchResult:
    """Interventions from the kennisdossier that fit a neighbourhood, best first.

    Parameters
    ----------
    con
        A connection (read-only is fine) with the catalogue and the observations.
    subject
        The area (:func:`wijkanalyse.gebieden.subjects.resolve_subject`).
    profile
        Its wijkprofiel (:func:`wijkanalyse.profiel.assemble.build_profile`, which the caller
        builds: this package does not import the profile assembly, which imports it). Its
        signals, unfavourable key figures and peer group are used.
    limit
        Maximum number of matches per list (``None``: all).
    content
        The content store with the applied approaches (for the applications in the peer
        group); ``None``: none.

    Returns
    -------
    MatchResult
        Recommendations, examples "ter inspiratie" and preventive suggestions, each scored as
        described in the module docstring, ties ordered by id, with Dutch reasons and the
        applications in the peer group (:class:`PeerApplication`).

    Raises
    ------
    WijkanalyseError
        When ``profile`` is the profile of another subject, or ``limit`` is below 1.
    """
    profile = _profile_for(con, subject, profile)
    records, _ = _catalogue(con, content)
    result = match_profile(records, profile, limit=limit)
    _peer_applications(con, profile, result.all(), content)
    return result


def _profile_for(con: duckdb.DuckDBPyConnection, subject: Subject,
                 profile: Profile) -> Profile:
    if profile.subject.id != subject.id:
        raise WijkanalyseError(f"Het profiel gaat over {profile.subject.name} "
                               f"({profile.subject.id}), niet over {subject.name} "
                               f"({subject.id}).")
    return profile


__all__ = ["match"]
