"""The rule table: code, short name, CWE, message template and fix hint.

Every front end (flake8, pylint, SARIF) reads rule metadata from here, and
every rule formats its message through :meth:`Rule.format`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # symbolic name, also the pylint message symbol
    cwe: int
    title: str  # short description
    template: str  # the finding, with {placeholders}
    fix: str  # what to do, one clause

    def format(self, **values: object) -> str:
        fix = self.fix.format(**values)
        return f"{self.code} {self.template.format(**values)}; {fix} (CWE-{self.cwe})"

    @property
    def cwe_id(self) -> str:
        return f"CWE-{self.cwe}"


ASA001 = Rule(
    "ASA001",
    "asa-unauthorized-fetch",
    639,
    "record fetched by caller-supplied id without authorization",
    "database read {call}{where} fetches by {origin} {ident} with no authorization check{why}",
    "check the caller's rights first (e.g. context.can(...)) or scope the query "
    "to the caller's project or user",
)
ASA002 = Rule(
    "ASA002",
    "asa-unvalidated-record",
    20,
    "unvalidated external input packed into a DB write",
    "record written by {write}{why} packs unvalidated {sources}",
    "validate or convert each value before it reaches the database",
)
ASA003 = Rule(
    "ASA003",
    "asa-unhandled-db-error",
    755,
    "DB call without error handling",
    "database call {call} {what}",
    "{fix}",
)
ASA004 = Rule(
    "ASA004",
    "asa-exception-details-exposed",
    209,
    "traceback or exception details stored or exposed",
    "{what} {expr} {sink}",
    "log it server-side and store or send a generic message instead",
)
ASA005 = Rule(
    "ASA005",
    "asa-check-then-act",
    367,
    "check-then-act race on a record",
    "{check} then {write} (line {line}) without a lock or atomic upsert",
    "{fix}",
)

RULES: Tuple[Rule, ...] = (ASA001, ASA002, ASA003, ASA004, ASA005)
RULES_BY_CODE: Dict[str, Rule] = {rule.code: rule for rule in RULES}

PYLINT_MESSAGE_IDS: Dict[str, str] = {rule.code: f"W51{index:02d}" for index, rule in enumerate(RULES, 1)}
"""ASA code -> pylint message id (pylint's range 51-99 is for external checkers)."""


def find_rule(name: str) -> Optional[Rule]:
    """The rule a user names by its code (ASA003), pylint id (W5103) or symbol
    (asa-unhandled-db-error), in any case."""
    wanted = name.strip().lower()
    for rule in RULES:
        if wanted in (rule.code.lower(), PYLINT_MESSAGE_IDS[rule.code].lower(), rule.name):
            return rule
    return None


def quote(text: str, limit: int = 60) -> str:
    """Quote an expression for a message, shortening long ones."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"
