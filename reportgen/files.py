"""Input files: one message naming the real cause when a path cannot be read (folder, device, permission, encoding).

Shared by the config reader and the data reader, so `/dev/null`, a folder, an unreadable file or
a latin-1 file read the same way everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from reportgen.errors import ReportgenError

ErrorFactory = Callable[..., ReportgenError]


def check_input_file(path: Path, *, what: str, error: ErrorFactory) -> None:
    """Raise `error(message, file=path)` unless `path` is a regular file this user can read."""
    if path.is_dir():
        raise error(f"is a folder, not a {what}; give the path of the file itself", file=str(path))
    if not path.exists():
        raise error(f"{what} not found; check the path", file=str(path))
    if not path.is_file():
        raise error(f"is not a regular file (a device or pipe such as /dev/null); give a {what}", file=str(path))
    if not os.access(path, os.R_OK):
        raise error(
            "permission denied: this user cannot read the file; fix its permissions (chmod +r) or run as its owner",
            file=str(path),
        )


def encoding_message(exc: UnicodeDecodeError, data: bytes | None = None) -> str:
    """What to tell about bytes that are not UTF-8: the byte, its line (when `data` is the whole file) and the fix."""
    raw = exc.object if isinstance(exc.object, bytes) else b""
    byte = f"byte 0x{raw[exc.start]:02x}" if exc.start < len(raw) else "a byte"
    newline = b"\n"
    where = f" on line {data[: exc.start].count(newline) + 1}" if data is not None else ""
    return (
        f"not UTF-8 text ({byte}{where}, likely latin-1 or cp1252); "
        "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 FILE > FILE.utf8)"
    )


def read_text(path: Path, *, what: str, error: ErrorFactory) -> str:
    """A UTF-8 text file (a BOM is dropped), or one error naming the cause."""
    check_input_file(path, what=what, error=error)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror}); check the disk or the path", file=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(encoding_message(exc, data), file=str(path)) from None
