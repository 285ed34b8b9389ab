"""Parsing the site's pages in tests (html.parser): text, links, SVG tooltips."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """A parsed page: its text, links (href, text) and the <title> texts of SVG areas."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.titles: list[str] = []
        self.texts: list[str] = []
        self.scripts = 0
        self.inline_styles = 0
        self._href: str | None = None
        self._link_text: list[str] = []
        self._stack: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._stack.append(tag)
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []
        elif tag == "script":
            self.scripts += 1
        elif tag == "style":
            self.inline_styles += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._link_text).split())))
            self._href = None
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._href is not None:
            self._link_text.append(data)
        if self._stack and self._stack[-1] == "title":
            self.titles.append(data.strip())

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def hrefs(self) -> set[str]:
        return {h for h, _ in self.links}


def parse(html: str) -> Page:
    return Page(html)
