"""The API's Lambda authorizer (TOKEN type): verifies the bearer JWT and passes the caller on.

API Gateway answers 401 itself when this raises "Unauthorized"; functions read the context
{"sub", "role", "merchant_id"} from requestContext.authorizer and decide 403s themselves.
"""

from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerTokenEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from fastrefund.domain.errors import Unauthenticated
from fastrefund.edge.tokens import caller_from_token
from fastrefund.platform.observability import logger, tracer


@logger.inject_lambda_context(clear_state=True)  # never log the event: it carries the token
@tracer.capture_lambda_handler
@event_source(data_class=APIGatewayAuthorizerTokenEvent)
def lambda_handler(event: APIGatewayAuthorizerTokenEvent, context: LambdaContext) -> dict[str, Any]:
    try:
        caller = caller_from_token(event.authorization_token)
    except Unauthenticated as refused:
        logger.info("token refused", extra={"reason": refused.message})
        raise Exception("Unauthorized") from refused  # the exact text API Gateway turns into a 401

    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=caller.sub,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        # Strings only: API Gateway drops null values from the context.
        context={"sub": caller.sub, "role": caller.role.value, "merchant_id": caller.merchant_id or ""},
    )
    # The answer is cached per token for every route, so it must allow them all; what a caller may do
    # to which order or merchant is decided by the functions.
    policy.allow_all_routes()
    logger.info("token accepted", extra={"sub": caller.sub, "role": caller.role.value})
    return policy.asdict()
