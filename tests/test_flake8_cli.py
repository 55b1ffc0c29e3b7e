"""End-to-end: the real flake8 command loads the plugin, its options and noqa."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from flake8_action_security import __version__
from flake8_action_security.config import VOCABULARIES

SOURCE = textwrap.dedent(
    """\
    from myapp.db import api as db
    import sqlalchemy  # the module talks to a database: receiver names count

    def widget_names(context, name):
        return db.widget_list(context, name)


    def repo_names(repo, name):
        return repo.widget_list(name)
    """
)


def flake8(cwd: Path, *args: str) -> Tuple[int, List[str], str]:
    proc = subprocess.run(
        # the sample is an object layer: its findings are in the review lens
        [sys.executable, "-m", "flake8", "--asa-confidence=low", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )
    return proc.returncode, proc.stdout.splitlines(), proc.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "widgets.py").write_text(SOURCE)
    return tmp_path


def test_version_lists_the_plugin(project: Path) -> None:
    code, out, _ = flake8(project, "--version")
    assert code == 0
    assert f"flake8-action-security: {__version__}" in " ".join(out)


def test_select_reports_through_the_entry_point(project: Path) -> None:
    code, out, _ = flake8(project, "--select=ASA", "widgets.py")
    assert code == 1
    assert out == [
        "widgets.py:5:12: ASA003 database call 'db.widget_list' has no error handling; "
        "catch the DB error and return a generic failure (CWE-755)"
    ]


def test_noqa_silences_the_code(project: Path) -> None:
    path = project / "widgets.py"
    path.write_text(SOURCE.replace("(context, name)\n", "(context, name)  # noqa: ASA003\n", 1))
    assert flake8(project, "--select=ASA", "widgets.py")[:2] == (0, [])


def test_extend_option_on_the_command_line(project: Path) -> None:
    code, out, _ = flake8(project, "--select=ASA", "--asa-extend-db-receivers=repo", "widgets.py")
    assert code == 1
    assert [line.split(" ")[0] for line in out] == ["widgets.py:5:12:", "widgets.py:9:12:"]


@pytest.mark.parametrize("config_file", ["setup.cfg", "tox.ini", ".flake8"])
def test_options_from_config_files(project: Path, config_file: str) -> None:
    (project / config_file).write_text(
        "[flake8]\nselect = ASA\nasa-db-receivers =\n    repo\nasa-db-modules = other.*\n"
    )
    code, out, _ = flake8(project, "widgets.py")
    # the db module default was replaced, the receiver list too: only repo.* remains
    assert code == 1
    assert [line.split(" ")[0] for line in out] == ["widgets.py:9:12:"]


def test_bad_regex_is_one_clean_line(project: Path) -> None:
    code, out, err = flake8(project, "--select=ASA", "--asa-id-params=(unclosed", "widgets.py")
    assert (code, out) == (2, [])
    assert err.splitlines() == [
        "flake8-action-security: --asa-id-params: invalid regular expression '(unclosed': "
        "missing ), unterminated subpattern at position 0"
    ]


def test_an_inline_flag_works_as_written(project: Path) -> None:
    (project / "widgets.py").write_text(
        "from myapp.db import api as db\n\n\ndef show(context, Widget_ID):\n"
        "    return db.widget_get(context, Widget_ID)\n"
    )
    code, out, err = flake8(project, "--isolated", "--select=ASA001", "--asa-id-params=(?i)_id$", "widgets.py")
    assert (code, err) == (1, "")
    assert out == [
        "widgets.py:5:12: ASA001 database read 'db.widget_get' fetches by caller-supplied 'Widget_ID' "
        "with no authorization check (no request handler in this file reaches it: low); check the caller's "
        "rights first (e.g. context.can(...)) or scope the query to the caller's project or user (CWE-639)"
    ]


@pytest.mark.parametrize("options, message", [
    (["--asa-id-params=a{1,99999999999}"],
     "--asa-id-params: invalid regular expression 'a{1,99999999999}': the repetition number is too large"),
    (["--asa-id-params=(?P<part>id)$", "--asa-extend-id-params=(?P<part>uuid)$"],
     "--asa-extend-id-params: group name 'part' is already used by --asa-id-params"),
    (["--asa-extend-id-params=(a+)+$"],
     "--asa-extend-id-params: regular expression '(a+)+$' can take exponential time on a long name: "
     "a quantified part of a repeated group can also match what follows it; "
     "rewrite it so that each name matches in only one way"),
], ids=["overflow", "duplicate-group", "catastrophic"])
def test_hostile_regex_is_one_line_and_status_2(project: Path, options: List[str], message: str) -> None:
    # a parameter name that '(a+)+$' would take minutes to reject
    (project / "widgets.py").write_text(
        "from myapp.db import api as db\n\n\ndef show(context, aaaaaaaaaaaaaaaaaaaaaaaaaaaa_b):\n"
        "    return db.widget_get(context, aaaaaaaaaaaaaaaaaaaaaaaaaaaa_b)\n"
    )
    assert flake8(project, "--isolated", "--select=ASA", *options, "widgets.py") == (
        2, [], f"flake8-action-security: {message}\n"
    )


MALFORMED = {
    "regex": "(unclosed",
    "names": "two words",
    "modules": "my-app.db",
}


@pytest.mark.parametrize("extend", [False, True], ids=["replace", "extend"])
@pytest.mark.parametrize("vocab", VOCABULARIES, ids=[v.name for v in VOCABULARIES])
def test_every_malformed_option_names_itself(project: Path, vocab, extend: bool) -> None:
    option = f"--asa-{'extend-' if extend else ''}{vocab.name}"
    (project / "setup.cfg").write_text(f"[flake8]\n{option[2:]} = {MALFORMED[vocab.shape]}\n")
    code, out, err = flake8(project, "--select=ASA", "widgets.py")
    assert (code, out) == (2, [])
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"flake8-action-security: {option}: ")


def test_file_python_cannot_parse_is_flake8s_e999(project: Path) -> None:
    (project / "broken.py").write_text("def broken(:\n    db.widget_list()\n")
    code, out, err = flake8(project, "--select=ASA,E999", "broken.py")
    assert code == 1
    assert "Traceback" not in err
    assert len(out) == 1 and " E999 " in out[0]


ROOT = Path(__file__).resolve().parents[1]


def readme_example_output() -> List[str]:
    """The output the README shows for its first command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Output of the first command above, at the default threshold:\n\n```\n", 1)[1]
    block = block.split("```", 1)[0]
    return block.splitlines()


@pytest.mark.parametrize("target", ["examples", "examples/", "./examples"])
def test_examples_are_linted_however_the_directory_is_spelled(target: str) -> None:
    # run where the project's own setup.cfg applies, as the README's first command does
    code, out, err = flake8(ROOT, "--select=ASA", "--asa-confidence=medium", target)  # the default, as the README
    assert (code, err) == (1, "")
    assert [line.replace("./examples/", "examples/", 1) for line in out] == readme_example_output()
    assert len(out) == 6
