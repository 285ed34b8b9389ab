"""The backtest as a Markdown document (``docs/backtest.md``) and as summary lines."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.backtest import (
    BacktestResult,
)
from wijkanalyse.monitor.earlywarning.compare import Comparison
from wijkanalyse.monitor.earlywarning.config import (
    METHOD_LABELS,
    _num,
    _pct,
)
from wijkanalyse.monitor.earlywarning.markdown_skill import (
    comparison_markdown,
    skill_rule_markdown,
)


def _metric_table(rows: pd.DataFrame, lead: list[str]) -> list[str]:
    within = "auc_within" in rows.columns
    head = [*lead, "n", "terugval", "gesignaleerd", "trefkans (recall)", "precisie", "F1",
            *(["AUC binnen peiljaar", "AUC alles samen"] if within else ["AUC"]), "Brier",
            "precisie top 10%"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows.to_dict("records"):
        cells = [str(r[c]) if c != "method" else METHOD_LABELS[r[c]] for c in _lead_keys(lead)]
        cells += [nl_number(r["n"]), _pct(r["base_rate"], 1), _pct(r["flagged"]),
                  _pct(r["recall"]), _pct(r["precision"]), _num(r["f1"]),
                  *([_num(r["auc_within"])] if within else []), _num(r["auc"]),
                  _num(r["brier"], 3), _pct(r.get("precision_top", math.nan))]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


_METRIC_NAMES = {"auc_within": "AUC binnen peiljaar", "auc": "AUC alles samen", "f1": "F1",
                 "brier": "Brier"}
_LEAD_KEYS = {"peiljaar": "origin", "voorspeld": "target", "methode": "method"}


def _lead_keys(lead: list[str]) -> list[str]:
    return [_LEAD_KEYS[c] for c in lead]


def backtest_markdown(
    result: BacktestResult,
    *,
    data_note: str | None = None,
    generated: date | None = None,
    command: str = "wijkanalyse monitor --backtest-md docs/backtest.md",
    comparison: Comparison | None = None,
) -> str:
    """The backtest as a Markdown document (Dutch), with tables and an honest reading.

    Parameters
    ----------
    result
        From :func:`backtest`.
    data_note
        What data were used (source, file, units, gemeenten, years); default a sentence
        with the number of units and years of ``result``.
    generated
        Date of the run, printed in the document (default today).
    command
        The command that made the document.
    comparison
        :func:`.compare.compare_backtest` of the same data: adds the sections on every
        loaded feature, two learners and regression to the mean; the section on the skill
        rule is always there.

    Returns
    -------
    str
    """
    cfg = result.config
    when = (generated or date.today()).isoformat()
    years = ", ".join(map(str, result.years))
    data = data_note or f"{result.n_units} eenheden met Leefbaarometer-metingen in {years}."
    pooled = result.pooled.set_index("method")
    model = pooled.loc["model"]
    origins = sorted(result.models)
    last_model = result.models[origins[-1]]
    lines = [
        "# Backtest van de vroegsignalering",
        "",
        f"Gemaakt op {when} met `{command}`. Alle cijfers in dit document komen uit die run; "
        "niets is met de hand bijgewerkt.",
        "",
        f"**Gegevens**: {data}",
        "",
        "## Wat wordt voorspeld",
        "",
        "Een *overgang* is een paar opeenvolgende Leefbaarometer-metingen van een wijk. Er is "
        f"**terugval** als de afwijking van het landelijk gemiddelde (`lbm_afw`) bij de "
        f"volgende meting meer dan {_num(cfg.delta)} lager is. De vroegsignalering geeft per "
        "wijk de kans op terugval bij de volgende meting, uitsluitend uit wat op het peiljaar "
        "bekend is.",
        "",
        "Het model is een logistische regressie op gestandaardiseerde kenmerken (scikit-learn, "
        f"`class_weight=\"balanced\"`, C = {_num(cfg.C, 1)}), met een prior-correctie zodat de "
        "uitkomst een kans is op de schaal van het basispercentage. Kenmerken: "
        + ", ".join(f"{cfg.label(f)} (`{f}`)" for f in cfg.features)
        + ". Een wijk wordt gesignaleerd als haar kans hoger is dan het basispercentage van de "
        "training; *hoog* is vanaf "
        f"{_num(cfg.risk_classes['hoog'], 1)} × het basispercentage. KWB-kenmerken (inkomen, "
        "bijstand, corporatiebezit, bevolkingsgroei) zitten niet in het model: ze bestaan in "
        "de database maar voor een handvol wijken en jaren (Heerlen 2016–2020, Den Haag 2019, "
        "Amsterdam 2015), te weinig om iets mee te schatten of te toetsen. Instellingen: "
        "`src/wijkanalyse/data/earlywarning.yaml`. Kenmerken, drempel en instellingen zijn "
        "vooraf vastgelegd en niet op de uitkomsten van deze backtest bijgesteld.",
        "",
        "## Werkwijze: rolling origin, zonder blik vooruit",
        "",
        "Voor elk peiljaar T wordt de reeks eerst afgekapt bij T. Het model wordt geschat op de "
        "overgangen die op of vóór T eindigen, en voorspelt voor elke wijk met een meting in T "
        "de overgang naar haar volgende meting, die het model niet heeft gezien. De kenmerken "
        "komen ook uit de afgekapte reeks (een test controleert dat het veranderen van latere "
        f"metingen geen voorspelling verandert). Minimaal {cfg.min_history} metingen tot en met "
        "T. Dezelfde overgangen worden voorspeld met drie naïeve baselines:",
        "",
        f"- **laatste verandering zet door**: terugval als de vorige verandering zelf een "
        f"daling van meer dan {_num(cfg.delta)} was (kans: het aandeel terugval na wel/geen "
        "daling in de trainingsjaren; rangorde voor de AUC: de vorige verandering per jaar);",
        "- **altijd het basispercentage**: iedere wijk krijgt het basispercentage van de "
        "training als kans; niemand wordt gesignaleerd (trefkans 0, AUC 0,5): de maatstaf "
        "voor de Brier-score;",
        f"- **laagste kwart blijft achter**: terugval voor de {_pct(cfg.low_quantile)} wijken "
        "met de laagste Leefbaarometer op het peiljaar (rangorde: hoe lager, hoe hoger).",
        "",
        "Maten: *trefkans* (recall) = deel van de terugvallers dat gesignaleerd was; "
        "*precisie* = deel van de gesignaleerde wijken dat terugviel; F1 = hun harmonisch "
        "gemiddelde; AUC = kans dat een willekeurige terugvaller een hogere score heeft dan een "
        "willekeurige niet-terugvaller (0,5 = gokken); *AUC binnen peiljaar* is het gemiddelde "
        "van de AUC per peiljaar (vergelijkt alleen wijken in dezelfde periode; dat is wat een "
        "lijst van één jaar doet), *AUC alles samen* legt alle peiljaren op één hoop (en "
        "straft dus ook het missen van verschillen tussen perioden); Brier = gemiddelde "
        "gekwadrateerde fout van de kans (lager is beter).",
        "",
        "## Resultaten per peiljaar",
        "",
        *_metric_table(result.folds, ["peiljaar", "voorspeld", "methode"]),
        "",
        "## Alle peiljaren samen",
        "",
        *_metric_table(result.pooled, ["methode"]),
        "",
        "## Verschil tussen model en baselines",
        "",
        "Model min baseline over alle voorspellingen, met een 95%-interval uit een bootstrap "
        f"over wijken ({nl_number(cfg.bootstrap_n)} trekkingen; een wijk gaat met al haar "
        "overgangen mee, want overgangen van dezelfde wijk zijn niet onafhankelijk). Wijken "
        "van één gemeente bewegen ook samen; de intervallen zijn daarom eerder te smal dan te "
        "breed. Bij AUC en F1 is een positief verschil beter voor het model, bij Brier een "
        "negatief.",
        "",
        "| baseline | maat | verschil | 95%-interval | model beter in |",
        "|---|---|---|---|---|",
    ]
    for r in result.comparison.to_dict("records"):
        dec = 3 if r["metric"] == "brier" else 2
        lines.append(
            f"| {METHOD_LABELS[r['baseline']].removeprefix('baseline: ')} | "
            f"{_METRIC_NAMES[r['metric']]} | "
            f"{_num(r['difference'], dec, sign=True)} | "
            f"{_num(r['low'], dec, sign=True)} tot {_num(r['high'], dec, sign=True)} | "
            f"{_pct(r['share_better'])} van de trekkingen |")
    lines += [
        "",
        "## Kalibratie van het model",
        "",
        "Voorspelde kans tegen het werkelijke aandeel terugval (alle peiljaren samen).",
        "",
        "| voorspelde kans | n | gemiddelde voorspelling | werkelijk terugval |",
        "|---|---|---|---|",
    ]
    for r in result.calibration.to_dict("records"):
        lines.append(f"| {r['band']} | {nl_number(r['n'])} | {_pct(r['mean_risk'], 1)} | "
                     f"{_pct(r['observed'], 1)} |")
    lines += [
        "",
        f"## Het model van het laatste peiljaar ({origins[-1]})",
        "",
        f"Geschat op {nl_number(last_model.n_train)} overgangen van "
        f"{nl_number(last_model.n_units)} wijken ("
        + ", ".join(f"{a}→{b}: {n}" for (a, b), n in sorted(
            last_model.transition_counts.items()))
        + f"); basispercentage {_pct(last_model.base_rate, 1)}. Coëfficiënt = verandering van "
        "de log-odds per standaardafwijking van het kenmerk.",
        "",
        "| kenmerk | coëfficiënt | odds-ratio per sd | gemiddelde | sd |",
        "|---|---|---|---|---|",
    ]
    for r in last_model.coefficient_table(config=cfg).to_dict("records"):
        lines.append(f"| {r['label']} (`{r['feature']}`) | {_num(r['coefficient'], 2, True)} "
                     f"| {_num(r['odds_ratio'], 2)} | {_num(r['mean'], 3)} | "
                     f"{_num(r['sd'], 3)} |")
    dropped = {t: m.dropped for t, m in result.models.items() if m.dropped}
    if dropped:
        lines += ["", "Weggelaten kenmerken (te weinig bekend in de trainingsjaren):", ""]
        for t, d in sorted(dropped.items()):
            lines.append(f"- peiljaar {t}: "
                         + "; ".join(f"{cfg.label(f)}: {why}" for f, why in d.items()))
    if result.skipped:
        lines += ["", *[f"- {s}" for s in result.skipped]]
    if comparison is not None:
        lines += ["", *comparison_markdown(comparison)]
    lines += ["", *skill_rule_markdown(result, comparison)]
    lines += ["## Eerlijke lezing", "", *_reading(result, pooled, model), ""]
    lines += ["## Beperkingen", "", *_limitations(result), ""]
    return "\n".join(lines)


def _reading(result: BacktestResult, pooled: pd.DataFrame, model: pd.Series) -> list[str]:
    comp = result.comparison.set_index(["baseline", "metric"])
    n = int(model["n"])
    model_folds = result.folds[result.folds["method"] == "model"].set_index("origin")
    rates = model_folds["base_rate"]
    out = [
        f"- **Omvang**: {nl_number(n)} voorspelde overgangen van {nl_number(result.n_units)} "
        f"wijken over {len(result.models)} peiljaren, waarvan "
        f"{nl_number(model['n_decline'])} met terugval ({_pct(model['base_rate'], 1)}). "
        "Dat zijn weinig onafhankelijke gevallen: dezelfde wijken komen elk peiljaar terug en "
        "de wijken van één gemeente bewegen vaak samen.",
        f"- **Periode bepaalt veel**: het aandeel terugval verschilt per peiljaar van "
        f"{_pct(rates.min(), 1)} ({_transition(model_folds, rates.idxmin())}) tot "
        f"{_pct(rates.max(), 1)} ({_transition(model_folds, rates.idxmax())}). Die landelijke "
        "beweging is uit wijkkenmerken niet te voorspellen; elk model en elke baseline mist "
        "haar. Daarom is de AUC binnen een peiljaar de maat voor de vraag welke wijken eerst "
        "aandacht verdienen.",
        f"- **Model**: AUC binnen peiljaar {_num(model['auc_within'])} (per peiljaar "
        + ", ".join(f"{t}: {_num(v)}" for t, v in model_folds["auc"].items())
        + f"), alles samen {_num(model['auc'])}; het signaleert {_pct(model['flagged'])} van de "
        "overgangen en vangt daarmee "
        f"{_pct(model['recall'])} van de terugvallers, met precisie {_pct(model['precision'])}"
        f" (tegen een basispercentage van {_pct(model['base_rate'])}).",
    ]
    chance = comp.loc[("basispercentage", "auc_within")]
    pooled_chance = comp.loc[("basispercentage", "auc")]
    out.append(
        f"- **Tegen toeval** (AUC 0,5, de baseline \"altijd het basispercentage\"): verschil "
        f"in AUC binnen peiljaar {_num(chance['difference'], 2, True)} (95%-interval "
        f"{_num(chance['low'], 2, True)} tot {_num(chance['high'], 2, True)}): "
        + ("binnen een periode rangschikt het model aantoonbaar beter dan toeval"
           if chance["low"] > 0 else "ook binnen een periode is het model niet aantoonbaar "
           "beter dan toeval")
        + f"; alle peiljaren samen {_num(pooled_chance['difference'], 2, True)} "
        f"({_num(pooled_chance['low'], 2, True)} tot {_num(pooled_chance['high'], 2, True)})"
        + ("." if pooled_chance["low"] > 0 else ", niet aantoonbaar beter dan toeval."))
    for baseline in ("laatste_verandering", "laagste_kwart"):
        b = pooled.loc[baseline]
        auc = comp.loc[(baseline, "auc_within")]
        text = (
            f"- **Tegen \"{METHOD_LABELS[baseline].removeprefix('baseline: ')}\"** (AUC binnen "
            f"peiljaar {_num(b['auc_within'])}, trefkans {_pct(b['recall'])}, precisie "
            f"{_pct(b['precision'])}): verschil in AUC binnen peiljaar "
            f"{_num(auc['difference'], 2, True)} (95%-interval "
            f"{_num(auc['low'], 2, True)} tot {_num(auc['high'], 2, True)}): "
            f"{_verdict(auc['low'], auc['high'], auc['difference'])}.")
        if b["auc_within"] < 0.5:
            text += " " + _REVERSED[baseline]
        out.append(text)
    flagged = {m: pooled.loc[m, "flagged"] for m in ("model", "laatste_verandering",
                                                     "laagste_kwart")}
    out.append(
        f"- **Precisie en F1**: het model signaleert meer overgangen ({_pct(flagged['model'])}) "
        f"dan de regels ({_pct(flagged['laatste_verandering'])} en "
        f"{_pct(flagged['laagste_kwart'])}). Bij een laag basispercentage beloont F1 ruim "
        "signaleren; de precisie is de eerlijkere vergelijking: model "
        f"{_pct(model['precision'])}, regels {_pct(pooled.loc['laatste_verandering', 'precision'])}"
        f" en {_pct(pooled.loc['laagste_kwart', 'precision'])}, zonder signaal "
        f"{_pct(model['base_rate'])} (het basispercentage).")
    brier = comp.loc[("basispercentage", "brier")]
    b = pooled.loc["basispercentage"]
    out.append(
        f"- **Kansen** (Brier, basispercentage {_num(b['brier'], 3)}): verschil "
        f"{_num(brier['difference'], 3, True)} ({_num(brier['low'], 3, True)} tot "
        f"{_num(brier['high'], 3, True)}): "
        + ("de kansen van het model zijn aantoonbaar beter dan steeds het gemiddelde noemen."
           if brier["high"] < 0 else
           "de kansen van het model zijn niet beter dan steeds het gemiddelde noemen; lees de "
           "risicoscore als rangorde, niet als precieze kans (zie ook de kalibratietabel)."))
    out.append("- **Conclusie**: " + _conclusion(comp, pooled))
    return out


def _transition(folds: pd.DataFrame, origin: Any) -> str:
    return f"{int(origin)}→{folds.loc[origin, 'target']}"


_REVERSED = {
    "laatste_verandering": (
        "De regel werkt averechts (AUC onder 0,5): na een daling volgt vaker herstel en na een "
        "stijging vaker terugval, het patroon van regressie naar het gemiddelde."),
    "laagste_kwart": (
        "De regel werkt averechts (AUC onder 0,5): wijken met een lage Leefbaarometer vallen "
        "juist minder vaak verder terug dan andere wijken."),
}


def _verdict(low: float, high: float, diff: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "geen interval (te weinig gegevens)"
    if low > 0:
        return "het model rangschikt aantoonbaar beter"
    if high < 0:
        return "de baseline rangschikt aantoonbaar beter"
    lead = "het model" if diff > 0 else "de baseline"
    return f"{lead} scoort hoger, maar het verschil is niet zeker (het interval omvat 0)"


def _conclusion(comp: pd.DataFrame, pooled: pd.DataFrame) -> str:
    rules = ("laatste_verandering", "laagste_kwart")
    beats_rules = all(comp.loc[(b, "auc_within"), "low"] > 0 for b in rules)
    loses = any(comp.loc[(b, "auc_within"), "high"] < 0 for b in (*rules, "basispercentage"))
    beats_chance = comp.loc[("basispercentage", "auc_within"), "low"] > 0
    reversed_rules = [b for b in rules if pooled.loc[b, "auc_within"] < 0.5]
    auc = nl_number(float(pooled.loc["model", "auc_within"]), decimals=2)
    if loses:
        return ("een naïeve regel of toeval doet het aantoonbaar beter dan het model; gebruik "
                "de risicoscore niet als voorspelling.")
    if beats_rules and beats_chance:
        why = (" (die regels werken zelfs averechts)" if reversed_rules else "")
        return (f"binnen een periode rangschikt het model de wijken aantoonbaar beter dan de "
                f"naïeve regels{why} en dan toeval, maar het onderscheidend vermogen is klein "
                f"(AUC {auc}; 0,5 is gokken, 1 is perfect) en de kansen zelf zijn niet beter "
                "dan het gemiddelde. Gebruik de lijst als aanleiding om naar een wijk te "
                "kijken, niet als voorspelling of oordeel.")
    if beats_rules:
        why = (" vooral doordat die regels averechts werken" if reversed_rules else "")
        return ("het model verslaat de naïeve regels" + why + ", maar is niet aantoonbaar "
                "beter dan toeval. De risicoscore ordent niveau, recente verandering, trend en "
                "zwakste dimensie op een vaste, uitlegbare manier; als voorspelling van "
                "terugval is hij met deze gegevens niet betrouwbaar. Gebruik hem hooguit als "
                "aanleiding om naar een wijk te kijken, en kijk dan naar de wijk zelf.")
    return ("het model is niet aantoonbaar beter dan de naïeve regels; de score ordent de "
            "informatie op een vaste, uitlegbare manier, maar voorspelt terugval niet "
            "betrouwbaar. Gebruik hem hooguit als aanleiding om naar een wijk te kijken.")


def _limitations(result: BacktestResult) -> list[str]:
    years = result.years
    gaps = [b - a for a, b in zip(years, years[1:], strict=False)]
    gap_text = ", ".join(f"{a}→{b}: {b - a} jaar" for a, b in zip(years, years[1:],
                                                                   strict=False) if b - a > 2)
    out = [
        "- **Selectie van gemeenten**: alleen de wijken van de gemeenten in de geladen "
        "Leefbaarometer-selectie, geen steekproef van Nederland; wijken van één gemeente "
        "hangen samen. Uitkomsten gelden voor deze wijken en zijn niet zonder meer landelijk.",
        "- **Ongelijke tussenpozen**: een overgang duurt "
        + (f"meestal 2 jaar, maar {gap_text}" if gap_text else "steeds even lang")
        + ". Terugval is een vaste drempel per overgang, ongeacht de duur; de vorige "
        "verandering wordt per jaar genomen. De trainingsovergangen van de eerste peiljaren "
        "zijn langer dan de voorspelde tweejaarlijkse overgangen.",
    ]
    if gaps and max(gaps) >= 6:
        out.append(
            "- **Het gat 2002–2008**: de eerste verandering beslaat zes jaar; wijken die in die "
            "periode eerst daalden en daarna herstelden zijn niet te onderscheiden van wijken "
            "die gelijk bleven. De eerste peiljaren trainen op weinig en grove overgangen.")
    out += [
        "- **Dimensies**: de vijf dimensies bestaan vanaf 2014 en niet in 2016; op peiljaar "
        "2016 gebruikt het model de dimensies van 2014. In de eerste peiljaren valt de zwakste "
        "dimensie weg (te weinig bekend in de trainingsjaren, zie boven).",
        "- **Terugrekening**: de Leefbaarometer 3.0 is voor de oudere jaren met het model van "
        "nu teruggerekend; de reeks is consistent, maar de oudste jaren zijn modelschattingen, "
        "geen toenmalige metingen.",
        "- **Regressie naar het gemiddelde**: wijken die net sterk stegen dalen vaker, en "
        "omgekeerd; een deel van het voorspellend vermogen is dat meetpatroon, geen "
        "wijkdynamiek.",
        "- **Weinig KWB**: inkomen, uitkeringen en woningvoorraad zitten niet in het model van "
        "de monitor. De vergelijking met alle kenmerken gebruikt ze waar de database ze heeft "
        "op de wijkcode van 2024 (dezelfde code in eerdere jaren; niet omgerekend met "
        "`gebieden.harmonise`), en dat is voor een klein deel van de overgangen (zie de "
        "dekking hierboven). Met landelijke KWB-reeksen op de indeling van 2024 kan dezelfde "
        "backtest ze beter toetsen.",
        "- **Drempel**: terugval = daling van meer dan "
        f"{_num(result.config.delta)}; een andere drempel geeft andere aantallen (instelbaar).",
    ]
    return out



def backtest_summary(result: BacktestResult) -> list[str]:
    """One Dutch line per method with the pooled figures (n, terugval, trefkans, precisie,
    F1, AUC, Brier), as ``wijkanalyse monitor --backtest-md`` prints them."""
    pooled = result.pooled.set_index("method")
    lines = []
    for method in pooled.index:
        r = pooled.loc[method]
        lines.append(f"{METHOD_LABELS.get(method, method)}: n {int(r['n'])}, terugval "
                     f"{_pct(r['base_rate'], 1)}, trefkans {_pct(r['recall'])}, precisie "
                     f"{_pct(r['precision'])}, F1 {_num(r['f1'])}, AUC {_num(r['auc'])}, "
                     f"Brier {_num(r['brier'], 3)}")
    return lines
