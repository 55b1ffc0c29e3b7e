"""The rule pages (``docs/rules/ASA00N.md``), as the package ships them.

The pages live once, at the top of the repository. A built wheel carries them
as package data under ``flake8_action_security/docs/rules/`` (pyproject maps
that data directory onto ``docs/``); an editable install or a source checkout
reads them where they are. Nothing is copied at build time.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from .messages import RULES_BY_CODE

_PACKAGE = Path(__file__).resolve().parent


def _page_directories() -> Iterator[Path]:
    yield _PACKAGE / "docs" / "rules"  # installed wheel
    yield _PACKAGE.parent / "docs" / "rules"  # source tree, editable install


def rule_page_path(code: str) -> Optional[Path]:
    """The page of rule ``code`` (e.g. ``ASA003``), or None if it is not shipped."""
    if code not in RULES_BY_CODE:
        return None
    for directory in _page_directories():
        page = directory / f"{code}.md"
        if page.is_file():
            return page
    return None


def read_rule_page(code: str) -> Optional[str]:
    """The Markdown text of rule ``code``'s page, or None if it is not shipped."""
    page = rule_page_path(code)
    return page.read_text(encoding="utf-8") if page is not None else None
