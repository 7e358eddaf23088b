"""Map the top-level templates/, themes/ and samples/ folders into the wheel.

DESIGN.md keeps them beside the package so users find and copy them easily; installed, they
live at reportgen/templates, reportgen/themes and reportgen/samples.
"""
from setuptools import find_packages, setup

SHIPPED = {"reportgen.templates": "templates", "reportgen.themes": "themes", "reportgen.samples": "samples"}

setup(
    packages=find_packages(include=["reportgen", "reportgen.*"]) + list(SHIPPED),
    package_dir=SHIPPED,
    package_data={name: ["**/*"] for name in SHIPPED},
    include_package_data=True,
)
