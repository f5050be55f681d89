"""Where a file records the official outcome (`selected`) and names a rule we implement, we reproduce it."""

from __future__ import annotations

import pytest
from pabulib_cases import STEMS, election

from voting import RuleError, tally, tally_official
from voting.tally import OFFICIAL_RULES

OFFICIAL = [
    s
    for s in STEMS
    if any(p.selected is not None for p in election(s).instance)
    and election(s).instance.meta.get("rule") in OFFICIAL_RULES
]


def test_official_cases_cover_every_meta_rule():
    rules = {election(s).instance.meta["rule"] for s in OFFICIAL}
    assert rules == set(OFFICIAL_RULES)


@pytest.mark.parametrize("stem", OFFICIAL)
def test_official_outcome_is_reproduced(stem):
    e = election(stem)
    official = {p.id for p in e.instance if p.selected == 1}
    outcome = tally_official(e, explain=False)
    assert set(outcome.selected) == official
    assert tally(e, rule="official", explain=False).selected == outcome.selected


def test_unknown_meta_rule_is_refused():
    with pytest.raises(RuleError, match="unknown"):
        tally_official(election("Hungary_Budapest_2022_VIII_Jozsefvaros"))


def test_no_skip_stops_where_greedy_skips():
    e = election("Poland_Wroclaw_2015_150_-_500")
    no_skip = tally(e, rule="greedy-no-skip", explain=False)
    skip = tally(e, rule="greedy-threshold", threshold=0, explain=False)
    assert set(no_skip.selected) <= set(skip.selected)
