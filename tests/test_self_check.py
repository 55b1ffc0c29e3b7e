"""The package passes its own style (flake8 under setup.cfg) and type (mypy --strict) checks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_flake8_passes_on_the_project() -> None:
    targets = [name for name in ("flake8_action_security", "tests", "bench") if (ROOT / name).is_dir()]
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", *targets],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert (proc.returncode, proc.stdout) == (0, "")


def test_mypy_passes_on_the_package() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout
