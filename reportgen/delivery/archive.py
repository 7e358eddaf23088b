"""The audit archive: every run stored under ROOT/<model slug>/<period key>/, chained by hashes.

Layout::

    ROOT/.reportgen.lock               the lock (reportgen.locking) held while a run is added
    ROOT/index.html                    the history page (reportgen.history)
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
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen import __version__
from reportgen.atomic import write_text_atomic
from reportgen.digest import period_key, safe_key
from reportgen.errors import OutputError, ReportgenError
from reportgen.locking import LOCK_NAME, archive_lock

if TYPE_CHECKING:
    from reportgen.monitor import Report
    from reportgen.report import ReportModel

SCHEMA = "reportgen-archive/1"
MANIFEST = "manifest.json"
LEDGER = "ledger.json"
CONFIG_FILE = "config.resolved.json"
INDEX = "index.html"
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


class ArchiveError(ReportgenError):
    """The archive folder is not an archive, or a run cannot be added to it."""


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


def _file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_file(path), "bytes": path.stat().st_size}


def _run_files(run_dir: Path) -> list[str]:
    """Every file below run_dir except the manifest, as sorted POSIX paths relative to it."""
    names = []
    for path in run_dir.rglob("*"):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(run_dir).as_posix()
            if rel != MANIFEST:
                names.append(rel)
    return sorted(names)


def _dump(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- ledger


def read_ledger(model_dir: Path) -> list[dict[str, Any]]:
    """The ordered runs of one model: [{sequence, period, manifest_sha256}]; [] for a new model."""
    path = model_dir / LEDGER
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        runs = data["runs"]
        if not isinstance(runs, list):
            raise TypeError("runs is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(
            f"{path}: unreadable ledger ({exc}); restore it from a backup or verify the archive"
        ) from None
    return runs


def _write_ledger(model_dir: Path, slug: str, runs: list[dict[str, Any]]) -> None:
    write_text_atomic(model_dir / LEDGER, _dump({"schema": SCHEMA, "model": slug, "runs": runs}))


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
        described[role] = {"path": str(path.resolve()), **_file_entry(path)}
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
        "files": {name: _file_entry(run_dir / name) for name in _run_files(run_dir)},
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
            write_text_atomic(staging / CONFIG_FILE, _dump(resolved))
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
            text = _dump(manifest)
            write_text_atomic(staging / MANIFEST, text)
            final = model_dir / key
            _swap_in(staging, final)
        except BaseException:
            _remove(staging)
            raise
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        runs.append({"sequence": len(runs), "period": key, "manifest_sha256": digest})
        _write_ledger(model_dir, slug, runs)
        if refresh_index:
            from reportgen.history import write_index

            write_index(root, locked=True)
    return ArchivedRun(final, manifest, digest, replaced)


def _store_outputs(report: Report, staging: Path, formats: tuple[str, ...], written: Mapping[str, PathLike]) -> None:
    """Copy the files the run already wrote; render the rest."""
    from reportgen.atomic import write_bytes_atomic

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


def model_dirs(root: Path) -> list[Path]:
    """The model folders of an archive: those holding a ledger or a run with a manifest."""
    found = []
    if not root.is_dir():
        return found
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        if (child / LEDGER).exists() or any((g / MANIFEST).exists() for g in child.iterdir() if g.is_dir()):
            found.append(child)
    return found


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


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _verify_model(model_dir: Path, result: Verification, check_inputs: bool) -> None:
    root = result.root
    add = result.findings.append
    try:
        runs = read_ledger(model_dir)
    except ArchiveError as exc:
        add(Finding("unreadable", _rel(root, model_dir / LEDGER), str(exc).split(": ", 1)[-1]))
        return
    if not (model_dir / LEDGER).exists():
        add(Finding("missing", _rel(root, model_dir / LEDGER), "the ledger of this model's runs is missing"))
    # The sha256 of each manifest as it is on disk now, by folder.
    on_disk: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for run_dir in sorted(p for p in model_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        path = run_dir / MANIFEST
        if not path.exists():
            add(Finding("added", _rel(root, run_dir), "a folder with no manifest.json, not part of the chain"))
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
        add(Finding("added", _rel(root, stray), "a file that belongs to no run"))
    ledger_periods = [str(r.get("period")) for r in runs]
    by_hash = {r.get("manifest_sha256"): i for i, r in enumerate(runs)}
    for name in sorted(set(on_disk) - set(ledger_periods)):
        add(Finding("added", _rel(root, model_dir / name), "a run that is not in the ledger (not part of the chain)"))
    previous_actual: str | None = None
    for position, entry in enumerate(runs):
        period = str(entry.get("period"))
        run_dir = model_dir / period
        where = _rel(root, run_dir)
        result.records += 1
        if entry.get("sequence") != position:
            add(
                Finding(
                    "reordered",
                    _rel(root, model_dir / LEDGER),
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
    present = set(_run_files(run_dir))
    for name in sorted(listed):
        path = run_dir / name
        result.files += 1
        if name not in present:
            add(Finding("missing", _rel(root, path), "listed in the manifest, not on disk"))
            continue
        entry = listed[name]
        if sha256_file(path) != entry.get("sha256"):
            add(
                Finding(
                    "altered",
                    _rel(root, path),
                    f"sha256 differs from the manifest's ({path.stat().st_size} bytes now, {entry.get('bytes')} recorded)",
                )
            )
    for name in sorted(present - set(listed)):
        add(Finding("added", _rel(root, run_dir / name), "not listed in the manifest"))
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
                    _rel(root, config_path),
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


# ---------------------------------------------------------------- rebuilding


def rebuild_run(run_dir: PathLike, out_dir: PathLike) -> list[Finding]:
    """Run an archived run again from its recorded inputs and config; name each file whose bytes differ.

    The generation time is pinned to the run's own (SOURCE_DATE_EPOCH), so an unchanged reportgen
    on unchanged inputs reproduces every report file byte for byte. Inputs that moved or changed
    are reported instead of rebuilt.
    """
    from reportgen.config import validate_config
    from reportgen.io import load_inputs
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
    formats = [fmt for fmt, name in _FORMAT_FILES.items() if name in manifest.get("files", {})]
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
        name = _FORMAT_FILES[fmt]
        if sha256_file(out_dir / name) != manifest["files"][name]["sha256"]:
            findings.append(
                Finding(
                    "altered",
                    f"{where}/{name}",
                    f"rebuilding from the recorded inputs and config gives different bytes ({why})",
                )
            )
    return findings


_FORMAT_FILES = {"html": "report.html", "pdf": "report.pdf", "email": "report.eml", "json": "results.json"}


# ---------------------------------------------------------------- reading


def archived_runs(root: PathLike) -> list[dict[str, Any]]:
    """Every run of every model in ledger order: manifest fields plus `dir` (relative to root)."""
    root = Path(root)
    out: list[dict[str, Any]] = []
    for model_dir in model_dirs(root):
        for entry in read_ledger(model_dir):
            run_dir = model_dir / str(entry.get("period"))
            try:
                manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            manifest["dir"] = _rel(root, run_dir)
            out.append(manifest)
    return out


__all__ = [
    "ArchiveError",
    "ArchivedRun",
    "Finding",
    "LOCK_NAME",
    "Verification",
    "archive_report",
    "archived_runs",
    "period_key",
    "rebuild_run",
    "slugify",
    "verify_archive",
]
