"""ASA001: a record fetched by a caller-supplied id with no authorization (CWE-639)."""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

from ..config import Config
from ..frameworks import web
from ..frameworks.django import GUARD_METHODS
from ..messages import ASA001, quote
from ..model import REQUEST, ClassInfo, DbCall, Evidence, Function, Module
from . import Finding
from .confidence import authenticated, handler_of, handler_phrase, value_level


def check(module: Module, config: Config) -> Iterator[Finding]:
    object_checks = _object_checks_by_model(module)
    classes = {c.name: c for c in module.classes}
    for call in module.db_calls:
        if call.kind != "read" or not call.ids or call.owner_scoped:
            continue
        function = call.function
        if function.is_private:
            continue
        verdict, sibling = _protection(call, object_checks, classes)
        if verdict:
            continue
        ident = next((i for i in call.ids if i.origin == REQUEST), call.ids[0])
        level = value_level(function, ident.origin, module)
        origin = "request-controlled" if ident.origin == REQUEST else "caller-supplied"
        where = handler_phrase(function)
        why = ""
        if sibling is not None:
            why = f" beyond a model-level one ({sibling} checks the {call.model} object)"
        elif level != "low" and _in_view(function) and not authenticated(function):
            # IDOR is one signed-in user reaching another's record; a view with no authentication
            # in sight most often serves public records (a catalogue product by pk).
            level = "low"
            why = " (no authentication in sight, perhaps a public view: low)"
        elif level == "low":
            why = " (no request handler in this file reaches it: low)"
        line, col = call.position
        yield Finding(line, col, ASA001.code,
                      ASA001.format(call=quote(call.name), origin=origin, ident=quote(ident.text), where=where,
                                    why=why),
                      level)


def _in_view(function: Function) -> bool:
    handler = handler_of(function)
    return handler is not None and handler.handler_is_view


def _chain(function: Function) -> List[Function]:
    """The function and the functions around it (a nested def runs under its parent's checks)."""
    chain: List[Function] = []
    node: Optional[Function] = function
    while node is not None and node.name != "<module>":
        chain.append(node)
        node = node.parent
    return chain


def _checked_by_method(call: DbCall, function: Function, classes: Dict[str, ClassInfo]) -> bool:
    """``obj = M.objects.get(pk=pk); return self.resolve(request, obj)`` where ``resolve`` (of the
    class or a base class in this file) makes a permission check on that parameter."""
    if call.bound_to is None or function.cls is None:
        return False
    for method_name, args in function.self_call_args:
        if call.bound_to not in args:
            continue
        method = _method(function.cls, method_name, classes)
        if method is None:
            continue
        index = args.index(call.bound_to) + 1  # after self
        if index < len(method.params):
            param = method.params[index]
            if any(param in e.params for e in method.authz):
                return True
    return False


def _method(cls: ClassInfo, name: str, classes: Dict[str, ClassInfo]) -> Optional[Function]:
    pending, seen = [cls], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if name in current.methods:
            return current.methods[name]
        pending.extend(classes[b] for b in current.bases if b in classes)
    return None


def _protection(call: DbCall, object_checks: Dict[str, str],
                classes: Dict[str, ClassInfo]) -> Tuple[bool, Optional[str]]:
    """(protected, the sibling object check that makes a model-level check not enough)."""
    model_level = False
    if _checked_by_method(call, call.function, classes):
        return True, None
    for function in _chain(call.function):
        if function.authz_decorator:
            model_level = True
        for evidence in function.authz:
            if not evidence.object_check:
                model_level = True
            elif _checks_this_record(evidence, call):
                return True, None
        cls = function.cls
        if cls is not None:
            if web.class_permission(cls.bases, cls.assigned):
                model_level = True
            for name in GUARD_METHODS:
                guard = cls.methods.get(name)
                if guard is not None and guard is not function and (guard.authz or guard.authz_decorator):
                    if any(e.object_check for e in guard.authz):
                        return True, None
                    model_level = True
    if not model_level:
        return False, None
    sibling = object_checks.get(call.model or "")
    return (False, sibling) if sibling is not None else (True, None)


def _checks_this_record(evidence: Evidence, call: DbCall) -> bool:
    if not evidence.objects:
        return True  # has_object_permission(...) and the like: an object check of what the view serves
    if call.bound_to is not None and call.bound_to in evidence.objects:
        return True
    if any(i.text in evidence.objects for i in call.ids):
        return True
    return call.model is not None and evidence.object_model == call.model and call.bound_to is None


def _object_checks_by_model(module: Module) -> Dict[str, str]:
    """Model class -> the first function that makes an object check on one of its records."""
    found: Dict[str, str] = {}
    for function in module.functions:
        for evidence in function.authz:
            if evidence.object_check and evidence.object_model and evidence.object_model not in found:
                found[evidence.object_model] = function.qualname
    return found
