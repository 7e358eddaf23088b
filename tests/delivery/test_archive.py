"""The archive: layout, manifest, hash chain, and verify naming every altered/missing/added/reordered record."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from reportgen.delivery.archive import (
    ArchiveError,
    archive_report,
    period_key,
    slugify,
)
from reportgen.delivery.locking import archive_lock
from reportgen.delivery.verify import verify_archive
from reportgen.errors import OutputError

from .conftest import FakeReport, make_model

PERIODS = ("2024-W46", "2024-W47", "2024-W48")


def weekly_model(i: int, title: str = "Car loan model"):
    """Run i: reference weeks plus one analysis week (W46 + i)."""
    m = make_model(
        title=title,
        auc=(0.95, 0.95, 0.95, 0.95, 0.93 - 0.03 * i, 0.9, 0.87),
        generated_at=f"2024-12-0{i + 1}T06:00:00+00:00",
    )
    m.chunks = m.chunks[:4] + [dict(m.chunks[4 + i], index=4)]
    m.results = [r for r in m.results if r["chunk_index"] < 4] + [
        dict(r, chunk_index=4) for r in m.results if r["chunk_index"] == 4 + i
    ]
    m.diagnoses = [dict(d, chunks=[4]) for d in m.diagnoses]  # the one analysis chunk left
    return m


@pytest.fixture
def archive(tmp_path: Path, fake_config) -> Path:
    root = tmp_path / "archive"
    inputs = tmp_path / "analysis.csv"
    for i in range(3):
        inputs.write_text(f"id,x\n{i},1.0\n")
        archive_report(
            FakeReport(weekly_model(i), fake_config),
            root,
            formats=["html", "pdf", "json"],
            inputs={"analysis": inputs},
            refresh_index=i == 2,
        )
    return root


def run_dir(root: Path, period: str) -> Path:
    return root / "car-loan-model" / period


def kinds(root: Path) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in verify_archive(root).findings]


def test_layout_manifest_and_chain(archive: Path) -> None:
    ledger = json.loads((archive / "car-loan-model" / "ledger.json").read_text())
    assert [r["period"] for r in ledger["runs"]] == list(PERIODS)
    previous = None
    for seq, period in enumerate(PERIODS):
        folder = run_dir(archive, period)
        assert sorted(p.name for p in folder.iterdir()) == [
            "config.resolved.json",
            "manifest.json",
            "report.html",
            "report.pdf",
            "results.json",
        ]
        raw = (folder / "manifest.json").read_bytes()
        manifest = json.loads(raw)
        assert manifest["sequence"] == seq and manifest["period"] == period
        assert manifest["previous_manifest_sha256"] == previous
        for name, entry in manifest["files"].items():
            assert entry["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert manifest["inputs"]["analysis"]["sha256"] == hashlib.sha256(f"id,x\n{seq},1.0\n".encode()).hexdigest()
        assert {"reportgen", "numpy", "pandas", "python"} <= set(manifest["versions"])
        assert ledger["runs"][seq]["manifest_sha256"] == hashlib.sha256(raw).hexdigest()
        previous = hashlib.sha256(raw).hexdigest()
    outcome = verify_archive(archive)
    assert outcome.ok and outcome.records == 3 and outcome.files == 12
    assert (archive / "index.html").is_file()


def test_edit_a_report_is_named(archive: Path) -> None:
    target = run_dir(archive, "2024-W47") / "report.html"
    target.write_text(target.read_text().replace("Car", "Bus"))
    assert kinds(archive) == [("altered", "car-loan-model/2024-W47/report.html")]


def test_edit_results_json_is_named(archive: Path) -> None:
    target = run_dir(archive, "2024-W46") / "results.json"
    data = json.loads(target.read_text())
    data["summary"]["status"] = "ok"
    target.write_text(json.dumps(data))
    assert kinds(archive) == [("altered", "car-loan-model/2024-W46/results.json")]


def test_delete_and_add_files_are_named(archive: Path) -> None:
    (run_dir(archive, "2024-W48") / "report.pdf").unlink()
    (run_dir(archive, "2024-W46") / "notes.txt").write_text("extra")
    (archive / "car-loan-model" / "stray.json").write_text("{}")
    assert kinds(archive) == [
        ("added", "car-loan-model/stray.json"),
        ("added", "car-loan-model/2024-W46/notes.txt"),
        ("missing", "car-loan-model/2024-W48/report.pdf"),
    ]


def test_edited_manifest_breaks_the_chain(archive: Path) -> None:
    path = run_dir(archive, "2024-W46") / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["status"] = "ok"  # hide the alert
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    found = kinds(archive)
    assert ("altered", "car-loan-model/2024-W46/manifest.json") in found
    assert ("chain", "car-loan-model/2024-W47") in found


def test_forged_manifest_and_ledger_still_break_the_chain(archive: Path) -> None:
    """Re-hashing an edited manifest into the ledger is caught by the next run's previous hash."""
    path = run_dir(archive, "2024-W46") / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["status"] = "ok"
    text = json.dumps(manifest, indent=1) + "\n"
    path.write_text(text)
    ledger_path = archive / "car-loan-model" / "ledger.json"
    ledger = json.loads(ledger_path.read_text())
    ledger["runs"][0]["manifest_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    ledger_path.write_text(json.dumps(ledger))
    assert kinds(archive) == [("chain", "car-loan-model/2024-W47")]


def test_deleted_run_is_named(archive: Path) -> None:
    shutil.rmtree(run_dir(archive, "2024-W47"))
    found = kinds(archive)
    assert ("missing", "car-loan-model/2024-W47") in found
    assert found == [("missing", "car-loan-model/2024-W47")]  # W48 chains to W47's recorded hash: only the gap is named


def test_swapped_runs_are_reordered(archive: Path) -> None:
    a, b = run_dir(archive, "2024-W46"), run_dir(archive, "2024-W47")
    tmp = a.with_name("tmp")
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)
    found = kinds(archive)
    assert ("reordered", "car-loan-model/2024-W46") in found
    assert ("reordered", "car-loan-model/2024-W47") in found


