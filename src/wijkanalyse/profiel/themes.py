"""Which indicators the body of the wijkprofiel shows, per theme, and which charts it draws.

The report (issue 13) answers the four questions of a wijkanalyse on its first page and then
goes through five themes (:data:`THEMES`) with the indicators that matter for an
aandachtswijk; every other indicator of the profile is listed in the appendix (Bijlage) and
in the Excel file, never in the body. An indicator is in the body when

* it is one of the theme's indicators (:data:`THEMES`), or
* a signal cites it as evidence (the judgement speaks about it), its domain belongs to a
  theme (:data:`DOMAIN_THEME`) and it is no padding (:data:`PADDING_DOMAINS`,
  :data:`PADDING_INDICATORS`: business establishments per sector, cars by fuel, motorbikes,
  marital status, surface area).

A development chart can be drawn in the body only for a body indicator whose series has at
least :data:`MIN_POINTS` measured years, or two with a change worth seeing
(:func:`change_worth_seeing`); of those, at most :data:`MAX_CHARTS_PER_THEME` per theme are
drawn (:func:`charted_in_body`): first a definition change (migratieachtergrond → herkomst:
its chart marks the break, a table would join what is not comparable), then those a signal
cites, then the largest change.

Pure: reads the profile only.
"""

from __future__ import annotations

from wijkanalyse.model import Profile, Series

__all__ = [
    "DOMAIN_THEME",
    "MAX_CHARTS_PER_THEME",
    "MIN_POINTS",
    "PADDING_DOMAINS",
    "PADDING_INDICATORS",
    "THEMES",
    "body_indicators",
    "change_worth_seeing",
    "chart_in_body",
    "charted_in_body",
    "theme_of",
]

#: The themes of the body, in order, each with the indicators that matter for an
#: aandachtswijk (catalogue ids; an indicator the profile lacks is simply not shown).
THEMES: dict[str, tuple[str, ...]] = {
    "Bevolking": (
        "a_inw", "p_00_14_jr", "p_65_eo_jr", "p_n_w_al", "p_neu_al_afgeleid", "p_eenp_hh",
        "p_hh_m_k", "g_hhgro",
    ),
    "Wonen": (
        "a_woning", "g_woz", "p_koopw", "p_wcorpw", "p_ov_hw", "p_leegsw",
    ),
    "Inkomen en werk": (
        "g_hh_sti", "p_hh_lkk", "p_hh_osm", "p_hh_li", "p_arb_pp", "p_soz_wb_afgeleid",
        "wwb_uittot_1000_afgeleid", "p_opl_lg_afgeleid", "ses_woa",
    ),
    "Veiligheid en leefbaarheid": (
        "pol_misd_tot", "g_wodief", "g_vernoo", "g_gewsek", "lbm", "lbm_afw", "lbm_onv",
        "lbm_soc",
    ),
    "Zorg en welzijn": (
        "p_jz_tn", "p_wmo_t", "gzm_p_eenzaam", "gzm_p_beperking",
        "gzm_p_langdurige_aandoening", "gzm_p_regie", "gzm_p_goede_gezondheid", "g_afs_hp",
    ),
}

#: The theme of a catalogue domain, for an indicator a signal cites that is not in
#: :data:`THEMES`; domains not listed never reach the body.
DOMAIN_THEME: dict[str, str] = {
    "bevolking": "Bevolking",
    "huishoudens": "Bevolking",
    "wonen": "Wonen",
    "energie": "Wonen",
    "onderwijs": "Inkomen en werk",
    "arbeid": "Inkomen en werk",
    "inkomen": "Inkomen en werk",
    "sociale zekerheid": "Inkomen en werk",
    "sociaaleconomische status": "Inkomen en werk",
    "veiligheid": "Veiligheid en leefbaarheid",
    "leefbaarheid": "Veiligheid en leefbaarheid",
    "voorzieningen": "Zorg en welzijn",
    "zorg": "Zorg en welzijn",
    "gezondheid en welzijn": "Zorg en welzijn",
}

#: Domains whose indicators are only in the appendix (business establishments, cars and
#: motorbikes, surface area and postcodes, stedelijkheid).
PADDING_DOMAINS: frozenset[str] = frozenset(
    {"bedrijvigheid", "mobiliteit", "oppervlakte", "stedelijkheid"})

#: Indicators of other domains that are only in the appendix (marital status).
PADDING_INDICATORS: frozenset[str] = frozenset({
    "a_ongeh", "a_gehuwd", "a_gesch", "a_verwed", "p_ongehuwd", "p_gehuwd", "p_gescheid",
    "p_verweduw",
})

#: A series with at least this many measured years can get a chart in the body.
MIN_POINTS = 3

#: At most this many development charts per theme in the body (a definition-change chart
#: counts as one); the others are a line in the appendix.
MAX_CHARTS_PER_THEME = 2

