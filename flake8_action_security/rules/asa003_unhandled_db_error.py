"""ASA003: a DB failure left unhandled: missing row, swallowed write, no handler (CWE-755)."""
from __future__ import annotations

import ast
from typing import FrozenSet, Iterator

from ..config import Config
from ..messages import ASA003, quote
from ..model import REQUEST, DbCall, Module
from ..syntax import last_name
from . import Finding
from .confidence import handler_of, handler_phrase

BROAD_EXCEPTIONS = frozenset({"*", "Exception", "BaseException"})
# Decorators that map a missing row to a 404 on the way out.
NOTFOUND_MAPPERS = frozenset({"expected_errors", "errorhandler"})


def _maps_404(decorator: ast.expr) -> bool:
    """``@app.errorhandler(...)``, or ``@wsgi.expected_errors((400, 404))`` listing 404."""
    name = last_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
    if name not in NOTFOUND_MAPPERS:
        return False
    if name != "expected_errors":
        return True
    codes = [c.value for arg in getattr(decorator, "args", ()) for c in ast.walk(arg) if isinstance(c, ast.Constant)]
    return 404 in codes


def handles_db_errors(caught: FrozenSet[str], config: Config) -> bool:
    return any(name in BROAD_EXCEPTIONS or config.db_exceptions(name) for name in caught)


def _handles_missing_row(call: DbCall, config: Config) -> bool:
    if any(name in BROAD_EXCEPTIONS or config.notfound_exceptions(name) for name in call.caught):
        return True
    function = call.function
    while function is not None:
        if any(_maps_404(d) for d in getattr(function.node, "decorator_list", ())):
            return True
        function = function.parent  # type: ignore[assignment]
    return False


def check(module: Module, config: Config) -> Iterator[Finding]:
    for call in module.db_calls:
        if not call.executes or call.in_class_body or call.handled_lookup:
            continue
        line, col = call.position
        handled = call.function.error_decorated or handles_db_errors(call.caught, config)
        if call.raising and call.key_origin is not None and not _handles_missing_row(call, config):
            handler = handler_of(call.function)
            level = "high" if call.key_origin == REQUEST and handler is not None else "low"
            where = handler_phrase(call.function) if level == "high" else ""
            yield Finding(line, col, ASA003.code,
                          ASA003.format(call=quote(call.name), what="raises when the row is missing" + where,
                                        fix="catch the not-found error and answer 404"), level)
        elif handled:
            if call.swallowed is not None and call.kind == "write":
                # a handler that logs is most often deliberate best effort (analytics, optional
                # stats): review lens; one that only passes loses the write without a trace
                silent = call.swallowed == "silent"
                what = ("is inside a handler that only passes, so a failed write is silently lost" if silent
                        else "is inside a handler that only logs, so a failed write is lost")
                yield Finding(line, col, ASA003.code,
                              ASA003.format(call=quote(call.name), what=what,
                                            fix="re-raise, roll back or return an error"),
                              "medium" if silent else "low")
        else:
            yield Finding(line, col, ASA003.code,
                          ASA003.format(call=quote(call.name), what="has no error handling",
                                        fix="catch the DB error and return a generic failure"), "low")