def test_reordered_ledger_is_named(archive: Path) -> None:
    ledger_path = archive / "car-loan-model" / "ledger.json"
    ledger = json.loads(ledger_path.read_text())
    ledger["runs"][1], ledger["runs"][2] = ledger["runs"][2], ledger["runs"][1]
    ledger_path.write_text(json.dumps(ledger))
    found = {k for k, _ in kinds(archive)}
    assert "reordered" in found


def test_added_run_outside_the_chain(archive: Path) -> None:
    extra = run_dir(archive, "2024-W49")
    shutil.copytree(run_dir(archive, "2024-W48"), extra)
    assert ("added", "car-loan-model/2024-W49") in kinds(archive)


def test_config_edit_is_named(archive: Path) -> None:
    path = run_dir(archive, "2024-W48") / "config.resolved.json"
    data = json.loads(path.read_text())
    data["title"] = "Other"
    path.write_text(json.dumps(data, indent=1) + "\n")
    assert ("altered", "car-loan-model/2024-W48/config.resolved.json") in kinds(archive)


def test_inputs_checked_on_request(archive: Path, tmp_path: Path) -> None:
    assert verify_archive(archive).ok
    outcome = verify_archive(archive, check_inputs=True)
    # the analysis file was overwritten each week: only the latest run still matches it
    assert [(f.kind, "2024-W46" in f.detail or "2024-W47" in f.detail) for f in outcome.findings] == [
        ("altered", True),
        ("altered", True),
    ]


def test_rerun_of_latest_period_replaces_it(archive: Path, fake_config) -> None:
    model = weekly_model(2)
    model.summary["sentence"] = "rerun"
    done = archive_report(FakeReport(model, fake_config), archive, formats=["json"], refresh_index=False)
    assert done.replaced and done.manifest["sequence"] == 2
    assert verify_archive(archive).ok
    assert not (run_dir(archive, "2024-W48") / "report.html").exists()


