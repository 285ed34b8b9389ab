"""Verhalen: stories and approaches (Markdown with a header) stored as versioned records
per area.

May import the kernel and :mod:`~wijkanalyse.gebieden`.
"""

from wijkanalyse.verhalen.stories import (
    add_story,
    get_story,
    list_stories,
    remove_story,
    stories_for,
)

__all__ = [
    "add_story", "get_story", "list_stories", "remove_story", "stories_for",
]
