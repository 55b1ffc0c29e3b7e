"""Baselines: ``--asa-write-baseline`` records findings, ``--asa-baseline`` suppresses them."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from flake8_action_security.baseline import BaselineWriter, _merge_at_exit, fingerprints, load
from flake8_action_security.config import ConfigError
from flake8_action_security.rules import Finding

SOURCE = textwrap.dedent(
    """\
    from myapp.db import api as db


    class Widget:
        def load(self, context, widget_id):
            return db.widget_get(context, widget_id)


    def names(context, name):
        return db.widget_list(context, name)
    """
)
MESSAGE_003 = (
    "ASA003 database call 'db.widget_list' has no error handling; "
    "catch the DB error and return a generic failure (CWE-755)"
)


def flake8(cwd: Path, *args: str) -> Tuple[int, List[str], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=ASA", "--asa-confidence=low", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


def write_baseline(cwd: Path, *files: str) -> dict:
    code, out, err = flake8(cwd, "--asa-write-baseline=./baseline.json", *files)
    assert (code, out, err) == (0, [], "")
    assert sorted(p.name for p in cwd.iterdir() if "baseline" in p.name) == ["baseline.json"]
    data: dict = json.loads((cwd / "baseline.json").read_text(encoding="utf-8"))
    return data


def test_written_baseline_records_each_finding(tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    assert write_baseline(tmp_path, "widgets.py") == {
        "version": 1,
        "tool": "flake8-action-security",
        "files": {
            "widgets.py": [
                {"code": "ASA001", "function": "Widget.load",
                 "line": "return db.widget_get(context, widget_id)", "count": 1},
                {"code": "ASA003", "function": "Widget.load",
                 "line": "return db.widget_get(context, widget_id)", "count": 1},
                {"code": "ASA003", "function": "names",
                 "line": "return db.widget_list(context, name)", "count": 1},
            ]
        },
    }


def test_inserted_lines_then_a_new_defect(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text(SOURCE)
    write_baseline(tmp_path, "widgets.py")

    path.write_text('"""Widgets."""\nimport logging\n\nLOG = logging.getLogger(__name__)\n' + SOURCE)
    assert flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py") == (0, [], "")

    path.write_text(path.read_text() + "\n\ndef more_names(context, name):\n    return db.widget_list(context, name)\n")
    assert flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py") == (
        1, [f"widgets.py:18:12: {MESSAGE_003}"], ""
    )
    # without the baseline everything is back
    code, out, _ = flake8(tmp_path, "widgets.py")
    assert (code, len(out)) == (1, 4)


def test_deleted_lines_and_reindented_code(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text('"""Widgets."""\n\n\n' + SOURCE)
    write_baseline(tmp_path, "widgets.py")
    spaced = SOURCE.replace("    return db.widget_list(context, name)", "\treturn   db.widget_list(context,  name)")
    path.write_text(spaced)
    assert flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py") == (0, [], "")


def test_one_entry_absorbs_one_finding(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text(SOURCE)
    write_baseline(tmp_path, "widgets.py")
    path.write_text(SOURCE.replace(
        "    return db.widget_list(context, name)\n",
        "    db.widget_list(context, name)\n    return db.widget_list(context, name)\n"
        "    return db.widget_list(context, name)\n",
    ))
    # the statement's text differs ('return' or not); the two identical returns share one entry
    assert flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py") == (
        1, [f"widgets.py:10:5: {MESSAGE_003}", f"widgets.py:12:12: {MESSAGE_003}"], ""
    )


def test_the_same_line_in_another_function_is_new(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text(SOURCE)
    write_baseline(tmp_path, "widgets.py")
    path.write_text(SOURCE.replace("def names(", "def renamed("))
    assert flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py") == (
        1, [f"widgets.py:10:12: {MESSAGE_003}"], ""
    )


def test_parallel_workers_write_one_baseline(tmp_path: Path) -> None:
    files = [f"mod{i}.py" for i in range(6)]
    for name in files:
        (tmp_path / name).write_text(SOURCE)
    data = write_baseline(tmp_path, "-j", "2", *files)
    assert sorted(data["files"]) == files
    assert all(len(entries) == 3 for entries in data["files"].values())
    assert flake8(tmp_path, "-j", "2", "--asa-baseline=./baseline.json", *files) == (0, [], "")


def test_paths_are_relative_to_the_baseline_file(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "widgets.py").write_text(SOURCE)
    data = write_baseline(tmp_path, "pkg")
    assert list(data["files"]) == ["pkg/widgets.py"]
    # run from inside pkg/, pointing at the same baseline
    assert flake8(tmp_path / "pkg", "--asa-baseline=../baseline.json", "widgets.py") == (0, [], "")


def test_config_file_option(tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    write_baseline(tmp_path, "widgets.py")
    (tmp_path / "setup.cfg").write_text("[flake8]\nasa-baseline = ./baseline.json\n")
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select=ASA", "widgets.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_unreadable_baseline_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    code, out, err = flake8(tmp_path, "--asa-baseline=./missing.json", "widgets.py")
    assert (code, out) == (2, [])
    assert err.splitlines() == [
        f"flake8-action-security: --asa-baseline: cannot read '{tmp_path / 'missing.json'}': "
        "No such file or directory"
    ]
    (tmp_path / "bad.json").write_text('{"version": 1, "files": {"widgets.py": [{"code": 1}]}}')
    code, out, err = flake8(tmp_path, "--asa-baseline=./bad.json", "widgets.py")
    assert (code, out, err.splitlines()) == (2, [], [
        f"flake8-action-security: --asa-baseline: '{tmp_path / 'bad.json'}' is not a baseline file: "
        "entry 1 of 'widgets.py' has no string 'code'"
    ])


ENTRY = '{"code": "ASA003", "function": "names", "line": "return db.widget_list(context, name)"'


@pytest.mark.parametrize("document, problem", [
    ('{"version": 1, "files": {"widgets.py": [%s, "count": 1e400}]}}' % ENTRY,
     "entry 1 of 'widgets.py' has count inf, not a positive whole number"),
    ('{"version": 1, "files": {"widgets.py": [%s, "count": "2"}]}}' % ENTRY,
     "entry 1 of 'widgets.py' has count '2', not a positive whole number"),
    ('{"version": 1, "files": {"widgets.py": [%s, "count": 1.5}]}}' % ENTRY,
     "entry 1 of 'widgets.py' has count 1.5, not a positive whole number"),
    ('{"version": 1, "files": {"widgets.py": [%s, "count": true}]}}' % ENTRY,
     "entry 1 of 'widgets.py' has count True, not a positive whole number"),
    ('{"version": 1, "files": {"widgets.py": [%s}, %s, "count": 0}]}}' % (ENTRY, ENTRY),
     "entry 2 of 'widgets.py' has count 0, not a positive whole number"),
    ('{"version": 1, "files": {"widgets.py": [%s, "count": %s}]}}' % (ENTRY, "9" * 5000), None),
    ("[" * 100_000 + "]" * 100_000, "its JSON nests too deeply"),
    ('{"version": 1, "files": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}", "its JSON nests too deeply"),
    ("[]", "the document is a JSON array, not an object"),
    ('{"version": true, "files": {}}', "unsupported version True"),
    ('{"version": 2, "files": {}}', "unsupported version 2"),
    ('{"version": 1}', "'files' is a JSON null, not an object"),
    ('{"version": 1, "files": []}', "'files' is a JSON array, not an object"),
    ('{"version": 1, "files": {"widgets.py": {}}}', "the entries of 'widgets.py' are a JSON object, not an array"),
    ('{"version": 1, "files": {"widgets.py": ["x"]}}', "entry 1 of 'widgets.py' is a JSON string, not an object"),
    ('{"version": 1, "files": {"widgets.py": [{"code": "ASA003", "function": 1, "line": ""}]}}',
     "entry 1 of 'widgets.py' has no string 'function'"),
], ids=["count-1e400", "count-string", "count-float", "count-bool", "count-zero", "count-5000-digits",
        "nested-100k", "nested-100k-inside", "array", "version-bool", "version-2", "no-files",
        "files-array", "entries-object", "entry-string", "function-number"])
def test_a_malformed_baseline_is_one_line(tmp_path: Path, document: str, problem: Optional[str]) -> None:
    (tmp_path / "baseline.json").write_text(document)
    with pytest.raises(ConfigError) as caught:
        load(str(tmp_path / "baseline.json"))
    prefix = f"--asa-baseline: {str(tmp_path / 'baseline.json')!r} "
    if problem is None:  # Python's own words for an integer too long to read
        assert str(caught.value).startswith(prefix + "is not valid JSON: Exceeds the limit")
    else:
        assert str(caught.value) == prefix + f"is not a baseline file: {problem}"


@pytest.mark.parametrize("document", [
    '{"version": 1, "files": {"widgets.py": [%s, "count": 1e400}]}}' % ENTRY,
    "[" * 100_000 + "]" * 100_000,
], ids=["count-1e400", "nested-100k"])
def test_a_malformed_baseline_stops_flake8_with_status_2(tmp_path: Path, document: str) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    (tmp_path / "baseline.json").write_text(document)
    code, out, err = flake8(tmp_path, "--asa-baseline=./baseline.json", "widgets.py")
    assert (code, out) == (2, [])
    assert len(err.splitlines()) == 1
    assert err.startswith(f"flake8-action-security: --asa-baseline: '{tmp_path / 'baseline.json'}' is not ")


@pytest.mark.parametrize("target, reason", [
    ("existing_directory", "Is a directory"),
    ("missing_directory/baseline.json", "No such file or directory"),
    ("widgets.py/baseline.json", "Not a directory"),
])
def test_a_baseline_that_cannot_be_written_stops_flake8(tmp_path: Path, target: str, reason: str) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    (tmp_path / "existing_directory").mkdir()
    code, out, err = flake8(tmp_path, f"--asa-write-baseline={target}", "widgets.py")
    assert (code, out, err) == (
        2, [], f"flake8-action-security: --asa-write-baseline: cannot write '{tmp_path / target}': {reason}\n"
    )
    # no journal or temporary file is left behind
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["existing_directory", "widgets.py"]


def test_a_failed_write_at_exit_ends_the_run_with_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The target passed the start-up checks and became a directory during the run.
    target = tmp_path / "baseline.json"
    journal = tmp_path / "baseline.json.1.journal"
    writer = BaselineWriter(str(target), str(journal))
    writer.record(str(tmp_path / "widgets.py"), [("ASA003", "names", "return x")])
    target.mkdir()
    statuses: List[int] = []

    def exit_now(status: int) -> None:
        statuses.append(status)

    monkeypatch.setattr(os, "_exit", exit_now)
    _merge_at_exit(writer, os.getpid())
    assert statuses == [2]
    assert capsys.readouterr().err == (
        f"flake8-action-security: --asa-write-baseline: cannot write '{target}': Is a directory\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]  # the directory, nothing else


def test_enclosing_function_names() -> None:
    source = textwrap.dedent(
        """\
        x = 1
        class A:
            y = 2
            @decorate
            def f(self):
                def g():
                    return 3
                return 4
        async def h():
            return 5
        """
    )
    lines = source.splitlines(keepends=True)
    findings = [Finding(line, 0, "ASA003", "m") for line in (1, 3, 4, 7, 8, 10)]
    assert [function for _, function, _ in fingerprints(ast.parse(source), lines, findings)] == [
        "", "A", "A.f", "A.f.g", "A.f", "h",
    ]
    # findings come in any order
    assert [function for _, function, _ in fingerprints(ast.parse(source), lines, findings[::-1])] == [
        "h", "A.f", "A.f.g", "A.f", "A", "",
    ]


SWEEP_CHECK = textwrap.dedent(
    """\
    import ast
    from flake8_action_security.baseline import fingerprints
    from flake8_action_security.rules import Finding

    count = 60_000
    source = "".join(f"def f{i}():\\n    return {i}\\n" for i in range(count))
    findings = [Finding(2 * i + 2, 4, "ASA003", "m") for i in reversed(range(count))]
    keys = fingerprints(ast.parse(source), source.splitlines(), findings)
    print(keys[0], keys[-1], len(set(keys)))
    """
)


def test_enclosing_functions_in_one_sweep() -> None:
    # 60,000 functions with a finding each: one sorted sweep takes about two
    # seconds here, scanning every scope per finding took 75
    proc = subprocess.run([sys.executable, "-c", SWEEP_CHECK], capture_output=True, text=True, timeout=20)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout == "('ASA003', 'f59999', 'return 59999') ('ASA003', 'f0', 'return 0') 60000\n"
