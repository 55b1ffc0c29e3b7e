"""The pylint front end finds exactly what the flake8 front end finds."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Set, Tuple

import pytest
from pylint.lint import Run
from pylint.reporters import CollectingReporter

from fixture_format import fixture_files, min_python, option_values, options
from flake8_action_security.config import build_config
from flake8_action_security.messages import RULES
from flake8_action_security.model import build_model
from flake8_action_security.pylint_plugin import MESSAGE_IDS
from flake8_action_security.rules import run_rules

FILES = fixture_files()
PLUGIN = "flake8_action_security.pylint_plugin"
CODE_BY_SYMBOL = {rule.name: rule.code for rule in RULES}
Found = Set[Tuple[int, str, int]]  # line, ASA code, 1-based column

SAMPLE = textwrap.dedent(
    """\
    from myapp.db import api as db


    def widget(context, widget_id):
        return db.widget_get(context, widget_id)


    def handled(context, widget_id):
        context.can('widget:get')
        try:
            return db.widget_get(context, widget_id)
        except db.DBError:
            return None


    def repo_get(repo, name):
        return repo.widget_get(name)
    """
)


def flake8_path(source: str, argv: List[str]) -> Found:
    config = build_config(*option_values(argv))
    module = build_model(ast.parse(source), config)
    return {(f.line, f.code, f.col + 1) for f in run_rules(module, config, threshold="low")}


def pylint_path(path: Path, argv: List[str], rcfile: Path) -> Found:
    reporter = CollectingReporter()
    Run(
        [f"--rcfile={rcfile}", f"--load-plugins={PLUGIN}", "--persistent=n",
         "--disable=all", "--enable=action-security", "--asa-confidence=low", *argv, str(path)],
        reporter=reporter,
        exit=False,
    )
    foreign = [m.symbol for m in reporter.messages if m.symbol not in CODE_BY_SYMBOL]
    assert foreign == []  # e.g. a fatal error would hide the checker's silence
    return {(m.line, CODE_BY_SYMBOL[m.symbol], m.column + 1) for m in reporter.messages}


@pytest.fixture()
def rcfile(tmp_path: Path) -> Path:
    empty = tmp_path / "pylintrc"
    empty.write_text("")
    return empty


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(p.parents[1])) for p in FILES])
def test_fixture_same_findings_in_both_front_ends(path: Path, rcfile: Path) -> None:
    source = path.read_text(encoding="utf-8")
    needed = min_python(source)
    if sys.version_info < needed:
        pytest.skip(f"needs Python {needed[0]}.{needed[1]} to parse")
    argv = options(source)
    assert pylint_path(path, argv, rcfile) == flake8_path(source, argv)


def test_sample_same_findings_in_both_front_ends(tmp_path: Path, rcfile: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text(SAMPLE)
    expected = {(5, "ASA001", 12), (5, "ASA003", 12)}
    assert flake8_path(SAMPLE, []) == expected
    assert pylint_path(path, [], rcfile) == expected
    argv = ["--asa-extend-db-receivers=repo"]
    with_repo = expected | {(17, "ASA003", 12)}
    assert flake8_path(SAMPLE, argv) == with_repo
    assert pylint_path(path, argv, rcfile) == with_repo


def test_message_ids_and_symbols() -> None:
    assert MESSAGE_IDS == {
        "ASA001": "W5101", "ASA002": "W5102", "ASA003": "W5103", "ASA004": "W5104", "ASA005": "W5105",
    }
    assert list(CODE_BY_SYMBOL) == [
        "asa-unauthorized-fetch", "asa-unvalidated-record", "asa-unhandled-db-error",
        "asa-exception-details-exposed", "asa-check-then-act",
    ]


def pylint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pylint", "--persistent=n", "--score=n",
         "--msg-template={line}:{column}:{msg_id}:{symbol}", "--asa-confidence=low", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_pylint_disable_comment_suppresses(tmp_path: Path, rcfile: Path) -> None:
    (tmp_path / "widgets.py").write_text(textwrap.dedent(
        """\
        from myapp.db import api as db


        def one(context, name):
            return db.widget_list(context, name)


        def two(context, name):
            return db.widget_list(context, name)  # pylint: disable=asa-unhandled-db-error
        """
    ))
    proc = pylint(tmp_path, f"--rcfile={rcfile}", f"--load-plugins={PLUGIN}",
                  "--disable=all", "--enable=action-security", "widgets.py")
    assert proc.stdout.splitlines() == [
        "************* Module widgets",
        "5:11:W5103:asa-unhandled-db-error",
    ]
    assert proc.returncode == 4  # pylint's "warning issued" bit


def test_pyproject_options_reach_the_checker(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(
        f"""\
        [tool.pylint.main]
        load-plugins = ["{PLUGIN}"]
        disable = ["all"]
        enable = ["action-security"]

        [tool.pylint.action-security]
        asa-extend-db-receivers = ["repo", "store"]
        """
    ))
    (tmp_path / "stores.py").write_text(
        "import sqlite3\ndef names(repo, store):\n    return repo.name_list(), store.name_list()\n"
    )
    proc = pylint(tmp_path, "--rcfile=pyproject.toml", "stores.py")
    assert proc.stdout.splitlines() == [
        "************* Module stores",
        "3:11:W5103:asa-unhandled-db-error",
        "3:29:W5103:asa-unhandled-db-error",
    ]


def test_bad_option_value_is_one_line(tmp_path: Path, rcfile: Path) -> None:
    (tmp_path / "empty.py").write_text("")
    proc = pylint(tmp_path, f"--rcfile={rcfile}", f"--load-plugins={PLUGIN}",
                  "--asa-id-params=(", "empty.py")
    assert proc.returncode == 32
    assert proc.stderr.splitlines() == [
        "flake8-action-security: --asa-id-params: invalid regular expression '(': "
        "missing ), unterminated subpattern at position 0"
    ]
    assert "Traceback" not in proc.stdout


def test_flake8_path_never_imports_pylint() -> None:
    probe = (
        "import sys, ast\n"
        "from flake8_action_security import plugin, sarif, baseline, __main__\n"
        "list(plugin.ActionSecurityChecker(ast.parse('x = 1')).run())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pylint', 'astroid')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout) == (0, "[]\n")
