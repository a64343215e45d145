"""The local stack refuses what it cannot run, naming the function or resource and the feature;
references are cfn-lint's to check (what `make lint` runs)."""

import pytest

from devtools.catalogue.template import TEMPLATE, Template
from devtools.catalogue.template_check import problems


def variant(tmp_path, *replacements: tuple[str, str]) -> Template:
    text = TEMPLATE.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return Template.load(path)


def test_the_service_template_runs_locally():
    assert problems(Template.load()) == []


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (
            "        OrderEvents:\n          Type: SQS",
            "        Nightly:\n          Type: Schedule\n          Properties:\n"
            "            Schedule: cron(0 2 * * ? *)\n"
            "        OrderEvents:\n          Type: SQS",
            "function OrderEventsFunction: event Nightly: schedule 'cron(0 2 * * ? *)' is not a rate()",
        ),
        (
            "        OrderEvents:\n          Type: SQS",
            "        Pushed:\n          Type: SNS\n          Properties:\n"
            "            Topic: !Ref MerchantNoticesTopic\n"
            "        OrderEvents:\n          Type: SQS",
            "function OrderEventsFunction: event Pushed of type 'SNS' cannot be run by the local stack",
        ),
        (
            "        OrderEvents:\n          Type: SQS",
            "        Bus:\n          Type: EventBridgeRule\n          Properties:\n            Pattern: {source: [x]}\n"
            "        OrderEvents:\n          Type: SQS",
            "function OrderEventsFunction: event Bus of type 'EventBridgeRule' cannot be run by the local stack",
        ),
        (
            "POWERTOOLS_LOG_LEVEL: INFO",
            "POWERTOOLS_LOG_LEVEL: !Join ['', [IN, FO]]",
            "Globals: !Join in Function.Environment.Variables.POWERTOOLS_LOG_LEVEL cannot be resolved",
        ),
        (
            "JWKS_URL: !Ref JwksUrl",
            "JWKS_URL: !If [HasJwks, !Ref JwksUrl, !Ref AWS::NoValue]",
            "resource AuthorizerFunction: !If in Environment.Variables.JWKS_URL cannot be resolved",
        ),
        (
            "VisibilityTimeout: 60",
            "VisibilityTimeout: !Select [0, [60, 30]]",
            "resource OrderEventsQueue: !Select in VisibilityTimeout cannot be resolved",
        ),
        (
            '{"S": ["AUTO_REFUNDED", "PENDING_REVIEW"]}',
            '{"S": [{"prefix": "AUTO"}]}',
            "function NotifierFunction: event RequestChanges: filter dynamodb.NewImage.status.S: [{'prefix': 'AUTO'}]",
        ),
        (
            "  RulesParameter:\n    Type: AWS::SSM::Parameter",
            "  RulesParameter:\n    Type: AWS::SSM::Parameter\n    Condition: NoSuchCondition",
            "resource RulesParameter: Condition 'NoSuchCondition' cannot be evaluated",
        ),
        (
            "  MerchantNoticesTopic:\n    Type: AWS::SNS::Topic",
            "  MerchantNoticesTopic:\n    Type: AWS::Events::Rule",
            "resource MerchantNoticesTopic: type 'AWS::Events::Rule' cannot be run by the local stack",
        ),
    ],
)
def test_what_the_local_stack_cannot_run_is_named(tmp_path, old, new, named):
    found = problems(variant(tmp_path, (old, new)))

    assert any(named in problem for problem in found), found


def test_a_missing_handler_is_named(tmp_path):
    template = variant(tmp_path, ("CodeUri: functions/orders_api/", "CodeUri: functions/no_such_function/"))

    assert problems(template) == ["function OrdersApiFunction: CodeUri 'functions/no_such_function/' has no app.py"]


def test_a_reference_to_nothing_is_named(tmp_path):
    # cfn-lint (make lint) passes this one: it does not look into a SAM function's Policies
    template = variant(tmp_path, ("Resource: !GetAtt RefundsTable.Arn", "Resource: !GetAtt RefundTable.Arn"))

    assert problems(template) == [
        "resource OrdersApiFunction: refers to 'RefundTable', which the template does not define"
    ]
