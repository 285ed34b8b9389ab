"""The sections of ``docs/backtest.md`` on the wider comparison and the skill rule."""

from __future__ import annotations

import pandas as pd

from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor.earlywarning.backtest import BacktestResult
from wijkanalyse.monitor.earlywarning.compare import LEARNERS, Comparison
from wijkanalyse.monitor.earlywarning.config import METHOD_LABELS, _num, _pct
from wijkanalyse.monitor.earlywarning.skill import RULE_BASELINES, skill_of

_FEATURE_GROUPS = (
    ("Leefbaarometer: niveau, verandering, trend, zwakste dimensie",
     ("lbm_afw", "change_per_year", "slope3", "dim_min")),
    ("de vijf dimensies", ("lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won")),
    ("verandering per jaar van de vijf dimensies sinds de vorige meting met dimensies",
     ("d_lbm_fys", "d_lbm_onv", "d_lbm_soc", "d_lbm_vrz", "d_lbm_won")),
    ("de gemeente: gemiddelde niveau en verandering van de andere wijken, de afstand "
     "daartoe en de verandering van die afstand", ("gm_afw", "gm_change", "gap_gm",
                                                   "gap_gm_change")),
    ("de buren: gemiddelde niveau en verandering van de aangrenzende wijken (grenzen uit "
     "de database)", ("nb_afw", "nb_change")),
    ("KWB: lage inkomens, bijstand, corporatiebezit, bevolkingsgroei",
     ("p_hh_li", "p_bijstand", "p_wcorpw", "inw_change")),
)


def comparison_markdown(comp: Comparison) -> list[str]:
    """The section on every loaded feature, two learners and the regression-to-the-mean
    baselines (Dutch Markdown lines)."""
    r = comp.result
    pooled = r.pooled.set_index("method")
    iv = r.intervals.set_index(["method", "metric"])
    cov = comp.coverage
    lines = [
        "## Alles wat geladen is: twee leermodellen",
        "",
        "Dezelfde peiljaren, dezelfde overgangen en dezelfde baselines, nu met elk kenmerk dat "
        "de database op het peiljaar heeft (de reeks wordt eerst afgekapt; een test "
        "controleert dat latere metingen niets veranderen). Kenmerken, met het deel van de "
        "voorspelde overgangen waarvoor ze bekend zijn:",
        "",
    ]
    for label, feats in _FEATURE_GROUPS:
        known = ", ".join(f"`{f}` {_pct(cov.get(f, 0.0))}" for f in feats)
        lines.append(f"- {label}: {known};")
    lines += [
        "",
        "Twee leermodellen (scikit-learn), op elk peiljaar opnieuw geschat op de overgangen "
        "tot en met dat peiljaar: **"
        + METHOD_LABELS["logit_alles"] + "** (L2, C = 0,1, ontbrekende waarden aangevuld met "
        "de mediaan plus een indicator) en **" + METHOD_LABELS["gbm"] + "** "
        "(`HistGradientBoostingClassifier`, diepte 3, 150 bomen, leersnelheid 0,05, minstens "
        "40 overgangen per blad). Een kenmerk zonder trainingswaarden op een peiljaar doet "
        "daar niet mee. Twee extra baselines toetsen of een voorspelling alleen regressie "
        "naar het gemiddelde is: **hoog niveau valt terug** (rangorde: hoe hoger de "
        "afwijking, hoe hoger de kans; gesignaleerd: het hoogste kwart) en **na een stijging "
        "volgt terugval** (rangorde: de laatste verandering per jaar; gesignaleerd: een "
        f"stijging van meer dan {_num(r.config.delta)}).",
        "",
        "| methode | AUC alles samen | 95%-interval | AUC binnen peiljaar | Brier | "
        "precisie top 10% |",
        "|---|---|---|---|---|---|",
    ]
    for m in pooled.index:
        a = iv.loc[(m, "auc")]
        lines.append(
            f"| {METHOD_LABELS.get(m, m)} | {_num(pooled.loc[m, 'auc'])} | "
            f"{_num(a['low'])} tot {_num(a['high'])} | {_num(pooled.loc[m, 'auc_within'])} | "
            f"{_num(pooled.loc[m, 'brier'], 3)} | {_pct(pooled.loc[m, 'precision_top'])} |")
    lines += ["", "Interval: 2,5 en 97,5 percentiel van een bootstrap over wijken "
              f"({nl_number(r.config.bootstrap_n)} trekkingen). Precisie top 10%: per peiljaar "
              "de 10% wijken met de hoogste score, het deel daarvan dat terugviel.", ""]
    for name in LEARNERS:
        lines += [f"Kalibratie van {METHOD_LABELS[name]}:", "",
                  "| voorspelde kans | n | gemiddelde voorspelling | werkelijk terugval |",
                  "|---|---|---|---|"]
        for row in comp.calibration[name].to_dict("records"):
            lines.append(f"| {row['band']} | {nl_number(row['n'])} | "
                         f"{_pct(row['mean_risk'], 1)} | {_pct(row['observed'], 1)} |")
        lines.append("")
    imp = comp.importance
    if len(imp):
        lines += ["Wat de leermodellen gebruiken (laatste peiljaar; daling van de AUC als één "
                  "kenmerk door elkaar wordt geschud, de grootste zes):", ""]
        for name in LEARNERS:
            part = imp[imp["learner"] == name].sort_values("auc_drop", ascending=False).head(6)
            lines.append(f"- {METHOD_LABELS[name]}: " + ", ".join(
                f"`{f}` {_num(d, 3, True)}" for f, d in zip(part["feature"], part["auc_drop"],
                                                            strict=True)) + ";")
        lines.append("")
    lines += _mean_reversion(r, pooled)
    return lines


