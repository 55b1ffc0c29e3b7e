"""``python -m flake8_action_security``: list the rules, explain one.

    python -m flake8_action_security rules
    python -m flake8_action_security explain ASA003   (or W5103, or asa-unhandled-db-error)
"""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from . import __version__
from .messages import RULES, find_rule
from .rule_docs import read_rule_page

PROG = "python -m flake8_action_security"
USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Rules of the flake8-action-security plugin."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    commands.add_parser("rules", help="list every rule: code, name, CWE, title")
    explain = commands.add_parser("explain", help="print a rule's documentation page")
    explain.add_argument(
        "code", metavar="RULE",
        help="a rule code (ASA003), pylint message id (W5103) or name (asa-unhandled-db-error)",
    )
    return parser


def list_rules() -> str:
    """One line per rule: code, name, CWE, title, in aligned columns."""
    name_width = max(len(rule.name) for rule in RULES)
    cwe_width = max(len(rule.cwe_id) for rule in RULES)
    return "".join(
        f"{rule.code}  {rule.name:<{name_width}}  {rule.cwe_id:<{cwe_width}}  {rule.title}\n"
        for rule in RULES
    )


def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "rules":
        sys.stdout.write(list_rules())
        return 0
    rule = find_rule(args.code)
    if rule is None:
        known = ", ".join(rule.code for rule in RULES)
        return _fail(f"unknown rule {args.code!r}; the rules are {known}", USAGE_ERROR)
    code = rule.code
    page = read_rule_page(code)
    if page is None:
        return _fail(f"the page of {code} is not installed; reinstall the package", 1)
    sys.stdout.write(page if page.endswith("\n") else page + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
