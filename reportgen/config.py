"""Config: the keys of the README's config reference, read from YAML or TOML into typed, frozen objects.

Every mistake becomes one ConfigError naming the file, the key, what was found and what is allowed. Paths are
resolved relative to the config file. CLI flags override file values through `load_config(path, overrides)`.
"""

from __future__ import annotations

import difflib
import pkgutil
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from reportgen import spec
from reportgen.channels import CHANNELS
from reportgen.delivery.notify_spec import NotifyTarget
from reportgen.engine_config import EngineConfig
from reportgen.errors import ConfigError
from reportgen.files import read_text
from reportgen.sources.spec import SparkSource, SqlSource, source_model

ProblemType = Literal["binary_classification", "multiclass_classification", "regression"]
PROBLEM_TYPES = ("binary_classification", "multiclass_classification", "regression")

METRICS_BY_PROBLEM = {p: spec.performance_metrics(p) for p in PROBLEM_TYPES}  # from reportgen.spec
UNIVARIATE_METHODS_DIR = Path(__file__).parent / "drift" / "methods"  # one module per method, named as in the config
MULTIVARIATE_METHODS = ("pca_reconstruction", "domain_classifier")
BUILTIN_THEMES = ("default", "dark", "print")
ABBREVIATIONS = {
    "ks": "kolmogorov_smirnov",
    "js": "jensen_shannon",
    "jsd": "jensen_shannon",
    "emd": "wasserstein",
    "linf": "l_infinity",
    "chi_squared": "chi2",
}


def _no_bool(value: Any) -> Any:
    """Refuse true/false where a number is expected (YAML and Python read `true` as the int 1)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, found {str(value).lower()} (true/false); write a number here")
    return value


Whole = Annotated[int, BeforeValidator(_no_bool)]
Number = Annotated[float, BeforeValidator(_no_bool)]
DEFAULT_MAX_CHUNKS = 2000
DEFAULT_MIN_CHUNK_ROWS = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnsConfig(_Frozen):
    """Which data columns play which role."""

    id: str | None = None
    timestamp: str | None = None
    prediction: str
    predicted_probability: str | dict[str, str] | None = None
    target: str | None = None
    features: tuple[str, ...] | None = None
    categorical: tuple[str, ...] = ()
    continuous: tuple[str, ...] = ()

    @field_validator("predicted_probability", mode="before")
    @classmethod
    def _label_keys_as_text(cls, v: Any) -> Any:
        """YAML reads `{0: p_0, 1: p_1}` with int (or bool) keys; class labels are matched as text."""
        if isinstance(v, dict):
            return {str(k): val for k, val in v.items()}
        return v


class ChunkingConfig(_Frozen):
    """Exactly one of size, number or period; `incomplete` says what happens to a short last chunk.

    `max_chunks` bounds the chunks per period and `min_rows` is the floor of rows per chunk below
    which a run is refused: statistics of a handful of rows are noise, and 100,000 chunks a hang.
    """

    size: Whole | None = None
    number: Whole | None = None
    period: Literal["D", "W", "M", "Q", "Y"] | None = None
    incomplete: Literal["append", "keep", "drop"] = "append"
    max_chunks: Whole = DEFAULT_MAX_CHUNKS
    min_rows: Whole = DEFAULT_MIN_CHUNK_ROWS

    @field_validator("size", "number", "max_chunks", "min_rows")
    @classmethod
    def _positive(cls, v: int | None) -> int | None:
        if v is not None and v <= 0:
            raise ValueError(f"must be a positive whole number, found {v}")
        return v

    @model_validator(mode="after")
    def _exactly_one(self) -> ChunkingConfig:
        given = [k for k in ("size", "number", "period") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of size, number or period, found {' and '.join(given)}")
        if self.size is not None and self.size < self.min_rows:
            raise ValueError(
                f"found chunking.size {self.size}, below the floor of {self.min_rows} rows per chunk "
                "(statistics of so few rows are noise); use a larger size, or lower chunking.min_rows"
            )
        if self.number is not None and self.number > self.max_chunks:
            raise ValueError(
                f"found chunking.number {self.number}, above chunking.max_chunks ({self.max_chunks}); "
                "ask for fewer chunks, or raise chunking.max_chunks"
            )
        return self

    @property
    def kind(self) -> str:
        for k in ("size", "number", "period"):
            if getattr(self, k) is not None:
                return k
        return "number"


class ThresholdConfig(_Frozen):
    """A threshold rule; `type` selects the class in reportgen.thresholds' registry."""

    type: str = "standard_deviation"
    std_lower_multiplier: Number | None = 3.0
    std_upper_multiplier: Number | None = 3.0
    lower: Number | None = None
    upper: Number | None = None
    alpha: Number | None = 0.01
    samples: Whole | None = None

    @field_validator("alpha")
    @classmethod
    def _alpha_range(cls, v: float | None) -> float | None:
        return _open_unit(v, "alpha ")


