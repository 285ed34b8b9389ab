"""Print a report page to an A4 PDF with Typst: the same HTML, typeset.

The wijkprofiel's PDF is its HTML page (one template, one text) laid out on A4. WeasyPrint
did that by running a browser's CSS layout in pure Python: ~7 s for the richest wijk's 34 pages
(docs/architecture.md, "How a profile is fast"). Here the page's element tree
(:mod:`.htmltree`) becomes Typst markup — text as string literals, so nothing in the data can
act as markup — and Typst's compiler (the ``typst`` package: a compiled library, no program
to install) sets it in about a tenth of a second.

What the stylesheet (``templates/report.css``) says for print is written once more here, as
Typst set and show rules and per class: the sizes (``rem`` of the printed 9 pt), the colours,
the A4 page with the subject's name and "Wijkprofiel" at the top (not on the first page), the
date line and "pagina X van Y" at the bottom, the summary on a page of its own, the appendix
from a new page, figures and small tables kept on one page, table headers repeated, numbers
right-aligned and unbroken, the column widths of ``col`` classes read from the stylesheet.
Headings become PDF bookmarks; the PDF is tagged (accessible) and carries the page title.
Charts and maps (inline SVG) are drawn by Typst's SVG renderer with their text kept as text.

The fonts are the DejaVu family that matplotlib installs (the charts' font): the PDF looks
the same on every machine and no system font is needed.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from wijkanalyse.atomicio import write_atomic
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.present.htmltree import Element, Node, parse_page, text_of
from wijkanalyse.present.printing import slim_svg

__all__ = ["pdf_bytes", "to_typst", "typeset_pdf"]

REM = 9.0
"""The printed root font size in pt (``@media print { html { font-size: 9pt } }``)."""

_COLOURS = {"ink": "#1d1d1b", "muted": "#5a5a5a", "rule": "#c8c8c8", "accent": "#1b4f8a",
            "good": "#e3f1e3", "bad": "#f9e1dc", "note": "#f4f4f0"}
_BLOCK_TAGS = frozenset({
    "document", "html", "body", "main", "header", "footer", "section", "article", "nav",
    "aside", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "table",
    "ul", "ol", "li", "dl", "blockquote", "pre", "hr", "svg"})
_BLOCK_CLASSES = frozenset({"bron", "chart-title"})
# class -> text settings (sizes in rem, as in report.css)
_TEXT: dict[str, dict[str, str | float]] = {
    "subtitle": {"size": 1.05, "fill": "muted"},
    "meta": {"size": .85, "fill": "muted"},
    "members": {"size": .85, "fill": "muted"},
    "legend": {"size": .78, "fill": "muted"},
    "byline": {"size": .85, "fill": "muted"},
    "tags": {"size": .8, "fill": "muted"},
    "sub": {"size": .72, "fill": "muted", "weight": "regular"},
    "severity": {"size": .78, "weight": "bold"},
    "signal-title": {"weight": "bold"},
    "bron": {"style": "italic"},
    "chart-title": {"size": .92, "fill": "ink", "weight": "bold"},
    "note": {"size": .9},
    "assess": {"size": .72, "weight": "bold"},
    "diff": {"size": .72},
    "reasons": {"size": .76},
}
_SEVERITY = {"sev-3": "#8b1a1a", "sev-2": "#c05a00", "sev-1": "#9a9a9a"}
_COL_WIDTH = re.compile(r"col\.([\w-]+)\s*\{\s*width:\s*([\d.]+)%")
_SPACES = re.compile(r"[ \t\n\r\f]+")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_LABEL = re.compile(r"[A-Za-z][\w:.-]*")
_SHORT = 20  # characters: a text column this narrow is as wide as its longest text


def _rem(value: float) -> str:
    return f"{value * REM:.2f}pt"


def _string(text: str) -> str:
    """A Typst string literal (the only way data enters the markup)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _text(text: str) -> str:
    return f"#{_string(text)};" if text else ""


@cache
def _column_widths() -> dict[str, float]:
    css = resources.files("wijkanalyse.present").joinpath("templates/report.css").read_text(
        encoding="utf-8")
    return {name: float(width) for name, width in _COL_WIDTH.findall(css)}


