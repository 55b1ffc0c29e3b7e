"""Each rule page's Example prints exactly the lines it shows; its Use instead is clean of the rule."""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List

import pytest

from flake8_action_security.config import DEFAULT_CONFIG
from flake8_action_security.messages import RULES
from flake8_action_security.model import build_model
from flake8_action_security.rules import run_rules

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.DOTALL)


def section(page: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", page, re.DOTALL | re.MULTILINE)
    assert match, title
    return match.group(1)


def lint(source: str, code: str) -> List[str]:
    tree = ast.parse(source)
    findings = run_rules(build_model(tree, DEFAULT_CONFIG), DEFAULT_CONFIG)
    return [f"widgets.py:{f.line}:{f.col + 1}: {f.message}" for f in findings if f.code == code]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_prints_what_the_page_shows(rule) -> None:
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    blocks = BLOCK.findall(section(page, "Example"))
    code = [text for lang, text in blocks if lang == "python"]
    shown = [text for lang, text in blocks if lang == ""]
    assert len(code) == 1 and len(shown) == 1
    assert lint(code[0], rule.code) == shown[0].strip().splitlines()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_use_instead_is_clean(rule) -> None:
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    code = [text for lang, text in BLOCK.findall(section(page, "Use instead")) if lang == "python"]
    assert code
    for snippet in code:
        assert lint(snippet, rule.code) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_page_has_every_section(rule) -> None:
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {rule.code}: ")
    for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Options",
                  "Known limitations", "References"):
        section(page, title)
    assert f"https://cwe.mitre.org/data/definitions/{rule.cwe}.html" in page
