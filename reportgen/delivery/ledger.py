"""The archive's ledger and folders: where each model's runs are and in which order (the read side
of reportgen.delivery.archive, shared by the archive, its verification and the history index)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportgen.delivery.atomic import write_text_atomic
from reportgen.errors import ReportgenError

PathLike = str | Path


SCHEMA = "reportgen-archive/1"


MANIFEST = "manifest.json"


LEDGER = "ledger.json"


CONFIG_FILE = "config.resolved.json"


INDEX = "index.html"


class ArchiveError(ReportgenError):
    """The archive folder is not an archive, or a run cannot be added to it."""


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


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


def write_ledger(model_dir: Path, slug: str, runs: list[dict[str, Any]]) -> None:
    write_text_atomic(model_dir / LEDGER, dump_json({"schema": SCHEMA, "model": slug, "runs": runs}))


def model_dirs(root: Path) -> list[Path]:
    """The model folders of an archive: those holding a ledger or a run with a manifest."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith("."):
            continue
        if (child / LEDGER).exists() or any((g / MANIFEST).exists() for g in child.iterdir() if g.is_dir()):
            found.append(child)
    return found


def relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


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
            manifest["dir"] = relative(root, run_dir)
            out.append(manifest)
    return out
