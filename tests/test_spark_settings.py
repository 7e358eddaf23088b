"""Bad Spark settings are one line that says what to install or set (checked without starting a JVM)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reportgen.engine.spark_session import java_major, spark_session
from reportgen.errors import ConfigError


@pytest.mark.parametrize(
    ("shown", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_402"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_major_reads_both_version_schemes(shown: str, major: int | None) -> None:
    assert java_major(shown) == major


def test_missing_pyspark_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(ConfigError, match=r'needs pyspark: pip install "reportgen\[spark\]"'):
        spark_session("local[2]", {})


def test_java_too_old_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        spark_session("local[2]", {})
    text = str(caught.value)
    assert "Java 17 or later, found Java 11" in text and "apt-get install default-jre-headless" in text
    assert "\n" not in text


def test_no_java_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pyspark")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"JAVA_HOME=.*nowhere has no bin/java.*set JAVA_HOME"):
        spark_session("local[2]", {})
