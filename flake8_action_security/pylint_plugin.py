"""The pylint front end: ``pylint --load-plugins=flake8_action_security.pylint_plugin``.

The checker is a raw checker: it takes the module's source from the astroid
module pylint hands it, parses it once with :mod:`ast` and runs the same
model and rules as the flake8 plugin, so the two front ends cannot disagree.
No rule is re-implemented on astroid nodes.

Messages ``W5101``..``W5105`` (pylint's range 51-99 is reserved for external
checkers) carry the symbols of :data:`messages.RULES`, so
``# pylint: disable=asa-unhandled-db-error`` works. The ``--asa-*`` options
are the flake8 plugin's, read from the command line, a pylintrc or
``[tool.pylint]``.

This module imports pylint; nothing on the flake8 path imports this module.
"""
from __future__ import annotations

import ast
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from pylint.checkers import BaseRawFileChecker

from .config import SETTINGS, VOCABULARIES, Config, ConfigError
from .messages import PYLINT_MESSAGE_IDS, RULES, RULES_BY_CODE
from .model import build_model
from .plugin import config_from_options
from .rules import run_rules

if TYPE_CHECKING:
    from pylint.lint import PyLinter
    from pylint.typing import MessageDefinitionTuple, OptionDict, Options

MESSAGE_IDS: Dict[str, str] = PYLINT_MESSAGE_IDS
"""ASA code -> pylint message id."""

USAGE_ERROR = 32
"""pylint's exit status for a usage error (a bad option value)."""


def _messages() -> Dict[str, MessageDefinitionTuple]:
    return {
        MESSAGE_IDS[rule.code]: (
            "%s",
            rule.name,
            f"{rule.code}: {rule.title}; {rule.fix} ({rule.cwe_id}).",
        )
        for rule in RULES
    }


def _options() -> Options:
    options: List[Tuple[str, OptionDict]] = []
    for vocab in VOCABULARIES:
        default = ",".join(vocab.default)
        metavar = "<regex>" if vocab.shape == "regex" else "<comma-separated names>"
        options.append((
            f"asa-{vocab.name}",
            {
                "default": None,
                "type": "string",
                "metavar": metavar,
                "help": f"{vocab.help} (default: {default!r}; replaces the defaults)",
            },
        ))
        options.append((
            f"asa-extend-{vocab.name}",
            {
                "default": None,
                "type": "string",
                "metavar": metavar,
                "help": f"{vocab.help}, added to the defaults",
            },
        ))
    for name, default, text in SETTINGS:
        options.append((
            f"asa-{name}",
            {"default": None, "type": "string", "metavar": "<word>", "help": f"{text} (default: {default})"},
        ))
    return tuple(options)


def _option_values(namespace: Any) -> Tuple[Optional[object], ...]:
    values: List[Optional[object]] = []
    for vocab in VOCABULARIES:
        attr = vocab.name.replace("-", "_")
        values.append(getattr(namespace, f"asa_{attr}", None))
        values.append(getattr(namespace, f"asa_extend_{attr}", None))
    values.extend(getattr(namespace, f"asa_{name}", None) for name, _, _ in SETTINGS)
    return tuple(values)


def _usage_error(exc: ConfigError) -> SystemExit:
    print(f"flake8-action-security: {exc}", file=sys.stderr)
    return SystemExit(USAGE_ERROR)


class ActionSecurityPylintChecker(BaseRawFileChecker):
    """Runs the five ASA rules on each module pylint checks."""

    name = "action-security"
    msgs = _messages()
    options = _options()

    def __init__(self, linter: PyLinter) -> None:
        super().__init__(linter)
        # pylint may switch the config namespace per directory; the compiled
        # Config is cached per distinct set of option values.
        self._configs: Dict[Tuple[Optional[object], ...], Config] = {}

    def asa_config(self) -> Config:
        """The Config for the options now in force; a bad value exits pylint."""
        namespace = self.linter.config
        key = _option_values(namespace)
        config = self._configs.get(key)
        if config is None:
            try:
                config = config_from_options(namespace)
            except ConfigError as exc:
                raise _usage_error(exc) from None
            self._configs[key] = config
        return config

    def process_module(self, node: Any) -> None:
        """Parse the module's source with ``ast`` and report every finding."""
        stream = node.stream()
        if stream is None:  # a module astroid built without source
            return
        with stream:
            data = stream.read()
        # astroid says which encoding it decoded the file with ("utf-8-sig"
        # drops a BOM, as flake8 does), so positions match flake8's.
        encoding = node.file_encoding or "utf-8"
        try:
            tree = ast.parse(data.decode(encoding), node.file or "<unknown>")
        except (SyntaxError, ValueError, LookupError):
            return  # pylint reports syntax and encoding errors itself
        config = self.asa_config()
        for finding in run_rules(build_model(tree, config, node.file or ""), config):
            self.add_message(
                RULES_BY_CODE[finding.code].name,
                line=finding.line,
                col_offset=finding.col,
                args=finding.message,
            )


def register(linter: PyLinter) -> None:
    """pylint's plugin hook: add the checker."""
    linter.register_checker(ActionSecurityPylintChecker(linter))


def load_configuration(linter: PyLinter) -> None:
    """pylint's hook after options are read: reject a bad value before any file."""
    for checker in linter.get_checkers():
        if isinstance(checker, ActionSecurityPylintChecker):
            checker.asa_config()
