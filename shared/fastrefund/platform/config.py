"""The functions' environment, as validated models: read once per container, never at import time.

Each field comes from the environment variable of the same name in upper case.
"""

import functools
import os
from typing import Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

TableName = Field(min_length=1)


class _Environment(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_environment(cls) -> Self:
        """A variable that is unset or empty counts as not given: a required field then fails."""
        variables = {name: os.environ.get(name.upper()) for name in cls.model_fields}
        return cls.model_validate({name: value for name, value in variables.items() if value})


class Config(_Environment):
    """The data functions' environment: tables, the notices topic, the rules' source."""

    orders_table: str = TableName
    merchants_table: str = TableName
    refunds_table: str = TableName
    policy_usage_table: str = TableName
    buyers_table: str = TableName
    statement_table: str = TableName
    exports_bucket: str = Field(min_length=1, description="where the statement exports' files are written")
    merchant_notices_topic_arn: str = Field(min_length=1)
    rules_parameter_name: str | None = None
    rules_file: str | None = Field(default=None, description="a local rules document replacing the parameter")
    republish_after_seconds: int = Field(
        default=300, ge=0, description="how long a notice or payout may stay unconfirmed before it is sent again"
    )

    @model_validator(mode="after")
    def _rules_have_a_source(self) -> Self:
        if not (self.rules_parameter_name or self.rules_file):
            raise ValueError("set RULES_PARAMETER_NAME (deployed) or RULES_FILE (local)")
        return self


class AuthorizerConfig(_Environment):
    """The authorizer's environment (template parameters JwksUrl, JwtIssuer, JwtAudience, RoleClaim,
    MerchantClaim). With a JWKS URL, tokens are RS256 from that identity provider, issuer and audience
    checked; without one (local, tests), HS256 tokens signed with the JwtSecret."""

    jwt_secret_name: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    role_claim: str = Field(default="role", min_length=1, description="e.g. custom:role for Cognito")
    merchant_claim: str = Field(default="merchant_id", min_length=1)

    @model_validator(mode="after")
    def _one_way_to_trust_a_token(self) -> Self:
        if self.jwks_url and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("with JWKS_URL, set JWT_ISSUER and JWT_AUDIENCE: a provider's tokens must be its own")
        if not self.jwks_url and not self.jwt_secret_name:
            raise ValueError("set JWKS_URL (an identity provider) or JWT_SECRET_NAME (local HS256 tokens)")
        return self


class WorkbenchConfig(_Environment):
    cursor_secret_name: str = Field(min_length=1, description="the secret whose value signs workbench cursors")


class PayoutsConfig(_Environment):
    refund_payouts_topic_arn: str = Field(min_length=1, description="where payout instructions are published")


class ReviewSweepConfig(_Environment):
    review_sweep_queue_url: str = Field(min_length=1, description="where the minute's review partitions are handed out")


class MerchantReportsConfig(_Environment):
    merchant_reports_queue_url: str = Field(min_length=1, description="where policy trials wait for their run")


Settings = TypeVar("Settings", bound=_Environment)


@functools.cache
def settings(kind: type[Settings]) -> Settings:
    """The container's settings of `kind` (Config, WorkbenchConfig, ...), read from its environment once: each
    function reads the kinds it needs, and a missing variable fails it at its first use, naming the variable."""
    return kind.from_environment()
