"""Tables for the Typst typesetter (:mod:`.typeset`): HTML tables as Typst tables.

Header rows repeat on every page, rows are not split, number cells are right-aligned and
unbroken; column widths come from the ``col`` classes of report.css or, without them, from
the cells' texts (as a browser's automatic layout roughly does). Per table class the cells'
text size and per cell class its text, background and rules (:mod:`.typeset_style`).
"""

from __future__ import annotations

from dataclasses import replace

from wijkanalyse.present.htmltree import Element, Node, text_of
from wijkanalyse.present.typeset_style import (
    CELL_FILL,
    CENTRED,
    COLOURS,
    REM,
    TABLE_INSET,
    TABLE_SIZE,
    TEXT_WIDTH,
    Context,
    cell_settings,
    column_widths,
    rem,
)

__all__ = ["TableWriter"]

_SHORT = 20  # characters: a text column this narrow is as wide as its longest text
# a guess of widths in em of the table's text: a digit, a bold header letter, a text letter,
# a cell's padding
_DIGIT, _BOLD, _TEXT, _PAD = .62, .8, .6, .9


class TableWriter:
    """The table half of the page writer (:class:`wijkanalyse.present.typeset._Writer`)."""

    def flow(self, children: list[Node], ctx: Context) -> str:
        raise NotImplementedError

    def table(self, node: Element, ctx: Context) -> str:
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
        size = next((TABLE_SIZE[c] for c in sorted(node.classes) if c in TABLE_SIZE), .78)
        columns, narrowed = self.columns(node, rows, room=TEXT_WIDTH[ctx.wide] / (size * REM))
        parts: list[str] = []
        for kind, group in groups:
            cells = [self.cell(c, row, node.classes, kind, ctx) for row in group
                     for c in row.children
                     if isinstance(c, Element) and c.tag in ("td", "th")]
            if not cells:
                continue
            if kind == "thead":
                parts.append(f"table.header({', '.join(cells)})")
            elif kind == "tfoot":
                parts.append(f"table.footer(repeat: false, {', '.join(cells)})")
            else:
                parts.extend(cells)
        rule = COLOURS["rule"]
        x, y = next((TABLE_INSET[c] for c in sorted(node.classes) if c in TABLE_INSET),
                    (.35, .22))
        # headers over columns narrowed below their words may hyphenate (Dutch)
        hyphens = "#show table.cell.where(y: 0): set text(hyphenate: true);\n" if narrowed else ""
        return (f"#block(width: 100%)[#set text(size: {rem(size)});\n{hyphens}"
                f"#table(columns: ({', '.join(columns)},), stroke: (x: none, top: none, "
                f'bottom: .75pt + rgb("{rule}")), inset: (x: {rem(x)}, y: {rem(y)}), '
                f"align: left + top, {', '.join(parts)})]")

    def columns(self, node: Element, rows: list[Element], *,
                room: float) -> tuple[list[str], bool]:
        """The Typst column widths of a table, and whether columns were narrowed to fit the
        page; ``room``: the page's text width in ``em`` of the table's text."""
        count = max(sum(int(c.attrs.get("colspan", "1") or 1) for c in r.children
                        if isinstance(c, Element) and c.tag in ("td", "th")) for r in rows)
        widths = column_widths()
        cols = [c for g in node.children if isinstance(g, Element) and g.tag == "colgroup"
                for c in g.children if isinstance(c, Element) and c.tag == "col"]
        if len(cols) == count:
            return [next((f"{widths[c]}%" for c in col.classes if c in widths), "1fr")
                    for col in cols], False
        if "avail" in node.classes:  # the area's name, then a narrow column per source
            return ["22%"] + ["1fr"] * (count - 1), False
        # automatic layout: number columns and short texts as wide as their content, longer
        # texts sharing the rest by the length of their longest text (as a browser's auto
        # layout roughly does)
        longest = [0] * count
        data = [0] * count  # the longest text of a data cell
        word = [0] * count  # the longest word of a header cell
        numeric = [True] * count
        below: dict[int, int] = {}  # column -> rows still taken by a cell above (rowspan)
        for row in rows:
            position = 0
            for cell in (c for c in row.children if isinstance(c, Element)
                         and c.tag in ("td", "th")):
                while below.get(position, 0) > 0:
                    position += 1
                span = int(cell.attrs.get("colspan", "1") or 1)
                down = int(cell.attrs.get("rowspan", "1") or 1)
                for column in range(position, position + span):
                    below[column] = down  # this row included: counted down after the row
                if span == 1 and position < count:
                    text = text_of(cell)
                    longest[position] = max(longest[position], len(text))
                    if cell.tag == "td":
                        data[position] = max(data[position], len(text))
                    else:
                        parts = text.replace("-", "- ").split()  # a line may break after "-"
                        word[position] = max([word[position], *map(len, parts)])
                    if cell.tag == "td" and "num" not in cell.classes:
                        numeric[position] = False
                position += span
            below = {column: n - 1 for column, n in below.items() if n > 1}
        spans = ["auto" if numeric[i] or longest[i] <= _SHORT else f"{min(longest[i], 60)}fr"
                 for i in range(count)]
        for i in range(count):  # a number column under a long header: the header wraps
            if numeric[i] and (longest[i] > _SHORT >= data[i] or (
                    "compact" in node.classes and longest[i] > max(data[i], word[i]))):
                spans[i] = f"{max(data[i] * _DIGIT, word[i] * _BOLD) + _PAD:.1f}em"
        fitted = _fit(spans, room=room, numeric=numeric, longest=longest, data=data, word=word)
        return self.spread(node, fitted, numeric, longest), fitted != spans

    def spread(self, node: Element, spans: list[str], numeric: list[bool],
               longest: list[int]) -> list[str]:
        """Spans without a flexible column: one takes the rest of the width."""
        if "auto" in spans and not any(s.endswith("fr") for s in spans):
            # the table spans the width: its longest column takes the rest (in the monitor's
            # compact tables the longest text column: a long header stays narrow)
            texts = [n if not numeric[i] else -1 for i, n in enumerate(longest)]
            widest = texts if "compact" in node.classes and max(texts) >= 0 else longest
            spans[widest.index(max(widest))] = "1fr"
        return spans


    def cell(self, cell: Element, row: Element, table: frozenset[str], kind: str,
             ctx: Context) -> str:
        classes = cell.classes
        nowrap = cell.tag == "td" and "num" in classes and "diff" not in classes
        inner = self.flow(cell.children, replace(ctx, nowrap=nowrap, cell=True))
        settings = cell_settings(table, classes)
        if cell.tag == "th" and 'weight: "regular"' not in settings:
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
        elif classes & CENTRED:
            args.append("align: center + bottom" if cell.tag == "th" else "align: center + top")
        fill = next((CELL_FILL[c] for c in sorted(classes) if c in CELL_FILL), None)
        if fill:
            args.append(f'fill: rgb("{fill}")')
        if "evidence" in classes and "units" in table:
            args.append(f"inset: (x: {rem(.28)}, top: 0pt, bottom: {rem(.16)})")
        if "main" in row.classes and "solo" not in row.classes and "units" in table:
            args.append("stroke: none")
        if "assess" in classes and row.classes & {"gunstig", "ongunstig"}:
            colour = COLOURS["good" if "gunstig" in row.classes else "bad"]
            args.append(f'fill: rgb("{colour}")')
        if kind == "thead":
            args.append(f'stroke: (x: none, top: none, bottom: 1.5pt + rgb("{COLOURS["ink"]}"))')
        return f"table.cell({', '.join(args)})[{inner}]" if args else f"[{inner}]"


