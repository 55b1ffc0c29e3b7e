"""flake8-action-security: security lint rules for Python data-access layers."""
from __future__ import annotations

try:
    from importlib.metadata import PackageNotFoundError, version
except ImportError:  # pragma: no cover - Python < 3.8 is not supported
    raise

try:
    __version__ = version("flake8-action-security")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
