"""Pure parts of the participation services: form validation, the bridge to the engine, codes and receipts,
paper-ballot cells, explanations in words, and the result charts."""

from decimal import Decimal

import pandas as pd
import pytest

from portal.charts.results import money_by_group, rules_compared, turnout_by_district
from portal.models import BallotType, Category, Cycle, CycleDistrict, CyclePhase, Proposal
from portal.participation import codes
from portal.participation.ballots import anonymous_id, new_receipt, normalise_receipt
from portal.participation.cycles import parse_config, parse_lines
from portal.participation.engine import (
    BallotDefinition,
    ballot_rules,
    build_instance,
    district_budgets,
    parse_submitted,
    pool_names,
    stored_choices,
)
from portal.participation.errors import BallotRejected, InvalidInput
from portal.participation.paper import parse_choices
from portal.participation.results import explanation_sentence

RULES = {"greedy": "", "mes": "", "phragmen": ""}
COMPLETIONS = {"none": "", "add1": ""}
FORM = {"year": "2031", "title": "A cycle", "total_budget": "1 000 000", "ballot_type": "knapsack", "rule": "mes",
        "completion": "add1"}


def test_a_valid_form_is_cleaned():
    config = parse_config({**FORM, "min_spend_share": "25%", "categories": "green; Green; 200000\nsocial; Social",
                           "districts": "1; Innenstadt; 300000", "proposals_start": "2031-01-01",
                           "proposals_end": "2031-01-31"}, RULES, COMPLETIONS)
    assert config.total_budget == 1_000_000 and config.min_spend_share == Decimal("0.25")
    assert config.categories == [("green", "Green", 200_000), ("social", "Social", None)]
    assert config.districts == [("1", "Innenstadt", 300_000)]
    assert config.phase_dates[CyclePhase.PROPOSALS][0].isoformat() == "2031-01-01"
    assert parse_config({**FORM, "min_spend_share": "0.5"}, RULES, COMPLETIONS).min_spend_share == Decimal("0.5")
    assert parse_config({**FORM, "rule": "greedy"}, RULES, COMPLETIONS).completion is None


@pytest.mark.parametrize(("change", "message"), [
    ({"year": "1999"}, "Year must be at least 2000"),
    ({"title": ""}, "please give a title"),
    ({"total_budget": "12.5"}, "not a whole number"),
    ({"ballot_type": "k-approval"}, "needs the number k"),
    ({"ballot_type": "cumulative"}, "number of points"),
    ({"ballot_type": "approval", "min_spend_share": "10"}, "only fits a knapsack"),
    ({"min_projects": "3", "max_projects": "2"}, "above the maximum"),
    ({"rule": "dictator"}, "Counting rule"),
    ({"eligibility": "everyone"}, "Who may vote"),
    ({"categories": "green; Green; 2000000"}, "earmarked amounts add up"),
    ({"districts": "citywide; All; 0"}, "reserved"),
    ({"districts": "1; A; 10\n1; B; 10"}, "appears twice"),
    ({"voting_start": "2031-03-01", "voting_end": "2031-02-01"}, "end is before the start"),
    ({"proposals_start": "2031-01-01", "proposals_end": "2031-02-01", "review_start": "2031-01-15",
      "review_end": "2031-02-15"}, "starts before the previous phase ends"),
    ({"shortlist_enabled": True, "shortlist_mode": "top"}, "give N"),
])
def test_bad_forms_are_refused_with_every_problem_named(change, message):
    with pytest.raises(InvalidInput) as refused:
        parse_config({**FORM, **change}, RULES, COMPLETIONS)
    assert message in refused.value.message


def test_parse_lines_collects_errors_per_line():
    errors = []
    rows = parse_lines("a; A; 10\n\nbad code; B\nc\td name; 5", "Districts", errors, amount_required=True)
    assert rows == [("a", "A", 10), ("c", "d name", 5)]
    assert len(errors) == 1 and "line 3" in errors[0]


