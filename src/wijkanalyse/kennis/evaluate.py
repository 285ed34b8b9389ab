"""Measuring the search on the shipped evaluation set (``data/kennis_zoekvragen.yaml``):
recall@5 and nDCG@10 per query (:func:`evaluate_search`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.kennis.index import SearchIndex
from wijkanalyse.kennis.search import search_index

# ------------------------------------------------------------------------------ evaluation

#: The evaluation set shipped with the package (queries with the expected interventions).
EVALUATION_FILE = ("data", "kennis_zoekvragen.yaml")
#: Columns of :func:`evaluate_search`'s result.
EVALUATION_COLUMNS = ["query", "recall_at_5", "ndcg_at_10", "expected", "missing", "top"]
#: The recall@5 the shipped search must reach on the shipped evaluation set (mean).
RECALL_TARGET = 0.8


@dataclass(frozen=True)
class EvaluationQuery:
    """One query of the evaluation set: the text, the interventions expected in the first five
    results (grade 2) and those that are also relevant (grade 1)."""

    query: str
    expected: tuple[str, ...]
    also: tuple[str, ...] = ()


def load_search_evaluation(text: str | None = None, *,
                           origin: str = "kennis_zoekvragen.yaml") -> list[EvaluationQuery]:
    """Read an evaluation set (default: the one shipped with the package).

    Parameters
    ----------
    text
        YAML with ``vragen``: a list of ``{vraag, verwacht: [ids], ook: [ids]}``.
    origin
        Name of the file in messages.

    Returns
    -------
    list of EvaluationQuery

    Raises
    ------
    WijkanalyseError
        Invalid YAML, a query without text, no or more than five expected ids, an id in both
        lists, or a query that occurs twice.
    """
    from wijkanalyse import safeyaml

    if text is None:
        from importlib import resources

        text = resources.files("wijkanalyse").joinpath(*EVALUATION_FILE).read_text(
            encoding="utf-8")
    try:
        data = safeyaml.load(text) or {}
    except Exception as exc:  # noqa: BLE001 - YAML and limit errors alike
        raise WijkanalyseError(f"{origin}: geen geldige YAML ({exc}).") from exc
    out: list[EvaluationQuery] = []
    seen: set[str] = set()
    for pos, item in enumerate((data or {}).get("vragen") or [], start=1):
        if not isinstance(item, Mapping) or not str(item.get("vraag") or "").strip():
            raise WijkanalyseError(f"{origin}, vraag {pos}: geef 'vraag' en 'verwacht'.")
        query = " ".join(str(item["vraag"]).split())
        expected = tuple(str(i) for i in item.get("verwacht") or [])
        also = tuple(str(i) for i in item.get("ook") or [])
        if not 1 <= len(expected) <= 5:
            raise WijkanalyseError(f"{origin}, vraag {query!r}: 'verwacht' heeft één tot vijf "
                                   f"interventies, niet {len(expected)}.")
        if set(expected) & set(also):
            raise WijkanalyseError(f"{origin}, vraag {query!r}: "
                                   f"{sorted(set(expected) & set(also))} staat in 'verwacht' "
                                   "en in 'ook'.")
        if query in seen:
            raise WijkanalyseError(f"{origin}: vraag {query!r} staat er twee keer in.")
        seen.add(query)
        out.append(EvaluationQuery(query, expected, also))
    return out


def _ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    def dcg(gains: Sequence[int]) -> float:
        return float(sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k])))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(r, 0) for r in ranked]) / ideal if ideal else 0.0


def evaluate_search(index: SearchIndex, queries: Sequence[EvaluationQuery]) -> pd.DataFrame:
    """Recall@5 and nDCG@10 of the search on an evaluation set.

    Parameters
    ----------
    index
        From :func:`build_index`.
    queries
        From :func:`load_search_evaluation`.

    Returns
    -------
    pandas.DataFrame
        One row per query, columns :data:`EVALUATION_COLUMNS`: ``recall_at_5`` (share of the
        expected interventions in the first five results), ``ndcg_at_10`` (grade 2 for
        expected, 1 for also relevant), the expected ids, those missing from the first five
        and the first five ids found.

    Raises
    ------
    WijkanalyseError
        An expected id that is not in the index.
    """
    known = {d.id for d in index.docs}
    rows = []
    for q in queries:
        unknown = sorted((set(q.expected) | set(q.also)) - known)
        if unknown:
            raise WijkanalyseError(f"Zoekvraag {q.query!r} verwacht onbekende interventie(s) "
                                   f"{', '.join(unknown)}.")
        ranked = list(search_index(index, q.query, limit=10)["id"])
        grades = {**{i: 1 for i in q.also}, **{i: 2 for i in q.expected}}
        top5 = ranked[:5]
        rows.append({
            "query": q.query,
            "recall_at_5": sum(i in top5 for i in q.expected) / len(q.expected),
            "ndcg_at_10": _ndcg(ranked, grades, 10),
            "expected": list(q.expected),
            "missing": [i for i in q.expected if i not in top5],
            "top": top5,
        })
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


__all__ = [
    "EVALUATION_COLUMNS", "EvaluationQuery", "RECALL_TARGET", "evaluate_search",
    "load_search_evaluation",
]
