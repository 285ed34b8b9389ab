"""Print a report page to an A4 PDF with Typst: the same HTML, typeset.

The reports' PDFs (the wijkprofiel, the monitor, segregatie, the programme's publication) are
their HTML pages (one template, one text) laid out on A4. WeasyPrint did that by running a
browser's CSS layout in pure Python: ~7 s for the richest wijk's 34 pages (docs/architecture.md,
"How a profile is fast"). Here the page's element tree (:mod:`.htmltree`) becomes Typst markup
— text as string literals, so nothing in the data can act as markup — and Typst's compiler
(the ``typst`` package: a compiled library, no program to install) sets it in about a tenth
of a second.

What the stylesheets say for print (``templates/report.css`` and the reports' additions) is
written once more as Typst set and show rules and per class (:mod:`.typeset_style`; tables
in :mod:`.typeset_tables`): the sizes (``rem`` of the printed 9 pt), the colours, the A4 page
with the subject's name and the report's kind (``kind``: "Wijkprofiel", "Monitor kwetsbare
wijken", ...) at the top (not on the first page), the date line and "pagina X van Y" at the
bottom, the summary on a page of its own, the appendix and parts marked ``break-before: page``
from a new page, the monitor's wide sections (``section.breed``) on landscape pages, figures
and small tables kept on one page, table headers repeated, numbers right-aligned and
unbroken, the column widths of ``col`` classes read from the stylesheet. Headings become PDF
bookmarks; the PDF is tagged (accessible) and carries the page title. Charts and maps (inline
SVG) are drawn by Typst's SVG renderer with their text kept as text.

The fonts are the DejaVu family that matplotlib installs (the charts' font): the PDF looks
the same on every machine and no system font is needed.
"""

from __future__ import annotations

import html as html_module
import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from wijkanalyse.atomicio import write_atomic
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.present.htmltree import Element, Node, parse_page, text_of
from wijkanalyse.present.printing import slim_svg
from wijkanalyse.present.typeset_style import (
    COLOURS,
    REM,
    SEVERITY,
    Context,
    background,
    rem,
    string,
    text_settings,
)
from wijkanalyse.present.typeset_style import text as literal
from wijkanalyse.present.typeset_tables import TableWriter

__all__ = ["pdf_bytes", "to_typst", "typeset_pdf"]

_BLOCK_TAGS = frozenset({
    "document", "html", "body", "main", "header", "footer", "section", "article", "nav",
    "aside", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "table",
    "ul", "ol", "li", "dl", "blockquote", "pre", "hr", "svg"})
_BLOCK_CLASSES = frozenset({"bron", "chart-title"})
_SPACES = re.compile(r"[ \t\n\r\f]+")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_LABEL = re.compile(r"[A-Za-z][\w:.-]*")
_FILE_NAME = re.compile(r"\b\w+_\w[\w.-]{16,}")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BREAK_BEFORE = re.compile(r"(?:page-)?break-before:\s*(?:page|always)")
_CAPTION = f'size: {rem(.8)}, fill: rgb("{COLOURS["muted"]}")'
# @page breed (the monitor's wide tables): A4 landscape, its own margins
_WIDE_MARGIN = "(top: 15mm, right: 14mm, bottom: 16mm, left: 14mm)"
# max-width of figures and divs per class (CSS px as pt: 1px = .75pt)
_MAX_WIDTH = {"map-nl": "270pt", "map-gm": "390pt", "map": "420pt", "chart-small": "322.5pt"}


@cache
def _fonts() -> Any:
    """The fonts, found once per process: matplotlib's DejaVu family and Typst's own."""
    import matplotlib
    import typst

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return typst.Fonts(include_system_fonts=False, font_paths=[str(folder)])


