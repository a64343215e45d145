"""The capacity model reads what it claims to read, and the documents quote it."""

from pathlib import Path

import pytest

from bench import capacity_model
from bench.capacity import writes
from devtools.catalogue.template import TEMPLATE, Template

DOC = Path(__file__).parents[2] / "docs" / "capacity.md"


def test_docs_capacity_quotes_the_models_whole_output():
    quoted = DOC.read_text(encoding="utf-8").split("```\n")[1].rstrip("\n")

    assert quoted == capacity_model.report(Template.load(parameters={"Environment": "prod"}))


@pytest.mark.parametrize(
    ("projection", "later_writes"),
    [
        ("ProjectionType: INCLUDE\n            NonKeyAttributes: [route, status, amount_fen, policy_counter]", 0),
        ("ProjectionType: ALL", 3),
    ],
)
def test_the_index_writes_come_from_the_templates_projection(tmp_path, projection, later_writes):
    text = TEMPLATE.read_text(encoding="utf-8")
    current = "ProjectionType: INCLUDE\n            NonKeyAttributes: [route, status, amount_fen, policy_counter]"
    assert current in text
    (tmp_path / "template.yaml").write_text(text.replace(current, projection))

    costs = writes.life_costs(writes.refunds_indexes(Template.load(tmp_path / "template.yaml")))

    # the commit writes the index; the confirmations and the payment result only when it projects them
    assert costs["WorkbenchByMerchant"][0] >= 1
    assert sum(1 for units in costs["WorkbenchByMerchant"][1:] if units) == later_writes
