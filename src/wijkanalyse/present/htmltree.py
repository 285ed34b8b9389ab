"""A report page as a small element tree, for typesetting it (:mod:`.typeset`).

The pages are our own templates' output (and the safe Markdown of stories), so the tree is
built with the standard library's tolerant :class:`html.parser.HTMLParser`: no scripts, no
forms, entities decoded. Inline ``<svg>`` figures are taken out whole before parsing and kept
as text on an ``svg`` element, so that their markup reaches the typesetter unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Element", "Node", "parse_page", "text_of"]

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
_SKIP = frozenset({"head", "style", "script", "template", "title"})
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_PLACEHOLDER = "wa-svg"


@dataclass
class Element:
    """One HTML element: its tag, attributes and children (elements or text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    svg: str = ""

    @property
    def classes(self) -> frozenset[str]:
        """The element's CSS classes."""
        return frozenset(self.attrs.get("class", "").split())

    def iter(self, tag: str | None = None) -> list[Element]:
        """This element and every element below it (document order), optionally one tag."""
        found: list[Element] = []
        stack: list[Element] = [self]
        while stack:
            element = stack.pop()
            if tag is None or element.tag == tag:
                found.append(element)
            stack.extend(c for c in reversed(element.children) if isinstance(c, Element))
        return found


Node = Element | str


class _Builder(HTMLParser):
    def __init__(self, figures: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document")
        self.stack: list[Element] = [self.root]
        self.skipping = 0
        self.figures = figures

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
            return
        if self.skipping:
            return
        element = Element(tag, {k: v or "" for k, v in attrs})
        if tag == _PLACEHOLDER:
            element = Element("svg", svg=self.figures[int(element.attrs["data-n"])])
        self.stack[-1].children.append(element)
        if tag not in _VOID and tag != _PLACEHOLDER:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag != _PLACEHOLDER and not self.skipping:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag in _VOID or tag == _PLACEHOLDER:
            return
        # close up to the matching open element; a stray end tag is ignored
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping and data:
            self.stack[-1].children.append(data)


def parse_page(html: str) -> Element:
    """The page as an :class:`Element` tree under a ``document`` root.

    Parameters
    ----------
    html
        A complete page or a fragment.

    Returns
    -------
    Element
        The root; ``<head>``, ``<style>`` and ``<script>`` are left out, each inline
        ``<svg>`` is an ``svg`` element holding the figure's markup in :attr:`Element.svg`.
    """
    figures: list[str] = []

    def keep(match: re.Match[str]) -> str:
        figures.append(match.group(0))
        return f'<{_PLACEHOLDER} data-n="{len(figures) - 1}"></{_PLACEHOLDER}>'

    builder = _Builder(figures)
    builder.feed(_SVG.sub(keep, html))
    builder.close()
    return builder.root


def text_of(node: Node) -> str:
    """The text of a node and everything below it, whitespace collapsed."""
    if isinstance(node, str):
        parts = [node]
    else:
        parts = []
        stack: list[Node] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, str):
                parts.append(current)
            else:
                stack.extend(reversed(current.children))
    return " ".join("".join(parts).split())
