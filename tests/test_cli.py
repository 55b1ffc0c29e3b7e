"""``python -m flake8_action_security`` and the pre-commit hook definition."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from flake8_action_security.__main__ import main
from flake8_action_security.messages import RULES, Rule

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_action_security", *args],
        capture_output=True, text=True, timeout=60,
    )


def test_rules_lists_every_rule() -> None:
    proc = cli("rules")
    assert (proc.returncode, proc.stderr) == (0, "")
    lines = proc.stdout.splitlines()
    assert len(lines) == 5
    for rule, line in zip(RULES, lines):
        assert line.split(None, 3) == [rule.code, rule.name, f"CWE-{rule.cwe}", rule.title]


@pytest.mark.parametrize("code", [rule.code for rule in RULES])
def test_explain_prints_the_rule_page(code: str) -> None:
    page = (ROOT / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
    proc = cli("explain", code)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == (page if page.endswith("\n") else page + "\n")
    assert cli("explain", code.lower()).stdout == proc.stdout


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_explain_accepts_the_pylint_id_and_symbol(rule: Rule, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", rule.code]) == 0
    page = capsys.readouterr().out
    pylint_id = f"W51{RULES.index(rule) + 1:02d}"  # as pylint users see them: W5101..W5105
    for name in (pylint_id, pylint_id.lower(), rule.name, rule.name.upper()):
        assert main(["explain", name]) == 0, name
        assert capsys.readouterr() == (page, ""), name


@pytest.mark.parametrize("name", ["W5103", "asa-unhandled-db-error"])
def test_explain_on_the_command_line_by_pylint_name(name: str) -> None:
    page = (ROOT / "docs" / "rules" / "ASA003.md").read_text(encoding="utf-8")
    proc = cli("explain", name)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, page if page.endswith("\n") else page + "\n", "")


def test_explain_unknown_code() -> None:
    proc = cli("explain", "ASA999")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        "python -m flake8_action_security: unknown rule 'ASA999'; "
        "the rules are ASA001, ASA002, ASA003, ASA004, ASA005"
    ]


def hook_definitions() -> List[Dict[str, str]]:
    """The hooks of .pre-commit-hooks.yaml: a list of flat mappings (no YAML library)."""
    hooks: List[Dict[str, str]] = []
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    for line in text.splitlines():
        match = re.match(r"^(- |  )(\w+):\s*(.*)$", line)
        if not match:
            assert not line.strip() or line.lstrip().startswith("#"), line
            continue
        if match.group(1) == "- ":
            hooks.append({})
        hooks[-1][match.group(2)] = match.group(3).strip().strip("\"'")
    return hooks


def test_pre_commit_hook_definition() -> None:
    (hook,) = hook_definitions()
    assert hook["id"] == "flake8-action-security"
    assert hook["entry"] == "flake8 --select=ASA"
    assert hook["language"] == "python"
    assert hook["types"] == "[python]"


def test_pre_commit_hook_entry_runs_the_plugin(tmp_path: Path) -> None:
    (hook,) = hook_definitions()
    command = shlex.split(hook["entry"])
    assert command[0] == "flake8"
    (tmp_path / "widgets.py").write_text(
        "from myapp.db import api as db\n\ndef f(context, x):\n    try:\n        db.widget_create(context, {})\n"
        "    except Exception:\n        pass\n"
    )
    # pre-commit runs the entry with the staged file names appended
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", *command[1:], "widgets.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    assert proc.stdout.splitlines() == [
        "widgets.py:5:9: ASA003 database call 'db.widget_create' is inside a handler that only passes, "
        "so a failed write is silently lost; re-raise, roll back or return an error (CWE-755)"
    ]
