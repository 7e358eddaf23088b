"""The package version (one place; reportgen/__init__.py and the outputs read it)."""

__version__ = "0.1.0"