def _open_unit(v: float | None, what: str = "", example: str = "") -> float | None:
    """A rate or probability strictly inside (0, 1); None passes."""
    if v is not None and not 0 < v < 1:
        raise ValueError(f"{what}must lie strictly between 0 and 1{example}, found {v}")
    return v


class PerformanceConfig(_Frozen):
    metrics: tuple[str, ...] | None = None
    estimators: tuple[Literal["cbpe", "cbpe_iw", "dle", "dle_iw"], ...] | None = None  # default: spec.ESTIMATORS
    calibration: Literal["auto", "always", "never"] = "auto"
    threads: Whole | None = None


class BusinessValueConfig(_Frozen):
    """Money per confusion-matrix cell (classification) or per unit of error (regression)."""

    matrix: dict[str, Number] | None = None
    value_matrix: tuple[tuple[Number, ...], ...] | None = None
    over_prediction_cost: Number | None = None
    under_prediction_cost: Number | None = None
    normalize: Literal["none", "per_prediction"] = "none"  # per_prediction: a chunk's value / its rows
    currency: str = "EUR"


class DriftConfig(_Frozen):
    univariate: tuple[str, ...] | None = None
    multivariate: tuple[str, ...] | None = None
    pca_variance: Number = 0.65
    false_discovery_rate: Number | None = None
    # reference_quantile: thresholds calibrated on same-size reference samples;
    # method_default: each method's classic rule (constant / standard deviation / p-value).
    default_threshold: Literal["reference_quantile", "method_default"] = "reference_quantile"

    @field_validator("pca_variance")
    @classmethod
    def _variance(cls, v: float) -> float:
        if not 0 < v <= 1:
            raise ValueError(f"must lie in (0, 1], found {v}")
        return v

    @field_validator("false_discovery_rate")
    @classmethod
    def _fdr(cls, v: float | None) -> float | None:
        return _open_unit(v, example=" (e.g. 0.05)")


class OutputConfig(_Frozen):
    formats: tuple[str, ...] = ("html", "pdf", "json")
    theme: str = "default"
    templates: str | None = None
    logo: str | None = None
    page_size: Literal["A4", "Letter"] = "A4"
    notify: tuple[NotifyTarget, ...] = ()  # chat channels told the status after the run
    notify_failure_exit: int = 4  # exit code when a notification fails (0: only print the error)

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [f for f in v if f not in CHANNELS]  # reportgen.channels: one line per channel
        if bad:
            raise ValueError(f"unknown format {bad[0]!r}; accepted: {', '.join(CHANNELS)}")
        return v


