"""Confidence levels shared by every rule (SPEC section 0)."""
from __future__ import annotations

from typing import Dict, Optional

from ..frameworks import web
from ..model import PARAM, REQUEST, Function, Module


def handler_of(function: Function) -> Optional[Function]:
    """The request handler a function's code runs in: itself, the def around a lambda, or a handler
    method of the same class that reaches it through self.m() calls."""
    node: Optional[Function] = function
    while node is not None and node.name == "<lambda>":
        node = node.parent
    if node is None:
        return None
    if node.handler:
        return node
    cls = node.cls
    if cls is None:
        return None
    if cls.reached_from is None:
        cls.reached_from = _reached_from_handlers(cls.methods)
    return cls.reached_from.get(node.name)


def _reached_from_handlers(methods: Dict[str, Function]) -> Dict[str, Function]:
    """Method name -> one handler method of the class that reaches it (breadth first, cycle-safe)."""
    reached: Dict[str, Function] = {}
    queue = [(m, m) for m in methods.values() if m.handler]
    while queue:
        method, handler = queue.pop(0)
        for name in sorted(method.self_calls):
            callee = methods.get(name)
            if callee is not None and not callee.handler and name not in reached:
                reached[name] = handler
                queue.append((callee, handler))
    return reached


def value_level(function: Function, origin: Optional[str], module: Module) -> str:
    """The level of a finding whose weak spot gets a value of this origin in this function."""
    if origin == REQUEST:
        return "high" if handler_of(function) is not None else "medium"
    if origin == PARAM and handler_of(function) is not None:
        return "medium"
    return "low"


def authenticated(function: Function) -> bool:
    """The code serves signed-in users: an authentication or permission decorator (also on the class's
    dispatch), an authenticating mixin, permission or authentication classes, Flask's
    ``decorators = [login_required]``, a FastAPI user dependency, or an OpenStack controller."""
    node: Optional[Function] = function
    while node is not None and node.name != "<module>":
        if node.authn_decorated or node.authz_decorator:
            return True
        cls = node.cls
        if cls is not None:
            if web.class_authenticates(cls.bases, cls.assigned):
                return True
            dispatch = cls.methods.get("dispatch")
            if dispatch is not None and dispatch.authn_decorated:
                return True
        node = node.parent
    return False


def handler_phrase(function: Function) -> str:
    handler = handler_of(function)
    if handler is None:
        return ""
    if handler is function or function.name == "<lambda>":
        return f" in request handler '{handler.qualname}'"
    return f" reached from request handler '{handler.qualname}'"