@cache
def _fonts() -> Any:
    """The fonts, found once per process: matplotlib's DejaVu family and Typst's own."""
    import matplotlib
    import typst

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return typst.Fonts(include_system_fonts=False, font_paths=[str(folder)])


@dataclass(frozen=True)
class _Context:
    nowrap: bool = False
    story: bool = False
    summary: bool = False


class _Writer:
    """Turns one page's element tree into Typst markup."""

    def __init__(self, root: Element) -> None:
        self.targets = {a.attrs["href"][1:] for a in root.iter("a")
                        if a.attrs.get("href", "").startswith("#")}

    # -- text and inline elements ---------------------------------------------------------

    def inline(self, node: Node, ctx: _Context) -> str:
        if isinstance(node, str):
            text = _SPACES.sub(" ", node)
            return _text(text.replace(" ", "\u00a0") if ctx.nowrap else text)
        tag, classes = node.tag, node.classes
        if "severity" in classes:  # "●●● ernstig" stays on one line
            ctx = replace(ctx, nowrap=True)
        inner = "".join(self.inline(c, ctx) for c in node.children)
        if tag == "br":
            return "#linebreak();"
        if tag in ("strong", "b"):
            return f"#strong[{inner}]"
        if tag in ("em", "i"):
            return f"#emph[{inner}]"
        if tag == "sup":
            return f"#super[{inner}]"
        if tag == "sub":
            return f"#sub[{inner}]"
        if tag == "code":
            return (f'#highlight(fill: rgb("#ececec"))[#text(font: "DejaVu Sans Mono", '
                    f"size: {_rem(.85)})[{inner}]]")
        if tag == "a":
            href = node.attrs.get("href", "")
            if href.startswith("#") and _LABEL.fullmatch(href[1:]):
                return f"#link(<{href[1:]}>)[{inner}]"
            if href.startswith(("http://", "https://", "mailto:")):
                return f"#link({_string(href)})[{inner}]"
            return inner
        if tag == "img":
            alt = node.attrs.get("alt", "")
            return _text(f"[afbeelding: {alt}]" if alt else "")
        return self.styled(classes, inner)

    def styled(self, classes: frozenset[str], inner: str) -> str:
        settings = self.text_settings(classes)
        return f"#text({settings})[{inner}]" if settings else inner

    @staticmethod
    def text_settings(classes: Iterable[str]) -> str:
        merged: dict[str, str | float] = {}
        for name in sorted(classes):
            merged.update(_TEXT.get(name, {}))
        parts = []
        for key, value in merged.items():
            if key == "size":
                parts.append(f"size: {_rem(float(value))}")
            elif key == "fill":
                parts.append(f'fill: rgb("{_COLOURS[str(value)]}")')
            else:
                parts.append(f'{key}: "{value}"')
        return ", ".join(parts)

    # -- blocks ---------------------------------------------------------------------------

    def flow(self, children: list[Node], ctx: _Context) -> str:
        """Mixed content: runs of inline nodes become paragraphs between the blocks."""
        out: list[str] = []
        run: list[Node] = []

        def flush() -> None:
            nodes = list(run)
            run.clear()
            while nodes and isinstance(nodes[0], str) and not nodes[0].strip():
                nodes.pop(0)
            while nodes and isinstance(nodes[-1], str) and not nodes[-1].strip():
                nodes.pop()
            if not nodes:
                return
            if isinstance(nodes[0], str):
                nodes[0] = nodes[0].lstrip()
            if isinstance(nodes[-1], str):
                nodes[-1] = nodes[-1].rstrip()
            out.append("".join(self.inline(n, ctx) for n in nodes))

        for child in children:
            if isinstance(child, Element) and self.is_block(child):
                flush()
                out.append(self.block(child, ctx))
            else:
                run.append(child)
        flush()
        return "\n".join(part for part in out if part)

    @staticmethod
    def is_block(element: Element) -> bool:
        return element.tag in _BLOCK_TAGS or bool(element.classes & _BLOCK_CLASSES)

    def block(self, node: Element, ctx: _Context) -> str:
        body = self.block_body(node, ctx)
        ident = node.attrs.get("id", "")
        if ident in self.targets and _LABEL.fullmatch(ident):
            anchor = f"#metadata(none) <{ident}>\n"
            brk = "#pagebreak(weak: true)\n"
            body = (brk + anchor + body[len(brk):] if body.startswith(brk)
                    else anchor + body)
        return body

    def box(self, content: str, *, settings: str = "", **block: str) -> str:
        args = ", ".join(f"{k.replace('_', '-')}: {v}" for k, v in block.items())
        text = f"#set text({settings});\n" if settings else ""
        return f"#block({args})[{text}{content}]"

    def block_body(self, node: Element, ctx: _Context) -> str:
        tag, classes = node.tag, node.classes
        settings = self.text_settings(classes)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return self.heading(node, ctx)
        if tag == "svg":
            return self.figure_svg(node)
        if tag == "table":
            return self.table(node, ctx)
        if tag in ("ul", "ol"):
            return self.listing(node, ctx)
        if tag == "dl":
            return self.definitions(node, ctx)
        if tag == "hr":
            return f'#line(length: 100%, stroke: .75pt + rgb("{_COLOURS["rule"]}"))'
        if tag == "pre":
            return (f'#block(fill: rgb("#ececec"), inset: 4pt, width: 100%)'
                    f"[#raw(block: true, {_string(text_of(node))})]")
        if tag == "section" and "summary" in classes:
            inner = self.flow(node.children, replace(ctx, summary=True))
            rule = _COLOURS["rule"]
            return (f'#block(stroke: .75pt + rgb("{rule}"), inset: (x: {_rem(.9)}, '
                    f"y: {_rem(.5)}), width: 100%, above: {_rem(1)}, below: {_rem(1)})"
                    f"[{inner}]\n#pagebreak(weak: true)")
        if tag == "section" and "appendix" in classes:
            return "#pagebreak(weak: true)\n" + self.flow(node.children, ctx)
        if tag == "div" and "multiples" in classes:
            cells = [self.block(c, ctx) for c in node.children
                     if isinstance(c, Element)]
            return ("#grid(columns: (1fr, 1fr), column-gutter: 2%, "
                    + ", ".join(f"[{c}]" for c in cells) + ")" if cells else "")
        if tag == "figure":
            breakable = "table-figure" in classes and "small" not in classes
            width = "420pt" if "map" in classes else "100%"
            return self.box(self.flow(node.children, ctx), width=width, above=_rem(.6),
                            below=_rem(1), breakable=str(breakable).lower())
        if tag == "figcaption":
            return self.box(self.flow(node.children, ctx), above=_rem(.2), width="100%",
                            settings=f'size: {_rem(.8)}, fill: rgb("{_COLOURS["muted"]}")')
        if "chart-title" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings,
                            below=_rem(.15), above=_rem(.15), sticky="true")
        if "bron" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, above="2pt",
                            below="2pt")
        if tag == "article" and "story" in classes:
            return self.box(self.flow(node.children, replace(ctx, story=True)), width="100%",
                            stroke=f'(top: .75pt + rgb("{_COLOURS["rule"]}"))',
                            inset=f"(top: {_rem(.4)})", below=_rem(.8))
        if tag == "div" and "body" in classes and ctx.story:
            return self.box(self.flow(node.children, ctx), settings=f"size: {_rem(.95)}",
                            width="100%")
        if tag == "footer" and "colophon" in classes:
            return self.box(self.flow(node.children, ctx), above=_rem(2.5), width="100%",
                            stroke=f'(top: .75pt + rgb("{_COLOURS["rule"]}"))',
                            inset=f"(top: {_rem(.4)})",
                            settings=f'size: {_rem(.8)}, fill: rgb("{_COLOURS["muted"]}")')
        if "note" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, width="100%",
                            fill=f'rgb("{_COLOURS["note"]}")', breakable="false",
                            stroke=f'(left: 3pt + rgb("{_COLOURS["rule"]}"))',
                            inset=f"(x: {_rem(.6)}, y: {_rem(.4)})")
        if "empty" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, width="100%",
                            fill=f'rgb("{_COLOURS["note"]}")', breakable="false",
                            stroke=(f'(paint: rgb("{_COLOURS["muted"]}"), thickness: .75pt, '
                                    'dash: "dashed")'),
                            inset=f"(x: {_rem(.7)}, y: {_rem(.5)})")
        if tag == "blockquote":
            return self.box(self.flow(node.children, ctx), width="100%",
                            stroke=f'(left: 2pt + rgb("{_COLOURS["rule"]}"))',
                            inset=f"(left: {_rem(.8)})")
        if tag == "p":
            sticky = "true" if classes & {"intro", "legend"} else "false"
            above, below = (.1, .3) if ctx.summary else (.3, .5)
            if classes & {"meta", "subtitle"}:
                above, below = 0, .3
            return self.box(self.flow(node.children, ctx), settings=settings,
                            above=_rem(above), below=_rem(below), sticky=sticky)
        inner = self.flow(node.children, ctx)
        return self.box(inner, settings=settings) if settings else inner

    def heading(self, node: Element, ctx: _Context) -> str:
        level = int(node.tag[1])
        inner = self.flow(node.children, ctx)
        if ctx.story and level != 4:  # a heading in a story's text: bold, not a bookmark
            return self.box(f"#strong[{inner}]", above=_rem(.6), below=_rem(.3), sticky="true")
        if ctx.summary:  # the summary's own sizes (report.css: .summary h2, .summary h3)
            size, above, below = {2: (1.15, .2, .6), 3: (.95, .5, .1)}.get(level, (1, .5, .1))
            colour = _COLOURS["accent"] if level == 2 else _COLOURS["ink"]
            return (f"#show heading: set block(above: {_rem(above)}, below: {_rem(below)})\n"
                    f'#show heading: it => block(text(size: {_rem(size)}, fill: rgb("{colour}"), '
                    f'weight: "bold", it.body))\n#heading(level: {level})[{inner}]')
        return f"#heading(level: {level})[{inner}]"

    def figure_svg(self, node: Element) -> str:
        match = re.search(r'\baria-label="([^"]*)"', node.svg[:2000])
        alt = html_module.unescape(match.group(1)) if match else ""
        markup = slim_svg(node.svg)
        if "xmlns=" not in markup[:500]:
            markup = markup.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        return (f'#image(bytes({_string(markup)}), format: "svg", width: 100%, '
                f"alt: {_string(alt)})")

    def listing(self, node: Element, ctx: _Context) -> str:
        items = [c for c in node.children if isinstance(c, Element) and c.tag == "li"]
        classes = node.classes
        if "signals" in classes:
            rule = _COLOURS["rule"]
            out = []
            for item in items:
                colour = next((_SEVERITY[c] for c in item.classes if c in _SEVERITY),
                              _COLOURS["muted"])
                out.append(
                    f'#block(stroke: (left: 5pt + rgb("{colour}"), top: .75pt + rgb("{rule}"), '
                    f'right: .75pt + rgb("{rule}"), bottom: .75pt + rgb("{rule}")), '
                    f"inset: (x: {_rem(.7)}, top: {_rem(.4)}, bottom: {_rem(.2)}), "
                    f"width: 100%, breakable: false, below: {_rem(.7)})"
                    f"[{self.flow(item.children, ctx)}]")
            return "\n".join(out)
        function = "enum" if node.tag == "ol" else "list"
        parts = ", ".join(f"[{self.flow(i.children, ctx)}]" for i in items)
        markup = f"#{function}(tight: true, {parts})" if items else ""
        if "footnotes" in classes:
            return self.box(markup, settings=f'size: {_rem(.75)}, fill: rgb("{_COLOURS["muted"]}")',
                            above=_rem(.2))
        return markup

    def definitions(self, node: Element, ctx: _Context) -> str:
        parts = []
        for child in node.children:
            if isinstance(child, Element) and child.tag == "dt":
                parts.append(f"#strong[{self.flow(child.children, ctx)}]#h(.2em);")
            elif isinstance(child, Element) and child.tag == "dd":
                parts.append(f"{self.flow(child.children, ctx)}#h({_rem(.8)});")
        return self.box("".join(parts), settings=f"size: {_rem(.85)}", above=_rem(.2),
                        below=_rem(.2))

    # -- tables ---------------------------------------------------------------------------

    def table(self, node: Element, ctx: _Context) -> str:
        groups: list[tuple[str, list[Element]]] = []
        for child in node.children:
            if not isinstance(child, Element):
                continue
            if child.tag in ("thead", "tbody", "tfoot"):
                groups.append((child.tag, [r for r in child.children
                                           if isinstance(r, Element) and r.tag == "tr"]))
            elif child.tag == "tr":
                groups.append(("tbody", [child]))
        rows = [r for _, rs in groups for r in rs]
        if not rows:
            return ""
        columns = self.columns(node, rows)
        parts: list[str] = []
        for kind, group in groups:
            cells = [self.cell(c, row, kind, ctx) for row in group for c in row.children
                     if isinstance(c, Element) and c.tag in ("td", "th")]
            if not cells:
                continue
            if kind == "thead":
                parts.append(f"table.header({', '.join(cells)})")
            elif kind == "tfoot":
                parts.append(f"table.footer(repeat: false, {', '.join(cells)})")
            else:
                parts.extend(cells)
        rule = _COLOURS["rule"]
        return (f"#block(width: 100%)[#set text(size: {_rem(.78)});\n"
                f"#table(columns: ({', '.join(columns)},), stroke: (x: none, top: none, "
                f'bottom: .75pt + rgb("{rule}")), inset: (x: {_rem(.35)}, y: {_rem(.22)}), '
                f"align: left + top, {', '.join(parts)})]")

    def columns(self, node: Element, rows: list[Element]) -> list[str]:
        count = max(sum(int(c.attrs.get("colspan", "1") or 1) for c in r.children
                        if isinstance(c, Element) and c.tag in ("td", "th")) for r in rows)
        widths = _column_widths()
        cols = [c for g in node.children if isinstance(g, Element) and g.tag == "colgroup"
                for c in g.children if isinstance(c, Element) and c.tag == "col"]
        if len(cols) == count:
            return [next((f"{widths[c]}%" for c in col.classes if c in widths), "1fr")
                    for col in cols]
        # automatic layout: number columns and short texts as wide as their content, longer
        # texts sharing the rest by the length of their longest text (as a browser's auto
        # layout roughly does)
        longest = [0] * count
        numeric = [True] * count
        for row in rows:
            position = 0
            for cell in (c for c in row.children if isinstance(c, Element)
                         and c.tag in ("td", "th")):
                span = int(cell.attrs.get("colspan", "1") or 1)
                if span == 1 and position < count:
                    text = text_of(cell)
                    longest[position] = max(longest[position], len(text))
                    if cell.tag == "td" and "num" not in cell.classes:
                        numeric[position] = False
                position += span
        spans = ["auto" if numeric[i] or longest[i] <= _SHORT else f"{min(longest[i], 60)}fr"
                 for i in range(count)]
        if "auto" in spans and not any(s.endswith("fr") for s in spans):
            spans[longest.index(max(longest))] = "1fr"  # the table spans the width
        return spans

    def cell(self, cell: Element, row: Element, kind: str, ctx: _Context) -> str:
        classes = cell.classes
        nowrap = cell.tag == "td" and "num" in classes and "diff" not in classes
        inner = self.flow(cell.children, replace(ctx, nowrap=nowrap))
        settings = self.text_settings(classes)
        if cell.tag == "th":
            inner = f"#strong[{inner}]"
        if classes & {"label", "name-col"}:
            inner = f"#set text(hyphenate: true);{inner}"
        if settings:
            inner = f"#set text({settings});{inner}"
        args = []
        for name in ("colspan", "rowspan"):
            value = cell.attrs.get(name, "")
            if value.isdigit() and int(value) > 1:
                args.append(f"{name}: {value}")
        if "num" in classes:
            args.append("align: right + top")
        if "assess" in classes and row.classes & {"gunstig", "ongunstig"}:
            colour = _COLOURS["good" if "gunstig" in row.classes else "bad"]
            args.append(f'fill: rgb("{colour}")')
        if kind == "thead":
            args.append(f'stroke: (x: none, top: none, bottom: 1.5pt + rgb("{_COLOURS["ink"]}"))')
        return f"table.cell({', '.join(args)})[{inner}]" if args else f"[{inner}]"