class Config(_Frozen):
    """The whole, validated configuration."""

    title: str = "Model monitoring report"
    problem_type: ProblemType
    reference: str | SqlSource | SparkSource | None = None  # a path, {url, table | query}; Spark: {table} | {sql}
    analysis: str | SqlSource | SparkSource | None = None
    targets: str | SqlSource | None = None
    baseline: str | None = None  # last period's results.json: new / continuing / resolved alerts
    columns: ColumnsConfig
    positive_class: str | int | bool | None = None
    chunking: ChunkingConfig = Field(default_factory=lambda: ChunkingConfig(number=10))
    performance: PerformanceConfig = Field(default_factory=PerformanceConfig)
    business_value: BusinessValueConfig | None = None
    drift: DriftConfig = Field(default_factory=DriftConfig)
    thresholds: dict[str, ThresholdConfig] = Field(default_factory=dict)
    output: OutputConfig = Field(default_factory=OutputConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)  # reportgen.engine_config
    seed: Whole = 0
    source: str | None = Field(default=None, exclude=True)

    def threshold_for(self, step: str, method: str | None = None, metric: str | None = None) -> ThresholdConfig | None:
        """The most specific configured threshold: `step.method.metric`, `step.method`, `step`, or None."""
        keys = []
        if method and metric:
            keys.append(f"{step}.{method}.{metric}")
        if method:
            keys.append(f"{step}.{method}")
        if metric:
            keys.append(f"{step}.{metric}")
        keys.append(step)
        for key in keys:
            if key in self.thresholds:
                return self.thresholds[key]
        return None

    def resolved(self) -> dict[str, Any]:
        """The resolved configuration as plain data, for the report's appendix and the archive."""
        return self.model_dump(mode="json", exclude={"source"})


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Parse a YAML (.yaml/.yml) or TOML (.toml) file into a dict."""
    path = Path(path)
    text = read_text(path, what="config file", error=ConfigError)
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = parse_yaml(text)
        elif suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # Python 3.10
                import tomli as tomllib
            data = tomllib.loads(text)
        else:
            raise ConfigError(f"unknown config extension '{suffix}'; use .yaml, .yml or .toml", file=str(path))
    except ConfigError as exc:
        if exc.file is None:  # a duplicate key found while parsing: name the file
            raise ConfigError(str(exc), file=str(path)) from None
        raise
    except Exception as exc:  # yaml.YAMLError, tomllib.TOMLDecodeError
        raise ConfigError(f"cannot parse: {parse_error_text(exc)}", file=str(path)) from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"the top level must be a mapping of keys, found {type(data).__name__}", file=str(path))
    return data


def parse_error_text(exc: Exception) -> str:
    """The first line of a YAML/TOML parse error, with the fix for a tab used as indentation."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    if "'\\t'" in text:
        return (
            f"a tab character at {where or 'an indentation'}; YAML indents with spaces only: replace the tab by spaces"
        )
    if "Cannot overwrite a value" in text or "Cannot declare" in text:  # tomllib's words for a key given twice
        return f"a key is given twice ({text.split('(', 1)[-1].rstrip(')')}); keep one"
    problem = getattr(exc, "problem", None)
    if problem and where:
        return f"{problem} at {where}"
    return first


