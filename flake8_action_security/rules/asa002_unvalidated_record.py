"""ASA002: unvalidated external input packed into a record written to the DB (CWE-20)."""
from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Sequence

from ..config import Config
from ..messages import ASA002, quote
from ..model import ORIGIN_RANK, TRUSTED, Function, Module, Store, Value
from . import LEVELS, Finding
from .confidence import handler_phrase, value_level

MAX_NAMED_SOURCES = 3


def _sources_text(sources: List[str]) -> str:
    shown = ", ".join(quote(s, 40) for s in sources[:MAX_NAMED_SOURCES])
    more = len(sources) - MAX_NAMED_SOURCES
    return shown + (f" and {more} more" if more > 0 else "")


def _finding(line: int, col: int, write: str, values: Sequence[Value], function: Function,
             module: Module) -> Finding:
    level = max((value_level(function, v.origin, module) for v in values), key=LEVELS.__getitem__)
    ordered = sorted(values, key=lambda v: -ORIGIN_RANK.get(v.origin or "", 0))
    untrusted = [v for v in ordered if v.origin != TRUSTED]
    sources = [v.source for v in (untrusted or ordered) if v.source is not None]
    why = handler_phrase(function) if level != "low" else ""
    return Finding(line, col, ASA002.code,
                   ASA002.format(write=quote(write), sources=_sources_text(sources), why=why), level)


def check(module: Module, config: Config) -> Iterator[Finding]:
    for record in module.records:
        if record.reaches is None:
            continue
        offending = [v for v in record.values if v.origin is not None]
        if not offending:
            continue
        if record.form == "keywords":
            line, col = offending[0].position
        else:
            line, col = record.node.lineno, record.node.col_offset
        yield _finding(line, col, record.reaches.name, offending, record.function, module)
    by_write: Dict[int, List[Store]] = {}
    for store in module.stores:
        if store.reaches is None or store.value.origin is None:
            continue
        if isinstance(store.node, ast.Subscript):
            yield _finding(store.node.lineno, store.node.col_offset, store.reaches.name, [store.value],
                           store.function, module)
        else:  # obj.a = x; obj.b = y; obj.save(): one record, one finding at its first offending store
            by_write.setdefault(id(store.reaches), []).append(store)
    for stores in by_write.values():
        first = stores[0]
        assert first.reaches is not None
        yield _finding(first.node.lineno, first.node.col_offset, first.reaches.name,
                       [s.value for s in stores], first.function, module)