def _preamble(*, title: str, running: str, kind: str, generated: str) -> str:
    c = {k: f'rgb("{v}")' for k, v in _COLOURS.items()}
    return f"""#set document(title: {_string(title)}, date: none)
#set page(paper: "a4", margin: (top: 18mm, bottom: 18mm, left: 15mm, right: 15mm),
  header: context if here().page() > 1 {{
    set text(size: 8pt, fill: {c["muted"]}); {_string(running)}; h(1fr); {_string(kind)} }},
  footer: context {{ set text(size: 7.5pt, fill: {c["muted"]}); {_string(generated)}; h(1fr);
    text(size: 8pt)[pagina #counter(page).display() van #counter(page).final().first()] }})
#set text(font: "DejaVu Sans", size: {REM}pt, lang: "nl", fill: {c["ink"]}, hyphenate: false)
#set text(top-edge: "ascender", bottom-edge: "descender")
#set par(leading: .24em, spacing: .7em)
#set block(spacing: .7em)
#set list(spacing: .35em, indent: .3em)
#set enum(spacing: .35em, indent: .3em)
#set table.cell(breakable: false)
#show heading: set block(sticky: true)
#show heading.where(level: 1): set block(above: 0pt, below: {_rem(.2)})
#show heading.where(level: 1): it => block(text(size: {_rem(1.9)}, fill: {c["accent"]},
  weight: "bold", it.body))
#show heading.where(level: 2): set block(above: {_rem(1.6)}, below: {_rem(.6)})
#show heading.where(level: 2): it => block(width: 100%, inset: (bottom: {_rem(.2)}),
  stroke: (bottom: 2pt + {c["accent"]}), text(size: {_rem(1.35)}, fill: {c["accent"]},
  weight: "bold", it.body))
#show heading.where(level: 3): set block(above: {_rem(1.3)}, below: {_rem(.4)})
#show heading.where(level: 3): it => block(text(size: {_rem(1.08)}, weight: "bold", it.body))
#show heading.where(level: 4): set block(above: {_rem(.8)}, below: {_rem(.3)})
#show heading.where(level: 4): it => block(text(size: {_rem(1)}, weight: "bold", it.body))
"""


