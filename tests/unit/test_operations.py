"""What an operator relies on in template.yaml and samconfig.toml: stateful resources outlive the stack,
tables can be restored to any second, and two environments in one account never mix."""

import tomllib

import pytest

from devtools.template import ROOT, Resolver, Template

STATEFUL = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup")
ENVIRONMENTS = ("dev", "prod")


def test_every_stateful_resource_is_retained_on_delete_and_on_replacement():
    template = Template.load()
    stateful = {lid: r for lid, r in template.body["Resources"].items() if r["Type"] in STATEFUL}

    assert len(stateful) >= 20
    for logical_id, resource in stateful.items():
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), logical_id


def test_every_table_has_point_in_time_recovery():
    for logical_id, table in Template.load().of_type("AWS::DynamoDB::Table").items():
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical_id


def samconfig() -> dict:
    return tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))


def overrides(environment: str) -> dict[str, str]:
    text = samconfig()[environment]["deploy"]["parameters"]["parameter_overrides"]
    return dict(pair.split("=", 1) for pair in text.split())


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_deploys_without_a_question_as_its_own_stack(environment):
    deploy = samconfig()[environment]["deploy"]["parameters"]

    assert deploy["confirm_changeset"] is False
    assert deploy["stack_name"] == f"fast-refund-{environment}"
    assert overrides(environment)["Environment"] == environment


def test_two_environments_never_share_a_metrics_namespace_or_a_service_name():
    seen = []
    for environment in ENVIRONMENTS:
        template = Template.load(parameters=overrides(environment))
        variables = template.body["Globals"]["Function"]["Environment"]["Variables"]
        resolve = Resolver(template)
        names = ("POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME")
        seen.append(tuple(resolve(variables[name]) for name in names))

    assert seen == [("FastRefund/dev", "fast-refund-dev"), ("FastRefund/prod", "fast-refund-prod")]


def test_the_payout_alarm_watches_its_own_environments_metric():
    template = Template.load(parameters={"Environment": "prod"})
    alarm = Resolver(template)(template.resources["PayoutsFailedAlarm"]["Properties"])

    assert alarm["Namespace"] == "FastRefund/prod"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "fast-refund-prod"}]
