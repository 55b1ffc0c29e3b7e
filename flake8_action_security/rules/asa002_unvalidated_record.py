"""ASA002: unvalidated external input packed into a record written to the DB (CWE-20)."""
from __future__ import annotations

from typing import Iterator, List

from ..config import Config
from ..messages import ASA002, quote
from ..model import Module
from . import Finding

MAX_NAMED_SOURCES = 3


def _sources_text(sources: List[str]) -> str:
    shown = ", ".join(quote(s, 40) for s in sources[:MAX_NAMED_SOURCES])
    more = len(sources) - MAX_NAMED_SOURCES
    return shown + (f" and {more} more" if more > 0 else "")


def check(module: Module, config: Config) -> Iterator[Finding]:
    for record in module.records:
        if record.reaches is None:
            continue
        offending = [v for v in record.values if v.source is not None]
        if not offending:
            continue
        if record.form == "keywords":
            line, col = offending[0].position
        else:
            line, col = record.node.lineno, record.node.col_offset
        sources = [v.source for v in offending if v.source is not None]
        yield Finding(
            line, col, ASA002.code,
            ASA002.format(write=quote(record.reaches.name), sources=_sources_text(sources)),
        )
    for store in module.subscript_stores:
        if store.reaches is None or store.value.source is None:
            continue
        yield Finding(
            store.node.lineno, store.node.col_offset, ASA002.code,
            ASA002.format(write=quote(store.reaches.name), sources=_sources_text([store.value.source])),
        )
