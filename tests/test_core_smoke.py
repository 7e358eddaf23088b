"""The pipeline runs end to end on simulated data and respects the chunk contract."""

from __future__ import annotations

import json

from reportgen import Monitor


def test_run_produces_contiguous_chunks(binary_config, binary_frames):
    reference, analysis = binary_frames
    report = Monitor(binary_config).run(reference, analysis)
    chunks = report.model.chunks
    assert [c["index"] for c in chunks] == list(range(10))
    assert [c["period"] for c in chunks] == ["reference"] * 5 + ["analysis"] * 5
    for period in ("reference", "analysis"):
        own = [c for c in chunks if c["period"] == period]
        assert own[0]["start_row"] == 0
        assert all(a["end_row"] == b["start_row"] for a, b in zip(own, own[1:]))
        assert own[-1]["end_row"] == 5000
    payload = json.loads(report.model.to_results_json())
    assert set(payload) >= {
        "reportgen_version",
        "title",
        "problem_type",
        "generated_at",
        "chunks",
        "results",
        "diagnoses",
        "recommendations",
        "summary",
    }
