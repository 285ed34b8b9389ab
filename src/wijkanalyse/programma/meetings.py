"""Theme meetings: themes chosen from the participants' rankings, dates in the window, hosts
in participating wijken that fit the theme and lie far apart, attendance, outcomes, ICS."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from wijkanalyse.codes import name_key
from wijkanalyse.errors import DataFileError, WijkanalyseError
from wijkanalyse.programma.model import Attendance, Meeting, Outcome, Programme, Registration

__all__ = ["add_outcome", "attendance_rows", "candidate_themes", "default_attendance",
           "meeting_dates", "meetings_ics", "plan_meetings", "rank_themes", "read_rankings",
           "set_attendance", "theme_order"]


def rank_themes(rankings: Mapping[str, Sequence[str]]) -> list[tuple[str, int]]:
    """Borda count of the participants' theme rankings.

    Parameters
    ----------
    rankings
        Participant (or city) -> themes, most wanted first. With ``m`` themes named in all
        rankings together, the theme at place ``p`` (0-based) of a ranking gets ``m - p``
        points; themes a ranking does not name get nothing from it.

    Returns
    -------
    list of (str, int)
        Themes with their points, highest first; equal points alphabetically.
    """
    names: dict[str, str] = {}
    for ranked in rankings.values():
        for t in ranked:
            names.setdefault(name_key(t), t.strip())
    m = len(names)
    points = dict.fromkeys(names, 0)
    for ranked in rankings.values():
        seen: set[str] = set()
        for p, t in enumerate(ranked):
            key = name_key(t)
            if key in seen:
                continue
            seen.add(key)
            points[key] += m - p
    return sorted(((names[k], v) for k, v in points.items()), key=lambda kv: (-kv[1], kv[0]))


def candidate_themes(programme: Programme) -> list[str]:
    """The themes the participating registrations bring, each once (first spelling),
    alphabetically: what participants rank on ``/programma/{slug}/themas``."""
    names: dict[str, str] = {}
    for reg in programme.participating():
        for t in reg.themes:
            if t.strip():
                names.setdefault(name_key(t), t.strip())
    return sorted(names.values(), key=name_key)


def theme_order(programme: Programme) -> list[tuple[str, int]]:
    """The Borda count (:func:`rank_themes`) of the stored rankings
    (``programme.theme_rankings``); without any, of the themes each participating
    registration brings (in the order it named them)."""
    if programme.theme_rankings:
        return rank_themes(programme.theme_rankings)
    return rank_themes({r.id: list(r.themes) for r in programme.participating()})


def read_rankings(path: Path) -> dict[str, list[str]]:
    """Theme rankings from a CSV/xlsx file: columns ``deelnemer`` (a person or a city) and
    ``themas`` (most wanted first, separated by ``|``).

    Raises
    ------
    DataFileError
        A row without participant or themes (names file, row and column).
    """
    from wijkanalyse.programma.registration import read_rows

    out: dict[str, list[str]] = {}
    for i, row in enumerate(read_rows(path, required="deelnemer"), start=2):
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        for col in ("deelnemer", "themas"):
            if not r.get(col):
                raise DataFileError(path, f"{col!r} is leeg.", line=i, column=col,
                                    hint="Vul de deelnemer en de thema's in volgorde van "
                                         "voorkeur in, gescheiden door |.")
        out[r["deelnemer"]] = [t.strip() for t in r["themas"].replace(";", "|").split("|")
                               if t.strip()]
    return out


def meeting_dates(start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    """``n`` dates spread evenly over ``[start, end]``, each on the weekday of ``start``.

    The first is ``start``; the others are the same weekday nearest to the even spacing,
    never after ``end`` (2016: 29-11-2016 to 31-03-2017 gives four Tuesdays). Where the
    nearest weeks would coincide near the end of a short window, the earlier meetings move a
    week back, so any window holding ``n`` such weekdays gets ``n`` different dates.
    """
    if n < 1 or end < start:
        raise WijkanalyseError(f"Geen bijeenkomsten te plannen tussen {start:%d-%m-%Y} en "
                               f"{end:%d-%m-%Y} (aantal {n}). Controleer het venster.")
    if n == 1:
        return [start]
    span = (end - start).days
    last_week = span // 7
    if last_week < n - 1:
        raise WijkanalyseError(f"Het venster {start:%d-%m-%Y} - {end:%d-%m-%Y} is te kort voor "
                               f"{n} bijeenkomsten op dezelfde weekdag.")
    weeks = []
    for i in range(n):
        week, shift = divmod(round(span * i / (n - 1)), 7)
        weeks.append(week + 1 if shift > 3 and week < last_week else week)
    for i in range(n - 2, -1, -1):  # strictly increasing, counted back from the last
        weeks[i] = min(weeks[i], weeks[i + 1] - 1)
    return [start + dt.timedelta(weeks=w) for w in weeks]


def _fits(reg: Registration, theme: str) -> bool:
    return name_key(theme) in {name_key(t) for t in reg.themes}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1]) / 1000.0


def plan_meetings(programme: Programme, themes: Sequence[str], *,
                  coords: Mapping[str, tuple[float, float]],
                  dates: Sequence[dt.date] | None = None) -> list[Meeting]:
    """Assign the chosen themes to dates and host wijken.

    Each meeting is hosted by a different participating wijk that brings the theme (when any
    participant brings it; otherwise any wijk), and among those the hosts lie as far apart as
    possible (largest sum of distances between all pairs of hosts, from ``coords``; ties: the
    earliest registrations). Every participating city is invited with
    :func:`default_attendance`.

    Parameters
    ----------
    programme
        The programme; its participants are :meth:`Programme.participating`.
    themes
        The themes in meeting order (for example the top of :func:`rank_themes`).
    coords
        Registration id -> (x, y) in metres (RD New): the centroid of the gemeente's boundary
        (:func:`wijkanalyse.programma.database.centroids`).
    dates
        Meeting dates; default :func:`meeting_dates` over the programme's window.

    Returns
    -------
    list of Meeting
    """
    regs = programme.participating()
    n = len(themes)
    days = list(dates) if dates is not None else meeting_dates(
        programme.meeting_start, programme.meeting_end, n)
    if len(days) != n:
        raise WijkanalyseError(f"{n} thema's maar {len(days)} datums: geef evenveel datums als "
                               "thema's.")
    if len(regs) < n:
        raise WijkanalyseError(f"{len(regs)} deelnemende wijken voor {n} bijeenkomsten: elke "
                               "bijeenkomst heeft een andere wijk nodig.")
    missing = [r.gemeente for r in regs if r.id not in coords]
    if missing:
        raise WijkanalyseError("Geen ligging bekend voor " + ", ".join(missing) + "; bouw de "
                               "database met de gemeentegrenzen ('wijkanalyse data build').")
    order = {r.id: i for i, r in enumerate(sorted(regs, key=lambda r: (r.received, r.id)))}
    options = [[r for r in regs if _fits(r, t)] or regs for t in themes]
    best: tuple[int, float, int] | None = None
    best_hosts: tuple[Registration, ...] = ()
    for hosts in itertools.product(*options):
        ids = [h.id for h in hosts]
        if len(set(ids)) < n:
            continue
        fit = sum(_fits(h, t) for h, t in zip(hosts, themes, strict=True))
        dist = sum(_km(coords[a.id], coords[b.id]) for a, b in itertools.combinations(hosts, 2))
        key = (fit, round(dist, 6), -sum(order[i] for i in ids))
        if best is None or key > best:
            best, best_hosts = key, hosts
    return [Meeting(number=i + 1, date=d, theme=t, host_registration=h.id, host_wijk=h.wijk,
                    host_gemeente=h.gemeente,
                    attendance=[default_attendance(r) for r in regs])
            for i, (d, t, h) in enumerate(zip(days, themes, best_hosts, strict=True))]


def default_attendance(reg: Registration) -> Attendance:
    """The registration's participants (at most three) as a meeting's attendance."""
    return Attendance(reg.id, tuple(p.name for p in reg.participants[:3]))


def set_attendance(meeting: Meeting, reg: Registration, names: Sequence[str]) -> Meeting:
    """Record who of a city attends one meeting (two or three people, may vary per meeting).

    Raises
    ------
    WijkanalyseError
        Fewer than two or more than three names.
    """
    clean = tuple(n.strip() for n in names if n.strip())
    if not 2 <= len(clean) <= 3:
        raise WijkanalyseError(f"Bijeenkomst {meeting.number}: {reg.gemeente} geeft "
                               f"{len(clean)} namen op; per stad of regio komen twee of drie "
                               "deelnemers. Geef twee of drie namen.")
    meeting.attendance = [a for a in meeting.attendance if a.registration_id != reg.id]
    meeting.attendance.append(Attendance(reg.id, clean))
    return meeting


def add_outcome(meeting: Meeting, text: str, *, kennis_ids: Iterable[str] = (),
                wijk_codes: Iterable[str] = (),
                known_kennis: Iterable[str] | None = None) -> Meeting:
    """Add a note or outcome to a meeting, linked to kennisdossier entries and wijk codes.

    Raises
    ------
    WijkanalyseError
        Empty text, or a kennisdossier id not in ``known_kennis`` (when given).
    """
    if not text.strip():
        raise WijkanalyseError("Een notitie zonder tekst; schrijf wat er is besproken of "
                               "afgesproken.")
    ids = tuple(k.strip() for k in kennis_ids if k.strip())
    if known_kennis is not None:
        known = set(known_kennis)
        unknown = [k for k in ids if k not in known]
        if unknown:
            raise WijkanalyseError("Onbekende kennisdossier-id(s): " + ", ".join(unknown)
                                   + ". Zoek de id op met 'wijkanalyse kennis list'.")
    meeting.outcomes.append(Outcome(text.strip(), ids,
                                    tuple(c.strip().upper() for c in wijk_codes if c.strip())))
    return meeting


def attendance_rows(programme: Programme) -> list[dict[str, str]]:
    """One row per person per meeting: the attendance lists."""
    by_id = {r.id: r for r in programme.registrations}
    rows = []
    for m in programme.meetings:
        for a in m.attendance:
            reg = by_id.get(a.registration_id)
            people = {p.name: p for p in reg.participants} if reg else {}
            for name in a.names:
                p = people.get(name)
                rows.append({"bijeenkomst": str(m.number), "datum": m.date.isoformat(),
                             "thema": m.theme, "gemeente": reg.gemeente if reg else "",
                             "naam": name, "organisatie": p.organisation if p else "",
                             "discipline": p.discipline if p else ""})
    return rows


def meetings_ics(programme: Programme, *, stamp: dt.datetime | None = None,
                 numbers: Iterable[int] | None = None) -> bytes:
    """The meetings as an iCalendar file (all-day events, stable UIDs).

    Parameters
    ----------
    programme
        The programme with its meetings.
    stamp
        DTSTAMP of the events (default: now, UTC); fixed in tests.
    numbers
        Only these meetings (default all).
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//wijkanalyse//programma//NL")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{programme.name}: themabijeenkomsten")
    wanted = set(numbers) if numbers is not None else None
    when = stamp or dt.datetime.now(dt.UTC)
    for m in programme.meetings:
        if wanted is not None and m.number not in wanted:
            continue
        ev = Event()
        ev.add("uid", f"{programme.slug}-bijeenkomst-{m.number}@wijkanalyse")
        ev.add("dtstamp", when)
        ev.add("dtstart", m.date)
        ev.add("dtend", m.date + dt.timedelta(days=1))
        ev.add("summary", f"Themabijeenkomst {m.number}: {m.theme}")
        ev.add("location", f"{m.host_wijk}, {m.host_gemeente}")
        ev.add("description", f"{programme.name}. Thema: {m.theme}. Op locatie in "
                              f"{m.host_wijk} ({m.host_gemeente}).")
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
