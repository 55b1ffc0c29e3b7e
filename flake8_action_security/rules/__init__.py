"""The five rules; each is a pure function ``(module, config) -> findings``."""
from __future__ import annotations

from typing import Callable, Iterable, List, NamedTuple, Tuple

from ..config import Config
from ..model import Module


class Finding(NamedTuple):
    line: int
    col: int  # 0-based, as ast gives it
    code: str
    message: str


RuleFunction = Callable[[Module, Config], Iterable[Finding]]


def _all_rules() -> Tuple[RuleFunction, ...]:
    from .asa001_unauthorized_fetch import check as asa001
    from .asa002_unvalidated_record import check as asa002
    from .asa003_unhandled_db_error import check as asa003
    from .asa004_exception_details import check as asa004
    from .asa005_check_then_act import check as asa005

    return (asa001, asa002, asa003, asa004, asa005)


ALL_RULES: Tuple[RuleFunction, ...] = _all_rules()


def run_rules(module: Module, config: Config) -> List[Finding]:
    """Every finding of every rule, deduplicated and in a stable order."""
    seen = set()
    findings = []
    for rule in ALL_RULES:
        for finding in rule(module, config):
            key = (finding.line, finding.col, finding.code)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    findings.sort()
    return findings
