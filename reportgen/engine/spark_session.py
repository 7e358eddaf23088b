"""The SparkSession of a run: the active one (spark-submit, Databricks) or one built from `engine:`.

Bad settings (pyspark missing, no Java or one too old, a master that does not start) become one
ConfigError that says what to install or set, instead of a JVM stack trace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from typing import TYPE_CHECKING, Any

from reportgen.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MIN_JAVA = 17  # Spark 4 runs on Java 17 or 21
INSTALL_PYSPARK = 'the Spark engine needs pyspark: pip install "reportgen[spark]"'
INSTALL_JAVA = (
    "the Spark engine needs Java {min} or later{found}: install a JRE "
    "(Debian/Ubuntu: apt-get install default-jre-headless) or set JAVA_HOME to one"
)
# Our defaults for a session we start; `engine.conf` wins over them.
DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",  # period chunks are calendar periods in UTC
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.ui.showConsoleProgress": "false",  # the run has its own progress bar
}
LOCAL_CONF: dict[str, str] = {"spark.ui.enabled": "false"}  # a local master: no web UI to look at


def quiet_pyspark() -> None:
    """pyspark warns on every pandas conversion that pandas 3 is not fully supported; we test our use."""
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


def spark_session(master: str | None, conf: dict[str, Any]) -> SparkSession:
    """The active SparkSession, or a new one on `master` with `conf`; ConfigError when it cannot start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ConfigError(INSTALL_PYSPARK, key="engine.type") from None
    quiet_pyspark()
    active = SparkSession.getActiveSession()
    if active is not None:
        active.conf.set("spark.sql.session.timeZone", "UTC")
        return active
    check_java()
    # Python workers of a local master run this interpreter (where reportgen is installed).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("reportgen")
    if master:
        builder = builder.master(master)
    defaults = {**DEFAULT_CONF, **(LOCAL_CONF if master and master.startswith("local") else {})}
    for key, value in {**defaults, **{k: _conf_text(v) for k, v in conf.items()}}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM's words are long: keep their first line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise ConfigError(
            f"Spark did not start on master {master or '(default)'}: {first}; check engine.master "
            "(local[N], spark://HOST:PORT, yarn, k8s://URL) and engine.conf",
            key="engine.master",
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _conf_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def check_java() -> None:
    """Java of at least MIN_JAVA, from JAVA_HOME or the PATH (what pyspark's launcher runs)."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.isfile(java):
        where = f" (JAVA_HOME={home} has no bin/java)" if home else " and found none on the PATH"
        raise ConfigError(INSTALL_JAVA.format(min=MIN_JAVA, found=where), key="engine.type")
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(INSTALL_JAVA.format(min=MIN_JAVA, found=f" ({java} did not run: {exc})")) from None
    major = java_major(shown)
    if major is not None and major < MIN_JAVA:
        raise ConfigError(INSTALL_JAVA.format(min=MIN_JAVA, found=f", found Java {major} at {java}"), key="engine.type")


def java_major(version_text: str) -> int | None:
    """17 from `openjdk version "17.0.15"`, 8 from `java version "1.8.0_402"`; None when unreadable."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_text)
    if not match:
        return None
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first
