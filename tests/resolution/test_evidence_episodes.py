"""Episodes: runs of alerting analysis chunks, optionally bridging short quiet gaps."""

from hypothesis import given
from hypothesis import strategies as st

from reportgen.resolution.alerts import episodes


def test_consecutive_runs_and_bridged_gaps():
    assert episodes([7, 1, 2, 3]) == [[1, 2, 3], [7]]
    assert episodes([1, 2, 4, 5, 9], max_gap=1) == [[1, 2, 4, 5], [9]]
    assert episodes([1, 2, 4, 5, 9], max_gap=3) == [[1, 2, 4, 5, 9]]
    assert episodes([], max_gap=2) == []


@given(st.sets(st.integers(0, 300), max_size=60), st.integers(0, 5))
def test_episodes_partition_the_positions_and_respect_the_gap(positions, gap):
    runs = episodes(positions, max_gap=gap)
    assert sorted(p for r in runs for p in r) == sorted(positions)
    for r in runs:
        assert all(b - a <= gap + 1 for a, b in zip(r, r[1:]))
    for left, right in zip(runs, runs[1:]):
        assert right[0] - left[-1] > gap + 1
