"""ASA001: a record fetched by a caller-supplied id with no authorization (CWE-639)."""
from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..messages import ASA001, quote
from ..model import Module
from . import Finding


def check(module: Module, config: Config) -> Iterator[Finding]:
    for call in module.db_calls:
        if call.kind != "read" or not call.id_args or call.owner_scoped:
            continue
        function = call.function
        if function.is_private or function.authz_evidence:
            continue
        line, col = call.position
        yield Finding(
            line, col, ASA001.code,
            ASA001.format(call=quote(call.name), ident=quote(call.id_args[0])),
        )
