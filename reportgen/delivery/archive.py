"""The audit archive: every run stored under ROOT/<model slug>/<period key>/, chained by hashes.

Layout::

    ROOT/.reportgen.lock               the lock (reportgen.delivery.locking) held while a run is added
    ROOT/index.html                    the history page (reportgen.delivery.history)
    ROOT/<model>/ledger.json           the order of the runs and each manifest's sha256
    ROOT/<model>/<period>/report.*     the report files, results.json
    ROOT/<model>/<period>/config.resolved.json
    ROOT/<model>/<period>/manifest.json

manifest.json holds the sha256 and size of every file of the run and of every input file, the
versions of reportgen and its main dependencies, the hash of the resolved config and the sha256
of the previous run's manifest.json: a hash chain. `verify_archive` recomputes all of it and names
every altered, missing, added or reordered record. A run is written into a hidden staging folder
and renamed into place, under the lock, so a reader never sees half a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.delivery.atomic import write_text_atomic
from reportgen.delivery.ledger import (
    CONFIG_FILE,
    MANIFEST,
    SCHEMA,
    ArchiveError,
    archived_runs,
    dump_json,
    read_ledger,
    write_ledger,
)
from reportgen.delivery.locking import LOCK_NAME, archive_lock
from reportgen.digest import period_key, safe_key
from reportgen.errors import OutputError
from reportgen.version import __version__

if TYPE_CHECKING:
    from reportgen.monitor import Report
    from reportgen.report import ReportModel

DEPENDENCIES = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "plotly",
    "matplotlib",
    "weasyprint",
    "jinja2",
    "pydantic",
    "pyarrow",
)
_CHUNK = 1 << 20

PathLike = str | Path


# ---------------------------------------------------------------- names and hashes


def slugify(text: str) -> str:
    """A folder name for a model title: lowercase ASCII words joined by '-' ('model' if none)."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return slug[:80].strip("-") or "model"


def sha256_file(path: PathLike) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical_json(data: Any) -> str:
    """Sorted keys, no spaces: the same data always gives the same bytes (and hash)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def config_sha256(resolved: Mapping[str, Any]) -> str:
    """sha256 of the resolved config's canonical JSON."""
    return hashlib.sha256(canonical_json(resolved).encode("utf-8")).hexdigest()


def dependency_versions() -> dict[str, str]:
    """Python, reportgen and the main dependencies' installed versions."""
    versions = {"python": sys.version.split()[0], "reportgen": __version__}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def run_files(run_dir: Path) -> list[str]:
    """Every file below run_dir except the manifest, as sorted POSIX paths relative to it."""
    names = []
    for path in run_dir.rglob("*"):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(run_dir).as_posix()
            if rel != MANIFEST:
                names.append(rel)
    return sorted(names)


# ---------------------------------------------------------------- ledger


# ---------------------------------------------------------------- adding a run


@dataclass
class ArchivedRun:
    """Where a run was stored and its manifest."""

    path: Path
    manifest: dict[str, Any]
    manifest_sha256: str
    replaced: bool = False


def describe_inputs(inputs: Mapping[str, PathLike | None]) -> dict[str, dict[str, Any]]:
    """{role: {path, sha256, bytes}} for every input file that exists (roles in sorted order)."""
    described: dict[str, dict[str, Any]] = {}
    for role in sorted(inputs):
        value = inputs[role]
        if value is None:
            continue
        path = Path(value)
        if not path.is_file():
            continue
        described[role] = {"path": str(path.resolve()), **file_entry(path)}
    return described


def build_manifest(
    run_dir: Path,
    *,
    slug: str,
    key: str,
    sequence: int,
    model: ReportModel,
    resolved_config: Mapping[str, Any],
    inputs: Mapping[str, dict[str, Any]],
    previous: str | None,
) -> dict[str, Any]:
    """The manifest of a run folder whose files are already written."""
    generated = str(model.generated_at)
    try:
        epoch: int | None = int(datetime.fromisoformat(generated).timestamp())
    except ValueError:
        epoch = None
    return {
        "schema": SCHEMA,
        "model": slug,
        "title": model.title,
        "period": key,
        "sequence": sequence,
        "generated_at": generated,
        "source_date_epoch": epoch,
        "status": str((model.summary or {}).get("status", "ok")),
        "versions": dependency_versions(),
        "config_sha256": config_sha256(resolved_config),
        "inputs": dict(inputs),
        "files": {name: file_entry(run_dir / name) for name in run_files(run_dir)},
        "previous_manifest_sha256": previous,
    }


