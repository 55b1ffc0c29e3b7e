"""The five rules; each is a pure function ``(module, config) -> findings`` with a confidence."""
from __future__ import annotations

from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ..config import Config
from ..model import Module

LEVELS: Dict[str, int] = {"low": 0, "medium": 1, "high": 2}


class Finding(NamedTuple):
    line: int
    col: int  # 0-based, as ast gives it
    code: str
    message: str
    confidence: str = "medium"  # "low", "medium" or "high" (SPEC section 0)


RuleFunction = Callable[[Module, Config], Iterable[Finding]]


def _all_rules() -> Tuple[RuleFunction, ...]:
    from .asa001_unauthorized_fetch import check as asa001
    from .asa002_unvalidated_record import check as asa002
    from .asa003_unhandled_db_error import check as asa003
    from .asa004_exception_details import check as asa004
    from .asa005_check_then_act import check as asa005

    return (asa001, asa002, asa003, asa004, asa005)


ALL_RULES: Tuple[RuleFunction, ...] = _all_rules()


def run_rules(module: Module, config: Config, threshold: Optional[str] = None) -> List[Finding]:
    """Every finding at or above the threshold (default: the configured one), one per (line, col, code)."""
    floor = LEVELS[threshold or config.confidence]
    best: Dict[Tuple[int, int, str], Finding] = {}
    for rule in ALL_RULES:
        for finding in rule(module, config):
            key = (finding.line, finding.col, finding.code)
            kept = best.get(key)
            if kept is None or LEVELS[finding.confidence] > LEVELS[kept.confidence]:
                best[key] = finding
    return sorted(f for f in best.values() if LEVELS[f.confidence] >= floor)