class _Writer(TableWriter):
    """Turns one page's element tree into Typst markup."""

    def __init__(self, root: Element) -> None:
        self.targets = {a.attrs["href"][1:] for a in root.iter("a")
                        if a.attrs.get("href", "").startswith("#")}

    # -- text and inline elements ---------------------------------------------------------

    def inline(self, node: Node, ctx: Context) -> str:
        if isinstance(node, str):
            value = _SPACES.sub(" ", node)
            if ctx.cell:  # a file name in a narrow column may break after its "_"
                value = _FILE_NAME.sub(lambda m: m.group(0).replace("_", "_\u200b"), value)
            return literal(value.replace(" ", "\u00a0") if ctx.nowrap else value)
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
                    f"size: {rem(.85)})[{inner}]]")
        if tag == "a":
            href = node.attrs.get("href", "")
            if href.startswith("#") and _LABEL.fullmatch(href[1:]):
                return f"#link(<{href[1:]}>)[{inner}]"
            if href.startswith(("http://", "https://", "mailto:")):
                return f"#link({string(href)})[{inner}]"
            return inner
        if tag == "img":
            alt = node.attrs.get("alt", "")
            return literal(f"[afbeelding: {alt}]" if alt else "")
        if tag == "span" and "chip" in classes:  # a class's colour
            colour = background(node.attrs.get("style", "")) or "#999999"
            return (f'#box(width: .8em, height: .8em, fill: rgb("{colour}"), baseline: .05em, '
                    f'stroke: .75pt + rgb("#555555"));#h(.3em);')
        if tag == "span" and "onzeker" in classes:  # a label with a border
            return (f'#box(stroke: .75pt + rgb("#c47a00"), radius: 2pt, inset: (x: .2em), '
                    f'outset: (y: .15em))[#text(size: {rem(.6)}, weight: "bold", '
                    f'fill: rgb("#8a4b00"))[{inner.replace(" ", chr(160))}]]')
        return self.styled(classes, inner)

    @staticmethod
    def styled(classes: frozenset[str], inner: str) -> str:
        settings = text_settings(classes)
        return f"#text({settings})[{inner}]" if settings else inner

    # -- blocks ---------------------------------------------------------------------------

    def flow(self, children: list[Node], ctx: Context) -> str:
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

    def block(self, node: Element, ctx: Context) -> str:
        kids = [c for c in node.children if isinstance(c, Element)]
        if (len(kids) > 1 and kids[0].tag in _HEADINGS
                and _BREAK_BEFORE.search(kids[1].attrs.get("style", ""))):
            # a heading over a part that starts a page: the page starts before the heading
            kids[1].attrs["style"] = _BREAK_BEFORE.sub("", kids[1].attrs["style"])
            node.attrs["style"] = node.attrs.get("style", "") + "; break-before: page"
        body = self.block_body(node, ctx)
        brk = "#pagebreak(weak: true)\n"
        if _BREAK_BEFORE.search(node.attrs.get("style", "")) and not body.startswith(brk):
            body = brk + body
        ident = node.attrs.get("id", "")
        if ident in self.targets and _LABEL.fullmatch(ident):
            anchor = f"#metadata(none) <{ident}>\n"
            body = (brk + anchor + body[len(brk):] if body.startswith(brk)
                    else anchor + body)
        return body

    def box(self, content: str, *, settings: str = "", **block: str) -> str:
        args = ", ".join(f"{k.replace('_', '-')}: {v}" for k, v in block.items())
        preset = f"#set text({settings});\n" if settings else ""
        return f"#block({args})[{preset}{content}]"

    def block_body(self, node: Element, ctx: Context) -> str:
        tag, classes = node.tag, node.classes
        settings = text_settings(classes)
        if tag in _HEADINGS:
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
            return f'#line(length: 100%, stroke: .75pt + rgb("{COLOURS["rule"]}"))'
        if tag == "pre":
            return (f'#block(fill: rgb("#ececec"), inset: 4pt, width: 100%)'
                    f"[#raw(block: true, {string(text_of(node))})]")
        if tag == "section" and "summary" in classes:
            inner = self.flow(node.children, replace(ctx, summary=True))
            rule = COLOURS["rule"]
            return (f'#block(stroke: .75pt + rgb("{rule}"), inset: (x: {rem(.9)}, '
                    f"y: {rem(.5)}), width: 100%, above: {rem(1)}, below: {rem(1)})"
                    f"[{inner}]\n#pagebreak(weak: true)")
        if tag == "section" and "breed" in classes:  # @page breed: A4 landscape
            return (f"#page(flipped: true, margin: {_WIDE_MARGIN})"
                    f"[{self.flow(node.children, replace(ctx, wide=True))}]")
        if tag == "section" and "appendix" in classes:
            return "#pagebreak(weak: true)\n" + self.flow(node.children, ctx)
        if tag == "div" and "multiples" in classes:
            cells = [self.block(c, ctx) for c in node.children
                     if isinstance(c, Element)]
            return ("#grid(columns: (1fr, 1fr), column-gutter: 2%, "
                    + ", ".join(f"[{c}]" for c in cells) + ")" if cells else "")
        if tag == "figure":
            breakable = "table-figure" in classes and "small" not in classes
            width = next((_MAX_WIDTH[c] for c in _MAX_WIDTH if c in classes), "100%")
            return self.box(self.flow(node.children, ctx), width=width, above=rem(.6),
                            below=rem(1), breakable=str(breakable).lower())
        if tag == "div" and "chart-small" in classes:
            return self.box(self.flow(node.children, ctx), width=_MAX_WIDTH["chart-small"])
        if tag == "figcaption" and "above" in classes:
            return self.box(self.flow(node.children, ctx), below=rem(.3), width="100%",
                            sticky="true", settings=_CAPTION)
        if tag == "figcaption":
            return self.box(self.flow(node.children, ctx), above=rem(.2), width="100%",
                            settings=_CAPTION)
        if "chart-title" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings,
                            below=rem(.15), above=rem(.15), sticky="true")
        if "bron" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, above="2pt",
                            below="2pt")
        if tag == "article" and "story" in classes:
            return self.box(self.flow(node.children, replace(ctx, story=True)), width="100%",
                            stroke=f'(top: .75pt + rgb("{COLOURS["rule"]}"))',
                            inset=f"(top: {rem(.4)})", below=rem(.8))
        if tag == "div" and "body" in classes and ctx.story:
            return self.box(self.flow(node.children, ctx), settings=f"size: {rem(.95)}",
                            width="100%")
        if tag == "footer" and "colophon" in classes:
            return self.box(self.flow(node.children, ctx), above=rem(2.5), width="100%",
                            stroke=f'(top: .75pt + rgb("{COLOURS["rule"]}"))',
                            inset=f"(top: {rem(.4)})", settings=_CAPTION)
        if "note" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, width="100%",
                            fill=f'rgb("{COLOURS["note"]}")', breakable="false",
                            stroke=f'(left: 3pt + rgb("{COLOURS["rule"]}"))',
                            inset=f"(x: {rem(.6)}, y: {rem(.4)})")
        if "empty" in classes:
            return self.box(self.flow(node.children, ctx), settings=settings, width="100%",
                            fill=f'rgb("{COLOURS["note"]}")', breakable="false",
                            stroke=(f'(paint: rgb("{COLOURS["muted"]}"), thickness: .75pt, '
                                    'dash: "dashed")'),
                            inset=f"(x: {rem(.7)}, y: {rem(.5)})")
        if tag == "blockquote":
            return self.box(self.flow(node.children, ctx), width="100%",
                            stroke=f'(left: 2pt + rgb("{COLOURS["rule"]}"))',
                            inset=f"(left: {rem(.8)})")
        if tag == "p":
            sticky = "true" if classes & {"intro", "legend"} else "false"
            above, below = (.1, .3) if ctx.summary else (.3, .5)
            if classes & {"meta", "subtitle"}:
                above, below = 0, .3
            return self.box(self.flow(node.children, ctx), settings=settings,
                            above=rem(above), below=rem(below), sticky=sticky)
        inner = self.flow(node.children, ctx)
        return self.box(inner, settings=settings) if settings else inner

    def heading(self, node: Element, ctx: Context) -> str:
        level = int(node.tag[1])
        inner = self.flow(node.children, ctx)
        if ctx.story and level != 4:  # a heading in a story's text: bold, not a bookmark
            return self.box(f"#strong[{inner}]", above=rem(.6), below=rem(.3), sticky="true")
        if ctx.summary:  # the summary's own sizes (report.css: .summary h2, .summary h3)
            size, above, below = {2: (1.15, .2, .6), 3: (.95, .5, .1)}.get(level, (1, .5, .1))
            colour = COLOURS["accent"] if level == 2 else COLOURS["ink"]
            return (f"#show heading: set block(above: {rem(above)}, below: {rem(below)})\n"
                    f'#show heading: it => block(text(size: {rem(size)}, fill: rgb("{colour}"), '
                    f'weight: "bold", it.body))\n#heading(level: {level})[{inner}]')
        return f"#heading(level: {level})[{inner}]"

    def figure_svg(self, node: Element) -> str:
        match = re.search(r'\baria-label="([^"]*)"', node.svg[:2000])
        alt = html_module.unescape(match.group(1)) if match else ""
        markup = slim_svg(node.svg)
        if "xmlns=" not in markup[:500]:
            markup = markup.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        return (f'#image(bytes({string(markup)}), format: "svg", width: 100%, '
                f"alt: {string(alt)})")

    def listing(self, node: Element, ctx: Context) -> str:
        items = [c for c in node.children if isinstance(c, Element) and c.tag == "li"]
        classes = node.classes
        if "signals" in classes:
            rule = COLOURS["rule"]
            out = []
            for item in items:
                colour = next((SEVERITY[c] for c in item.classes if c in SEVERITY),
                              COLOURS["muted"])
                out.append(
                    f'#block(stroke: (left: 5pt + rgb("{colour}"), top: .75pt + rgb("{rule}"), '
                    f'right: .75pt + rgb("{rule}"), bottom: .75pt + rgb("{rule}")), '
                    f"inset: (x: {rem(.7)}, top: {rem(.4)}, bottom: {rem(.2)}), "
                    f"width: 100%, breakable: false, below: {rem(.7)})"
                    f"[{self.flow(item.children, ctx)}]")
            return "\n".join(out)
        function = "enum" if node.tag == "ol" else "list"
        parts = ", ".join(f"[{self.flow(i.children, ctx)}]" for i in items)
        markup = f"#{function}(tight: true, {parts})" if items else ""
        if "footnotes" in classes:
            return self.box(markup, settings=f'size: {rem(.75)}, fill: rgb("{COLOURS["muted"]}")',
                            above=rem(.2))
        return markup

    def definitions(self, node: Element, ctx: Context) -> str:
        if node.classes & {"avail-units", "indices"}:  # terms and descriptions as blocks
            return self.stacked(node, ctx)
        parts = []
        for child in node.children:
            if isinstance(child, Element) and child.tag == "dt":
                parts.append(f"#strong[{self.flow(child.children, ctx)}]#h(.2em);")
            elif isinstance(child, Element) and child.tag == "dd":
                parts.append(f"{self.flow(child.children, ctx)}#h({rem(.8)});")
        return self.box("".join(parts), settings=f"size: {rem(.85)}", above=rem(.2),
                        below=rem(.2))

    def stacked(self, node: Element, ctx: Context) -> str:
        """A list of terms (bold, kept with what follows) over indented descriptions, each
        ``span`` of a description on a line of its own (``dl.avail-units``)."""
        units = "avail-units" in node.classes
        parts = []
        for child in node.children:
            if not isinstance(child, Element):
                continue
            if child.tag == "dt":
                parts.append(self.box(self.flow(child.children, ctx), settings='weight: "bold"',
                                      above=rem(.4 if not units else .35), below=rem(.1),
                                      sticky="true"))
            elif child.tag == "dd":
                lines = ([self.box(self.inline(c, ctx), width="100%", above=rem(.1),
                                   below=rem(.1)) for c in child.children
                          if isinstance(c, Element) and c.tag == "span"] if units else
                         [self.flow(child.children, ctx)])
                parts.append(self.box("\n".join(lines), width="100%", above=rem(.1),
                                      below=rem(.2), inset=f"(left: {rem(1 if units else 1.2)})"))
        return self.box("\n".join(parts), width="100%", above=rem(.3), below=rem(.3),
                        settings=f"size: {rem(.74)}" if units else "")


