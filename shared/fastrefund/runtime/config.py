"""The functions' environment, as validated models: read once per container, never at import time.

Each field comes from the environment variable of the same name in upper case.
"""

import functools
import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TableName = Field(min_length=1)


class _Environment(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def from_environment(cls) -> Self:
        return cls.model_validate({name: os.environ.get(name.upper()) for name in cls.model_fields})


class Config(_Environment):
    """The data functions' environment: tables, the notices topic, the rules' source."""

    orders_table: str = TableName
    merchants_table: str = TableName
    refunds_table: str = TableName
    policy_usage_table: str = TableName
    merchant_notices_topic_arn: str = Field(min_length=1)
    rules_parameter_name: str | None = None
    rules_file: str | None = Field(default=None, description="a local rules document replacing the parameter")

    @model_validator(mode="after")
    def _rules_have_a_source(self) -> Self:
        if not (self.rules_parameter_name or self.rules_file):
            raise ValueError("set RULES_PARAMETER_NAME (deployed) or RULES_FILE (local)")
        return self


class AuthorizerConfig(_Environment):
    """The authorizer's environment: the HS256 secret's name, and where RS256 keys are published."""

    jwt_secret_name: str = Field(min_length=1)
    jwks_url: str | None = Field(default=None, description="empty or unset: RS256 tokens are refused")

    @field_validator("jwks_url")
    @classmethod
    def _empty_is_unset(cls, url: str | None) -> str | None:
        return url or None  # the template passes the JwksUrl parameter, "" by default


@functools.lru_cache(maxsize=1)
def get_config() -> Config:
    return Config.from_environment()


@functools.lru_cache(maxsize=1)
def get_authorizer_config() -> AuthorizerConfig:
    return AuthorizerConfig.from_environment()
