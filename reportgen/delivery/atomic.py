"""Atomic file writes: write to a temporary file in the same folder, fsync, then rename.

A reader (or a crash) never sees a half-written report; an interrupted write leaves no file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from reportgen.errors import OutputError


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically; OutputError with the path and what to do on failure."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write here ({exc.strerror}); choose another --out folder or fix its permissions"
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:  # also SIGINT / SIGTERM (reportgen.staging): never leave the temporary file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if not isinstance(exc, OSError):
            raise
        hint = "free some disk space" if exc.errno == 28 else "check the folder's permissions"
        raise OutputError(f"{path}: writing failed ({exc.strerror}); {hint} and run again") from None
    return path


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically (see write_bytes_atomic)."""
    return write_bytes_atomic(path, text.encode("utf-8"))
