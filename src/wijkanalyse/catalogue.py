"""The canonical indicator catalogue (``data/indicators.yaml``) and header matching.

Every indicator has a stable id (the CBS KWB short names users know: ``a_inw``, ``p_wcorpw``,
``g_ink_pi``), a Dutch label, unit, domain, an aggregation ``kind`` and, for rates and means, the
``base`` indicator that weighs it when areas are combined. Each indicator lists the column names
it has in every source layout:

* ``headers``: StatLine header paths (``"Bevolking/Aantal inwoners (aantal)"``). One path also
  matches the R-mangled export (``Bevolking.Aantal.inwoners..aantal.``), the underscore names of
  the Heerlen SQLite (``Bevolking_Aantal_inwoners``) and the ``|`` paths of old StatLine
  downloads, because matching compares only letters and digits (see :func:`header_key`).
* ``odata_keys``: OData property keys (``AantalInwoners_5``); a key may be qualified with its
  table (``"85984NED:Appartement_48"``) where the same key means something else in another year.
* ``aliases``: other column names matched case-insensitively as they are (Leefbaarometer ``lbm``,
  renamed columns such as ``population``).

``peiljaar`` (optional) records which year (or date) a figure describes when that differs from
the edition it is published in: ``offset`` (peiljaar = edition + offset, e.g. ``-1`` for the WOZ
value, whose waardepeildatum is 1 January of the year before), ``editions`` (edition -> peiljaar
where there is no fixed offset, e.g. land/water areas from an older land-use file) and a Dutch
``note`` (required) that also covers a different date within the same year (1 October, 31
December), and an optional ``text``: the year described in words with ``{peiljaar}`` for the
year ("waardepeildatum 1 januari {peiljaar}", "inkomen over {peiljaar}"), shown next to the
edition in reports. Values stay stored under their edition year;
:meth:`Indicator.reference_year` gives the year the figure describes and
:meth:`Indicator.reference_text` the words.

``decimals`` (optional) is how many decimals the figure is shown with, as CBS publishes it
(whole percentages ``68%``, income shares ``40,2%``); without it the rule of
:func:`wijkanalyse.fmt.decimals_for` (counts, densities, kWh, m³ and published percentages and
rates per 1 000 whole; computed shares 1; scores 2; other means 1). ``signed: true`` marks a
score around zero that is written with its sign (``-0,19``). ``tests/test_catalogue.py`` checks
the decimals against every stored value of the real files.

Definition changes are recorded per indicator (``definition_changes``) and indicators that are
not comparable across a change are separate ids linked by ``replaces`` / ``replaced_by``.

Shares and their counts: a rate may name its ``numerator`` (a count); the rate is then
``numerator / base`` × 100 (unit ``%``) or × 1 000 (unit ``per 1 000 ...``), and
:meth:`Indicator.share_factor` gives that factor. A published percentage with a ``numerator``
(``p_00_14_jr`` with ``a_00_14``) is one concept with its count: where a source gives the
count instead of the percentage, the wijkprofiel computes the share ("berekend") and shows one
series. ``computed: true`` marks a figure CBS does not publish: a share
(``p_soz_wb_afgeleid``, with ``numerator``) or a count that is the sum of others (``sum_of``:
the persons with a known education level, the base of the education shares). A computed
indicator has no source columns, is never stored and exists only as computed from its counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from wijkanalyse import safeyaml
from wijkanalyse.errors import CatalogueError
from wijkanalyse.fmt import decimals_for

KINDS = {
    "count": "sum",  # counts: summed over parts
    "rate": "weighted",  # percentages, per-1000 rates: weighted by base
    "mean": "weighted",  # averages (income per inhabitant, mean WOZ): weighted by base
    "score": "weighted",  # scores (Leefbaarometer, SES-WOA): weighted by base
    "code": "none",  # codes and classes (stedelijkheid, postcode): not aggregated
}
DOMAINS = (
    "bevolking",
    "huishoudens",
    "wonen",
    "energie",
    "onderwijs",
    "arbeid",
    "inkomen",
    "sociale zekerheid",
    "zorg",
    "veiligheid",
    "bedrijvigheid",
    "mobiliteit",
    "voorzieningen",
    "oppervlakte",
    "stedelijkheid",
    "leefbaarheid",
    "sociaaleconomische status",
    "gezondheid en welzijn",
)
DIRECTIONS = ("higher", "lower", None)
META_ROLES = ("name", "gemeente_name", "level", "code", "indelingswijziging", "row_id", "period",
              "postcode", "gemeente_code")
_UNIT_SUFFIX = re.compile(r"\s*\(([^()]*)\)\s*$")


def header_key(header: str) -> str:
    """Letters and digits of a header, lower-cased: the layout-independent matching key.

    >>> header_key("Bevolking/Aantal inwoners (aantal)") == header_key(
    ...     "Bevolking.Aantal.inwoners..aantal.")
    True
    """
    text = unicodedata.normalize("NFC", str(header)).replace("\xa0", " ")
    return "".join(re.findall(r"[^\W_]+", text.lower()))


def header_variants(path: str) -> set[str]:
    """All keys one StatLine header path matches (with/without unit, ``%`` as ``proc``)."""
    label = _UNIT_SUFFIX.sub("", path)
    out = set()
    for text in (path, label):
        out.add(header_key(text.replace("%", "")))
        out.add(header_key(text.replace("%", "proc")))
    out.discard("")
    return out


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str
    label: str
    unit: str
    domain: str
    kind: str
    base: str | None = None
    better: str | None = None
    description: str = ""
    headers: tuple[str, ...] = ()
    odata_keys: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    valid_from: int | None = None
    valid_to: int | None = None
    replaces: str | None = None
    replaced_by: str | None = None
    definition_changes: tuple[dict[str, Any], ...] = ()
    peiljaar: dict[str, Any] | None = None
    numerator: str | None = None
    sum_of: tuple[str, ...] = ()
    computed: bool = False
    #: Decimals the figure is shown with: as CBS publishes it (``68%``, ``40,2%``); when the
    #: file does not say, :func:`wijkanalyse.fmt.decimals_for` of unit and kind.
    decimals: int | None = None
    #: Whether the figure is written with its sign (a score around zero, such as the
    #: Leefbaarometer's deviation from the national average: ``-0,19``, ``+0,05``).
    signed: bool = False

    def share_factor(self) -> float | None:
        """100 for a share in %, 1 000 for a rate per 1 000, ``None`` without ``numerator``."""
        if not self.numerator:
            return None
        return 100.0 if self.unit == "%" else 1000.0

    @property
    def aggregation(self) -> str:
        """``sum``, ``weighted`` or ``none``."""
        return KINDS[self.kind]

    def reference_year(self, edition: int) -> int:
        """The year a figure of ``edition`` describes (the edition itself unless ``peiljaar``
        says otherwise)."""
        if not self.peiljaar:
            return edition
        editions = self.peiljaar.get("editions") or {}
        if edition in editions:
            return int(editions[edition])
        return edition + int(self.peiljaar.get("offset") or 0)

    def reference_text(self, edition: int) -> str | None:
        """The year a figure of ``edition`` describes, in words ("waardepeildatum 1 januari
        2018"), from the catalogue's ``peiljaar.text``; ``None`` without one."""
        if not self.peiljaar or not self.peiljaar.get("text"):
            return None
        return str(self.peiljaar["text"]).replace("{peiljaar}",
                                                  str(self.reference_year(edition)))


@dataclass
class Catalogue:
    """The indicator catalogue with lookup structures for header matching."""

    indicators: dict[str, Indicator]
    meta_columns: dict[str, str] = field(default_factory=dict)  # header key -> role
    _by_header: dict[str, str] = field(default_factory=dict, repr=False)
    _by_odata: dict[str, str] = field(default_factory=dict, repr=False)
    _by_alias: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for ind in self.indicators.values():
            for h in ind.headers:
                for key in header_variants(h):
                    self._claim(self._by_header, key, ind.id, f"header {h!r}")
            for k in ind.odata_keys:
                self._claim(self._by_odata, k.lower(), ind.id, f"odata key {k!r}")
            for a in ind.aliases:
                self._claim(self._by_alias, a.strip().lower(), ind.id, f"alias {a!r}")

    @staticmethod
    def _claim(table: dict[str, str], key: str, ind_id: str, what: str) -> None:
        other = table.get(key)
        if other is not None and other != ind_id:
            raise CatalogueError(
                f"indicatorcatalogus: {what} hoort bij zowel {other!r} als {ind_id!r}; "
                "maak de kolomnaam eenduidig (bij OData-sleutels met 'TABEL:Sleutel')."
            )
        table[key] = ind_id

    def __getitem__(self, ind_id: str) -> Indicator:
        return self.indicators[ind_id]

    def __contains__(self, ind_id: object) -> bool:
        return ind_id in self.indicators

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def match(self, column: str, *, table_id: str | None = None) -> str | None:
        """The indicator id a source column holds, or ``None`` when it is not in the catalogue.

        Tries, in order: a table-qualified OData key, a plain OData key, an alias, and the
        layout-independent header key.
        """
        col = str(column).strip()
        low = col.lower()
        if table_id:
            hit = self._by_odata.get(f"{table_id.lower()}:{low}")
            if hit:
                return hit
        hit = self._by_odata.get(low) or self._by_alias.get(low)
        if hit:
            return hit
        return self._by_header.get(header_key(col))

    def meta_role(self, column: str) -> str | None:
        """The role of a non-indicator column (name, code, level, ...), or ``None``."""
        col = str(column).strip()
        return self.meta_columns.get(col.lower()) or self.meta_columns.get(header_key(col))


def _tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _check_peiljaar(value: Any, where: str) -> None:
    """Validate an indicator's ``peiljaar`` entry (see the module docstring)."""
    if value is None:
        return
    if not isinstance(value, dict) or not value.get("note"):
        raise CatalogueError(f"{where}: peiljaar moet een mapping zijn met minstens 'note' "
                             "(en eventueel 'offset' of 'editions').")
    unknown = set(value) - {"offset", "editions", "note", "text"}
    if unknown:
        raise CatalogueError(f"{where}: peiljaar: onbekende velden {sorted(unknown)}; "
                             "toegestaan zijn editions, note, offset, text.")
    if "text" in value and (not isinstance(value["text"], str)
                            or "{peiljaar}" not in value["text"]):
        raise CatalogueError(f"{where}: peiljaar.text moet tekst zijn met {{peiljaar}} "
                             "op de plaats van het jaar.")
    if "offset" in value and not isinstance(value["offset"], int):
        raise CatalogueError(f"{where}: peiljaar.offset moet een geheel getal zijn.")
    editions = value.get("editions", {})
    if not isinstance(editions, dict) or not all(
            isinstance(k, int) and isinstance(v, int) for k, v in editions.items()):
        raise CatalogueError(f"{where}: peiljaar.editions moet editiejaar: peiljaar zijn "
                             "(gehele getallen).")


def _check_changes(value: Any, where: str) -> None:
    """Validate ``definition_changes``: a list of ``{year, note}`` with an optional ``chart``
    title (rates that share a change and a chart title are drawn in one chart)."""
    for change in _tuple(value):
        if not isinstance(change, dict) or not {"year", "note"} <= set(change):
            raise CatalogueError(f"{where}: definition_changes: elk element heeft year en note.")
        unknown = set(change) - {"year", "note", "chart"}
        if unknown:
            raise CatalogueError(f"{where}: definition_changes: onbekende velden "
                                 f"{sorted(unknown)}; toegestaan zijn chart, note, year.")


def _check_share(ind: Indicator, indicators: dict[str, Indicator], where: str) -> None:
    """Validate ``numerator``, ``sum_of`` and ``computed`` (see the module docstring)."""
    if ind.computed and not (ind.numerator or ind.sum_of):
        raise CatalogueError(f"{where}: computed vraagt een 'numerator' (een aandeel) of "
                             "'sum_of' (een som van aantallen).")
    if ind.computed and (ind.headers or ind.odata_keys or ind.aliases):
        raise CatalogueError(f"{where}: een berekende indicator (computed) heeft geen "
                             "kolomnamen (headers, odata_keys, aliases).")
    if ind.sum_of:
        if not ind.computed or ind.kind != "count":
            raise CatalogueError(f"{where}: sum_of alleen bij een berekend aantal "
                                 "(computed: true, kind: count).")
        for ref in ind.sum_of:
            if ref not in indicators or indicators[ref].kind != "count":
                raise CatalogueError(f"{where}: sum_of: {ref!r} moet een aantal (count) "
                                     "uit de catalogus zijn.")
    if not ind.numerator:
        return
    if ind.kind != "rate" or not (ind.unit == "%" or ind.unit.startswith("per 1 000")):
        raise CatalogueError(f"{where}: numerator mag alleen bij een rate in % of per 1 000 "
                             f"(nu kind {ind.kind!r}, eenheid {ind.unit!r}).")
    if not ind.base:
        raise CatalogueError(f"{where}: numerator vraagt een 'base' (de noemer).")
    if ind.numerator not in indicators:
        raise CatalogueError(f"{where}: verwijst naar onbekende indicator {ind.numerator!r}.")
    if indicators[ind.numerator].kind != "count":
        raise CatalogueError(f"{where}: {ind.numerator!r} moet een aantal (count) zijn.")


def parse_catalogue(data: dict[str, Any], *, origin: str = "indicators.yaml") -> Catalogue:
    """Validate and build a :class:`Catalogue` from parsed YAML."""
    if not isinstance(data, dict) or "indicators" not in data:
        raise CatalogueError(f"{origin}: verwacht een sleutel 'indicators' met een lijst.")
    indicators: dict[str, Indicator] = {}
    allowed = set(Indicator.__dataclass_fields__)
    for pos, raw in enumerate(data["indicators"], start=1):
        where = f"{origin}, indicator {pos}"
        if not isinstance(raw, dict) or "id" not in raw:
            raise CatalogueError(f"{where}: elke indicator heeft minstens 'id'.")
        where = f"{origin}, indicator {raw['id']!r}"
        unknown = set(raw) - allowed
        if unknown:
            raise CatalogueError(f"{where}: onbekende velden {sorted(unknown)}; "
                                 f"toegestaan zijn {sorted(allowed)}.")
        for req in ("label", "unit", "domain", "kind"):
            if not raw.get(req):
                raise CatalogueError(f"{where}: veld {req!r} ontbreekt.")
        if raw["kind"] not in KINDS:
            raise CatalogueError(f"{where}: kind {raw['kind']!r} is onbekend; kies uit "
                                 f"{sorted(KINDS)}.")
        if raw["domain"] not in DOMAINS:
            raise CatalogueError(f"{where}: domein {raw['domain']!r} is onbekend; kies uit "
                                 f"{list(DOMAINS)}.")
        if raw.get("better") not in DIRECTIONS:
            raise CatalogueError(f"{where}: better moet 'higher', 'lower' of leeg zijn.")
        if raw["id"] in indicators:
            raise CatalogueError(f"{where}: id komt twee keer voor.")
        _check_peiljaar(raw.get("peiljaar"), where)
        _check_changes(raw.get("definition_changes"), where)
        decimals = raw.get("decimals")
        if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                     or not 0 <= decimals <= 3):
            raise CatalogueError(f"{where}: decimals moet een geheel getal van 0 tot 3 zijn.")
        if not isinstance(raw.get("signed", False), bool):
            raise CatalogueError(f"{where}: signed moet true of false zijn.")
        if decimals is None:
            decimals = decimals_for(raw["unit"], raw["kind"],
                                    computed=bool(raw.get("computed", False)))
        ind = Indicator(
            **{
                **raw,
                "headers": _tuple(raw.get("headers")),
                "odata_keys": _tuple(raw.get("odata_keys")),
                "aliases": _tuple(raw.get("aliases")),
                "definition_changes": _tuple(raw.get("definition_changes")),
                "sum_of": _tuple(raw.get("sum_of")),
                "computed": bool(raw.get("computed", False)),
                "decimals": decimals,
                "signed": bool(raw.get("signed", False)),
            }
        )
        indicators[ind.id] = ind
    for ind in indicators.values():
        where = f"{origin}, indicator {ind.id!r}"
        _check_share(ind, indicators, where)
        if ind.aggregation == "weighted":
            if not ind.base:
                raise CatalogueError(f"{where}: een {ind.kind} heeft een 'base' nodig "
                                     "(de teller waarmee hij gewogen wordt).")
            if ind.base not in indicators:
                raise CatalogueError(f"{where}: base {ind.base!r} bestaat niet.")
            if indicators[ind.base].kind != "count":
                raise CatalogueError(f"{where}: base {ind.base!r} moet een aantal (count) zijn.")
        for ref in (ind.replaces, ind.replaced_by):
            if ref and ref not in indicators:
                raise CatalogueError(f"{where}: verwijst naar onbekende indicator {ref!r}.")
    meta: dict[str, str] = {}
    for role, headers in (data.get("meta_columns") or {}).items():
        if role not in META_ROLES:
            raise CatalogueError(f"{origin}: meta_columns: onbekende rol {role!r}.")
        for h in _tuple(headers):
            meta[str(h).strip().lower()] = role
            for key in header_variants(str(h)):
                meta[key] = role
    return Catalogue(indicators=indicators, meta_columns=meta)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load the catalogue shipped with the package, or the file at ``path``."""
    if path is None:
        return _packaged_catalogue()
    p = Path(path)
    return parse_catalogue(safeyaml.load(p.read_text(encoding="utf-8"), origin=str(p)),
                           origin=str(p))


@lru_cache(maxsize=1)
def _packaged_catalogue() -> Catalogue:
    text = resources.files("wijkanalyse").joinpath("data/indicators.yaml").read_text("utf-8")
    origin = "wijkanalyse/data/indicators.yaml"  # shipped: parsed with libyaml, not re-checked
    return parse_catalogue(safeyaml.load(text, origin=origin, trusted=True), origin=origin)
