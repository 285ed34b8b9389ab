"""Early warning: the risk that a neighbourhood's Leefbaarometer falls back, and its backtest.

Modules: :mod:`.config` (constants, ``data/earlywarning.yaml``), :mod:`.features` (pure),
:mod:`.model` (the logistic model, metrics), :mod:`.backtest`, :mod:`.compare` (every loaded
feature, a regularised logistic regression and gradient boosting in the same backtest),
:mod:`.skill` (the rule deciding whether a risk ranking may be shown), :mod:`.signals`
(descriptive early signals, shown instead when it may not), :mod:`.markdown` (the backtest
document), :mod:`.data` (series, indicators and neighbours read from the database, the
backtests on the whole database) and :mod:`.scores` (risk scores and early signals of units).

What is predicted
-----------------
A *transition* is a pair of consecutive Leefbaarometer measurements of one unit, ``t`` and the
next one ``t+1`` (2002, 2008, 2012, 2014, …, 2024: unequal intervals). It is a *decline*
("terugval") when the deviation from the national average, ``lbm_afw``, falls by more than
``delta`` (:file:`data/earlywarning.yaml`, 0.02): ``lbm_afw(t+1) - lbm_afw(t) < -delta``.

Features (:func:`risk_features`) are leading indicators known at the origin year ``as_of``:
only measurements up to and including ``as_of`` are read (no look-ahead):

* ``lbm_afw``: the level at the last measurement;
* ``change_per_year``: the change since the previous measurement, per year (``change_last``
  is the raw change);
* ``slope3``: the least-squares slope over the last three measurements, per year;
* ``dim_min``: the weakest of the five dimensions (``lbm_fys`` … ``lbm_won``) at the last
  measurement that has all five (from 2014; 2016 has none), with ``dim_weakest``/``dim_year``;
* from the KWB where the optional ``indicators`` frame has them (values of ``as_of`` or up to
  ``kwb.max_age`` years earlier): ``p_hh_li`` (households with a low income), ``p_bijstand``
  (bijstand recipients per 100 inhabitants, ``a_soz_wb / a_inw``), ``p_wcorpw`` (corporation
  dwellings) and ``inw_change`` (population growth, % per year). ``features_available`` says
  per unit which features exist; ``variant`` is ``"lbm"`` or ``"lbm+kwb"``.

The model (:func:`fit_model`)
-----------------------------
A logistic regression (scikit-learn, L2 with ``C``, ``class_weight="balanced"``) on the
standardised Leefbaarometer features of all training transitions. KWB features can be
configured, but the shipped configuration leaves them out: they exist for too few units and
years to estimate anything (they are reported per unit as context). A feature known for fewer
than ``min_coverage`` of the training transitions is dropped (recorded in
:attr:`RiskModel.dropped`); training rows lacking a kept feature are dropped.

Balanced class weights shift the log-odds by ``log(n_neg / n_pos)``; the stored intercept
undoes that (prior correction), so :attr:`RiskModel.predict` returns a probability on the
scale of the training base rate ``π``. The model's *signal* is ``risk >= π`` (exactly the
balanced model's ``p >= 0.5``). Risk classes are multiples of ``π`` (``risk_classes``):
``hoog`` (≥ 2 π), ``verhoogd`` (≥ π), ``laag``. Components are the log-odds contributions
``coef_j * (x_j - mean_j) / sd_j`` relative to the average training transition; a feature a
unit lacks is set to the training mean (contribution 0) and listed in ``missing_features``.

The backtest (:func:`backtest`)
-------------------------------
Rolling origin: for every origin ``T`` in ``folds`` a model is fitted on the transitions that
end at or before ``T`` (the series is cut at ``T`` first), and predicts the transition from
``T`` to the next measurement of every unit measured at ``T``; the features come from the
series cut at ``T``. Three naive baselines are scored on the same transitions:

* ``laatste_verandering``: decline if the last change was a decline (``change_last < -delta``);
  ranking score ``-change_per_year``; probability = the training decline rate after a
  decline / after no decline;
* ``basispercentage``: always the training base rate (no unit is flagged; the reference for
  the Brier score; AUC 0.5);
* ``laagste_kwart``: decline for the units in the lowest quarter (``low_quantile``) of
  ``lbm_afw`` at ``T``; ranking score ``-lbm_afw``; probability = training rate in / outside
  the lowest quarter.

Per fold and pooled: number of transitions, base rate, share flagged, recall, precision, F1,
AUC, Brier; a calibration table of the model; and a unit-level bootstrap of the differences
between model and baselines. :func:`backtest_markdown` renders it (``docs/backtest.md`` is made
with ``wijkanalyse monitor --backtest-md docs/backtest.md``).

Database access is limited to :func:`lbm_history`, :func:`unit_series`,
:func:`kwb_indicators` and :func:`risk_scores`; everything else is pure.
"""

from wijkanalyse.monitor.earlywarning.backtest import BacktestResult, backtest
from wijkanalyse.monitor.earlywarning.config import (
    COMPARED,
    DIMENSIONS,
    KWB_FEATURES,
    KWB_INDICATORS,
    LBM_FEATURES,
    METHOD_LABELS,
    METHODS,
    METRICS,
    RISK_CLASSES,
    EarlyWarningConfig,
    EarlyWarningError,
    load_config,
)
from wijkanalyse.monitor.earlywarning.data import (
    database_backtest,
    history_backtest,
    kwb_indicators,
    lbm_history,
    unit_series,
)
from wijkanalyse.monitor.earlywarning.features import risk_features, transitions
from wijkanalyse.monitor.earlywarning.markdown import backtest_markdown, backtest_summary
from wijkanalyse.monitor.earlywarning.model import RiskModel, classification_metrics, fit_model
from wijkanalyse.monitor.earlywarning.scores import risk_scores, unit_signals
from wijkanalyse.monitor.earlywarning.signals import SIGNAL_KINDS, early_signals
from wijkanalyse.monitor.earlywarning.skill import Skill, no_skill_text, skill_of, skill_verdict

__all__ = [
    "COMPARED",
    "DIMENSIONS",
    "KWB_FEATURES",
    "KWB_INDICATORS",
    "LBM_FEATURES",
    "METHODS",
    "METHOD_LABELS",
    "METRICS",
    "RISK_CLASSES",
    "SIGNAL_KINDS",
    "BacktestResult",
    "EarlyWarningConfig",
    "EarlyWarningError",
    "RiskModel",
    "Skill",
    "backtest",
    "backtest_markdown",
    "backtest_summary",
    "classification_metrics",
    "database_backtest",
    "early_signals",
    "fit_model",
    "history_backtest",
    "kwb_indicators",
    "lbm_history",
    "load_config",
    "no_skill_text",
    "risk_features",
    "risk_scores",
    "skill_of",
    "skill_verdict",
    "transitions",
    "unit_series",
    "unit_signals",
]
