"""An exclusive lock on an archive folder, so two runs into one archive cannot interleave.

`fcntl.flock` on ROOT/.reportgen.lock: the kernel drops the lock when the holder exits, even
after a crash, so a stale lock file never blocks later runs. The holder writes its pid into the
file so a waiting run can say who holds it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reportgen.errors import OutputError

LOCK_NAME = ".reportgen.lock"
DEFAULT_TIMEOUT = 120.0
_POLL = 0.05


@contextmanager
def archive_lock(root: str | Path, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Path]:
    """Hold ROOT's lock for the block; OutputError naming the holder after `timeout` seconds."""
    import fcntl

    root = Path(root)
    path = root / LOCK_NAME
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(
            f"{root}: cannot create the archive lock ({exc.strerror}); choose another --archive folder or fix its permissions"
        ) from None
    deadline = time.monotonic() + max(timeout, 0.0)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    raise OutputError(
                        f"{root}: the archive is locked by another reportgen run{holder}; "
                        "wait for it to finish and run again"
                    ) from None
                time.sleep(_POLL)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
