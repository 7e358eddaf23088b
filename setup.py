"""Map the top-level templates/, themes/ and samples/ folders into the wheel.

The repository keeps them beside the package so users find and copy them easily; installed, they
live at reportgen/templates, reportgen/themes and reportgen/samples. Every sub-folder is declared
as a (data) package of its own, so setuptools ships all files and has nothing to warn about.
"""
from pathlib import Path

from setuptools import find_packages, setup

SHIPPED = {"reportgen.templates": "templates", "reportgen.themes": "themes", "reportgen.samples": "samples"}
SKIP = ("__pycache__",)


def data_packages(package: str, folder: str) -> dict[str, str]:
    """{package name: folder} for `folder` and each sub-folder (reportgen.templates.sections: templates/sections)."""
    found = {package: folder}
    for sub in sorted(Path(folder).rglob("*")):
        rel = sub.relative_to(folder)
        if sub.is_dir() and not any(part in SKIP or part.startswith(".") for part in rel.parts):
            found[".".join((package, *rel.parts))] = sub.as_posix()
    return found


PACKAGE_DIR = {name: path for package, folder in SHIPPED.items() for name, path in data_packages(package, folder).items()}

setup(
    packages=find_packages(include=["reportgen", "reportgen.*"]) + list(PACKAGE_DIR),
    package_dir=PACKAGE_DIR,
    package_data={name: ["*"] for name in PACKAGE_DIR},
    include_package_data=True,
)
