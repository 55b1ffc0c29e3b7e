"""The plugin never raises on code Python can parse, and its output is deterministic."""
from __future__ import annotations

import ast
import sysconfig
import warnings
from pathlib import Path
from typing import List, Tuple

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

from flake8_action_security.config import DEFAULT_CONFIG
from flake8_action_security.model import build_model
from flake8_action_security.rules import Finding, run_rules


def lint(tree: ast.AST) -> List[Finding]:
    return run_rules(build_model(tree, DEFAULT_CONFIG), DEFAULT_CONFIG)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(hypothesmith.from_grammar())
def test_never_raises_on_generated_programs(source: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # generated code warns; parsing it is not under test
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # not ours to judge: flake8 reports E999
    lint(tree)


def stdlib_files() -> List[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)


SUBSET_STRIDE = 8
"""The default run sweeps every 8th stdlib file (in sorted order): the same
files on every run of one Python, spread over the whole library."""


def sweep(files: List[Path]) -> int:
    """Lint each file twice; assert no crash and equal output. Returns how many parsed."""
    parsed = 0
    crashes: List[Tuple[str, str]] = []
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes in old test files are not ours
                tree = ast.parse(path.read_bytes(), str(path))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        parsed += 1
        try:
            first = lint(tree)
            second = lint(tree)
        except Exception as exc:  # the assertion below reports every crash at once
            crashes.append((str(path), repr(exc)))
            continue
        assert first == second, path
    assert crashes == []
    return parsed


def test_stdlib_subset_no_exceptions_and_deterministic() -> None:
    files = stdlib_files()[::SUBSET_STRIDE]
    assert len(files) > 500 // SUBSET_STRIDE
    assert sweep(files) > 500 // SUBSET_STRIDE


@pytest.mark.slow
def test_stdlib_sweep_no_exceptions_and_deterministic() -> None:
    files = stdlib_files()
    assert len(files) > 500  # the sweep really ran over a stdlib
    assert sweep(files) > 500


def test_the_full_sweep_runs_only_with_the_slow_marker(request: pytest.FixtureRequest) -> None:
    # the default run's marker expression comes from addopts in pyproject.toml
    assert request.config.getoption("markexpr") == "not slow"
    assert [mark.name for mark in getattr(test_stdlib_sweep_no_exceptions_and_deterministic, "pytestmark")] == [
        "slow"
    ]
    assert [line.split(":")[0] for line in request.config.getini("markers")].count("slow") == 1


DEEP = 900  # parses on every supported Python, deeper than the default recursion limit allows a naive walk


def test_deep_expressions_do_not_exhaust_the_recursion_limit() -> None:
    sources = [
        "x = " + " + ".join(["db.widget_get(context, a)"] * DEEP),
        "x = db" + ".widget_get(context, x)" * DEEP,
        "x = " + ".".join(["a"] * DEEP),
        "x = " + "lambda: " * 200 + "db.widget_get(context, 1)",
        "x = {" + ", ".join(f"'k{i}': {{'v': name}}" for i in range(DEEP)) + "}",
    ]
    for source in sources:
        lint(ast.parse(source))
