"""Rebuilding an archived run from its recorded inputs and config reproduces identical bytes."""

from __future__ import annotations

from pathlib import Path

from conftest import simulate_binary

from reportgen.config import load_config
from reportgen.delivery.archive import archive_report
from reportgen.delivery.verify import rebuild_run, verify_archive
from reportgen.inputs import load_inputs
from reportgen.monitor import Monitor


def test_rebuild_reproduces_every_byte(tmp_path: Path, monkeypatch) -> None:
    ref = simulate_binary(1200, 0, seed=1).rename(columns={"y": "target"})
    ana = simulate_binary(300, 1200, seed=2, shift=0.8).rename(columns={"y": "target"})
    ref.to_csv(tmp_path / "reference.csv", index=False)
    ana.drop(columns=["target"]).to_csv(tmp_path / "analysis.csv", index=False)
    (tmp_path / "model.yaml").write_text(
        "title: Rebuild model\nproblem_type: binary_classification\nreference: reference.csv\nanalysis: analysis.csv\n"
        "columns: {id: id, timestamp: timestamp, prediction: y_pred, predicted_probability: y_pred_proba, target: target}\n"
        "chunking: {size: 300}\ndrift: {multivariate: [pca_reconstruction]}\noutput: {formats: [html, json, email]}\n"
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1733119200")
    config = load_config(tmp_path / "model.yaml")
    reference, analysis, targets, sources = load_inputs(config)
    report = Monitor(config).run(reference, analysis, targets, sources=sources)
    done = archive_report(
        report, tmp_path / "archive", inputs={**sources, "config": tmp_path / "model.yaml"}, refresh_index=False
    )
    assert set(done.manifest["files"]) == {"report.html", "report.eml", "results.json", "config.resolved.json"}
    assert done.manifest["source_date_epoch"] == 1733119200
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # the rebuild pins the run's own time
    assert rebuild_run(done.path, tmp_path / "again") == []
    for name in ("report.html", "report.eml", "results.json"):
        assert (tmp_path / "again" / name).read_bytes() == (done.path / name).read_bytes(), name
    # a different environment: the difference is explained by the versions recorded in the manifest
    import json

    manifest_path = done.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["versions"]["numpy"] = "0.0.1"
    manifest["files"]["report.html"]["sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    (finding,) = rebuild_run(done.path, tmp_path / "fourth")
    assert finding.path.endswith("report.html") and "versions changed: numpy 0.0.1 -> " in finding.detail
    # an input edited after the run: the rebuild refuses and names it
    (tmp_path / "analysis.csv").write_text((tmp_path / "analysis.csv").read_text().replace("\n1200,", "\n9999,", 1))
    (finding,) = rebuild_run(done.path, tmp_path / "third")
    assert finding.kind == "altered" and finding.path.endswith("analysis.csv") and "cannot rebuild" in finding.detail
    found = {(f.kind, f.path.rsplit("/", 1)[-1]) for f in verify_archive(tmp_path / "archive").findings}
    assert found == {("altered", "manifest.json"), ("altered", "report.html")}  # the manifest edited above
