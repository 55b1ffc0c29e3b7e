"""Packaging: the metadata setuptools accepts without warnings, and an sdist whose tests run."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Set

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_expression() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # a license table and License classifiers are deprecated since setuptools 77 (PEP 639)
    assert re.findall(r"^license(?:-files)? = .*$", text, re.M) == [
        'license = "Apache-2.0"', 'license-files = ["LICENSE"]',
    ]
    assert "License ::" not in text
    assert re.findall(r"^requires = .*$", text, re.M) == [
        'requires = ["setuptools>=77"]  # 77: the SPDX license expression of PEP 639'
    ]


NEEDED_DIRECTORIES = ("flake8_action_security", "tests", "examples", "docs", "bench")
NEEDED_FILES = (
    "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in", "pyproject.toml", "setup.cfg",
    ".pre-commit-hooks.yaml",
)
NOT_SOURCE = {"__pycache__", ".pytest_cache", ".mypy_cache", ".hypothesis"}


def source_files() -> Set[str]:
    """What the tests may read: the named files and every file of the named directories."""
    files = set(NEEDED_FILES)
    for directory in NEEDED_DIRECTORIES:
        for path in (ROOT / directory).rglob("*"):
            relative = path.relative_to(ROOT)
            if path.is_file() and not NOT_SOURCE & set(relative.parts) and path.suffix != ".pyc":
                files.add(relative.as_posix())
    return files


@pytest.mark.slow
def test_sdist_carries_what_its_tests_need(tmp_path: Path) -> None:
    # build from a copy: setuptools writes its egg-info into the source tree
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", *NOT_SOURCE,
    ))
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "deprecated" not in (proc.stdout + proc.stderr).lower()  # setuptools' license warnings
    (sdist,) = (tmp_path / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        shipped = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    assert sorted(source_files() - shipped) == []
