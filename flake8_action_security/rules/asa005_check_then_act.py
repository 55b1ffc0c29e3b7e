"""ASA005: an existence check followed by a write with no lock or upsert (CWE-367)."""
from __future__ import annotations

import bisect
from typing import Dict, Iterator, List

from ..config import Config
from ..messages import ASA005, quote
from ..model import REMOVAL_VERBS, DbCall, Function, Module
from . import Finding

DUPLICATE_ERRORS = ("DBDuplicateEntry", "IntegrityError")


def _catches_duplicates(call: DbCall) -> bool:
    return any(name in DUPLICATE_ERRORS or "Duplicate" in name for name in call.caught)


def _only_removes(call: DbCall) -> bool:
    return bool(call.write_verbs) and call.write_verbs <= REMOVAL_VERBS


def _racy_writes(function: Function) -> List[int]:
    """Indexes into function.writes of the creates and updates that nothing makes atomic."""
    return [
        index for index, write in enumerate(function.writes)
        if not write.upsert and not _catches_duplicates(write) and not _only_removes(write)
    ]


def check(module: Module, config: Config) -> Iterator[Finding]:
    racy: Dict[int, List[int]] = {}
    blamed = set()  # a write is named by one check only: the first unguarded one before it
    for chk in module.checks:
        function = chk.function
        if chk.locked or chk.for_update or function.lock_decorated:
            continue
        indexes = racy.get(id(function))
        if indexes is None:
            indexes = racy[id(function)] = _racy_writes(function)
        at = bisect.bisect_left(indexes, chk.first_write)
        if at == len(indexes) or indexes[at] >= chk.stop_write:
            continue
        write = function.writes[indexes[at]]
        if id(write) in blamed:
            continue
        blamed.add(id(write))
        yield Finding(
            chk.node.lineno, chk.node.col_offset, ASA005.code,
            ASA005.format(write=quote(write.name), line=write.node.lineno),
        )
