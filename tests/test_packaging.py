"""Packaging: the metadata setuptools accepts without warnings, and an sdist whose tests run."""
from __future__ import annotations

import re
from pathlib import Path

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
