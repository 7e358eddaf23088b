"""NotifyTarget: one chat channel under `output.notify` (Slack or Microsoft Teams incoming webhook).

The webhook URL is a credential (whoever has it can post to the channel), so it is only ever read
from the environment (`webhook: env:VAR`) and never printed: messages name the channel type and host.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

CHANNELS = ("slack", "teams")
DEFAULT_WEBHOOK_ENV = {"slack": "SLACK_WEBHOOK", "teams": "TEAMS_WEBHOOK"}


class NotifyTarget(BaseModel):
    """`{type: slack | teams, webhook: env:VAR, link: https://..., timeout: 10, retries: 3}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["slack", "teams"]
    webhook: str
    link: str | None = None  # base URL where the report folder is served; else the message gives its path
    timeout: float = 10.0
    retries: int = 3

    @field_validator("webhook")
    @classmethod
    def _from_environment(cls, v: str) -> str:
        if not re.fullmatch(r"env:[A-Za-z_][A-Za-z0-9_]*", v):
            raise ValueError(
                "a webhook URL is a secret: write webhook: env:VARIABLE and export the URL in that variable"
            )
        return v

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, v: float) -> float:
        if not 0 < v <= 120:
            raise ValueError(f"must lie in (0, 120] seconds, found {v}")
        return v

    @field_validator("retries")
    @classmethod
    def _retries(cls, v: int) -> int:
        if not 0 <= v <= 10:
            raise ValueError(f"must be a whole number from 0 to 10, found {v}")
        return v