def _mean_reversion(r: BacktestResult, pooled: pd.DataFrame) -> list[str]:
    origins = sorted(r.models)
    model = r.models[origins[-1]]
    coef = dict(zip(model.features, model.coefficients, strict=True))
    rules = {m: float(pooled.loc[m, "auc"]) for m in ("hoog_niveau", "recente_stijging")
             if m in pooled.index}
    best = max(rules, key=rules.__getitem__) if rules else None
    out = [
        "## Regressie naar het gemiddelde: wat het model leert",
        "",
        "Terugval is een daling van de afwijking; een wijk die hoog staat of net steeg, "
        "heeft door meetruis en schommelingen meer ruimte om te dalen. Het model van het "
        f"laatste peiljaar ({origins[-1]}) geeft het niveau een coëfficiënt van "
        f"{_num(coef.get('lbm_afw', float('nan')), 2, True)} en de laatste verandering per "
        f"jaar {_num(coef.get('change_per_year', float('nan')), 2, True)} (per "
        "standaardafwijking): het leert vooral ‘hoog staan of net gestegen → terugval’. "
        "Daarom zette de monitor rijke wijken bovenaan en noemde hij een stijging als reden "
        "voor risico.",
    ]
    if best is not None:
        a = pooled.loc["model", "auc"]
        out.append("")
        out.append(
            f"De vuistregel **{METHOD_LABELS[best].removeprefix('baseline: ')}** alleen haalt "
            f"een AUC van {_num(rules[best])}, het model {_num(a)}"
            + (": het model voegt daar niets aan toe; wat het kan, is regressie naar het "
               "gemiddelde." if a <= rules[best] else
               ": het model doet het iets beter dan die regel, maar zie de regel hieronder.")
            + " Zo'n regel zegt niets over de wijk zelf en is geen vroegsignalering.")
    out.append("")
    return out


def skill_rule_markdown(result: BacktestResult, comp: Comparison | None = None) -> list[str]:
    """The section on the skill rule and its verdict on this backtest."""
    bases = ", ".join(f"‘{METHOD_LABELS[b].removeprefix('baseline: ')}’" for b in RULE_BASELINES)
    lines = [
        "## Regel: wanneer toont de monitor een risicorangorde?",
        "",
        "De monitor toont een kans per wijk en een lijst van wijken met het hoogste risico "
        "**alleen** als de backtest van het model dat hij gebruikt (het model hierboven, "
        "‘model (logistische regressie)’) op de geladen gegevens voorspellende waarde laat "
        "zien (`monitor.earlywarning.skill`, elke keer berekend uit de backtest van de "
        "monitor zelf). Alle drie moeten gelden:",
        "",
        "1. de ondergrens van het 95%-interval van de AUC (alle peiljaren samen, bootstrap "
        "over wijken) ligt boven 0,5;",
        f"2. die ondergrens ligt boven de AUC van de beste vuistregel ({bases});",
        "3. de Brier-score is niet slechter dan die van steeds het basispercentage.",
        "",
        "Anders toont de monitor (HTML, PDF, Excel, JSON, samenvatting en terminal) per wijk "
        "de beschrijvende vroege signalen (een daling van de Leefbaarometer of een dimensie "
        "sinds de vorige meting, verder achterop raken bij de wijken van de gemeente, een "
        "stijgend aandeel lage inkomens of bijstand waar de KWB dat heeft) en zegt hij met "
        "de cijfers dat een betrouwbare voorspelling niet te maken is. Geen kans per wijk.",
        "",
        "| methode | AUC (95%-interval) | beste vuistregel | Brier (basispercentage) | "
        "voorspellende waarde |",
        "|---|---|---|---|---|",
    ]
    judged: list[tuple[str, BacktestResult]] = [("model", result)]
    if comp is not None:
        judged = [(m, comp.result) for m in ("model", *LEARNERS)]
    for method, res in judged:
        sk = skill_of(res.pooled, res.intervals, method=method)
        rule = METHOD_LABELS.get(sk.best_baseline, sk.best_baseline).removeprefix("baseline: ")
        lines.append(
            f"| {METHOD_LABELS.get(method, method)} | {_num(sk.auc)} ({_num(sk.auc_low)} tot "
            f"{_num(sk.auc_high)}) | {rule} {_num(sk.best_baseline_auc)} | "
            f"{_num(sk.brier, 3)} ({_num(sk.brier_base, 3)}) | "
            f"{'ja' if sk.shows_skill else 'nee'} |")
    sk = skill_of(result.pooled, result.intervals)
    learners_fail = comp is not None and not any(
        skill_of(comp.result.pooled, comp.result.intervals, method=m).shows_skill
        for m in LEARNERS)
    lines += ["", "**Uitkomst**: " + (
        "het model laat voorspellende waarde zien; de monitor toont de risicorangorde."
        if sk.shows_skill else
        "geen voorspellende waarde: " + "; ".join(sk.failed) + ". De monitor toont daarom "
        "de vroege signalen en geen risicorangorde."
        + (" Ook met alle kenmerken en gradient boosting is het doel (een AUC van minstens "
           "0,65 met een ondergrens boven de beste vuistregel) met deze gegevens niet "
           "gehaald; er is niets bijgesteld om het wel te halen." if learners_fail else "")),
        ""]
    return lines
