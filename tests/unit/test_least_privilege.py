"""The least-privilege check itself (devtools/invoking/least_privilege.py): the template's policies, SAM's policy
templates expanded, against the IAM actions and resources a call is authorized by."""

from devtools.catalogue.template import Template
from devtools.invoking.least_privilege import allowed, arn, authorizations, grants_of

TEMPLATE = Template.load()


def grants(function: str):
    return grants_of(TEMPLATE, TEMPLATE.functions[function])


def table(logical_id: str) -> str:
    return arn("dynamodb", f"table/{TEMPLATE.physical_name(logical_id)}")


def test_a_statement_allows_its_actions_on_its_resources_only():
    intake = grants("OrderEventsFunction")

    assert allowed(intake, "dynamodb:GetItem", table("OrdersTable"))
    assert not allowed(intake, "dynamodb:PutItem", table("OrdersTable"))
    assert not allowed(intake, "dynamodb:GetItem", table("RefundsTable"))


def test_a_sam_policy_template_is_expanded_as_sam_expands_it():
    dispatcher = grants("ReviewDeadlinesFunction")  # SQSSendMessagePolicy: sqs:SendMessage* on its queue
    queue = arn("sqs", TEMPLATE.physical_name("ReviewSweepQueue"))

    assert allowed(dispatcher, "sqs:SendMessage", queue)
    assert not allowed(dispatcher, "sqs:SendMessage", arn("sqs", TEMPLATE.physical_name("OrderEventsQueue")))
    assert not allowed(dispatcher, "sqs:DeleteMessage", queue)


def test_a_transaction_is_authorized_part_by_part_and_a_query_by_its_index():
    request = {
        "TransactItems": [
            {"Put": {"TableName": "t-RefundsTable"}},
            {"Update": {"TableName": "t-OrdersTable"}},
            {"ConditionCheck": {"TableName": "t-BuyersTable"}},
        ]
    }

    assert authorizations("dynamodb", "TransactWriteItems", request) == [
        ("dynamodb:PutItem", arn("dynamodb", "table/t-RefundsTable")),
        ("dynamodb:UpdateItem", arn("dynamodb", "table/t-OrdersTable")),
        ("dynamodb:ConditionCheckItem", arn("dynamodb", "table/t-BuyersTable")),
    ]
    assert authorizations("dynamodb", "Query", {"TableName": "t", "IndexName": "Escalated"}) == [
        ("dynamodb:Query", arn("dynamodb", "table/t/index/Escalated"))
    ]


def test_a_sweeper_may_not_touch_the_buyers_table():
    sweeper = grants("ReviewSweeperFunction")

    assert allowed(sweeper, "dynamodb:UpdateItem", table("RefundsTable"))
    assert not allowed(sweeper, "dynamodb:ConditionCheckItem", table("BuyersTable"))
