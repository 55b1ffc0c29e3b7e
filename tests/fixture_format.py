"""The fixture convention: expectations written as comments in plain Python.

A line that must be reported ends with the codes it must get:
``db.x_get(ctx, x_id)  # ASA001 ASA003``, optionally with the column flake8
prints: ``# ASA003:12``. ``# +1: ASA003`` puts the expectation on the line
below. A first-line header ``# asa-options: --asa-extend-db-receivers=repo``
passes options. Every other line must get nothing.
"""
from __future__ import annotations

import io
import re
import shlex
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

Expectation = Tuple[int, str, Optional[int]]  # line, code, 1-based column or None

# "# ASA001 ASA003:12", "# ASA001 low: ASA003", "# low: ASA003", "# +1: ASA003"
_EXPECT = re.compile(
    r"#\s*(?:\+(\d+):\s*)?((?:ASA\d{3}(?::\d+)?\s*)*)(?:low:\s*((?:ASA\d{3}(?::\d+)?\s*)+))?$"
)
_CODE = re.compile(r"(ASA\d{3})(?::(\d+))?")
_OPTIONS = re.compile(r"^#\s*asa-options:\s*(.*)$")
_MIN_PYTHON = re.compile(r"^#\s*asa-min-python:\s*(\d+)\.(\d+)\s*$", re.MULTILINE)


def expectations(source: str, level: str = "medium") -> Set[Expectation]:
    """What must be reported at the default threshold (``level="medium"``), or only in the
    review lens (``level="low"``)."""
    expected: Set[Expectation] = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _EXPECT.search(token.string.strip())
        if not match or not (match.group(2) or match.group(3)):
            continue
        line = token.start[0] + int(match.group(1) or 0)
        codes = match.group(2) if level == "medium" else match.group(3)
        for code, col in _CODE.findall(codes or ""):
            expected.add((line, code, int(col) if col else None))
    return expected


def options(source: str) -> List[str]:
    first = source.split("\n", 1)[0]
    match = _OPTIONS.match(first.strip())
    return shlex.split(match.group(1)) if match else []


def min_python(source: str) -> Tuple[int, int]:
    """A ``# asa-min-python: 3.12`` header: the fixture needs that Python to parse."""
    match = _MIN_PYTHON.search("\n".join(source.split("\n", 3)[:3]))
    return (int(match.group(1)), int(match.group(2))) if match else (3, 0)


def option_values(argv: List[str]) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Split ``--asa-x=v`` / ``--asa-extend-x=v`` arguments into replace/extend maps."""
    replace: Dict[str, str] = {}
    extend: Dict[str, str] = {}
    for arg in argv:
        name, _, value = arg.partition("=")
        name = name[len("--asa-"):]
        if name.startswith("extend-"):
            extend[name[len("extend-"):]] = value
        else:
            replace[name] = value
    return replace, extend


def compare(expected: Set[Expectation], found: Set[Tuple[int, str, int]]) -> Tuple[list, list]:
    """(missing, unexpected), honouring expectations that give no column."""
    with_col = {(line, code, col) for line, code, col in expected if col is not None}
    without_col = {(line, code) for line, code, col in expected if col is None}
    missing = sorted(
        [e for e in with_col if e not in found]
        + [(line, code, None) for line, code in without_col
           if not any(f[0] == line and f[1] == code for f in found)]
    )
    unexpected = sorted(
        f for f in found
        if f not in with_col and (f[0], f[1]) not in without_col
    )
    return missing, unexpected


FIXTURES = Path(__file__).parent / "fixtures"


def fixture_files() -> List[Path]:
    return sorted(FIXTURES.rglob("*.py"))