def _fit(spans: list[str], *, room: float, numeric: list[bool], longest: list[int],
         data: list[int], word: list[int]) -> list[str]:
    """Spans that fit the page's width ``room`` (in ``em``): when the guessed widths are too
    wide (many number columns under long headers, e.g. a column per class), the number
    columns under longer headers shrink towards the width of their numbers (their headers
    hyphenated) and the text columns keep room for about ten characters."""
    low = [longest[i] * _DIGIT + _PAD if s == "auto" else
           min(longest[i], 10) * _TEXT + _PAD if s.endswith("fr") else
           data[i] * _DIGIT + _PAD for i, s in enumerate(spans)]
    high = [float(s[:-2]) if s.endswith("em") else low[i] for i, s in enumerate(spans)]
    narrow = [i for i, s in enumerate(spans) if numeric[i] and longest[i] > data[i]]
    for i in narrow:  # an auto column under a header longer than its numbers
        low[i] = data[i] * _DIGIT + _PAD
        high[i] = max(low[i], max(data[i] * _DIGIT, word[i] * _BOLD) + _PAD)
    if sum(high) <= room or not narrow:
        return spans
    extra = sum(high[i] - low[i] for i in narrow)
    share = max(0.0, min(1.0, (room - sum(low)) / extra)) if extra else 0.0
    out = list(spans)
    for i in narrow:
        out[i] = f"{low[i] + share * (high[i] - low[i]):.1f}em"
    return out
