"""Verhalen: safe Markdown rendering (raw HTML off, links limited, images as links) and
excerpts for the report."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from wijkanalyse.verhalen.validate import REPORT_BODY_CHARS

#: Kinds of story.


def excerpt_markdown(text: str, limit: int = REPORT_BODY_CHARS) -> tuple[str, bool]:
    """At most ``limit`` characters of Markdown, cut at a paragraph (or line, or word) boundary;
    returns ``(text, cut)``."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    for sep in ("\n\n", "\n", " "):
        pos = head.rfind(sep)
        if pos > limit // 2:
            head = head[:pos]
            break
    return head.rstrip(), True


# --------------------------------------------------------------------------- rendering


_LINK_OK = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
_REL = "nofollow noopener noreferrer"


def _validate_link(url: str) -> bool:
    """Only ``http(s)``, ``mailto`` and in-page anchors; never ``javascript:``, ``data:``,
    relative paths or protocol-relative ``//host`` links."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    return bool(_LINK_OK.match(cleaned))


def _render_link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", _REL)
    return str(self.renderToken(tokens, idx, options, env))


def _render_image(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env).strip()
    label = escapeHtml(f"afbeelding: {alt}" if alt else "afbeelding")
    src = token.attrGet("src") or ""
    if src and _validate_link(str(src)):
        return f'<a href="{escapeHtml(str(src))}" rel="{_REL}" class="afbeelding">[{label}]</a>'
    return f"[{label}]"


def _render_raw_html(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    return escapeHtml(tokens[idx].content)


@lru_cache(maxsize=8)
def _markdown(heading_offset: int) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("html_block", _render_raw_html)
    md.add_render_rule("html_inline", _render_raw_html)

    def shift(state: Any) -> None:
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(6, int(token.tag[1]) + heading_offset)}"

    def clean_fences(state: Any) -> None:
        # the info string of a code fence becomes a class attribute: keep it to plain
        # language names
        for token in state.tokens:
            if token.type == "fence":
                token.info = re.sub(r"[^A-Za-z0-9_+.#-]", "", token.info.split(" ")[0])

    md.core.ruler.push("clean_fences", clean_fences)
    if heading_offset:
        md.core.ruler.push("shift_headings", shift)
    return md


def render_markdown(text: str, *, heading_offset: int = 3) -> str:
    """Render stored Markdown to HTML that is safe to embed in a report.

    Raw HTML is not interpreted (``<script>`` shows as text), links are kept only for
    ``http``, ``https``, ``mailto`` and ``#`` anchors (others stay literal text) and get
    ``rel="nofollow noopener noreferrer"``, images become a link "[afbeelding: alt]" and are
    never loaded (offline reports, PDF). Tables and ~~strikethrough~~ are supported.

    Parameters
    ----------
    text
        Markdown.
    heading_offset
        Headings are shifted down by this many levels (``#`` becomes ``<h4>`` by default) so
        a story's headings sit below the report's own; at most ``<h6>``.

    Returns
    -------
    str
        HTML.
    """
    return str(_markdown(int(heading_offset)).render(str(text or "")))
