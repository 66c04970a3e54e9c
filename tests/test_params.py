"""Contract: every user-settable parameter is declared once, with a label, a default inside its
bounds, a URL key and, where the CLI offers it, a flag; the dataclasses use those defaults."""

import argparse
import dataclasses
import re

import pytest

from crm_core import params
from crm_core.i18n import LABELS, LANGS
from crm_core.lifecycle import StageRules
from crm_core.rfm import RfmParams


@pytest.mark.parametrize("p", params.ALL, ids=lambda p: p.name)
def test_each_parameter_is_complete(p):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", p.name)  # a URL and session key
    for lang in LANGS:
        assert p.label in LABELS[lang], (p.name, lang)
    if p.kind == "choice":
        assert p.choices and p.default in p.choices
    if p.bounds is not None:
        assert p.bounds[0] <= p.default <= p.bounds[1]
    if p.cli is not None:
        assert re.fullmatch(r"--[a-z][a-z0-9-]*", p.cli)


def test_names_and_flags_are_unique():
    names = [p.name for p in params.ALL]
    flags = [p.cli for p in params.ALL if p.cli]
    assert len(names) == len(set(names)) and len(flags) == len(set(flags))


def test_the_dataclasses_take_their_defaults_from_the_table():
    fields = {f.name: f.default for f in dataclasses.fields(RfmParams)}
    assert set(params.rfm_fields({p.name: None for p in params.RFM})) <= set(fields)
    for p in params.RFM:
        if p.name in params.RFM_PAGE_ONLY:  # the scheme object and the explain toggle
            continue
        field = params.RFM_FIELDS.get(p.name, p.name)
        assert field in fields, p.name
        if p.default is not None:
            assert fields[field] == p.default, p.name
    stage = {f.name: f.default for f in dataclasses.fields(StageRules)}
    assert set(params.STAGE_FIELDS.values()) == set(stage)
    for p in params.STAGES:
        assert stage[params.STAGE_FIELDS[p.name]] == p.default


def test_cli_options_are_generated_typed_and_bounded():
    parser = argparse.ArgumentParser()
    params.add_cli_options(parser, params.RFM)
    args = parser.parse_args(["--bins", "3", "--r-edges", "10,20，40", "--split-pct", "25"])
    assert (args.bins, args.r_edges, args.split_pct) == (3, (10.0, 20.0, 40.0), 25)
    assert parser.parse_args([]).score_method == "quantile"
    with pytest.raises(SystemExit):
        parser.parse_args(["--split-pct", "200"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--bins", "7"])


def test_rfm_scores_key_holds_exactly_the_score_settings():
    p = RfmParams()
    moved = dataclasses.replace(p, split_method="median", r_split=10.0)
    assert p.scores_key() == moved.scores_key()  # a split move keeps the cached scores
    assert p.scores_key() != dataclasses.replace(p, bins=3).scores_key()


def test_edges_and_numbers_must_be_finite():
    from crm_core.errors import CrmError

    assert params.parse_edges("30、90；180 365") == (30.0, 90.0, 180.0, 365.0)
    with pytest.raises(ValueError):
        params.parse_edges("nan, 1")
    with pytest.raises(CrmError):
        RfmParams(r_edges=(float("nan"), 1.0)).validate()
    parser = argparse.ArgumentParser()
    params.add_cli_options(parser, params.RFM)
    with pytest.raises(SystemExit):
        parser.parse_args(["--r-split", "nan"])
