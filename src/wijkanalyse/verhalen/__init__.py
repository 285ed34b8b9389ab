"""Verhalen: stories and approaches (Markdown with a header) stored as versioned records
per area.

Modules: ``stories`` (add, get, update, remove, list, history), ``profile`` (the stories
of a profile), ``files`` (from Markdown files), ``validate`` (constants, errors, cleaning
of fields), ``areas`` (the area a story is attached to), ``markdown`` (safe rendering),
``load`` (the SQL on the analytical database: areas). The stories are kept in the content
store (:mod:`wijkanalyse.content`), passed in by the caller.

May import the kernel, :mod:`~wijkanalyse.gebieden` and :mod:`~wijkanalyse.content`.
"""

from wijkanalyse.verhalen.files import (
    FRONT_MATTER_KEYS,
    add_story_from_file,
    update_story_from_file,
)
from wijkanalyse.verhalen.markdown import render_markdown
from wijkanalyse.verhalen.profile import stories_for
from wijkanalyse.verhalen.stories import (
    add_story,
    get_story,
    list_stories,
    remove_story,
    story_history,
    update_story,
)
from wijkanalyse.verhalen.validate import (
    FIELD_LABELS,
    HISTORY_COLUMNS,
    KINDS,
    LIST_COLUMNS,
    META_LABELS,
    STATUSES,
    TABLES,
    UPDATE_FIELDS,
    StoryError,
    StoryFileError,
)

__all__ = [
    "FIELD_LABELS",
    "FRONT_MATTER_KEYS",
    "HISTORY_COLUMNS",
    "KINDS",
    "LIST_COLUMNS",
    "META_LABELS",
    "STATUSES",
    "TABLES",
    "UPDATE_FIELDS",
    "StoryError",
    "StoryFileError",
    "add_story",
    "add_story_from_file",
    "get_story",
    "list_stories",
    "remove_story",
    "render_markdown",
    "stories_for",
    "story_history",
    "update_story",
    "update_story_from_file",
]
