"""One parametrized test over every fixture file: exact (line, code[, col]) sets."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from fixture_format import compare, expectations, fixture_files, min_python, option_values, options
from flake8_action_security.config import build_config
from flake8_action_security.model import build_model
from flake8_action_security.rules import run_rules

FILES = fixture_files()


def findings_for(path: Path, level: str = "medium") -> set:
    """Findings of exactly this level band: medium-or-high, or only low."""
    source = path.read_text(encoding="utf-8")
    config = build_config(*option_values(options(source)))
    module = build_model(ast.parse(source, str(path)), config)
    found = run_rules(module, config, threshold="low")
    if level == "medium":
        return {(f.line, f.code, f.col + 1) for f in found if f.confidence != "low"}
    return {(f.line, f.code, f.col + 1) for f in found if f.confidence == "low"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(p.parents[1])) for p in FILES])
def test_fixture(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    needed = min_python(source)
    if sys.version_info < needed:
        pytest.skip(f"needs Python {needed[0]}.{needed[1]} to parse")
    for level in ("medium", "low"):
        missing, unexpected = compare(expectations(source, level), findings_for(path, level))
        assert (missing, unexpected) == ([], []), f"{level}: missing {missing}, unexpected {unexpected}"


def test_there_are_fixtures_for_every_rule() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in FILES)
    for code in ("ASA001", "ASA002", "ASA003", "ASA004", "ASA005"):
        assert f"# {code}" in text or f" {code}" in text, code