def _preamble(*, title: str, running: str, kind: str, generated: str) -> str:
    c = {k: f'rgb("{v}")' for k, v in COLOURS.items()}
    return f"""#set document(title: {string(title)}, date: none)
#set page(paper: "a4", margin: (top: 18mm, bottom: 18mm, left: 15mm, right: 15mm),
  header: context if here().page() > 1 {{
    set text(size: 8pt, fill: {c["muted"]}); {string(running)}; h(1fr); {string(kind)} }},
  footer: context {{ set text(size: 7.5pt, fill: {c["muted"]}); {string(generated)}; h(1fr);
    text(size: 8pt)[pagina #counter(page).display() van #counter(page).final().first()] }})
#set text(font: "DejaVu Sans", size: {REM}pt, lang: "nl", fill: {c["ink"]}, hyphenate: false)
#set text(top-edge: "ascender", bottom-edge: "descender")
#set par(leading: .24em, spacing: .7em)
#set block(spacing: .7em)
#set list(spacing: .35em, indent: .3em)
#set enum(spacing: .35em, indent: .3em)
#set table.cell(breakable: false)
#show heading: set block(sticky: true)
#show heading.where(level: 1): set block(above: 0pt, below: {rem(.2)})
#show heading.where(level: 1): it => block(text(size: {rem(1.9)}, fill: {c["accent"]},
  weight: "bold", it.body))
#show heading.where(level: 2): set block(above: {rem(1.6)}, below: {rem(.6)})
#show heading.where(level: 2): it => block(width: 100%, inset: (bottom: {rem(.2)}),
  stroke: (bottom: 2pt + {c["accent"]}), text(size: {rem(1.35)}, fill: {c["accent"]},
  weight: "bold", it.body))
#show heading.where(level: 3): set block(above: {rem(1.3)}, below: {rem(.4)})
#show heading.where(level: 3): it => block(text(size: {rem(1.08)}, weight: "bold", it.body))
#show heading.where(level: 4): set block(above: {rem(.8)}, below: {rem(.3)})
#show heading.where(level: 4): it => block(text(size: {rem(1)}, weight: "bold", it.body))
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
            + writer.flow(root.children, Context()) + "\n")


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