_THEME_OF: dict[str, str] = {i: theme for theme, ids in THEMES.items() for i in ids}


def _is_padding(indicator_id: str, domain: str) -> bool:
    return domain in PADDING_DOMAINS or indicator_id in PADDING_INDICATORS


def theme_of(indicator_id: str, domain: str) -> str | None:
    """The body theme of an indicator by its id, else by its domain; ``None`` for padding."""
    if _is_padding(indicator_id, domain):
        return None
    return _THEME_OF.get(indicator_id) or DOMAIN_THEME.get(domain)


def body_indicators(profile: Profile) -> dict[str, str]:
    """The indicators of the body with their theme: the themes' indicators and those a signal
    cites (when their domain has a theme and they are no padding).

    Parameters
    ----------
    profile
        The filled profile.

    Returns
    -------
    dict of str to str
        Indicator id -> theme title.
    """
    domains = {kf.indicator_id: kf.domain for kf in profile.key_figures}
    domains.update({s.indicator_id: s.domain for s in profile.series})
    out: dict[str, str] = {}
    for indicator_id, domain in domains.items():
        if indicator_id in _THEME_OF and not _is_padding(indicator_id, domain):
            out[indicator_id] = _THEME_OF[indicator_id]
    for signal in profile.signals:
        for e in signal.evidence:
            known = domains.get(e.indicator_id)
            theme = theme_of(e.indicator_id, known) if known is not None else None
            if theme is not None:
                out.setdefault(e.indicator_id, theme)
    return out


def _measured(series: Series) -> int:
    return sum(1 for p in series.points if p.area is not None and p.area == p.area)


def change_worth_seeing(series: Series) -> bool:
    """Whether the change between the first and the last measurement is worth a chart: at
    least 2 percentage points for a percentage, at least 10 % for other figures (scores: at
    least 0,1)."""
    change = series.change_first
    if change is None or change != change:
        return False
    if series.unit == "%":
        return abs(change) >= 2.0
    if series.unit == "score":
        return abs(change) >= 0.1
    return abs(change) >= 10.0  # relative change in percent


def chart_in_body(series: Series, body: dict[str, str]) -> bool:
    """Whether the series of a body indicator gets a development chart in the body: at least
    :data:`MIN_POINTS` measured years, or two with a change worth seeing."""
    if series.indicator_id not in body:
        return False
    n = _measured(series)
    return n >= MIN_POINTS or (n == 2 and change_worth_seeing(series))


def _change_weight(series: Series) -> float:
    """The change since the first measurement against what :func:`change_worth_seeing`
    calls worth seeing (1.0 = just worth it)."""
    change = series.change_first
    if change is None or change != change:
        return 0.0
    scale = 2.0 if series.unit == "%" else 0.1 if series.unit == "score" else 10.0
    return abs(change) / scale


def charted_in_body(profile: Profile, body: dict[str, str]) -> set[str]:
    """The indicators whose series the body charts: per theme at most
    :data:`MAX_CHARTS_PER_THEME` of those :func:`chart_in_body` allows: first a
    definition-change group, then those a signal cites, then by the size of their change.

    Parameters
    ----------
    profile
        The filled profile.
    body
        :func:`body_indicators` of the profile.

    Returns
    -------
    set of str
        Indicator ids (members of a definition-change group are charted together: all of
        them, counted as one chart).
    """
    cited = {e.indicator_id for s in profile.signals for e in s.evidence}
    groups = {i: g.id for g in profile.series_groups for i in (*g.before, *g.after)}
    members: dict[str, list[str]] = {}
    for g in profile.series_groups:
        members[g.id] = [s.indicator_id for s in g.series]
    candidates: dict[str, list[tuple[tuple[bool, bool, float], str]]] = {}
    seen: set[str] = set()
    for s in profile.series:
        key = groups.get(s.indicator_id, s.indicator_id)
        if key in seen:
            continue
        if key in members:
            in_body = [m for m in members[key] if m in body]
            group_series = [x for x in profile.series if x.indicator_id in members[key]]
            if not in_body or sum(_measured(x) for x in group_series) < MIN_POINTS:
                continue
            seen.add(key)
            weight = max((_change_weight(x) for x in group_series), default=0.0)
            candidates.setdefault(body[in_body[0]], []).append(
                ((True, bool(cited & set(members[key])), weight), key))
        elif chart_in_body(s, body):
            seen.add(key)
            candidates.setdefault(body[s.indicator_id], []).append(
                ((False, s.indicator_id in cited, _change_weight(s)), key))
    out: set[str] = set()
    for ranked in candidates.values():
        ranked.sort(key=lambda c: (not c[0][0], not c[0][1], -c[0][2]))
        for _, key in ranked[:MAX_CHARTS_PER_THEME]:
            out.update(members.get(key, [key]))
    return out
