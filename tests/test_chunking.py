"""Chunking: index ranges that cover the sorted rows, readable keys, the short-last-chunk policy."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.chunking import (
    ChunkingWarning,
    NumberChunker,
    PeriodChunker,
    SizeChunker,
    chunk_starts,
    chunker_from_config,
    row_chunk_ids,
)
from reportgen.config import ChunkingConfig
from reportgen.errors import DataError


def bounds(chunks):
    return [(c.start_row, c.end_row) for c in chunks]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 5000), size=st.integers(1, 800), policy=st.sampled_from(["append", "keep", "drop"]))
def test_size_chunks_are_contiguous_and_follow_the_policy(n: int, size: int, policy: str) -> None:
    chunker = SizeChunker(size, policy)
    if n < size:
        with pytest.raises(DataError, match="fewer than one chunk"):
            chunker.split(n, None, period="analysis")
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chunks = chunker.split(n, None, period="analysis", first_index=3)
    full, rest = divmod(n, size)
    assert [c.index for c in chunks] == list(range(3, 3 + len(chunks)))
    assert chunks[0].start_row == 0 and all(a.end_row == b.start_row for a, b in zip(chunks, chunks[1:]))
    assert all(c.rows == size for c in chunks[: full - 1])
    if rest == 0:
        assert len(chunks) == full and chunks[-1].end_row == n and not caught
        return
    assert (
        len(caught) == 1
        and issubclass(caught[0].category, ChunkingWarning)
        and f"last {rest:,} rows" in str(caught[0].message)
    )
    if policy == "append":
        assert len(chunks) == full and chunks[-1].end_row == n and chunks[-1].rows == size + rest
    elif policy == "keep":
        assert len(chunks) == full + 1 and chunks[-1].rows == rest and chunks[-1].end_row == n
    else:
        assert len(chunks) == full and chunks[-1].end_row == full * size


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 10_000), number=st.integers(1, 50))
def test_number_chunks_split_evenly(n: int, number: int) -> None:
    if n < number:
        with pytest.raises(DataError, match="fewer than the"):
            NumberChunker(number).split(n, None, period="reference")
        return
    chunks = NumberChunker(number).split(n, None, period="reference")
    sizes = [c.rows for c in chunks]
    assert len(chunks) == number and sum(sizes) == n and max(sizes) - min(sizes) <= 1
    assert chunks[0].start_row == 0 and all(a.end_row == b.start_row for a, b in zip(chunks, chunks[1:]))


def test_range_keys() -> None:
    chunks = SizeChunker(5000).split(10000, None, period="analysis")
    assert [c.key for c in chunks] == ["[0:4999]", "[5000:9999]"]


@pytest.mark.parametrize(
    ("alias", "keys"),
    [
        ("D", ["2024-12-28", "2024-12-29", "2024-12-30", "2024-12-31", "2025-01-01"]),
        ("W", ["2024-W52", "2025-W01"]),  # ISO weeks: Monday 2024-12-30 starts 2025-W01
        ("M", ["2024-12", "2025-01"]),
        ("Q", ["2024-Q4", "2025-Q1"]),
        ("Y", ["2024", "2025"]),
    ],
)
def test_period_keys_are_readable(alias: str, keys: list[str]) -> None:
    times = pd.date_range("2024-12-28", "2025-01-01 23:00", freq="h").to_numpy()
    chunks = PeriodChunker(alias).split(len(times), times, period="analysis")
    assert [c.key for c in chunks] == keys
    # Each chunk holds exactly the rows pandas puts in that period.
    frame = pd.DataFrame({"t": times})
    sizes = frame.groupby(frame["t"].dt.to_period({"W": "W-SUN"}.get(alias, alias)), sort=True).size().tolist()
    assert [c.rows for c in chunks] == sizes
    assert chunks[0].start_time == pd.Timestamp("2024-12-28").to_pydatetime()
    assert chunks[-1].end_time == pd.Timestamp("2025-01-01 23:00").to_pydatetime()
    record = chunks[0].to_dict()
    assert record["start_time"] == "2024-12-28T00:00:00" and set(record) == {
        "index",
        "key",
        "period",
        "start_row",
        "end_row",
        "start_time",
        "end_time",
        "rows",
    }


def test_period_chunking_needs_timestamps() -> None:
    with pytest.raises(DataError, match="needs a timestamp column"):
        PeriodChunker("W").split(10, None, period="analysis")


def test_chunker_from_config_and_describe() -> None:
    assert chunker_from_config(ChunkingConfig(size=5000)).describe() == "chunks of 5,000 rows"
    assert chunker_from_config(ChunkingConfig(number=4)).describe() == "4 chunks of equal size"
    assert chunker_from_config(ChunkingConfig(period="W")).describe() == "weekly chunks"
    assert chunker_from_config(ChunkingConfig()) == NumberChunker(10)


def test_reduceat_over_chunk_starts_equals_per_chunk_sums() -> None:
    values = np.random.default_rng(0).normal(size=1003)
    chunks = NumberChunker(7).split(1003, None, period="analysis")
    sums = np.add.reduceat(values, chunk_starts(chunks))
    assert np.allclose(sums, [values[c.slice].sum() for c in chunks])
    ids = row_chunk_ids(1003, chunks)
    assert np.array_equal(np.bincount(ids), [c.rows for c in chunks])


def test_dropped_rows_belong_to_no_chunk() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChunkingWarning)
        chunks = SizeChunker(100, "drop").split(250, None, period="analysis")
    ids = row_chunk_ids(250, chunks)
    assert (ids[200:] == -1).all() and (ids[:200] >= 0).all()


def test_short_last_period_is_kept_with_a_warning() -> None:
    times = pd.date_range("2024-01-01", "2024-01-29 10:00", freq="h").to_numpy()  # 4 full weeks + 11 hours
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chunks = PeriodChunker("W").split(len(times), times, period="analysis")
    assert [c.key for c in chunks][-1] == "2024-W05" and chunks[-1].rows == 11
    assert len(caught) == 1 and "2024-W05" in str(caught[0].message) and "168" in str(caught[0].message)
