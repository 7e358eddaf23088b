"""Data loading: every bad input is one DataError naming file and column; absent targets are fine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.config import load_config
from reportgen.errors import DataError, ReportgenError
from reportgen.inputs import load_inputs
from reportgen.io import prepare_data, read_table
from tests.input_cases import DATA_CASES, Case, broken, valid_files, write_files


def prepare_from(path: Path):
    config = load_config(path)
    reference, analysis, targets, sources = load_inputs(config)
    return prepare_data(config, reference, analysis, targets, sources=sources)


@pytest.mark.parametrize("case", DATA_CASES, ids=lambda c: c.name)
def test_each_bad_data_file_is_one_clear_error(case: Case, tmp_path: Path) -> None:
    path = write_files(tmp_path, broken(case))
    with pytest.raises(DataError) as info:
        prepare_from(path)
    message = str(info.value)
    assert message.startswith(str(tmp_path / case.file)), message
    for fragment in case.expect:
        assert fragment in message, (fragment, message)
    assert "\n" not in message


def test_valid_case_prepares(tmp_path: Path) -> None:
    data = prepare_from(write_files(tmp_path, valid_files()))
    assert data.analysis.has_targets and len(data.analysis_chunks) == 4


def test_absent_targets_are_not_an_error(tmp_path: Path) -> None:
    files = valid_files()
    files.targets = None
    del files.config["targets"]
    data = prepare_from(write_files(tmp_path, files))
    assert not data.analysis.has_targets and data.reference.has_targets


def test_targets_join_on_id_keeps_rows_without_target(tmp_path: Path) -> None:
    files = valid_files()
    expected = files.targets.set_index("id")["y"]
    files.targets = files.targets.iloc[::2]  # half the targets arrived so far
    data = prepare_from(write_files(tmp_path, files))
    y = data.analysis.y_true
    assert (y[1::2] == -1).all() and (y[::2] >= 0).all()
    assert np.array_equal(y[::2], expected.to_numpy()[::2])


def test_duplicate_ids_in_targets_file(tmp_path: Path) -> None:
    files = valid_files()
    files.targets = pd.concat([files.targets, files.targets.iloc[:1]])
    with pytest.raises(DataError, match=r"analysis_targets.csv: column 'id': duplicate id 400"):
        prepare_from(write_files(tmp_path, files))


def test_rows_sorted_stably_by_timestamp_and_timezones_to_utc(tmp_path: Path) -> None:
    files = valid_files()
    shuffled = files.analysis.sample(frac=1.0, random_state=0)
    shuffled["timestamp"] = pd.to_datetime(shuffled["timestamp"]).dt.tz_localize("Europe/Berlin").astype(str)
    files.analysis = shuffled
    data = prepare_from(write_files(tmp_path, files))
    assert np.array_equal(data.analysis.ids, np.arange(400, 800))
    assert data.analysis.timestamps[0] == np.datetime64("2024-01-17T15:00:00")  # 16:00 Berlin = 15:00 UTC


def test_parquet_and_csv_read_the_same(tmp_path: Path) -> None:
    frame = valid_files().reference
    frame.to_parquet(tmp_path / "r.parquet", index=False)
    frame.to_csv(tmp_path / "r.csv", index=False)
    parquet, csv = read_table(tmp_path / "r.parquet"), read_table(tmp_path / "r.csv")
    # Parquet text arrives as categoricals (read as dictionaries: fast and small); same values.
    assert isinstance(parquet["cat"].dtype, pd.CategoricalDtype) and isinstance(
        parquet["timestamp"].dtype, pd.CategoricalDtype
    )
    pd.testing.assert_frame_equal(
        parquet.astype({"cat": str, "timestamp": str}), csv.astype({"cat": str, "timestamp": str}), check_dtype=False
    )
    with pytest.raises(DataError, match="unknown file type '.xlsx'"):
        (tmp_path / "r.xlsx").write_text("x")
        read_table(tmp_path / "r.xlsx")
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "none.csv")


def test_parquet_input_prepares_like_csv(tmp_path: Path) -> None:
    files = valid_files()
    via_csv = prepare_from(write_files(tmp_path / "csv", files))
    folder = tmp_path / "pq"
    write_files(folder, files)
    for name in ("reference", "analysis", "analysis_targets"):
        pd.read_csv(folder / f"{name}.csv").to_parquet(folder / f"{name}.parquet", index=False)
    files.config.update(reference="reference.parquet", analysis="analysis.parquet", targets="analysis_targets.parquet")
    via_parquet = prepare_from(write_files(folder, files))
    for name, column in via_csv.analysis.monitored_columns().items():
        other = via_parquet.analysis.monitored_columns()[name]
        assert column.categories == other.categories and np.array_equal(column.values, other.values, equal_nan=True), (
            name
        )
    assert np.array_equal(via_csv.analysis.timestamps, via_parquet.analysis.timestamps)


def test_prepared_float_arrays_are_read_only_views(tmp_path: Path) -> None:
    data = prepare_from(write_files(tmp_path, valid_files()))
    x = data.analysis.features["x"].values
    assert x.dtype == np.float64 and not x.flags.writeable
    with pytest.raises(ValueError):
        x[0] = 1.0


def test_every_error_is_a_reportgen_error_with_exit_code_2() -> None:
    assert issubclass(DataError, ReportgenError) and DataError.exit_code == 2
