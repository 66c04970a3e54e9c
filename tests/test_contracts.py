"""Contracts built from the core constants: every key a computation can produce has a label in
both languages, and a strategy where the course gives one."""

import pytest

from crm_core import params
from crm_core.bullseye import BANDS, VERDICTS
from crm_core.classroom import QUADRANTS
from crm_core.i18n import LABELS, LANGS
from crm_core.lifecycle import CELLS, STAGES, TIERS
from crm_core.segments import BUILTIN, builtin
from crm_core.value_matrix import TYPES

KEYS = (
    [f"vm.type.{k}" for k in TYPES]
    + [f"vm.strategy.{k}" for k in TYPES]
    + [f"lc.cell.{k}" for k in CELLS]
    + [f"lc.alloc.{k}" for k in CELLS]
    + [f"lc.retain.{k}" for k in CELLS]
    + [f"lc.stage.{s}" for s in STAGES]
    + [f"lc.task.{s}" for s in STAGES]
    + [f"lc.tier.{k}" for k in TIERS]
    + [f"bullseye.band.{b}" for b, _ in BANDS]
    + [f"bullseye.verdict.{v}" for v, _ in VERDICTS]
    + [f"cls.ka.{q}" for q in QUADRANTS]
    + [f"cls.ka.strategy.{q}" for q in QUADRANTS]
    + [f"rfm.split.{m}" for m in params.SPLIT_METHODS]
    + [f"rfm.score.{m}" for m in params.SCORE_METHODS]
    + [f"rfm.scheme.{s}" for s in params.SCHEMES]
)


@pytest.mark.parametrize("lang", LANGS)
def test_every_core_key_has_a_label(lang):
    missing = [k for k in KEYS if not LABELS[lang].get(k)]
    assert not missing


@pytest.mark.parametrize("scheme", sorted(BUILTIN))
@pytest.mark.parametrize("lang", LANGS)
def test_every_built_in_segment_has_a_name_and_an_action(scheme, lang):
    s = builtin(scheme)
    for key in s.keys:
        assert s.label(key, lang).strip(), (scheme, key)
        if key != "unassigned":
            assert s.action(key, lang).strip(), (scheme, key)
