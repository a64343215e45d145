"""Creates template.yaml's data and messaging resources on local endpoints (moto or DynamoDB Local)."""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from devtools.catalogue.template import Resolver, Template

# The template's table properties that CreateTable takes as they are.
_CREATE_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes")


def create_tables(template: Template, dynamodb: Any, resolve: Resolver, keep_existing: bool = False) -> None:
    """Each table with its keys, indexes, stream and TTL, all at once (a boto3 client may be shared by
    threads); `keep_existing` uses a table kept from before."""

    def create(logical_id: str, props: dict[str, Any]) -> None:
        name = template.physical_name(logical_id)
        request = {key: props[key] for key in _CREATE_TABLE_KEYS if key in props}
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        try:
            description = dynamodb.create_table(TableName=name, **request)["TableDescription"]
        except dynamodb.exceptions.ResourceInUseException:
            if not keep_existing:
                raise
            description = dynamodb.describe_table(TableName=name)["Table"]
        else:
            dynamodb.get_waiter("table_exists").wait(TableName=name)
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        resolve.refs[logical_id] = name
        resolve.attributes[(logical_id, "Arn")] = description["TableArn"]
        if "LatestStreamArn" in description:
            resolve.attributes[(logical_id, "StreamArn")] = description["LatestStreamArn"]

    tables = template.of_type("AWS::DynamoDB::Table")
    with ThreadPoolExecutor(max(1, len(tables))) as creating:
        list(creating.map(create, tables, tables.values()))


def create_queues(template: Template, sqs: Any, resolve: Resolver) -> None:
    """Dead-letter queues first: a queue's redrive policy names its dead-letter queue's ARN."""
    waiting = dict(template.of_type("AWS::SQS::Queue"))
    while waiting:
        ready = {
            logical_id: props
            for logical_id, props in waiting.items()
            if _refers_only_to(props.get("RedrivePolicy", {}), resolve)
        }
        if not ready:
            raise ValueError(f"queues with unresolvable redrive policies: {sorted(waiting)}")
        for logical_id, props in ready.items():
            name = template.physical_name(logical_id)
            attributes = {
                key: str(props[key]) for key in ("VisibilityTimeout", "MessageRetentionPeriod") if key in props
            }
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(resolve(props["RedrivePolicy"]))
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            resolve.refs[logical_id] = url
            resolve.attributes[(logical_id, "Arn")] = arn
            resolve.attributes[(logical_id, "QueueName")] = name
            del waiting[logical_id]


def create_subscriptions(template: Template, sns: Any, resolve: Resolver) -> None:
    """AWS::SNS::Subscription resources (moto's CloudFormation would skip them), filter policies included."""
    for props in template.of_type("AWS::SNS::Subscription").values():
        attributes = {}
        for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"):
            if key in props:
                value = resolve(props[key])
                attributes[key] = value if isinstance(value, str) else json.dumps(value)
        sns.subscribe(
            TopicArn=resolve(props["TopicArn"]),
            Protocol=props["Protocol"],
            Endpoint=resolve(props["Endpoint"]),
            Attributes=attributes,
        )


def create_buckets(template: Template, s3: Any, resolve: Resolver) -> None:
    for logical_id in template.of_type("AWS::S3::Bucket"):
        name = template.physical_name(logical_id)
        s3.create_bucket(Bucket=name)
        resolve.refs[logical_id] = name
        resolve.attributes[(logical_id, "Arn")] = f"arn:aws:s3:::{name}"


def create_parameters(template: Template, ssm: Any, resolve: Resolver) -> None:
    for logical_id, props in template.of_type("AWS::SSM::Parameter").items():
        name = template.physical_name(logical_id)
        ssm.put_parameter(Name=name, Type=props["Type"], Value=props["Value"], Overwrite=True)
        resolve.refs[logical_id] = name


def create_secrets(template: Template, secretsmanager: Any, resolve: Resolver, value: str) -> None:
    """Generated secrets get the given local value, so that local tokens can be signed with it."""
    for logical_id in template.of_type("AWS::SecretsManager::Secret"):
        name = template.physical_name(logical_id)
        arn = secretsmanager.create_secret(Name=name, SecretString=value)["ARN"]
        resolve.refs[logical_id] = arn


def _refers_only_to(value: Any, resolve: Resolver) -> bool:
    try:
        resolve(value)
    except KeyError:
        return False
    return True


def create_topics(template: Template, sns: Any, resolve: Resolver) -> None:
    for logical_id in template.of_type("AWS::SNS::Topic"):
        name = template.physical_name(logical_id)
        arn = sns.create_topic(Name=name)["TopicArn"]
        resolve.refs[logical_id] = arn
        resolve.attributes[(logical_id, "TopicName")] = name
        resolve.attributes[(logical_id, "TopicArn")] = arn


def create_all(
    template: Template, client: Callable[[str], Any], jwt_secret: str, keep_existing_tables: bool = False
) -> Resolver:
    """Every resource of the template that the service uses, in dependency order; returns the resolver
    that knows their local names, ARNs and URLs. `client(service)` makes a boto3 client for a service."""
    resolve = Resolver(template)
    create_tables(template, client("dynamodb"), resolve, keep_existing=keep_existing_tables)
    create_the_rest(template, client, resolve, jwt_secret)
    return resolve


def create_the_rest(template: Template, client: Callable[[str], Any], resolve: Resolver, jwt_secret: str) -> None:
    """Everything but the tables (which need nothing of these, nor these of them): queues, topics and
    their subscriptions, parameters, buckets, secrets, and the names of the API and the functions."""
    create_queues(template, client("sqs"), resolve)
    create_topics(template, client("sns"), resolve)
    create_subscriptions(template, client("sns"), resolve)
    create_parameters(template, client("ssm"), resolve)
    create_buckets(template, client("s3"), resolve)
    create_secrets(template, client("secretsmanager"), resolve, jwt_secret)
    for logical_id in template.of_type("AWS::Serverless::Api"):
        resolve.refs[logical_id] = "local"
    for logical_id in template.functions:
        resolve.refs[logical_id] = template.physical_name(logical_id)


def function_environment(template: Template, resolve: Resolver) -> dict[str, str]:
    """The variables every function of the template gets, merged (the functions share one process)."""
    environment: dict[str, str] = {}
    for function in template.functions.values():
        environment |= function.environment(resolve)
    return environment


def name_the_rest(template: Template, resolve: Resolver) -> None:
    """Give every resource not made locally its local name, so that references to it still resolve."""
    for logical_id in template.resources:
        resolve.refs.setdefault(logical_id, template.physical_name(logical_id))
