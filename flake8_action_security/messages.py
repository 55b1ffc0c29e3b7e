"""The rule table: code, short name, CWE, message template and fix hint.

Every front end (flake8, pylint, SARIF) reads rule metadata from here, and
every rule formats its message through :meth:`Rule.format`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


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
    "database read {call} fetches by {origin} {ident}{why} with no authorization check",
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
    "use an upsert or catch the duplicate-entry error",
)

RULES: Tuple[Rule, ...] = (ASA001, ASA002, ASA003, ASA004, ASA005)
RULES_BY_CODE: Dict[str, Rule] = {rule.code: rule for rule in RULES}


def quote(text: str, limit: int = 60) -> str:
    """Quote an expression for a message, shortening long ones."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'"
