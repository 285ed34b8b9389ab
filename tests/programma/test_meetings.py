"""Theme meetings: Borda ranking, the 2016 dates, hosts that fit and lie far apart,
attendance, outcomes and the ICS file."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma import (
    Programme,
    add_outcome,
    attendance_rows,
    candidate_themes,
    meeting_dates,
    meetings_ics,
    plan_meetings,
    programme_from_dict,
    programme_to_dict,
    rank_themes,
    read_rankings,
    set_attendance,
    theme_order,
)

from .conftest import DATA

# Rough RD centroids (metres) of the twelve gemeenten, for the pure planning tests; the
# database test uses the real boundaries.
COORDS = {"p01": (234000, 582000), "p02": (256000, 532000), "p03": (160000, 502000),
          "p04": (104000, 488000), "p05": (257000, 471000), "p06": (84000, 447000),
          "p07": (87000, 437000), "p08": (150000, 411000), "p09": (161000, 383000),
          "p10": (177000, 318000), "p11": (94000, 453000), "p12": (199000, 321000)}


def test_borda_by_hand() -> None:
    ranked = rank_themes({"a": ["wonen", "zorg"], "b": ["zorg", "veiligheid"],
                          "c": ["Wonen"]})
    # m = 3 themes: wonen 3 + 3 = 6, zorg 2 + 3 = 5, veiligheid 2
    assert ranked == [("wonen", 6), ("zorg", 5), ("veiligheid", 2)]


def test_2016_rankings_file() -> None:
    ranked = rank_themes(read_rankings(DATA / "voorkeuren-2016.csv"))
    assert ranked[:4] == [("wonen", 80), ("participatie", 70), ("openbare ruimte", 54),
                          ("zorg en welzijn", 44)]


def test_2016_dates_start_on_29_november() -> None:
    assert meeting_dates(dt.date(2016, 11, 29), dt.date(2017, 3, 31), 4) == [
        dt.date(2016, 11, 29), dt.date(2017, 1, 10), dt.date(2017, 2, 21),
        dt.date(2017, 3, 28)]  # all Tuesdays, the last one before 31 March
    with pytest.raises(WijkanalyseError, match="te kort"):
        meeting_dates(dt.date(2016, 11, 29), dt.date(2016, 12, 5), 4)


def test_plan_2016_hosts_fit_differ_and_spread(programme_2016: Programme) -> None:
    themes = ["wonen", "participatie", "openbare ruimte", "zorg en welzijn"]
    meetings = plan_meetings(programme_2016, themes, coords=COORDS)
    by_id = {r.id: r for r in programme_2016.registrations}
    assert [m.date for m in meetings][0] == dt.date(2016, 11, 29)
    hosts = [m.host_registration for m in meetings]
    assert len(set(hosts)) == 4
    for m in meetings:
        assert m.theme in by_id[m.host_registration].themes
    # the far north (Groningen or Emmen) and the far south (Maastricht or Parkstad) both host
    gm = {by_id[h].gemeente for h in hosts}
    assert gm & {"Groningen", "Emmen"} and gm & {"Maastricht", "Parkstad Limburg"}
    assert all(len(m.attendance) == 12 for m in meetings)


def test_plan_needs_coordinates(programme_2016: Programme) -> None:
    with pytest.raises(WijkanalyseError, match="Geen ligging bekend voor Groningen"):
        plan_meetings(programme_2016, ["wonen"], coords={k: v for k, v in COORDS.items()
                                                        if k != "p01"})


def test_attendance_two_or_three_and_outcomes(programme_2016: Programme) -> None:
    programme_2016.meetings = plan_meetings(programme_2016, ["wonen", "participatie"],
                                            coords=COORDS, dates=[dt.date(2016, 11, 29),
                                                                  dt.date(2017, 1, 17)])
    m = programme_2016.meetings[0]
    delft = next(r for r in programme_2016.registrations if r.gemeente == "Delft")
    with pytest.raises(WijkanalyseError, match="twee of drie"):
        set_attendance(m, delft, ["Deelnemer Delft A"])
    set_attendance(m, delft, ["Deelnemer Delft A", "Deelnemer Delft C"])
    rows = [r for r in attendance_rows(programme_2016)
            if r["bijeenkomst"] == "1" and r["gemeente"] == "Delft"]
    assert [r["organisatie"] for r in rows] == ["Gemeente Delft", "Bewonersorganisatie Buitenhof"]
    add_outcome(m, "Woningcorporaties en zorg delen een wijkbudget.",
                kennis_ids=["wijkbudget"], wijk_codes=["wk050325"], known_kennis={"wijkbudget"})
    assert m.outcomes[0].wijk_codes == ("WK050325",)
    with pytest.raises(WijkanalyseError, match="Onbekende kennisdossier-id"):
        add_outcome(m, "x", kennis_ids=["bestaat-niet"], known_kennis={"wijkbudget"})


def test_ics_has_four_all_day_events(programme_2016: Programme) -> None:
    themes = ["wonen", "participatie", "openbare ruimte", "zorg en welzijn"]
    programme_2016.meetings = plan_meetings(programme_2016, themes, coords=COORDS)
    data = meetings_ics(programme_2016, stamp=dt.datetime(2016, 10, 20, tzinfo=dt.UTC))
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [m.date for m in programme_2016.meetings]
    assert str(events[0]["summary"]) == "Themabijeenkomst 1: wonen"
    assert str(events[0]["uid"]) == "programma-2016-bijeenkomst-1@wijkanalyse"
    assert data == meetings_ics(programme_2016, stamp=dt.datetime(2016, 10, 20, tzinfo=dt.UTC))


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
       st.integers(min_value=21, max_value=400), st.integers(min_value=1, max_value=4))
def test_dates_lie_in_the_window_on_one_weekday(start: dt.date, days: int, n: int) -> None:
    end = start + dt.timedelta(days=days)
    out = meeting_dates(start, end, n)
    assert out[0] == start and len(out) == n
    assert all(start <= d <= end and d.weekday() == start.weekday() for d in out)
    assert out == sorted(set(out))


def test_a_short_window_still_gets_different_dates() -> None:
    """Found by the property above: 1 to 28 January 2000 holds four Saturdays (1, 8, 15, 22);
    the nearest week of the last meeting (the 29th) lies after the window, and the meetings
    before it move a week back instead of coinciding."""
    assert meeting_dates(dt.date(2000, 1, 1), dt.date(2000, 1, 28), 4) == [
        dt.date(2000, 1, 1), dt.date(2000, 1, 8), dt.date(2000, 1, 15), dt.date(2000, 1, 22)]
    with pytest.raises(WijkanalyseError, match="te kort voor 5 bijeenkomsten"):
        meeting_dates(dt.date(2000, 1, 1), dt.date(2000, 1, 21), 5)


def test_stored_theme_rankings(programme_2016: Programme) -> None:
    """Candidates are the participants' themes; the stored rankings are kept in the document
    (an old document without them loads as none) and decide the order, else the themes the
    registrations bring."""
    assert candidate_themes(programme_2016) == [
        "armoede en schulden", "energietransitie", "menging", "onderwijs", "openbare ruimte",
        "participatie", "veiligheid", "verdichting", "werk en economie", "wonen",
        "zorg en welzijn"]
    # no rankings: the registrations' own themes; wonen is named first twice (p03, p12) and
    # second 3 times (p01, p06, p09); m = 11 themes: 2 * 11 + 3 * 10 = 52
    assert theme_order(programme_2016)[0] == ("wonen", 52)
    programme_2016.theme_rankings = {"p02": ["veiligheid", "onderwijs"], "p05": ["onderwijs"]}
    # m = 2: onderwijs 1 + 2 = 3, veiligheid 2
    assert theme_order(programme_2016) == [("onderwijs", 3), ("veiligheid", 2)]
    data = programme_to_dict(programme_2016)
    assert data["theme_rankings"] == {"p02": ["veiligheid", "onderwijs"], "p05": ["onderwijs"]}
    assert programme_from_dict(data) == programme_2016
    del data["theme_rankings"]
    assert programme_from_dict(data).theme_rankings == {}
