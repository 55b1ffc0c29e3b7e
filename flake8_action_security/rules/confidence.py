"""Confidence levels shared by every rule (SPEC section 0)."""
from __future__ import annotations

from typing import Optional

from ..model import PARAM, REQUEST, Function, Module


def handler_of(function: Function) -> Optional[Function]:
    """The request handler a function's code runs in: itself, or the def around a lambda."""
    node: Optional[Function] = function
    while node is not None and node.name == "<lambda>":
        node = node.parent
    return node if node is not None and node.handler else None


def value_level(function: Function, origin: Optional[str], module: Module) -> str:
    """The level of a finding whose weak spot gets a value of this origin in this function."""
    if origin == REQUEST:
        return "high" if handler_of(function) is not None else "medium"
    if origin == PARAM:
        if handler_of(function) is not None:
            return "medium"
        if not module.has_handlers and module.web_framework:
            return "medium"
    return "low"


def handler_phrase(function: Function) -> str:
    handler = handler_of(function)
    return f" in request handler '{handler.qualname}'" if handler is not None else ""
