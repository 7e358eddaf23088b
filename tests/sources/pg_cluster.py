"""A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, pg_ctl on a loopback port.

Debian's `postgresql` package provides the binaries (scripts/test.sh installs it). initdb refuses
to run as root, so under root the cluster belongs to the `postgres` user. Host connections need a
password (scram-sha-256), so a wrong password is a real authentication failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "reportgen"
PASSWORD = "pw-Zq8#x!r9"  # has URL-special characters: the masking must handle its encoded form
DATABASE = "monitoring"


@dataclass
class Cluster:
    """A running cluster; `url(password)` gives a SQLAlchemy/libpq URL for it."""

    folder: Path
    port: int
    run_as: str | None

    def url(self, password: str = PASSWORD, scheme: str = "postgresql+psycopg") -> str:
        from urllib.parse import quote

        return f"{scheme}://{USER}:{quote(password, safe='')}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        _run([_binary("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"], self.run_as)
        shutil.rmtree(self.folder, ignore_errors=True)


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package (scripts/test.sh does)")
    return candidates[-1]


def _run(cmd: list[str], run_as: str | None) -> None:
    if run_as:
        cmd = ["runuser", "-u", run_as, "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip()[-800:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start() -> Cluster:
    """initdb + pg_ctl start on a free loopback port, unix socket in the temp folder; a database made."""
    run_as = None
    folder = Path(tempfile.mkdtemp(prefix="reportgen-pg-"))
    if os.geteuid() == 0:
        run_as = "postgres"
        try:
            entry = pwd.getpwnam(run_as)
        except KeyError:
            raise RuntimeError("running as root and there is no 'postgres' user to own the cluster") from None
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        folder.chmod(0o700)
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if run_as:
        os.chown(pwfile, pwd.getpwnam(run_as).pw_uid, -1)
    data = folder / "data"
    _run(
        [
            _binary("initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        run_as,
    )
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run([_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"], run_as)
    cluster = Cluster(folder, port, run_as)
    try:
        import psycopg

        with psycopg.connect(cluster.url(scheme="postgresql"), dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    except Exception:
        cluster.stop()
        raise
    return cluster