def archive_report(
    report: Report,
    root: PathLike,
    *,
    formats: Iterable[str] | None = None,
    inputs: Mapping[str, PathLike | None] | None = None,
    key: str | None = None,
    written: Mapping[str, PathLike] | None = None,
    lock_timeout: float = 120.0,
    refresh_index: bool = True,
) -> ArchivedRun:
    """Store a report as the next run of its model in the archive at `root` and extend the chain.

    Parameters
    ----------
    report:
        The Report of a run (its model, config and save()).
    root:
        The archive folder; created when missing.
    formats:
        Output formats to store (default: the config's); results.json is always stored.
    inputs:
        {role: path} of the input files to hash (reference, analysis, targets, config, ...).
    key:
        The period folder name; default `period_key(report.model)`.
    written:
        {format: file} the run already wrote (`Report.save`'s answer): copied instead of rendered again.
    """
    root = Path(root)
    model = report.model
    slug = slugify(model.title)
    key = safe_key(key) if key else period_key(model)
    chosen = tuple(dict.fromkeys([*(formats or report.config.output.formats), "json"]))
    resolved = model.config or report.config.resolved()
    described = describe_inputs(inputs or {})
    with archive_lock(root, timeout=lock_timeout):
        model_dir = root / slug
        runs = read_ledger(model_dir)
        replaced = bool(runs) and runs[-1]["period"] == key
        if not replaced and any(r["period"] == key for r in runs):
            raise ArchiveError(
                f"{model_dir / key}: this period is already archived and later runs are chained after it; "
                "archive the rerun under another period key or start a new archive"
            )
        if replaced:
            runs = runs[:-1]
        previous = runs[-1]["manifest_sha256"] if runs else None
        staging = model_dir / f".staging-{key}-{os.getpid()}"
        _remove(staging)
        try:
            _store_outputs(report, staging, chosen, written or {})
            write_text_atomic(staging / CONFIG_FILE, dump_json(resolved))
            manifest = build_manifest(
                staging,
                slug=slug,
                key=key,
                sequence=len(runs),
                model=model,
                resolved_config=resolved,
                inputs=described,
                previous=previous,
            )
            text = dump_json(manifest)
            write_text_atomic(staging / MANIFEST, text)
            final = model_dir / key
            _swap_in(staging, final)
        except BaseException:
            _remove(staging)
            raise
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        runs.append({"sequence": len(runs), "period": key, "manifest_sha256": digest})
        write_ledger(model_dir, slug, runs)
        if refresh_index:
            from reportgen.delivery.history import write_index

            write_index(root, locked=True)
    return ArchivedRun(final, manifest, digest, replaced)


def _store_outputs(report: Report, staging: Path, formats: tuple[str, ...], written: Mapping[str, PathLike]) -> None:
    """Copy the files the run already wrote; render the rest."""
    from reportgen.delivery.atomic import write_bytes_atomic

    missing = tuple(f for f in formats if f not in written)
    if missing:
        report.save(staging, missing)
    for fmt in formats:
        if fmt in written:
            source = Path(written[fmt])
            write_bytes_atomic(staging / source.name, source.read_bytes())


def _swap_in(staging: Path, final: Path) -> None:
    """Rename the finished staging folder to its final name (replacing a rerun of the same period)."""
    try:
        if final.exists():
            trash = final.with_name(f".trash-{final.name}-{os.getpid()}")
            _remove(trash)
            os.replace(final, trash)
            os.replace(staging, final)
            _remove(trash)
        else:
            os.replace(staging, final)
    except OSError as exc:
        raise OutputError(
            f"{final}: cannot move the run into the archive ({exc.strerror}); check the folder's permissions and free space"
        ) from None


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


# ---------------------------------------------------------------- verification


# ---------------------------------------------------------------- rebuilding


# ---------------------------------------------------------------- reading


__all__ = [
    "ArchiveError",
    "ArchivedRun",
    "LOCK_NAME",
    "archive_report",
    "archived_runs",
    "period_key",
    "slugify",
]
