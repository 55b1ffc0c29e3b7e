"""The facts of one module, computed in one traversal (SPEC section 1).

:func:`build_model` walks the tree flake8 hands over exactly once and returns
a :class:`Module`; rules read its facts and never walk the tree themselves.
"""
from __future__ import annotations

import ast

from ..config import Config
from .calls import classify_name, write_verbs
from .facts import (
    EXCEPTION, ORIGIN_RANK, PARAM, REQUEST, TRACEBACK, TRUSTED, Check, ClassInfo, DbCall, Evidence, Function,
    IdUse, Module, Record, ResponseCall, Store, Value,
)
from .traversal import Builder


def build_model(tree: ast.AST, config: Config, filename: str = "") -> Module:
    """Compute the facts of one module in one traversal (the file name says whether it is
    one-off code: a command, a script, an example loader, a migration)."""
    return Builder(config, filename).build(tree)


__all__ = [
    "EXCEPTION", "ORIGIN_RANK", "PARAM", "REQUEST", "TRACEBACK", "TRUSTED",
    "Check", "ClassInfo", "DbCall", "Evidence", "Function", "IdUse", "Module", "Record", "ResponseCall",
    "Store", "Value", "build_model", "classify_name", "write_verbs",
]
