"""A run's staging folder inside --out: every temporary file lives there and leaves on every exit path.

The folder is hidden (`.reportgen-staging-<pid>-...`), removed in a `finally` block, and the CLI
turns SIGTERM into an exception (see `terminate_as_exception`) so that block also runs when a
scheduler stops the job. A folder left by a killed process (SIGKILL, power loss) is removed by
the next run into the same --out once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from reportgen.errors import OutputError

STAGING_PREFIX = ".reportgen-staging-"


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt so cleanup code runs, then the CLI exits 143."""

    exit_code = 128 + signal.SIGTERM


@contextlib.contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh hidden folder inside `out_dir` for this run's files; removed when the block ends."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out_dir))
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot write here ({exc.strerror}); choose another --out folder or fix its permissions"
        ) from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_abandoned(out_dir: Path) -> None:
    """Remove staging folders whose process no longer runs (left by SIGKILL or a crash)."""
    for path in out_dir.glob(f"{STAGING_PREFIX}*"):
        pid = path.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def terminate_as_exception() -> Iterator[None]:
    """While the block runs, SIGTERM raises Terminated (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
