"""The data functions' environment, validated once per container (never at import time)."""

import functools
import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

TableName = Field(min_length=1)


class Config(BaseModel):
    model_config = ConfigDict(frozen=True)

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


@functools.lru_cache(maxsize=1)
def get_config() -> Config:
    """Each field comes from the environment variable of the same name in upper case."""
    return Config.model_validate({name: os.environ.get(name.upper()) for name in Config.model_fields})
