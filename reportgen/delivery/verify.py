"""Verifying and rebuilding archived runs: every hash of the archive recomputed (files, configs,
manifests, the chain between runs), and a run rebuilt from its recorded inputs and config."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportgen.channels import CHANNELS
from reportgen.delivery.archive import (
    config_sha256,
    dependency_versions,
    run_files,
    sha256_file,
)
from reportgen.delivery.ledger import (
    CONFIG_FILE,
    LEDGER,
    MANIFEST,
    ArchiveError,
    PathLike,
    model_dirs,
    read_ledger,
    relative,
)

FORMAT_FILES = {name: channel.file_name for name, channel in CHANNELS.items()}


@dataclass(frozen=True)
class Finding:
    """One problem verify found: kind is altered | missing | added | reordered | chain | unreadable."""

    kind: str
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.upper()}: {self.path}: {self.detail}"


@dataclass
class Verification:
    """What verify checked and found."""

    root: Path
    models: list[str] = field(default_factory=list)
    records: int = 0
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_archive(root: PathLike, *, check_inputs: bool = False) -> Verification:
    """Recompute every hash of the archive: files, configs, manifests and the chain between runs.

    Parameters
    ----------
    root:
        The archive folder.
    check_inputs:
        Also re-hash the input files at their recorded paths (they may have moved on purpose).
    """
    root = Path(root)
    if not root.is_dir():
        raise ArchiveError(f"{root}: no such folder; give the folder passed to `run --archive`")
    result = Verification(root)
    dirs = model_dirs(root)
    if not dirs:
        raise ArchiveError(
            f"{root}: not a reportgen archive (no <model>/ledger.json found); give the folder passed to `run --archive`"
        )
    for model_dir in dirs:
        result.models.append(model_dir.name)
        _verify_model(model_dir, result, check_inputs)
    return result


def _verify_model(model_dir: Path, result: Verification, check_inputs: bool) -> None:
    root = result.root
    add = result.findings.append
    try:
        runs = read_ledger(model_dir)
    except ArchiveError as exc:
        add(Finding("unreadable", relative(root, model_dir / LEDGER), str(exc).split(": ", 1)[-1]))
        return
    if not (model_dir / LEDGER).exists():
        add(Finding("missing", relative(root, model_dir / LEDGER), "the ledger of this model's runs is missing"))
    # The sha256 of each manifest as it is on disk now, by folder.
    on_disk: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for run_dir in sorted(p for p in model_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        path = run_dir / MANIFEST
        if not path.exists():
            add(Finding("added", relative(root, run_dir), "a folder with no manifest.json, not part of the chain"))
            continue
        raw = path.read_bytes()
        try:
            manifest = json.loads(raw)
        except ValueError:
            manifest = None
        on_disk[run_dir.name] = (hashlib.sha256(raw).hexdigest(), manifest)
    for stray in sorted(
        p for p in model_dir.iterdir() if p.is_file() and p.name != LEDGER and not p.name.startswith(".")
    ):
        add(Finding("added", relative(root, stray), "a file that belongs to no run"))
    ledger_periods = [str(r.get("period")) for r in runs]
    by_hash = {r.get("manifest_sha256"): i for i, r in enumerate(runs)}
    for name in sorted(set(on_disk) - set(ledger_periods)):
        add(
            Finding(
                "added", relative(root, model_dir / name), "a run that is not in the ledger (not part of the chain)"
            )
        )
    previous_actual: str | None = None
    for position, entry in enumerate(runs):
        period = str(entry.get("period"))
        run_dir = model_dir / period
        where = relative(root, run_dir)
        result.records += 1
        if entry.get("sequence") != position:
            add(
                Finding(
                    "reordered",
                    relative(root, model_dir / LEDGER),
                    f"entry {position} ({period}) carries sequence {entry.get('sequence')}",
                )
            )
        if period not in on_disk:
            add(Finding("missing", where, f"run {position} of the chain is gone"))
            previous_actual = entry.get("manifest_sha256")
            continue
        actual, manifest = on_disk[period]
        if manifest is None:
            add(Finding("altered", f"{where}/{MANIFEST}", "not valid JSON any more"))
            previous_actual = actual
            continue
        if actual != entry.get("manifest_sha256"):
            other = by_hash.get(actual)
            if other is not None and other != position:
                add(
                    Finding(
                        "reordered",
                        where,
                        f"holds the manifest of run {other} ({runs[other].get('period')}); the ledger puts run {position} here",
                    )
                )
            else:
                add(Finding("altered", f"{where}/{MANIFEST}", "sha256 differs from the ledger's"))
        elif manifest.get("sequence") != position or manifest.get("period") != period:
            add(
                Finding(
                    "reordered",
                    where,
                    f"the manifest says run {manifest.get('sequence')} ({manifest.get('period')}), the ledger says run {position} ({period})",
                )
            )
        if manifest.get("previous_manifest_sha256") != previous_actual:
            add(
                Finding(
                    "chain",
                    where,
                    "previous_manifest_sha256 does not match the previous run's manifest (a run was altered, removed or moved before it)",
                )
            )
        previous_actual = actual
        _verify_files(run_dir, manifest, result)
        if check_inputs:
            _verify_inputs(where, manifest, result)


def _verify_files(run_dir: Path, manifest: Mapping[str, Any], result: Verification) -> None:
    root = result.root
    add = result.findings.append
    listed: Mapping[str, Any] = manifest.get("files") or {}
    present = set(run_files(run_dir))
    for name in sorted(listed):
        path = run_dir / name
        result.files += 1
        if name not in present:
            add(Finding("missing", relative(root, path), "listed in the manifest, not on disk"))
            continue
        entry = listed[name]
        if sha256_file(path) != entry.get("sha256"):
            add(
                Finding(
                    "altered",
                    relative(root, path),
                    f"sha256 differs from the manifest's ({path.stat().st_size} bytes now, {entry.get('bytes')} recorded)",
                )
            )
    for name in sorted(present - set(listed)):
        add(Finding("added", relative(root, run_dir / name), "not listed in the manifest"))
    config_path = run_dir / CONFIG_FILE
    if config_path.exists() and CONFIG_FILE in listed:
        try:
            resolved = json.loads(config_path.read_text(encoding="utf-8"))
            same = config_sha256(resolved) == manifest.get("config_sha256")
        except ValueError:
            same = False
        if not same:
            add(
                Finding(
                    "altered",
                    relative(root, config_path),
                    "the resolved config no longer matches the manifest's config_sha256",
                )
            )


def _verify_inputs(where: str, manifest: Mapping[str, Any], result: Verification) -> None:
    for role, entry in sorted((manifest.get("inputs") or {}).items()):
        path = Path(entry.get("path", ""))
        if not path.is_file():
            result.findings.append(
                Finding("missing", str(path), f"input '{role}' of {where} is not at its recorded path")
            )
        elif sha256_file(path) != entry.get("sha256"):
            result.findings.append(Finding("altered", str(path), f"input '{role}' of {where} changed since the run"))


def rebuild_run(run_dir: PathLike, out_dir: PathLike) -> list[Finding]:
    """Run an archived run again from its recorded inputs and config; name each file whose bytes differ.

    The generation time is pinned to the run's own (SOURCE_DATE_EPOCH), so an unchanged reportgen
    on unchanged inputs reproduces every report file byte for byte. Inputs that moved or changed
    are reported instead of rebuilt.
    """
    from reportgen.config import validate_config
    from reportgen.inputs import load_inputs
    from reportgen.monitor import Monitor

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    where = run_dir.as_posix()
    manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    findings = []
    for role, entry in sorted((manifest.get("inputs") or {}).items()):
        path = Path(entry.get("path", ""))
        if not path.is_file():
            findings.append(Finding("missing", str(path), f"input '{role}' of {where} is gone; cannot rebuild"))
        elif sha256_file(path) != entry.get("sha256"):
            findings.append(
                Finding("altered", str(path), f"input '{role}' of {where} changed since the run; cannot rebuild")
            )
    if findings:
        return findings
    config = validate_config(json.loads((run_dir / CONFIG_FILE).read_text(encoding="utf-8")))
    formats = [fmt for fmt, name in FORMAT_FILES.items() if name in manifest.get("files", {})]
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    epoch = manifest.get("source_date_epoch")
    try:
        if epoch is not None:
            os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        reference, analysis, targets, sources = load_inputs(config)
        report = Monitor(config).run(reference, analysis, targets, sources=sources)
        report.save(out_dir, formats)
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    now = dependency_versions()
    changed = [
        f"{k} {v} -> {now.get(k)}" for k, v in sorted((manifest.get("versions") or {}).items()) if now.get(k) != v
    ]
    why = (
        f"versions changed: {', '.join(changed)}"
        if changed
        else "same recorded versions, so the stored file or the software changed"
    )
    for fmt in formats:
        name = FORMAT_FILES[fmt]
        if sha256_file(out_dir / name) != manifest["files"][name]["sha256"]:
            findings.append(
                Finding(
                    "altered",
                    f"{where}/{name}",
                    f"rebuilding from the recorded inputs and config gives different bytes ({why})",
                )
            )
    return findings
