"""The flake8 front end: options in, findings out; nothing else."""
from __future__ import annotations

import ast
import argparse
import sys
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Tuple

from . import __version__
from .baseline import Baseline, add_baseline_options, baseline_from_options
from .config import CONFIG_ERROR_STATUS, SETTINGS, VOCABULARIES, Config, ConfigError, DEFAULT_CONFIG, build_config
from .model import build_model
from .rules import run_rules


def config_from_options(options: argparse.Namespace) -> Config:
    """Build the Config from parsed flake8 (or pylint) options."""
    replace: Dict[str, Optional[str]] = {}
    extend: Dict[str, Optional[str]] = {}
    for vocab in VOCABULARIES:
        attr = vocab.name.replace("-", "_")
        replace[vocab.name] = _as_text(getattr(options, f"asa_{attr}", None))
        extend[vocab.name] = _as_text(getattr(options, f"asa_extend_{attr}", None))
    settings = {name: _as_text(getattr(options, f"asa_{name}", None)) for name, _, _ in SETTINGS}
    return build_config(replace, extend, **settings)


def _as_text(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


class ActionSecurityChecker:
    """flake8 entry point ``ASA``: builds the module model once, runs every rule."""

    name = "flake8-action-security"
    version = __version__
    config: ClassVar[Config] = DEFAULT_CONFIG
    baseline: ClassVar[Optional[Baseline]] = None

    def __init__(self, tree: ast.AST, filename: str = "-", lines: Optional[List[str]] = None) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines or []

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        for vocab in VOCABULARIES:
            default = ",".join(vocab.default)
            option_manager.add_option(
                f"--asa-{vocab.name}",
                default=None,
                parse_from_config=True,
                help=f"{vocab.help} (default: {default!r}; replaces the defaults)",
            )
            option_manager.add_option(
                f"--asa-extend-{vocab.name}",
                default=None,
                parse_from_config=True,
                help=f"{vocab.help}, added to the defaults",
            )
        for name, default, text in SETTINGS:
            option_manager.add_option(
                f"--asa-{name}", default=None, parse_from_config=True, help=f"{text} (default: {default})"
            )
        add_baseline_options(option_manager)

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        try:
            cls.config = config_from_options(options)
            cls.baseline = baseline_from_options(options)
        except ConfigError as exc:
            print(f"flake8-action-security: {exc}", file=sys.stderr)
            raise SystemExit(CONFIG_ERROR_STATUS) from None

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        module = build_model(self.tree, self.config, self.filename)
        findings = run_rules(module, self.config)
        if self.baseline is not None:
            findings = self.baseline.apply(self.filename, self.lines, self.tree, findings)
        for finding in findings:
            yield finding.line, finding.col, finding.message, type(self)
