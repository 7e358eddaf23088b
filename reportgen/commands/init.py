"""`reportgen init DATAFILE`: write a starter config from a data file, every key explained.

Column roles and kinds are guessed from names and values; the problem type from the prediction and
probability columns. The written config is validated before the command ends, so what `init`
writes always loads; the user then reads the comments and fixes what was guessed wrong.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

ID_NAMES = ("id", "identifier", "uuid", "row_id", "record_id", "customer_id", "loan_id")
TIME_NAMES = ("timestamp", "time", "date", "datetime", "ts", "event_time", "created_at")
PREDICTION_NAMES = ("y_pred", "prediction", "predicted", "pred", "y_hat", "yhat", "predicted_label", "predicted_class")
TARGET_NAMES = (
    "y_true",
    "target",
    "label",
    "y",
    "actual",
    "ground_truth",
    "outcome",
    "truth",
    "repaid",
    "churned",
    "default",
)
PROBA_PATTERN = re.compile(r"(proba|probability|prob|score)", re.IGNORECASE)
EXAMPLES = """
\b
Examples:
  reportgen init data/reference.csv                     # writes reportgen.yaml beside it
  reportgen init data/reference.parquet -o model.yaml --title "Car loan model"
  DB_URL=postgresql://... reportgen init '{url: env:DB_URL, table: predictions}' -o model.yaml   # a SQL source
  reportgen check model.yaml                            # then validate it
"""


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    by_norm = {_norm(c): c for c in columns}
    for name in names:
        if name in by_norm:
            return by_norm[name]
    return None


def _is_time(series: Any) -> bool:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
        return False
    sample = series.dropna().astype(str).head(50)
    if sample.empty or not sample.str.match(r"^\d{4}-\d{2}-\d{2}").all():
        return False
    try:
        pd.to_datetime(sample)
    except (ValueError, TypeError):
        return False
    return True


def _is_probability(series: Any) -> bool:
    import pandas as pd

    if not pd.api.types.is_float_dtype(series):
        return False
    values = series.dropna()
    return len(values) > 0 and bool(values.between(0.0, 1.0).all())


def guess_config(frame: Any, *, data_path: Path, config_path: Path, title: str | None = None) -> dict[str, Any]:
    """The guessed roles, kinds, problem type and paths, plus notes on what was guessed and why."""
    import pandas as pd

    from reportgen.dataset import identifier_like

    columns = [str(c) for c in frame.columns]
    notes: list[str] = []
    id_col = _pick(columns, ID_NAMES)
    if id_col is None:  # PassengerId, customer_id, orderID: a unique column named like an id
        id_col = next((c for c in columns if re.search(r"(^|_)id$", _norm(c)) or re.search(r"[a-z](Id|ID)$", c)), None)
        if id_col is not None and not frame[id_col].is_unique:
            id_col = None
    if id_col is not None and frame[id_col].duplicated().any():
        notes.append(f"'{id_col}' repeats values, so it is not used as the id")
        id_col = None
    time_col = _pick(columns, TIME_NAMES)
    if time_col is None or not _is_time(frame[time_col]):
        time_col = next((c for c in columns if _is_time(frame[c])), None)
    prediction = _pick(columns, PREDICTION_NAMES)
    if prediction is None:
        prediction = next((c for c in columns if _norm(c).endswith(("_pred", "_prediction"))), None)
    analysis_path, targets_path = _sibling_paths(data_path)
    target = _target_from_targets_file(targets_path, columns, id_col) or _pick(columns, TARGET_NAMES)
    if target is None and prediction is not None:
        target = _target_like_prediction(frame, prediction, exclude={id_col, time_col})
        if target is not None:
            notes.append(f"'{target}' looks like the target (its values match the prediction's); check columns.target")
    proba_cols = [
        c for c in columns if c not in (prediction, target) and PROBA_PATTERN.search(c) and _is_probability(frame[c])
    ]
    problem, proba = _guess_problem(frame, prediction, proba_cols, notes)
    if prediction is None:
        prediction = "PREDICTION_COLUMN"
        notes.append("no prediction column found: replace PREDICTION_COLUMN with its name")
    if target is None:
        notes.append("no target column found: set columns.target if the reference data has labels (it should)")
    used = {c for c in (id_col, time_col, prediction, target) if c} | (
        set(proba.values()) if isinstance(proba, dict) else {proba} if proba else set()
    )
    features = [c for c in columns if c not in used]
    categorical, continuous, low_card, free_text = [], [], [], []
    for c in features:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            if identifier_like(s):  # names, tickets, free text: every new value would be "unseen"
                free_text.append(c)
                continue
            categorical.append(c)
        else:
            continuous.append(c)
            if pd.api.types.is_integer_dtype(s) and s.nunique() <= 10:
                low_card.append(c)
    if free_text:
        features = [c for c in features if c not in free_text]
        notes.append(
            f"left out of the features, almost every value distinct (names, identifiers, free text): {', '.join(free_text)}; "
            "add them to `features` and `categorical` to monitor them anyway"
        )
    if low_card:
        notes.append(
            f"integer columns with few values, treated as continuous (move them to `categorical` if they are codes): {', '.join(low_card)}"
        )
    base = config_path.resolve().parent
    rows = len(frame)
    chunking = {"period": "W"} if time_col else {"size": max(100, min(5000, rows // 10 or 1))}
    return {
        "title": title or f"{data_path.stem.replace('_', ' ').title()} model",
        "problem_type": problem,
        "reference": _relative(data_path, base),
        "analysis": _relative(analysis_path or data_path, base),
        "targets": _relative(targets_path, base) if targets_path else None,
        "analysis_guessed": analysis_path is not None,
        "id": id_col,
        "timestamp": time_col,
        "prediction": prediction,
        "predicted_probability": proba,
        "target": target,
        "features": features,
        "categorical": categorical,
        "continuous": continuous,
        "chunking": chunking,
        "rows": rows,
        "notes": notes,
    }


def _target_from_targets_file(path: Path | None, columns: list[str], id_col: str | None) -> str | None:
    """The targets file's one non-id column, when it is also in the reference data."""
    if path is None:
        return None
    import pandas as pd

    try:
        header = (
            list(pd.read_parquet(path).columns)
            if path.suffix.lower() in (".parquet", ".pq")
            else list(pd.read_csv(path, nrows=0).columns)
        )
    except Exception:  # an unreadable targets file is reported by `check`, not here
        return None
    candidates = [c for c in header if c != id_col and c in columns]
    return candidates[0] if len(candidates) == 1 else None