def _cycle(ballot_type="knapsack", budget=100_000, districts=(), **fields):
    cycle = Cycle(id=1, city="koeln", year=2031, title="t", currency="EUR", total_budget=budget,
                  ballot_type=BallotType(ballot_type), settings={}, rule="mes", completion="add1", **fields)
    cycle.districts = [CycleDistrict(code=c, name=n, budget=b) for c, n, b in districts]
    cycle.categories = [Category(id=7, code="green", name="Green")]
    return cycle


def _proposals(*specs):
    return [Proposal(id=i, title=f"P{i}", estimated_cost=cost, district_code=d, category_id=7)
            for i, cost, d in specs]


def _definition(cycle, proposals):
    return BallotDefinition(cycle.id, BallotType(cycle.ballot_type), "EUR", build_instance(cycle, proposals),
                            ballot_rules(cycle), district_budgets(cycle), pool_names(cycle))


def test_instance_pools_and_meta():
    cycle = _cycle(districts=[("1", "Innenstadt", 40_000), ("2", "Porz", 0)])
    instance = build_instance(cycle, _proposals((1, 30_000, "1"), (2, 20_000, "2"), (3, 10_000, None)))
    assert instance.district_budgets == {"1": 40_000, "citywide": 60_000}
    assert [p.district for p in instance] == ["1", "citywide", "citywide"]
    assert instance.meta["vote_type"] == "approval" and instance.meta["rule"] == "equalshares/add1"
    assert [p.categories for p in instance] == [("green",)] * 3
    assert district_budgets(_cycle()) == {}


def test_knapsack_is_checked_per_pool():
    cycle = _cycle(districts=[("1", "Innenstadt", 40_000)])
    definition = _definition(cycle, _proposals((1, 30_000, "1"), (2, 20_000, "1"), (3, 50_000, None)))
    assert definition.validate(["3", "1"]) == {"approved": ["1", "3"]}
    with pytest.raises(BallotRejected, match="Innenstadt"):
        definition.validate(["1", "2"])  # 50,000 in Innenstadt, whose budget is 40,000


@pytest.mark.parametrize(("ballot_type", "raw", "expected"), [
    ("approval", ["2", 1], ["2", "1"]),
    ("approval", {"approved": ["1"]}, ["1"]),
    ("approval", None, set()),
    ("cumulative", {"1": 3, "2": 0, "3": ""}, {"1": 3}),
    ("ordinal", ("3", "1"), ["3", "1"]),
])
def test_submitted_shapes(ballot_type, raw, expected):
    assert parse_submitted(ballot_type, raw) == expected


@pytest.mark.parametrize("raw", ["1,2", {"x": 1}, 5])
def test_wrong_shapes_are_refused(raw):
    with pytest.raises(InvalidInput):
        parse_submitted("approval", raw)


def test_stored_choices_sort_ids_numerically_but_keep_rankings():
    assert stored_choices("approval", frozenset({"10", "9"})) == {"approved": ["9", "10"]}
    assert stored_choices("ordinal", ("10", "9")) == {"ranking": ["10", "9"]}
    assert stored_choices("cumulative", {"10": 1, "9": 2}) == {"points": {"9": 2, "10": 1}}


def test_cumulative_and_k_approval_rules_come_from_the_cycle():
    cycle = _cycle("cumulative", total_points=10, max_projects=None)
    cycle.settings = {"max_points_per_project": 4}
    rules = ballot_rules(cycle)
    assert (rules.total_points, rules.max_points_per_project, rules.k) == (10, 4, None)
    assert ballot_rules(_cycle("k-approval", max_projects=3)).k == 3


