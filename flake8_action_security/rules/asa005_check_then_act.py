"""ASA005: a check on a record followed by a create or state write with no lock or upsert (CWE-367)."""
from __future__ import annotations

from typing import Iterator, Optional

from ..config import Config
from ..messages import ASA005, quote
from ..model import Check, DbCall, Module
from . import Finding
from .confidence import handler_of

DUPLICATE_ERRORS = ("DBDuplicateEntry", "IntegrityError")
REMOVAL_VERBS = frozenset({"delete", "destroy", "remove", "purge", "archive"})
NOT_THE_WRITE = frozenset({"commit", "flush"})
FIX_TEXT = {
    "absence": "use an upsert or catch the duplicate-entry error",
    "memory": "use an upsert or catch the duplicate-entry error",
    "state": "make the write conditional on the old state (and check its row count) or read with a lock",
}
KIND_TEXT = {"absence": "existence check", "state": "state check", "memory": "in-memory check"}


def _catches_duplicates(call: DbCall) -> bool:
    # nova's ServiceTopicExists, *AlreadyExists: the duplicate is caught under a domain name
    return any(name in DUPLICATE_ERRORS or "Duplicate" in name or name.endswith("Exists")
               for name in call.caught)


def _racy(check: Check, write: DbCall) -> bool:
    if write.upsert or _catches_duplicates(write) or not write.methods or write.methods[-1] in NOT_THE_WRITE:
        return False
    if write.write_verbs and write.write_verbs <= REMOVAL_VERBS:
        return False
    if write.insert:
        if check.kind == "absence" and check.models and write.model and write.model not in check.models:
            return False  # "the database exists, so add a dataset": a precondition, not a duplicate guard
        return check.kind != "state" or check.guard
    if check.kind == "state" and check.state_field is not None and check.guard:
        return check.state_field in write.fields and check.state_field not in write.filter_fields
    return False


def _first_racy_write(check: Check) -> Optional[DbCall]:
    writes = check.function.writes
    stop = check.stop_write if check.stop_write >= 0 else len(writes)
    for write in writes[check.first_write:stop]:
        if _racy(check, write):
            return write
    return None


def check(module: Module, config: Config) -> Iterator[Finding]:
    blamed = set()  # a write is named by one check only: the first unguarded one before it
    for chk in module.checks:
        function = chk.function
        if chk.locked or chk.for_update or function.lock_decorated:
            continue
        write = _first_racy_write(chk)
        if write is None or id(write) in blamed:
            continue
        if write.insert and write.model in module.unique_models:
            continue  # the model declares a unique column: the database refuses the duplicate
        blamed.add(id(write))
        in_handler = handler_of(function) is not None
        if chk.kind == "memory" or (module.one_off and not in_handler):
            level = "low"  # in-memory checks; code that runs once from a command line races nobody
        else:
            level = "high" if in_handler else "medium"
        yield Finding(
            chk.node.lineno, chk.node.col_offset, ASA005.code,
            ASA005.format(check=KIND_TEXT[chk.kind], write=quote(write.name), line=write.node.lineno,
                          fix=FIX_TEXT[chk.kind]),
            level,
        )