def _target_like_prediction(frame: Any, prediction: str, exclude: set) -> str | None:
    """A column whose values look like the prediction's: same labels (classification) or strongly correlated numbers."""
    import pandas as pd

    pred = frame[prediction]
    numeric_pred = pd.api.types.is_float_dtype(pred) and pred.nunique() > 20
    best, best_score = None, 0.5
    labels = set(pred.dropna().unique()) if not numeric_pred else set()
    for c in frame.columns:
        if c == prediction or c in exclude or PROBA_PATTERN.search(str(c)):
            continue
        s = frame[c]
        if numeric_pred:
            if pd.api.types.is_numeric_dtype(s) and s.nunique() > 20:
                score = abs(float(pred.corr(s)))
                if score > best_score:
                    best, best_score = c, score
        elif 2 <= s.nunique() <= max(len(labels), 2) and set(s.dropna().unique()) <= labels:
            return str(c)
    return best


def _guess_problem(frame: Any, prediction: str | None, proba_cols: list[str], notes: list[str]) -> tuple[str, Any]:
    import pandas as pd

    if len(proba_cols) >= 3:
        mapping = {}
        for c in proba_cols:
            label = re.sub(r"^.*?(proba|probability|prob|score)[_\-]?", "", c, flags=re.IGNORECASE) or c
            mapping[label] = c
        notes.append(f"{len(proba_cols)} probability columns: multiclass; check the class labels mapped to them")
        return "multiclass_classification", mapping
    if proba_cols:
        if len(proba_cols) == 2:
            notes.append(
                f"two probability columns ({', '.join(proba_cols)}); '{proba_cols[-1]}' taken as the positive class's"
            )
        return "binary_classification", proba_cols[-1]
    if prediction is not None:
        s = frame[prediction]
        if pd.api.types.is_numeric_dtype(s) and (pd.api.types.is_float_dtype(s) and s.nunique() > 20):
            notes.append(f"'{prediction}' holds many distinct numbers and there is no probability column: regression")
            return "regression", None
    notes.append(
        "no probability column found; binary classification needs the positive class's probability: set columns.predicted_probability"
    )
    return "binary_classification", "PROBABILITY_COLUMN"