def test_rerun_of_older_period_is_refused(archive: Path, fake_config) -> None:
    with pytest.raises(ArchiveError, match="already archived"):
        archive_report(FakeReport(weekly_model(0), fake_config), archive, formats=["json"])


def test_archive_is_deterministic(tmp_path: Path, fake_config) -> None:
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        for i in range(2):
            archive_report(
                FakeReport(weekly_model(i), fake_config), root, formats=["html", "json"], refresh_index=i == 1
            )
    for rel in ("car-loan-model/ledger.json", "car-loan-model/2024-W47/manifest.json", "index.html"):
        assert (roots[0] / rel).read_bytes() == (roots[1] / rel).read_bytes(), rel


def test_lock_keeps_a_second_run_out(tmp_path: Path, fake_config) -> None:
    root = tmp_path / "archive"
    with (
        archive_lock(root),
        pytest.raises(OutputError, match=rf"locked by another reportgen run \(pid {os.getpid()}\); wait for it"),
    ):
        archive_report(FakeReport(weekly_model(0), fake_config), root, lock_timeout=0.1, refresh_index=False)
    archive_report(FakeReport(weekly_model(0), fake_config), root, refresh_index=False)  # free again
    assert verify_archive(root).ok


def test_full_disk_is_one_clear_error_and_leaves_no_partial_run(tmp_path: Path, fake_config, monkeypatch) -> None:
    root = tmp_path / "archive"
    archive_report(FakeReport(weekly_model(0), fake_config), root, refresh_index=False)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device.*free some disk space") as info:
        archive_report(FakeReport(weekly_model(1), fake_config), root, refresh_index=False)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert sorted(p.name for p in (root / "car-loan-model").iterdir()) == ["2024-W46", "ledger.json"]
    assert verify_archive(root).ok


def test_unwritable_archive_is_one_clear_error(tmp_path: Path, fake_config) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputError, match="cannot create the archive lock"):
        archive_report(FakeReport(weekly_model(0), fake_config), blocker / "archive")


def test_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="not a reportgen archive"):
        verify_archive(tmp_path)


def test_names() -> None:
    assert slugify("Car loan <default> model!") == "car-loan-default-model"
    assert slugify("***") == "model"
    m = make_model()
    assert period_key(m) == "2024-W46_2024-W48"
    m.chunks = [
        dict(
            c,
            key=f"[{c['start_row']}:{c['end_row'] - 1}]",
            start_time=f"2024-11-{10 + c['index']:02d}T00:00:00",
            end_time=f"2024-11-{10 + c['index']:02d}T23:00:00",
        )
        for c in m.chunks
    ]
    m.config = {"chunking": {"size": 100}}
    assert period_key(m) == "2024-11-14_2024-11-16"


def test_concurrent_runs_are_serialised(tmp_path: Path, fake_config) -> None:
    """Three runs racing into one archive: the lock lets each finish in turn; the chain stays whole."""
    import threading

    root = tmp_path / "archive"
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def worker(i: int) -> None:
        try:
            start.wait()
            archive_report(
                FakeReport(weekly_model(i), fake_config), root, formats=["html", "json"], refresh_index=False
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ledger = json.loads((root / "car-loan-model" / "ledger.json").read_text())
    assert sorted(r["period"] for r in ledger["runs"]) == list(PERIODS)
    assert [r["sequence"] for r in ledger["runs"]] == [0, 1, 2]
    assert verify_archive(root).ok


def test_files_already_written_are_copied_not_rendered(tmp_path: Path, fake_config) -> None:
    report = FakeReport(weekly_model(0), fake_config)
    files = report.save(tmp_path / "out", ["html", "json"])
    (tmp_path / "out" / "report.html").write_text("<html>as written by the run</html>")
    done = archive_report(
        report, tmp_path / "archive", formats=["html", "pdf", "json"], written=files, refresh_index=False
    )
    assert (done.path / "report.html").read_text() == "<html>as written by the run</html>"
    assert (done.path / "report.pdf").exists()  # not written before: rendered for the archive
    assert verify_archive(tmp_path / "archive").ok
