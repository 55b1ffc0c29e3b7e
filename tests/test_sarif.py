"""End-to-end: ``flake8 --format=asa-sarif`` writes a valid, stable SARIF 2.1.0 log."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Tuple

from flake8_action_security import __version__
from flake8_action_security.messages import RULES
from flake8_action_security.sarif import FINGERPRINT_KEY, RULE_DOCS_BASE_URI, SCHEMA

SOURCE = textwrap.dedent(
    """\
    import os

    from myapp.db import api as db


    def widget(context, widget_id):
        return db.widget_get(context, widget_id)


    def gadget(context, name):
        return db.widget_get(context, name)


    def copy(context, name):
        return db.widget_get(context, name)
    """
)


def flake8_sarif(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=ASA,F", "--format=asa-sarif",
         "--asa-confidence=low", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def sarif_log(cwd: Path) -> Dict[str, Any]:
    proc = flake8_sarif(cwd, "--output-file=reports/asa.sarif", "widgets.py")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", "")
    log: Dict[str, Any] = json.loads((cwd / "reports" / "asa.sarif").read_text(encoding="utf-8"))
    return log


def locations(log: Dict[str, Any]) -> List[Tuple[str, str, int, int]]:
    return [
        (
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            result["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for result in log["runs"][0]["results"]
    ]


def test_log_structure(tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    log = sarif_log(tmp_path)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SCHEMA
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("flake8-action-security", __version__)
    assert driver["informationUri"].startswith("https://")

    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [r.code for r in RULES] + ["F401"]
    assert rules[-1] == {"id": "F401"}  # another plugin's code: a minimal entry
    taxa = run["taxonomies"][0]["taxa"]
    assert run["taxonomies"][0]["name"] == "CWE"
    assert driver["supportedTaxonomies"] == [{"name": "CWE", "index": 0}]
    for rule, entry in zip(RULES, rules):
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"].lower() == rule.title.lower()
        assert rule.fix in entry["fullDescription"]["text"]
        assert entry["helpUri"] == f"{RULE_DOCS_BASE_URI}{rule.code}.md"
        assert f"external/cwe/cwe-{rule.cwe}" in entry["properties"]["tags"]
        target = entry["relationships"][0]["target"]
        assert target["toolComponent"] == {"name": "CWE", "index": 0}
        assert taxa[target["index"]]["id"] == target["id"] == str(rule.cwe)

    assert locations(log) == [
        ("F401", "widgets.py", 1, 1),
        ("ASA001", "widgets.py", 7, 12),
        ("ASA003", "widgets.py", 7, 12),
        ("ASA003", "widgets.py", 11, 12),
        ("ASA003", "widgets.py", 15, 12),
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "warning"
        assert result["message"]["text"]
        assert not result["message"]["text"].startswith(result["ruleId"])
        assert set(result["partialFingerprints"]) == {FINGERPRINT_KEY}
    assert run["results"][2]["message"]["text"] == (
        "database call 'db.widget_get' has no error handling; "
        "catch the DB error and return a generic failure (CWE-755)"
    )


def fingerprints(log: Dict[str, Any]) -> List[Tuple[str, str]]:
    return [
        (result["ruleId"], result["partialFingerprints"][FINGERPRINT_KEY])
        for result in log["runs"][0]["results"]
    ]


def test_fingerprints_survive_inserted_lines(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text(SOURCE)
    before = sarif_log(tmp_path)
    path.write_text('"""Widgets."""\n# a comment\n\nLIMIT = 10\n' + SOURCE)
    after = sarif_log(tmp_path)
    assert [line for _, _, line, _ in locations(after)] == [5, 11, 11, 15, 19]
    assert fingerprints(after) == fingerprints(before)
    # identical lines in one file are still told apart, by occurrence
    prints = [fp for _, fp in fingerprints(before)]
    assert len(set(prints)) == len(prints)


def test_fingerprint_changes_when_the_line_changes(tmp_path: Path) -> None:
    path = tmp_path / "widgets.py"
    path.write_text(SOURCE)
    log = sarif_log(tmp_path)
    before = dict(zip(locations(log), fingerprints(log)))
    path.write_text(SOURCE.replace("db.widget_get(context, widget_id)", "db.widget_get(context, widget_id, 1)"))
    log = sarif_log(tmp_path)
    after = dict(zip(locations(log), fingerprints(log)))
    changed = [key[:3] for key in before if before[key] != after[key]]
    assert changed == [("ASA001", "widgets.py", 7), ("ASA003", "widgets.py", 7)]


def test_output_file_is_replaced_not_appended(tmp_path: Path) -> None:
    (tmp_path / "widgets.py").write_text(SOURCE)
    first = sarif_log(tmp_path)
    second = sarif_log(tmp_path)  # a second run over the same file must still parse
    assert first == second


def test_stdout_without_output_file(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "clean.py").write_text("X = 1\n")
    proc = flake8_sarif(tmp_path, "pkg")
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    assert log["runs"][0]["results"] == []
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == [r.code for r in RULES]


def test_uri_is_relative_with_forward_slashes(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "widgets.py").write_text(SOURCE)
    proc = flake8_sarif(tmp_path, str(tmp_path / "pkg"))  # an absolute path on the command line
    log = json.loads(proc.stdout)
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
    }
    assert uris == {"pkg/sub/widgets.py"}


def test_uri_outside_the_working_directory_is_absolute(tmp_path: Path) -> None:
    (tmp_path / "work" / "pkg").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "work" / "pkg" / "widgets.py").write_text(SOURCE)
    (tmp_path / "outside" / "widgets.py").write_text(SOURCE)
    (tmp_path / "work" / "..pkg").mkdir()  # a child whose name starts with '..'
    (tmp_path / "work" / "..pkg" / "widgets.py").write_text(SOURCE)
    proc = flake8_sarif(
        tmp_path / "work", "pkg/widgets.py", "../outside/widgets.py", str(tmp_path / "outside"),
        str(tmp_path / "work" / "..pkg"),
    )
    assert (proc.returncode, proc.stderr) == (1, "")
    log = json.loads(proc.stdout)
    locations = {
        json.dumps(result["locations"][0]["physicalLocation"]["artifactLocation"], sort_keys=True)
        for result in log["runs"][0]["results"]
    }
    assert locations == {
        json.dumps({"uri": "pkg/widgets.py", "uriBaseId": "%SRCROOT%"}, sort_keys=True),
        json.dumps({"uri": (tmp_path / "outside" / "widgets.py").as_uri()}, sort_keys=True),
        json.dumps({"uri": "..pkg/widgets.py", "uriBaseId": "%SRCROOT%"}, sort_keys=True),
    }
