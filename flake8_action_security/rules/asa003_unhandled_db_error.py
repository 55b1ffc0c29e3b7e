"""ASA003: a DB-layer call with no error handling around it (CWE-755)."""
from __future__ import annotations

from typing import FrozenSet, Iterator

from ..config import Config
from ..messages import ASA003, quote
from ..model import DbCall, Module
from . import Finding

BROAD_EXCEPTIONS = frozenset({"*", "Exception", "BaseException"})


def handles_db_errors(caught: FrozenSet[str], config: Config) -> bool:
    return any(name in BROAD_EXCEPTIONS or config.db_exceptions(name) for name in caught)


def is_handled(call: DbCall, config: Config) -> bool:
    return call.function.error_decorated or handles_db_errors(call.caught, config)


def check(module: Module, config: Config) -> Iterator[Finding]:
    for call in module.db_calls:
        if call.in_class_body or is_handled(call, config):
            continue
        line, col = call.position
        yield Finding(line, col, ASA003.code, ASA003.format(call=quote(call.name)))
