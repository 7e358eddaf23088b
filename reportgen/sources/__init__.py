"""Where the data comes from: a file path (io.read_table) or a SQL table or query (SqlSource).

`reportgen.inputs.read_source` and `source_name` are what inputs.load_inputs calls for each of reference, analysis
and targets; a SqlSource is named everywhere by its URL with the password masked.
"""

from __future__ import annotations

from typing import Any

from reportgen.sources.spec import SqlSource, as_source
from reportgen.sources.url import describe, mask_url

__all__ = ["SqlSource", "as_source", "describe", "mask_url", "with_params"]


def with_params(config: Any, params: dict[str, Any]) -> Any:
    """The config with CLI `--param` values winning over each SQL source's own params."""
    from reportgen.errors import ConfigError

    if not params:
        return config
    update = {
        key: getattr(config, key).with_params(params)
        for key in ("reference", "analysis", "targets")
        if isinstance(getattr(config, key), SqlSource)
    }
    if not update:
        raise ConfigError("--param binds values into SQL queries, but no data source is a SQL source", key="params")
    return config.model_copy(update=update)
