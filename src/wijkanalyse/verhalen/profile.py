"""Verhalen: the stories of a wijkprofiel (:func:`stories_for`): those attached to the subject,
to a member, to a wijk that contains it, to a region inside it, or to an overlapping user area."""

from __future__ import annotations

import duckdb

from wijkanalyse.codes import (
    is_valid_code,
)
from wijkanalyse.content import ContentStore
from wijkanalyse.model import Story, Subject
from wijkanalyse.verhalen.areas import (
    _area_infos,
    _AreaInfo,
    _relation,
    _relation_text,
)
from wijkanalyse.verhalen.stories import _story


def stories_for(
    con: duckdb.DuckDBPyConnection, content: ContentStore | None, subject: Subject
) -> tuple[list[Story], list[Story]]:
    """The verhalen and aanpakken of a profile, newest first.

    A story is included when it is attached to the subject itself (its id or, for one region,
    its code), to a member, to a wijk containing the subject (``subject.wijk_codes``, or by
    the code hierarchy), to a region inside the subject (a buurt of a wijk subject), or to a
    user area whose members overlap the subject. Stories about a whole gemeente (or the
    Netherlands) only appear in the profile of that gemeente. Removed stories never appear.

    Parameters
    ----------
    con
        A connection to the analytical database (read-only is fine): areas and their names.
    content
        The content store with the stories; ``None``: no stories (both lists empty).
    subject
        The profile's subject.

    Returns
    -------
    tuple of (list of Story, list of Story)
        Verhalen and aanpakken. Each story's ``meta`` carries ``gekoppeld_aan`` (the area code
        or id it is attached to), ``gekoppeld_aan_naam``, ``koppeling`` (``"eigen"``,
        ``"omvattend"``, ``"deel"`` or ``"overlappend"``) and ``koppeling_tekst`` (Dutch, e.g.
        "Over wijk Kustwijk, waarin dit gebied ligt.").
    """
    if content is None:
        return [], []
    records = content.story_rows()
    if not records:
        return [], []
    infos = _area_infos(con, {r["area_code"] for r in records})
    own = {c for c in [*subject.members, subject.id] if c and is_valid_code(c)}
    if subject.kind == "gebied" and subject.members:
        own = {c for c in subject.members if is_valid_code(c)}
    wijken = set(subject.wijk_codes)
    relations: dict[str, str | None] = {}
    verhalen: list[Story] = []
    aanpakken: list[Story] = []
    for data in records:
        code = data["area_code"]
        info = infos.get(code) or _AreaInfo(code, code, "gebied", ())
        if code not in relations:
            relations[code] = _relation(info, subject, own, wijken)
        relation = relations[code]
        if relation is None:
            continue
        story = _story(data, extra_meta={
            "gekoppeld_aan": code,
            "gekoppeld_aan_naam": info.name,
            "koppeling": relation,
            "koppeling_tekst": _relation_text(relation, info, subject),
        })
        (aanpakken if story.kind == "aanpak" else verhalen).append(story)
    return verhalen, aanpakken
