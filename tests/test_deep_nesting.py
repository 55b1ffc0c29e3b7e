"""Code the parser accepts never crashes the plugin, however deep (SPEC section 5).

Each construct is generated as deep as ``ast.parse`` accepts on the running
Python (doubling until the parser refuses), then linted with the default
recursion limit. Each of these crashed the version-1 model.
"""
from __future__ import annotations

import ast
from typing import Callable, List, Tuple

import pytest

from flake8_action_security.config import build_config
from flake8_action_security.model import build_model
from flake8_action_security.rules import Finding, run_rules

LOW = build_config(confidence="low")


def elif_chain(n: int) -> str:
    branches = "".join(f"    elif x == {i}:\n        db.widget_get(context, {i})\n" for i in range(1, n))
    return "from app.db import api as db\ndef f(context, x):\n    if x == 0:\n        pass\n" + branches


def elif_chain_of_returns(n: int) -> str:
    branches = "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, n))
    return ("from app.db import api as db\ndef f(context, x):\n    if x == 0:\n        return 0\n" + branches
            + "    else:\n        return 1\n    db.widget_create(context, {})\n")


def subscript_chain(n: int) -> str:
    value = "request.POST" + "['k']" * n
    return (f"def view(request):\n    validate({value})\n    assert isinstance({value}, int)\n"
            f"    if not isinstance({value}, int):\n        raise ValueError()\n")


def nested_lambda_defaults(n: int) -> str:
    return "from app.db import api as db\nx = " + "lambda a=" * n + "db.widget_get(context, 1)" + ": a" * n + "\n"


def deepest(generate: Callable[[int], str]) -> Tuple[int, ast.AST]:
    n, found = 64, None
    while n <= 100_000:
        try:
            found = (n, ast.parse(generate(n)))
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            break
        n *= 2
    assert found is not None
    return found


@pytest.mark.parametrize("generate", [elif_chain, elif_chain_of_returns, subscript_chain, nested_lambda_defaults])
def test_constructs_at_the_parser_limit(generate: Callable[[int], str]) -> None:
    n, tree = deepest(generate)
    assert n >= 256  # really deeper than version 1 survived (about 490 elif branches, 495 lambdas)
    findings: List[Finding] = run_rules(build_model(tree, LOW), LOW)
    if generate is elif_chain:
        assert len([f for f in findings if f.code == "ASA003"]) == n - 1  # one per branch: none skipped
    if generate is nested_lambda_defaults:
        assert [f.code for f in findings] == ["ASA003"]  # the innermost default is still walked
