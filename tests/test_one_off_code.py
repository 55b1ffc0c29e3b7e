"""Code that runs once from a command line (scripts, example loaders, nova-manage) races nobody."""
from __future__ import annotations

import ast

import pytest

from flake8_action_security.config import build_config
from flake8_action_security.model import build_model
from flake8_action_security.rules import run_rules

SOURCE = """\
from shop.models import Profile


def ensure_profile(user_id):
    if not Profile.objects.filter(user_id=user_id).exists():
        Profile.objects.create(user_id=user_id)
"""
LOW = build_config(confidence="low")


@pytest.mark.parametrize("filename, level", [
    ("shop/services.py", "medium"),
    ("shop/examples/load_demo.py", "low"),
    ("shop/management/commands/seed.py", "low"),
    ("nova/cmd/manage.py", "low"),
    ("shop/commands/create_order.py", "medium"),  # a command pattern in the request path, not a CLI
])
def test_asa005_level_by_path(filename: str, level: str) -> None:
    findings = run_rules(build_model(ast.parse(SOURCE), LOW, filename), LOW)
    assert [(f.line, f.code, f.confidence) for f in findings if f.code == "ASA005"] == [(5, "ASA005", level)]
