"""The wheel: built from a copy of the checkout, installed into a fresh virtualenv outside it, it
ships templates/, themes/ and samples/ inside the package, renders a template and runs the CLI."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "data",
    "demo-report",
    "report_out",
    "out",
)

CHECK = r"""
import json, sys
from pathlib import Path
import jinja2
import reportgen, reportgen.resources as res
from reportgen.samples.generator import committed_sample
pkg = Path(reportgen.__file__).parent
templates = sorted(p.relative_to(res.templates_dir()).as_posix() for p in res.templates_dir().rglob("*.html"))
try:  # the report's own environment (its filters and theme); plain jinja2 until it exists
    from reportgen.render.templating import make_environment
    env = make_environment()
except ImportError:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(res.templates_dir())), autoescape=True)
compiled = [env.get_template(name).name for name in templates]  # every shipped template parses
probe = env.from_string("{{ title }}").render(title="<b>")
print(json.dumps({
    "package": str(pkg),
    "templates_dir": str(res.templates_dir()),
    "themes": sorted(p.name for p in res.themes_dir().iterdir() if p.is_dir()),
    "templates": compiled,
    "sample_config": str(committed_sample("binary")),
    "sample_files": sorted(p.name for p in committed_sample("regression").parent.iterdir()),
    "probe": probe,
}))
"""


def run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{cmd}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
def test_wheel_installs_outside_the_checkout_with_its_resources(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=SKIP)
    shutil.copytree(
        ROOT / "samples" / "data", source / "samples" / "data"
    )  # `data` is skipped above only for benchmarks/
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("reportgen-*.whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    # --system-site-packages shows the base interpreter's packages; when the tests themselves run
    # in a virtualenv (scripts/test.sh's .venv), its site-packages hold the dependencies: add them
    # as plain paths (their .pth files, such as the checkout's editable hook, are not processed).
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path
    ).stdout.strip()
    parent = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "_test_parent_env.pth").write_text("\n".join(parent) + "\n")
    # pip comes from the system site-packages; --ignore-installed puts reportgen into the venv
    # even though the checkout is installed editable in the system Python.
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--ignore-installed",
            "--no-warn-script-location",
            str(wheel),
        ],
        cwd=tmp_path,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    info = json.loads(run([str(python), "-c", CHECK], cwd=work).stdout)
    assert info["package"].startswith(str(venv)), info["package"]
    assert info["templates_dir"] == str(Path(info["package"]) / "templates")
    assert {"default", "dark", "print"} <= set(info["themes"])
    assert info["sample_config"].startswith(info["package"])
    assert {"reference.csv", "analysis.csv", "analysis_targets.csv", "config.yaml", "truth.json"} <= set(
        info["sample_files"]
    )
    assert info["probe"] == "&lt;b&gt;"
    if any((ROOT / "templates").rglob("*.html")):
        assert info["templates"], "the wheel ships no templates"
        shipped = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html")}
        assert shipped <= set(info["templates"])
    reportgen = venv / "bin" / "reportgen"
    assert run([str(reportgen), "--version"], cwd=work).stdout.startswith("reportgen, version")
    run([str(reportgen), "samples", "--problem", "multiclass", "--rows", "20", "--out", "s"], cwd=work)
    assert (work / "s" / "config.yaml").is_file()
    # The demo from the installed wheel: bundled data and templates, nothing from the checkout.
    run([str(reportgen), "demo", "--out", "demo", "--format", "html,json"], cwd=work)
    payload = json.loads((work / "demo" / "results.json").read_text())
    html = (work / "demo" / "report.html").read_text()
    assert payload["title"] in html and "<html" in html.lower()
    truth = json.loads((Path(info["sample_config"]).parent / "truth.json").read_text())
    assert [c["key"] for c in payload["chunks"] if c["period"] == "analysis"] == sorted(
        [k for s in truth["scenarios"] for k in s["chunk_keys"]] + truth["stable_chunk_keys"]
    )
