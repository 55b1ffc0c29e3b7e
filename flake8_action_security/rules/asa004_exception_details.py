"""ASA004: traceback text or exception details stored in the DB or sent in a response (CWE-209)."""
from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..messages import ASA004, quote
from ..model import TRACEBACK, Module, Value
from ..syntax import render
from . import Finding

# SPEC makes a stored traceback medium. On four real projects the stored tracebacks and error texts
# were nearly all job-status and audit records (a FAILED status plus its reason, shown to admins
# or behind a setting); a reviewer judged none of 14 worth acting on. They stay in the review lens.
STORED_LEVEL = "low"


def _what(value: Value) -> str:
    return "traceback text" if value.taint == TRACEBACK else "exception details"


def _finding(value: Value, line: int, col: int, sink: str, level: str) -> Finding:
    return Finding(line, col, ASA004.code,
                   ASA004.format(what=_what(value), expr=quote(render(value.expr), 40), sink=sink), level)


def check(module: Module, config: Config) -> Iterator[Finding]:
    for record in module.records:
        if record.reaches is None:
            continue
        sink = f"is stored in the database by {quote(record.reaches.name)}"
        for value in record.values:
            if value.taint is not None:
                yield _finding(value, *value.position, sink, STORED_LEVEL)
    for store in module.stores:
        if store.reaches is not None and store.value.taint is not None:
            sink = f"is stored in the database by {quote(store.reaches.name)}"
            yield _finding(store.value, *store.value.position, sink, STORED_LEVEL)
    for call in module.db_calls:
        sink = f"is stored in the database by {quote(call.name)}"
        for value in call.arguments:
            if value.taint is not None:
                yield _finding(value, *value.position, sink, STORED_LEVEL)
    for response in module.responses:
        sink = f"is sent to the client in {quote(response.name)}"
        for value in response.values:
            level = "high" if value.taint == TRACEBACK or value.db_error else "low"
            yield _finding(value, *value.position, sink, level)
