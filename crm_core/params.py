"""Every user-settable parameter, declared once: name, kind, default, choices or bounds,
label key and command-line flag.

The page widgets, the URL keys (shared links), the CLI options and the cache keys are made
from these tables, and ``tests/test_params.py`` fails when a parameter has no label, a
default outside its bounds, or no CLI/URL name. The computation reads the plain frozen
dataclasses (``RfmParams``, ``Split``, ``StageRules``), whose defaults come from here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SCHEMES = ("cn8", "en10", "custom")
SCORE_METHODS = ("quantile", "threshold")
BINS = (3, 4, 5)
SPLIT_METHODS = ("mean", "median", "percentile", "value", "score_mean")  # RFM; score_mean only there
AXIS_SPLITS = ("mean", "median", "percentile", "value")  # value matrix and lifecycle lines
M_BASES = ("monetary", "avg_spend")


@dataclass(frozen=True)
class Param:
    """One setting. ``name`` is its URL and session key; ``cli`` its flag (None: page only)."""

    name: str
    kind: str  # choice | int | float | edges | bool
    default: object
    label: str
    choices: tuple = ()
    bounds: tuple[float, float] | None = None  # inclusive; None when the data decides
    cli: str | None = None
    scores: bool = False  # changes the RFM scores (so the cached scores), not only the splits
    # A value the data decides (a split at the data's mean) is a statistic of the user's data:
    # it goes into a shared link only when the user pinned it, i.e. when the parameter named
    # here is set to "value". Otherwise the link carries the method, not the number.
    pinned_by: str | None = None


RFM = (
    Param("scheme", "choice", "cn8", "rfm.scheme", SCHEMES, cli="--scheme"),
    Param("score_method", "choice", "quantile", "rfm.score_method", SCORE_METHODS, cli="--score-method", scores=True),
    Param("bins", "choice", 5, "rfm.bins", BINS, cli="--bins", scores=True),
    Param("r_edges", "edges", (30.0, 90.0, 180.0, 365.0), "rfm.edges.r", cli="--r-edges", scores=True),
    Param("f_edges", "edges", (2.0, 3.0, 5.0, 10.0), "rfm.edges.f", cli="--f-edges", scores=True),
    Param("m_edges", "edges", (500.0, 1000.0, 3000.0, 10000.0), "rfm.edges.m", cli="--m-edges", scores=True),
    Param("split_method", "choice", "mean", "rfm.split_method", SPLIT_METHODS, cli="--split-method"),
    Param("split_pct", "int", 50, "rfm.split_pct", bounds=(5, 95), cli="--split-pct"),
    # typed splits: the page starts them at the data's means
    Param("r_split", "float", None, "rfm.split.r", cli="--r-split", pinned_by="split_method"),
    Param("f_split", "float", None, "rfm.split.f", cli="--f-split", pinned_by="split_method"),
    Param("m_split", "float", None, "rfm.split.m", cli="--m-split", pinned_by="split_method"),
    Param("m_basis", "choice", "monetary", "rfm.m_basis", M_BASES, cli="--m-basis", scores=True),
    Param("explain", "bool", False, "rfm.explain"),
)


def axis_split(prefix: str, label: str) -> tuple[Param, ...]:
    """The three settings of one high/low line (value matrix ``vm_f``/``vm_s``, lifecycle ``lc_v``/``lc_p``)."""
    return (
        Param(f"{prefix}_method", "choice", "mean", label, AXIS_SPLITS),
        Param(f"{prefix}_pct", "int", 50, "split.percentile", bounds=(5, 95)),
        Param(f"{prefix}_value", "float", None, "split.value", pinned_by=f"{prefix}_method"),
    )


VALUE_MATRIX = (*axis_split("vm_f", "vm.split.f"), *axis_split("vm_s", "vm.split.s"))
LIFECYCLE = (*axis_split("lc_v", "lc.split.v"), *axis_split("lc_p", "lc.split.p"))
KEY_ACCOUNTS = (
    Param("ka_a", "float", 5.0, "cls.ka.a_split", bounds=(0.0, 10.0), cli="--a-split"),
    Param("ka_s", "float", 5.0, "cls.ka.s_split", bounds=(0.0, 10.0), cli="--s-split"),
)
PYRAMID = (
    Param("pyr_key", "int", 5, "lc.pyramid.key", bounds=(1, 20)),
    Param("pyr_pot", "int", 20, "lc.pyramid.potential", bounds=(2, 60)),
)
# Stage rules: parameter → StageRules field.
STAGES = (
    Param("st_explore", "int", 90, "lc.stage.exploration_days", bounds=(1, 720)),
    Param("st_window", "int", 180, "lc.stage.window_days", bounds=(7, 365)),
    Param("st_growth", "float", 20.0, "lc.stage.growth_pct", bounds=(0.0, 1000.0)),
    Param("st_decline", "float", -30.0, "lc.stage.decline_pct", bounds=(-100.0, 0.0)),
    Param("st_lapsed", "int", 180, "lc.stage.lapsed_days", bounds=(1, 1000)),
)
# The status-based stage rule: which period, and the same growth/decline thresholds.
STAGE_RULE = Param("st_rule", "choice", "trend", "lc.stage.rule", ("trend", "status"))
STAGE_PERIOD = Param("st_period", "choice", "quarter", "lc.stage.period", ("month", "quarter", "year"))
STAGE_FIELDS = {
    "st_explore": "exploration_days",
    "st_window": "window_days",
    "st_growth": "growth_pct",
    "st_decline": "decline_pct",
    "st_lapsed": "lapsed_days",
}
# Page-and-CLI bounds of the lifecycle grid's money inputs (session-only on the page).
MARGIN = Param("lc_margin", "float", 30.0, "lc.margin", bounds=(0.0, 100.0), cli="--margin")
SERVE_COST = Param("lc_serve", "float", 0.0, "lc.serve", bounds=(0.0, 10_000.0), cli="--cost-per-order")
# Customer lifetime value (crm_core.clv): scoring settings; a change re-scores without refitting
# except the unit, which the fit is in.
CLV_UNITS = ("week", "day")
CLV = (
    Param("clv_unit", "choice", "week", "clv.unit", CLV_UNITS, cli="--unit"),
    Param("clv_horizon", "int", 365, "clv.horizon", bounds=(30, 1825), cli="--horizon-days"),
    Param("clv_discount", "float", 0.01, "clv.discount", bounds=(0.0, 0.2), cli="--discount"),
    # below this P(alive) a customer is flagged at risk: more likely gone than still buying
    Param("clv_risk", "float", 0.5, "clv.risk", bounds=(0.05, 0.95), cli="--risk-threshold"),
    Param("clv_top", "int", 20, "clv.top", bounds=(1, 100)),
)
ALL = (*RFM, *VALUE_MATRIX, *LIFECYCLE, *KEY_ACCOUNTS, *PYRAMID, *STAGES, STAGE_RULE, STAGE_PERIOD, *CLV)
BY_NAME = {p.name: p for p in ALL}


# RFM parameters whose RfmParams field has another name; page-only RFM parameters.
RFM_FIELDS = {"split_pct": "split_percentile"}
RFM_PAGE_ONLY = ("scheme", "explain")


def rfm_fields(values: dict) -> dict:
    """RfmParams keyword arguments from values keyed by parameter name (CLI args, a page)."""
    return {RFM_FIELDS.get(p.name, p.name): values[p.name] for p in RFM if p.name not in RFM_PAGE_ONLY}


def default(name: str):
    """The declared default of parameter ``name``."""
    return BY_NAME[name].default


def url_keys(params: tuple[Param, ...], values: dict | None = None) -> list[str]:
    """The URL keys of a page's settings. With the current ``values``, a value the data decided
    is left out unless the user pinned it (see :attr:`Param.pinned_by`)."""
    return [p.name for p in params if values is None or p.pinned_by is None or values.get(p.pinned_by) == "value"]


def add_cli_options(parser, params: tuple[Param, ...]) -> None:
    """argparse options for every parameter with a CLI flag, typed and bounded as declared."""
    for p in params:
        if p.cli is None:
            continue
        if p.kind == "choice":
            parser.add_argument(
                p.cli, dest=p.name, type=type(p.choices[0]), choices=p.choices, default=p.default, metavar=_meta(p)
            )
        elif p.kind == "edges":
            parser.add_argument(
                p.cli,
                dest=p.name,
                type=parse_edges,
                default=p.default,
                metavar=_meta(p),
                help="ascending, comma-separated",
            )
        else:
            bounds = f"{p.bounds[0]:g} to {p.bounds[1]:g}" if p.bounds else None
            parser.add_argument(p.cli, dest=p.name, type=bounded(p), default=p.default, metavar=_meta(p), help=bounds)


def _meta(p: Param) -> str:
    """``--a-split A_SPLIT``; a choice lists its values."""
    if p.kind == "choice":
        return "{" + ",".join(map(str, p.choices)) + "}"
    return p.cli.lstrip("-").upper().replace("-", "_")


def parse_edges(text: str) -> tuple[float, ...]:
    """'30, 90, 180' → (30.0, 90.0, 180.0); commas, spaces, 、 or ； between numbers.

    Raises ValueError for anything that is not a finite number (a link may carry ``nan``).
    """
    values = tuple(float(p) for p in re.split(r"[,\s、；;，]+", text.strip()) if p)
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"not a finite number: {text}")
    return values


def bounded(p: Param):
    """An argparse type for ``p``: its cast, finite, within its bounds."""
    cast = int if p.kind == "int" else float

    def parse(text: str):
        value = cast(text)
        if not math.isfinite(value):
            import argparse

            raise argparse.ArgumentTypeError(f"{p.name} must be a finite number")
        if p.bounds is not None and not p.bounds[0] <= value <= p.bounds[1]:
            import argparse

            raise argparse.ArgumentTypeError(f"{p.name} must be between {p.bounds[0]} and {p.bounds[1]}")
        return value

    parse.__name__ = p.kind
    return parse