def parse_yaml(text: str) -> Any:
    """YAML through a SafeLoader that refuses duplicate keys (the later one would silently win)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """SafeLoader whose mappings refuse a key given twice, naming both lines."""

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: SafeLoader reports it below
                continue
            if first is not None:
                raise ConfigError(
                    f"duplicate key '{key}' on lines {first} and {line}; keep one (YAML would silently use the last)"
                )
            seen[key] = line
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader subclass: no arbitrary objects


PATH_KEYS = ("reference", "analysis", "targets", "baseline")


def load_config(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None, *, data: Mapping[str, Any] | None = None
) -> Config:
    """Read, merge CLI overrides into and validate a config; resolve paths against the file's folder.

    Parameters
    ----------
    path:
        YAML or TOML file, or None when `data` is given.
    overrides:
        Top-level or dotted keys (``{"output.formats": ["html"]}``) that win over the file.
    data:
        A config as a dict (the Python API); paths are then relative to the working directory.
    """
    raw: dict[str, Any] = dict(read_config_file(path)) if path is not None else dict(data or {})
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        _set_dotted(raw, key, value)
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    for key in PATH_KEYS:
        if isinstance(raw.get(key), str) and not (overrides and key in overrides and overrides[key] is not None):
            raw[key] = str((base / str(raw[key])).resolve()) if not Path(str(raw[key])).is_absolute() else str(raw[key])
        elif isinstance(raw.get(key), dict) and not (overrides and overrides.get(key) is not None):
            raw[key] = {**raw[key], "base": str(base)}
    output = raw.get("output")
    if isinstance(output, dict):
        for key in ("templates", "logo", "theme"):
            val = output.get(key)
            if isinstance(val, str) and (key != "theme" or "/" in val or val.endswith((".yaml", ".yml", ".toml"))):
                p = Path(val)
                output[key] = str(p if p.is_absolute() else (base / p).resolve())
    return validate_config(raw, source=str(path) if path is not None else None)


def _set_dotted(raw: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = raw
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def validate_config(raw: Mapping[str, Any], source: str | None = None) -> Config:
    """Validate a config dict; one ConfigError with the first problem found."""
    try:
        config = Config.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise _config_error(exc, raw, source) from None
    check_consistency(config)
    return config


def _config_error(exc: ValidationError, raw: Mapping[str, Any], source: str | None) -> ConfigError:
    # A mapping where text or a mapping is accepted (a SQL source): report the mapping's problem.
    errors = [e for e in exc.errors() if any(source_model(raw, e["loc"]) in str(p) for p in e["loc"])] or exc.errors()
    err = errors[0]
    loc = [p for p in err["loc"] if not _is_union_tag(p)]
    key = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
    found = err.get("input")
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = [a for a in sorted(model.model_fields) if a != "source"] if model is not None else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        dym = f" (did you mean '{hint[0]}'?)" if hint else ""
        return ConfigError(f"unknown key{dym}; allowed here: {', '.join(allowed)}", file=source, key=key)
    if err["type"] == "missing":
        return ConfigError(
            "required key is missing; add it (see the config reference in README.md)", file=source, key=key
        )
    if err["type"] == "literal_error":
        allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        return ConfigError(
            f"found {_show(found)}; allowed: {', '.join(allowed)}{_did_you_mean(found, allowed)}", file=source, key=key
        )
    expected = _expected(
        err["type"], [e["type"] for e in errors if [p for p in e["loc"] if not _is_union_tag(p)] == loc]
    )
    if expected:
        return ConfigError(f"expected {expected}, found {_show(found)} ({_type_word(found)})", file=source, key=key)
    msg = err["msg"].removeprefix("Value error, ")
    if "found" in msg:
        return ConfigError(msg, file=source, key=key)
    return ConfigError(f"{msg}; found {_show(found)}", file=source, key=key)


TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "string": "text",
    "bool": "true or false",
    "list": "a list",
    "tuple": "a list",
    "dict": "a mapping of keys",
    "model": "a mapping of keys",
    "model_attributes": "a mapping of keys",
    "none": "nothing (null)",
}


def _expected(kind: str, kinds: list[str]) -> str:
    """'a whole number' for int_parsing etc.; 'text or a mapping of keys' for unions."""
    words = []
    for k in kinds or [kind]:
        base = k.split("_")[0] if not k.startswith("model_attributes") else "model_attributes"
        word = TYPE_WORDS.get(base)
        typed = k.endswith(("_type", "_parsing", "_from_float")) or k == "model_attributes_type"
        if typed and word and word not in words:
            words.append(word)
    return " or ".join(words)


def _is_union_tag(part: Any) -> bool:
    """pydantic puts union member names (`str`, `dict[str,str]`) into error locations; not keys."""
    return isinstance(part, str) and (part in ("str", "int", "float", "bool", "none") or "[" in part)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null" if value is None else type(value).__name__


def _did_you_mean(found: Any, allowed: list[str]) -> str:
    text = str(found)
    hint = [a for a in allowed if a.startswith(text) or text.startswith(a)] if text else []
    hint = hint or difflib.get_close_matches(text, allowed, n=1, cutoff=0.5)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def _model_at(parts: list[Any]) -> Any:
    """The pydantic model a key path leads to (dict keys keep the dict's value model)."""
    model: Any = Config
    for part in parts:
        if model is None:
            return None
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            model = _model_in(field.annotation)
    return model


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def univariate_method_names() -> list[str]:
    """The univariate drift methods' config names: the module names in reportgen/drift/methods/ (read
    from the folder, so validation needs no import of the methods; the registry imports the same list)."""
    return sorted(m.name for m in pkgutil.iter_modules([str(UNIVARIATE_METHODS_DIR)]) if m.name != "base")


def check_consistency(config: Config) -> None:
    """Cross-key checks pydantic cannot express: names that must fit the problem type, etc."""
    src = config.source
    allowed = METRICS_BY_PROBLEM[config.problem_type]
    for metric in config.performance.metrics or ():
        if metric not in allowed:
            hint = difflib.get_close_matches(metric, allowed, n=1)
            dym = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(
                f"metric '{metric}' does not fit problem_type {config.problem_type}{dym}; allowed: {', '.join(allowed)}",
                file=src,
                key="performance.metrics",
            )
    for method in config.drift.univariate or ():
        known = univariate_method_names()
        if method not in known:
            hint = [ABBREVIATIONS[method]] if method in ABBREVIATIONS else difflib.get_close_matches(method, known, n=1)
            dym = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(
                f"unknown univariate drift method '{method}'{dym}; accepted: {', '.join(known)}",
                file=src,
                key="drift.univariate",
            )
    for method in config.drift.multivariate or ():
        if method not in MULTIVARIATE_METHODS:
            hint = difflib.get_close_matches(method, MULTIVARIATE_METHODS, n=1)
            dym = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(
                f"unknown multivariate drift method '{method}'{dym}; accepted: {', '.join(MULTIVARIATE_METHODS)}",
                file=src,
                key="drift.multivariate",
            )
    proba = config.columns.predicted_probability
    if config.problem_type == "multiclass_classification":
        if not isinstance(proba, dict) or len(proba) < 3:
            raise ConfigError(
                "multiclass_classification needs one probability column per class, as {class_label: column_name} with at least 3 classes",
                file=src,
                key="columns.predicted_probability",
            )
    elif config.problem_type == "binary_classification":
        if proba is None:
            raise ConfigError(
                "binary_classification needs the predicted probability column of the positive class",
                file=src,
                key="columns.predicted_probability",
            )
        if isinstance(proba, dict):
            raise ConfigError(
                "binary_classification takes one column name (probability of the positive class), not a mapping",
                file=src,
                key="columns.predicted_probability",
            )
    elif proba is not None:
        raise ConfigError(
            "regression has no predicted probabilities; remove this key", file=src, key="columns.predicted_probability"
        )
    if config.chunking.period is not None and not config.columns.timestamp:
        raise ConfigError("period chunking needs columns.timestamp", file=src, key="chunking.period")
    for key, rule in config.thresholds.items():
        step = key.split(".")[0]
        if step not in spec.STEP_NAMES:
            hint = difflib.get_close_matches(step, spec.STEP_NAMES, n=1)
            dym = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(
                f"thresholds are keyed by step[.method[.metric]], unknown step '{step}'{dym}; steps: {', '.join(spec.STEP_NAMES)}",
                file=src,
                key=f"thresholds.{key}",
            )
        from reportgen.thresholds import THRESHOLDS

        if rule.type not in THRESHOLDS:
            from reportgen.registry import unknown_name_message

            raise ConfigError(
                unknown_name_message("threshold type", rule.type, THRESHOLDS.names()),
                file=src,
                key=f"thresholds.{key}.type",
            )
    theme = config.output.theme
    if "/" not in theme and not theme.endswith((".yaml", ".yml", ".toml")):
        from reportgen.resources import theme_names

        names = theme_names()
        if theme not in names:
            from reportgen.registry import unknown_name_message

            raise ConfigError(unknown_name_message("theme", theme, names), file=src, key="output.theme")
    overlap = set(config.columns.categorical) & set(config.columns.continuous)
    if overlap:
        raise ConfigError(
            f"columns {sorted(overlap)} are listed as both categorical and continuous",
            file=src,
            key="columns.categorical",
        )
