"""Lineage corrections: the shipped file ``data/lineage_corrections.yaml`` and the user's,
read and validated (:class:`CorrectionFileError`), and applied to the computed links."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.lineage.inputs import LINEAGE_COLUMNS, empty_table, link

CORRECTIONS_FILE = Path(str(resources.files("wijkanalyse").joinpath(
    "data", "lineage_corrections.yaml")))


class CorrectionFileError(WijkanalyseError):
    """A lineage corrections file that cannot be applied (nothing of it is applied)."""



def read_corrections(path: Path, regions: pd.DataFrame, *, strict: bool = True
                     ) -> pd.DataFrame:
    """Read and validate a lineage corrections file (YAML).

    The file has a list ``correcties`` of entries ``niveau``, ``van`` (code), ``van_jaar``,
    ``naar_jaar``, ``naar`` (code: weight, or a list of codes for weight 1 each ... summing
    to 1) and ``reden``. Unknown codes (not a region of that year), weights that do not sum to
    1 per source region, a target year not after the source year, and cycles are refused with
    a :class:`CorrectionFileError` naming the file, line and code; nothing is applied then.
    With ``strict=False`` (the shipped file) a correction whose codes are not loaded (a
    database built from part of the files) is left out instead.

    Returns
    -------
    pandas.DataFrame
        :data:`LINEAGE_COLUMNS` (evidence ``correctie``, certainty ``zeker``).
    """
    text = path.read_text(encoding="utf-8")

    def fail(line: int | None, message: str) -> CorrectionFileError:
        where = f"{path}, regel {line}" if line else str(path)
        return CorrectionFileError(f"{where}: {message}. Er is niets uit dit bestand "
                                   "toegepast.")

    try:
        root = safeyaml.compose(text)
    except (yaml.YAMLError, safeyaml.YamlLimitError) as exc:
        raise fail(getattr(exc, "line", None), f"geen geldige YAML ({exc})") from exc
    known = {(int(y), str(c)) for y, c in zip(regions["year"], regions["code"], strict=True)}
    rows: list[dict[str, Any]] = []
    if root is None:
        return empty_table()
    data = _node_value(root)
    entries = data.get("correcties") if isinstance(data, dict) else None
    if entries is None:
        return empty_table()
    if not isinstance(entries, list):
        raise fail(1, "'correcties' moet een lijst zijn")
    nodes = _mapping(root).get("correcties")
    entry_nodes = nodes.value if nodes is not None else []
    edges: dict[tuple[int, str], list[tuple[int, str, int]]] = {}
    seen: set[tuple[str, int, str]] = set()
    for entry, node in zip(entries, entry_nodes, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(entry, dict):
            raise fail(line, "elke correctie is een tabel met van, van_jaar, naar_jaar, naar")
        missing = [k for k in ("van", "van_jaar", "naar_jaar", "naar") if k not in entry]
        if missing:
            raise fail(line, f"correctie zonder {', '.join(missing)}")
        code = str(entry["van"]).strip().upper()
        try:
            ya, yb = int(entry["van_jaar"]), int(entry["naar_jaar"])
        except (TypeError, ValueError) as exc:
            raise fail(line, f"{code}: van_jaar en naar_jaar moeten jaartallen zijn") from exc
        level = str(entry.get("niveau") or _level_of(code))
        if not strict and ({(ya, code)} | {(yb, str(t).strip().upper())
                                           for t in _targets(entry["naar"])}) - known:
            continue
        if (ya, code) not in known:
            raise fail(line, f"onbekende code {code} in {ya} (geen gebied van dat jaar in de "
                             "database)")
        targets = entry["naar"]
        if isinstance(targets, str):
            targets = {targets: 1.0}
        elif isinstance(targets, list):
            targets = {str(t): 1.0 / len(targets) for t in targets} if targets else {}
        if not isinstance(targets, dict) or not targets:
            raise fail(line, f"{code}: 'naar' moet codes met gewichten geven")
        total = 0.0
        for t, w in targets.items():
            t = str(t).strip().upper()
            try:
                w = float(w)
            except (TypeError, ValueError) as exc:
                raise fail(line, f"{code}: gewicht van {t} is geen getal") from exc
            if (yb, t) not in known:
                raise fail(line, f"onbekende code {t} in {yb} (doel van {code})")
            if (yb, t) == (ya, code) or yb <= ya:
                raise fail(line, f"{code}: kring (cyclus): {code} {ya} → {t} {yb} gaat niet "
                                 "vooruit in de tijd")
            total += w
            edges.setdefault((ya, code), []).append((yb, t, line))
            rows.append(link(ya, code, yb, t, w, "correctie", "zeker",
                              str(entry.get("reden") or "correctie")))
            rows[-1]["level"] = level
        if abs(total - 1.0) > 1e-6:
            raise fail(line, f"{code}: de gewichten tellen op tot {total:g}, niet tot 1")
        if (level, ya, code) in seen:
            raise fail(line, f"{code} {ya} staat twee keer in het bestand")
        seen.add((level, ya, code))
    _check_cycles(edges, fail)
    return pd.DataFrame(rows, columns=LINEAGE_COLUMNS) if rows else empty_table()


def _check_cycles(edges: Mapping[tuple[int, str], list[tuple[int, str, int]]],
                  fail: Callable[[int | None, str], CorrectionFileError]) -> None:
    state: dict[tuple[int, str], int] = {}

    def visit(node: tuple[int, str]) -> None:
        state[node] = 1
        for yb, t, line in edges.get(node, []):
            nxt = (yb, t)
            if state.get(nxt) == 1:
                raise fail(line, f"{node[1]}: kring (cyclus) via {t}")
            if nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node)


def _targets(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _level_of(code: str) -> str:
    return {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(code[:2], "wijk")


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return {k.value: v for k, v in node.value}
    return {}


def _node_value(node: yaml.Node) -> Any:
    return yaml.load(yaml.serialize(node), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def apply_corrections(links: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """``links`` with every link of a corrected (level, source year, source code) replaced
    by the corrections' links."""
    if corrections.empty:
        return links
    key = ["level", "source_year", "source_code"]
    hit = links[key].merge(corrections[key].drop_duplicates(), on=key, how="left",
                           indicator=True)["_merge"].eq("both").to_numpy()
    return pd.concat([links[~hit], corrections], ignore_index=True)


def load_corrections(regions: pd.DataFrame, paths: Iterable[Path] = ()) -> pd.DataFrame:
    """The shipped corrections and those of ``paths`` (later files win per source region)."""
    frames = []
    if CORRECTIONS_FILE.is_file():
        frames.append(read_corrections(CORRECTIONS_FILE, regions, strict=False))
    for p in paths:
        frames.append(read_corrections(Path(p), regions))
    if not frames:
        return empty_table()
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(["level", "source_year", "source_code", "target_code"],
                               keep="last")