def _sibling_paths(data_path: Path) -> tuple[Path | None, Path | None]:
    stem = data_path.name
    analysis = targets = None
    if "reference" in stem:
        candidate = data_path.with_name(stem.replace("reference", "analysis"))
        if candidate.is_file():
            analysis = candidate
            # common spellings of a later-arriving targets file (NannyML's datasets use _target and _gt)
            suffixes = (
                "analysis_targets",
                "analysis_target",
                "analysis_gt",
                "analysis_ground_truth",
                "targets",
                "target",
            )
            for name in (stem.replace("reference", s) for s in suffixes):
                if data_path.with_name(name).is_file():
                    targets = data_path.with_name(name)
                    break
    return analysis, targets


def _relative(path: Path, base: Path) -> str:
    import os

    return Path(os.path.relpath(path.resolve(), base)).as_posix()


def _q(value: Any) -> str:
    """A YAML scalar: JSON quoting is valid YAML and escapes anything a column name may hold."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def render_config(g: dict[str, Any]) -> str:
    """The commented YAML text of a guessed config."""
    proba = g["predicted_probability"]
    if isinstance(proba, dict):
        proba_lines = "  predicted_probability:             # one probability column per class label\n" + "".join(
            f"    {_q(k)}: {_q(v)}\n" for k, v in proba.items()
        )
    elif proba is None:
        proba_lines = "  # predicted_probability: regression has none\n"
    else:
        proba_lines = f"  predicted_probability: {_q(proba)}   # probability of the positive class\n"
    chunking = g["chunking"]
    chunk_line = (
        f"chunking: {{period: {chunking['period']}}}   # one chunk per calendar week (D, W, M, Q, Y); or {{size: 5000}} / {{number: 10}}\n"
        if "period" in chunking
        else f"chunking: {{size: {chunking['size']}}}   # rows per chunk; or {{number: 10}}, or {{period: W}} with a timestamp column\n"
    )
    notes = "".join(f"#   - {n}\n" for n in g["notes"]) or "#   - nothing unusual\n"
    analysis_comment = (
        "this period's production data"
        if g["analysis_guessed"]
        else "REPLACE with this period's production data (same columns)"
    )
    return (
        "# reportgen config written by `reportgen init` from "
        f"{g['reference']} ({g['rows']:,} rows). Paths are relative to this file.\n"
        "# Check it with `reportgen check <this file>`, then run it with `reportgen run <this file>`.\n"
        "# What init guessed (read and fix):\n"
        f"{notes}"
        "\n"
        f"title: {_q(g['title'])}   # shown in the report header, the e-mail subject and the archive\n"
        f"problem_type: {g['problem_type']}   # binary_classification | multiclass_classification | regression\n"
        "\n"
        "# Data files: CSV or Parquet. The reference period is data the model was known to work well on\n"
        "# (with targets); the analysis period is the production data to monitor (targets optional).\n"
        f"reference: {_q(g['reference'])}\n"
        f"analysis: {_q(g['analysis'])}   # {analysis_comment}\n"
        + (
            f"targets: {_q(g['targets'])}   # analysis targets arriving later, joined on columns.id\n"
            if g["targets"]
            else "# targets: analysis_targets.csv   # optional: analysis targets arriving later, joined on columns.id\n"
        )
        + "\n"
        "columns:                           # which column plays which role\n"
        + (
            f"  id: {_q(g['id'])}   # unique row id (joins the targets file)\n"
            if g["id"]
            else "  # id: id   # unique row id; needed to join a targets file\n"
        )
        + (
            f"  timestamp: {_q(g['timestamp'])}   # when the prediction was made (ISO 8601); sorts rows and drives period chunks\n"
            if g["timestamp"]
            else "  # timestamp: timestamp   # when the prediction was made; needed for period chunking\n"
        )
        + f"  prediction: {_q(g['prediction'])}   # the model's output (class or value)\n"
        + proba_lines
        + (
            f"  target: {_q(g['target'])}   # the true outcome (needed in reference)\n"
            if g["target"]
            else "  # target: TARGET_COLUMN   # the true outcome; needed in the reference data\n"
        )
        + f"  features: {_list(g['features'])}   # monitored inputs; default: every other column\n"
        + f"  categorical: {_list(g['categorical'])}   # kind: categories (text, booleans, codes)\n"
        + f"  continuous: {_list(g['continuous'])}   # kind: numbers\n"
        "\n" + chunk_line + "\n"
        "# performance: {metrics: [roc_auc, f1]}   # optional; default: every metric of the problem type\n"
        "# business_value:                      # optional: money per confusion-matrix cell (classification)\n"
        "#   matrix: {true_positive: 500, false_positive: -200, false_negative: -1000, true_negative: 0}\n"
        "#   currency: EUR\n"
        "# drift:                                # optional; default: every applicable method\n"
        "#   univariate: [jensen_shannon, kolmogorov_smirnov, chi2]\n"
        "#   multivariate: [pca_reconstruction, domain_classifier]\n"
        "output:\n"
        "  formats: [html, pdf, json]   # any of html, pdf, json, email\n"
        "  theme: default               # `reportgen themes list` shows the installed themes\n"
    )


def _sql_source(given: dict[str, Any]) -> Any:
    """The SqlSource the argument describes (a sqlite/duckdb file URL made absolute), or a ConfigError."""
    from pydantic import ValidationError

    from reportgen.errors import ConfigError
    from reportgen.sources import SqlSource

    try:
        return SqlSource.model_validate({**given, "base": str(Path.cwd())})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "source"
        raise ConfigError(f"{err['msg'].removeprefix('Value error, ')}", key=f"DATAFILE {key}") from None


@click.command(name="init", epilog=EXAMPLES)
@click.argument("datafile", metavar="DATAFILE|SQL_SOURCE")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Config file to write (default: reportgen.yaml beside DATAFILE).",
)
@click.option("--title", default=None, help="Model title for the report (default: from the file name).")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
def command(datafile: str, out: Path | None, title: str | None, force: bool) -> None:
    """Write a starter config for DATAFILE (CSV or Parquet, the reference data) or a SQL source.

    A SQL source is written as a YAML mapping: '{url: env:DB_URL, table: predictions}' or
    '{url: env:DB_URL, query: "select ..."}'; the config then reads both periods from it.

    Column roles (id, timestamp, prediction, probability, target), feature kinds and the problem type
    are guessed from names and values; every key carries a comment. Review it, then `reportgen check`.
    """
    from reportgen.config import load_config
    from reportgen.delivery.atomic import write_text_atomic
    from reportgen.errors import ConfigError
    from reportgen.inputs import read_source
    from reportgen.io import read_table
    from reportgen.sources import as_source

    given = as_source(datafile)
    source = _sql_source(given) if isinstance(given, dict) else None
    path = Path(source.table or "sql_source") if source is not None else Path(datafile)
    out = out or (Path("reportgen.yaml") if source is not None else path.with_name("reportgen.yaml"))
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --force to overwrite it or -o to choose another file")
    frame = read_source(source) if source is not None else read_table(path)
    guessed = guess_config(frame, data_path=path, config_path=out, title=title)
    if source is not None:  # both periods from the database; the user narrows analysis to the period
        spec = source.model_dump(exclude_defaults=True)
        guessed.update(reference=spec, analysis=spec, targets=None, analysis_guessed=False)
    text = render_config(guessed)
    write_text_atomic(out, text)
    placeholders = "PREDICTION_COLUMN" in text or "PROBABILITY_COLUMN" in text
    if not placeholders:
        load_config(out)  # what init writes must load; a failure here is reported like any config error
    click.echo(
        f"wrote {out}: {guessed['problem_type']}, {len(guessed['features'])} features "
        f"({len(guessed['categorical'])} categorical), chunking {json.dumps(guessed['chunking'])}"
    )
    for note in guessed["notes"]:
        click.echo(f"  note: {note}")
    click.echo(f"next: review it, then `reportgen check {out}`")
