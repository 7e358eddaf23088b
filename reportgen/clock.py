"""The report's generation time, reproducible through SOURCE_DATE_EPOCH."""

from __future__ import annotations

import os
from datetime import datetime, timezone


def generation_time(source_date_epoch: str | None = None) -> datetime:
    """SOURCE_DATE_EPOCH (seconds since 1970, UTC) when set, else now; always UTC, whole seconds."""
    epoch = source_date_epoch if source_date_epoch is not None else os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(tz=timezone.utc).replace(microsecond=0)