def test_codes_are_readable_random_and_keyed():
    code = codes.new_code()
    assert len(code) == 14 and code.count("-") == 2 and set(code.replace("-", "")) <= set(codes.ALPHABET)
    assert codes.normalise(" abcd-efgh jklm ") == "ABCDEFGHJKLM"
    assert codes.code_hash("k1", code) == codes.code_hash("k1", code.lower().replace("-", ""))
    assert codes.code_hash("k1", code) != codes.code_hash("k2", code)
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_receipts_and_their_anonymous_ids():
    receipt = new_receipt()
    assert len(receipt) == 19 and normalise_receipt(receipt.lower().replace("-", " ")) == receipt
    assert anonymous_id(receipt) == anonymous_id(receipt.lower())
    assert anonymous_id(receipt) != anonymous_id(new_receipt())
    assert receipt.replace("-", "") not in anonymous_id(receipt).upper()


def test_paper_choice_cells():
    assert parse_choices(BallotType.APPROVAL, " 12 15|3 ") == ["12", "15", "3"]
    assert parse_choices(BallotType.CUMULATIVE, "12:3 15:2") == {"12": "3", "15": "2"}
    with pytest.raises(InvalidInput):
        parse_choices(BallotType.CUMULATIVE, "12")
    with pytest.raises(InvalidInput):
        parse_choices(BallotType.CUMULATIVE, "12:1 12:2")


def test_explanations_in_words():
    funded = {"funded": True, "round": 2, "supporters": 1, "paid": 1200.4, "max_payment": 600.2}
    assert explanation_sentence(funded, "EUR").startswith("Funded in round 2; 1 voter chose it.")
    assert "1,200 EUR" in explanation_sentence(funded, "EUR")
    cheaper = {"funded": False, "supporters": 4, "cheaper_by": 5000.0, "needed_cost": 15000.0}
    assert "it had to be 5,000 EUR cheaper" in explanation_sentence(cheaper, "EUR")
    assert "did not fit" in explanation_sentence({"funded": False, "supporters": 2,
                                                  "reason": "not funded: did not fit in the money left"}, "EUR")
    assert explanation_sentence(None, "EUR") == ""


def test_money_chart_has_one_bar_per_group_largest_on_top():
    fig = money_by_group(pd.DataFrame({"district": ["A", "B", "C"], "amount": [50, 200, 120]}), "district",
                         title="t", currency="EUR", amount_label="Amount")
    bar = fig.data[0]
    assert list(bar.y) == ["A", "C", "B"] and list(bar.x) == [50, 120, 200]
    assert money_by_group(pd.DataFrame(columns=["district", "amount"]), "district", title="t", currency="EUR",
                          amount_label="a").data[0].x == ()


def test_turnout_chart_stacks_channels():
    frame = pd.DataFrame({"district": ["A", "A", "B"], "channel": ["Online", "Paper", "Online"],
                          "ballots": [10, 3, 4]})
    fig = turnout_by_district(frame, title="t", ballots_label="Ballots")
    traces = {t.name: dict(zip(t.y, t.x, strict=True)) for t in fig.data}
    assert traces == {"Online": {"B": 4, "A": 10}, "Paper": {"B": 0, "A": 3}}
    assert fig.layout.barmode == "stack"


def test_rules_chart_shows_shares():
    frame = pd.DataFrame({"rule": ["greedy", "mes"], "budget_used_share": [1.0, 0.8],
                          "voters_share": [0.5, 0.9]})
    fig = rules_compared(frame, title="t", share_label="Budget", voters_label="Voters")
    assert [list(t.y) for t in fig.data] == [[1.0, 0.8], [0.5, 0.9]]


def test_code_print_file_cannot_carry_a_spreadsheet_formula():
    cycle = _cycle()
    cycle.title = '=HYPERLINK("http://evil.example")'
    text = codes.codes_csv(cycle, ["ABCD-EFGH-JKLM"], batch="@batch")
    assert text.splitlines()[1].startswith("ABCD-EFGH-JKLM,\"'=HYPERLINK(") and ",'@batch," in text