def to_typst(html: str, *, kind: str = "Wijkprofiel") -> str:
    """The Typst markup of a report page.

    Parameters
    ----------
    html
        The complete page (its ``<title>`` becomes the PDF's title, its first ``h1`` the
        running header, the element of class ``generated`` the date line at the bottom).
    kind
        The text at the top right of every page but the first.

    Returns
    -------
    str
        A complete Typst document.
    """
    root = parse_page(html)
    title_match = _TITLE.search(html)
    title = html_module.unescape(" ".join(title_match.group(1).split())) if title_match else ""
    first = next(iter(root.iter("h1")), None)
    generated = next((e for e in root.iter() if "generated" in e.classes), None)
    writer = _Writer(root)
    return (_preamble(title=title, running=text_of(first) if first else title, kind=kind,
                      generated=text_of(generated) if generated else "")
            + writer.flow(root.children, _Context()) + "\n")


def pdf_bytes(html: str, *, kind: str = "Wijkprofiel") -> bytes:
    """The page printed to an A4 PDF (see :func:`to_typst`), as bytes."""
    import typst  # imported here: only printing needs the compiler

    source = to_typst(html, kind=kind)
    try:
        compiler = typst.Compiler(font_paths=_fonts(), ignore_system_fonts=True)
        pdf = compiler.compile(input=source.encode("utf-8"), format="pdf")
    except typst.TypstError as exc:
        raise WijkanalyseError(
            f"De PDF kon niet worden opgemaakt (Typst: {exc.message}). Dit is een fout in "
            "wijkanalyse; meld hem met het HTML-rapport erbij.") from exc
    if not isinstance(pdf, bytes):
        raise WijkanalyseError("De PDF kon niet worden opgemaakt: Typst gaf geen bestand terug.")
    return pdf


def typeset_pdf(path: Path, html: str, *, kind: str = "Wijkprofiel") -> Path:
    """Print a report page to an A4 PDF at ``path`` (replaced atomically).

    Parameters
    ----------
    path
        The PDF to write.
    html
        The complete page, as :func:`wijkanalyse.profiel.report.render_html` makes it.
    kind
        The text at the top right of every page but the first.

    Returns
    -------
    Path
        ``path``.
    """
    pdf = pdf_bytes(html, kind=kind)
    return write_atomic(Path(path), lambda tmp: tmp.write_bytes(pdf))
