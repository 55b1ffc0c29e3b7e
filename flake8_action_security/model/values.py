"""What a value carries: its origin (request, caller, trusted) and its taint (traceback, exception).

SPEC section 1: request-controlled, caller-supplied and trusted are properties
of values; a local, a subscript, an element or a call result built from one
inherits it, except through a validator. A value read from the database
carries nothing, whatever key fetched it.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, List, Optional, Set, Tuple

from ..config import Config
from ..frameworks import web
from ..syntax import dotted, last_name, root_name, value_key
from .facts import EXCEPTION, ORIGIN_RANK, PARAM, REQUEST, TRACEBACK, TRUSTED, Function, Value

TRACEBACK_CALLS = frozenset({"format_exc", "format_exception", "format_tb", "extract_tb", "print_exc"})
# Helpers that turn an exception into text: exception_to_dict, error_msg_from_exception, get_error_message ...
EXCEPTION_DETAIL_CALL = re.compile(
    r"(?i)^(exception_to_dict|format_exception.*|.*(msg|message|text|detail|to_dict).*)$")
STRINGIFY_CALLS = frozenset({"str", "repr", "text_type", "six.text_type", "force_str", "force_text"})
EXCEPTION_PARAMS = frozenset({"exc", "exc_val", "exc_value", "exception", "error", "err"})
# Conversions that validate a value's type (and keep an identifier an identifier).
CONVERSIONS = frozenset({"int", "float", "UUID", "Decimal", "bool", "uuid.UUID"})
ID_KEEPING = frozenset({"int", "str", "UUID", "uuid.UUID", "strip", "lower"})
# Results that are validated whatever went in.
VALIDATED_ATTRS = frozenset({"cleaned_data", "validated_data"})
NOT_INHERITING_CALLS = frozenset({"len", "isinstance", "bool", "hasattr", "getattr", "type", "id", "hash",
                                  "load", "loads_validated", "is_valid", "exists", "count",
                                  # a form's or serializer's save() returns the saved record
                                  "save", "full_clean"})
SOURCE_ROOTS = frozenset({"request", "req", "self", "g", "current_user", "flask"})
Origin = Optional[Tuple[str, str]]  # (REQUEST | PARAM | TRUSTED, text) or None
CLEAN = ""  # a local name last bound to a value that carries no taint


class ValueScope:
    """The per-function state values are read against."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.param_origin: Dict[str, str] = {}
        self.origins: Dict[str, Origin] = {}  # locals: origin of their last binding
        self.id_origins: Dict[str, Origin] = {}  # locals: origin ignoring validation
        self.tainted: Dict[str, str] = {}
        self.validated: Set[str] = set()
        self.exception_names: Set[str] = set(p for p in function.params if p in EXCEPTION_PARAMS)
        self.db_exception_names: Set[str] = set()
        self.db_error_locals: Set[str] = set()  # locals holding the text of a caught DB error
        self.db_values: Set[int] = set()  # id() of call nodes that read the DB
        self.in_view_class = False


class ValueReader:
    def __init__(self, config: Config, imports: Dict[str, str]) -> None:
        self.config = config
        self.imports = imports

    # ---- origin ----

    def origin(self, scope: ValueScope, expr: ast.expr, for_id: bool = False) -> Origin:
        """The strongest origin among what ``expr`` is built from, with the text of that part."""
        best: Origin = None
        stack: List[ast.expr] = [expr]
        budget = 200  # values are small; a pathological expression is not worth more
        while stack and budget:
            budget -= 1
            node = stack.pop()
            found = self._direct_origin(scope, node, for_id)
            if found is not None:
                if found[0] == "":
                    continue  # validated or from the DB: nothing flows from this part
                if best is None or ORIGIN_RANK[found[0]] > ORIGIN_RANK[best[0]]:
                    best = found
                if best[0] == REQUEST:
                    return best
                continue
            stack.extend(self._parts(scope, node, for_id))
        return best

    def _direct_origin(self, scope: ValueScope, node: ast.expr, for_id: bool) -> Origin:
        """An origin decided by ``node`` itself; ("", "") for "carries nothing"; None to look inside."""
        if not for_id and scope.validated:
            key = value_key(node)
            if key is not None and key in scope.validated:
                return ("", "")
        if isinstance(node, ast.Constant):
            return ("", "")
        if isinstance(node, ast.Name):
            name = node.id
            local = (scope.id_origins if for_id else scope.origins).get(name, ...)
            if local is not ...:
                return ("", "") if local is None else local
            origin = scope.param_origin.get(name)
            if origin is not None:
                return (origin, name)
            if name in ("current_user",):
                return (TRUSTED, name)
            return ("", "")
        if isinstance(node, ast.Call) and id(node) in scope.db_values:
            return ("", "")
        if not isinstance(node, (ast.Attribute, ast.Call)):
            return None
        if isinstance(node, ast.Attribute) and (node.attr in VALIDATED_ATTRS and not for_id
                                                or _is_constant(node)):
            return ("", "")  # validated data, or a constant (self.STANDALONE, Order.PAID)
        root = root_name(node)
        if root is None or not (root in SOURCE_ROOTS or self.config.context_names(root)):
            return None  # only request, self, g and context objects hold request or trusted data
        if web.is_trusted(node, self.config):
            return (TRUSTED, dotted(node) or "request.user")
        if web.is_request_data(node, scope.in_view_class):
            return (REQUEST, dotted(node) or _short(node))
        return None

    def _parts(self, scope: ValueScope, node: ast.expr, for_id: bool) -> List[ast.expr]:
        """The sub-expressions whose origin ``node`` inherits."""
        if isinstance(node, ast.Subscript):
            if isinstance(node.value, ast.Name) or isinstance(node.value, (ast.Attribute, ast.Subscript, ast.Call)):
                return [node.value]
            return []
        if isinstance(node, ast.Attribute):
            return [node.value]
        if isinstance(node, ast.Call):
            name = last_name(node.func)
            text = dotted(node.func)
            if name is None:
                return []
            if for_id:
                if name in ID_KEEPING or text in ID_KEEPING:
                    return list(node.args[:1]) + ([node.func.value] if isinstance(node.func, ast.Attribute) else [])
                if name == "get" and isinstance(node.func, ast.Attribute):
                    return [node.func.value]
                return []
            if name in CONVERSIONS or text in CONVERSIONS or name in NOT_INHERITING_CALLS:
                return []
            if self.config.validators(name):
                return []
            parts: List[ast.expr] = list(node.args) + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                parts.append(node.func.value)
            return parts
        if isinstance(node, (ast.BinOp,)):
            return [node.left, node.right]
        if isinstance(node, ast.JoinedStr):
            return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        if isinstance(node, ast.IfExp):
            return [node.body, node.orelse]
        if isinstance(node, ast.BoolOp):
            return list(node.values)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        if isinstance(node, ast.Await):
            return [node.value]
        if isinstance(node, ast.Starred):
            return [node.value]
        return []

    def id_origin_of_key(self, scope: ValueScope, node: ast.expr) -> Origin:
        """``p['share_id']`` / ``p.get('share_id')`` / ``self.kwargs['pk']``: an identifier by its key."""
        base: Optional[ast.expr] = None
        key: Optional[str] = None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and isinstance(node.slice.value, str):
            base, key = node.value, node.slice.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            base, key = node.func.value, node.args[0].value
        if base is None or key is None or not self.config.id_params(key):
            return None
        found = self.origin(scope, base, for_id=True)
        if found is None or found[0] == TRUSTED:
            return None
        return (found[0], _short(node))

    # ---- taint ----

    def taint(self, scope: ValueScope, expr: ast.expr) -> Tuple[Optional[str], bool]:
        """(TRACEBACK | EXCEPTION | None, whether the exception is a caught DB error)."""
        found: Optional[str] = None
        db_error = False
        stack = [expr]
        budget = 200
        while stack and budget:
            budget -= 1
            node = stack.pop()
            if isinstance(node, ast.Name):
                kind = scope.tainted.get(node.id)
                if kind is None and self.config.traceback_names(node.id) and node.id not in self.imports:
                    kind = TRACEBACK  # a parameter or global named like traceback text
                elif kind == CLEAN:
                    kind = None
                if kind == TRACEBACK:
                    return TRACEBACK, db_error
                found = found or kind
                db_error = db_error or (kind is not None and node.id in scope.db_error_locals)
            elif isinstance(node, ast.Attribute):
                if node.attr == "__traceback__":
                    return TRACEBACK, db_error
                # an application's own exception's .message is written for users; a driver's is not
                if self._is_exception(scope, node.value) and (
                        node.attr in ("args", "orig", "statement") or (
                        node.attr in ("message", "msg", "detail") and self._is_db_exception(scope, node.value))):
                    found = found or EXCEPTION
                    db_error = db_error or self._is_db_exception(scope, node.value)
                else:
                    stack.append(node.value)
            elif isinstance(node, ast.Subscript):
                stack.append(node.value)
            elif isinstance(node, ast.Call):
                name = last_name(node.func)
                if name in TRACEBACK_CALLS:
                    return TRACEBACK, db_error
                if name == "exc_info" and isinstance(node.func, ast.Attribute) and dotted(node.func.value) == "sys":
                    return TRACEBACK, db_error
                if name is None:
                    continue
                arguments = list(node.args) + [k.value for k in node.keywords]
                if EXCEPTION_DETAIL_CALL.match(name) or name in STRINGIFY_CALLS or name == "format":
                    for argument in arguments:
                        if self._is_exception(scope, argument):
                            found = found or EXCEPTION
                            db_error = db_error or self._is_db_exception(scope, argument)
                    stack.extend(arguments)
                    if name == "format" and isinstance(node.func, ast.Attribute):
                        stack.append(node.func.value)
                elif name == "join":
                    stack.extend(arguments)
            elif isinstance(node, ast.JoinedStr):
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        if self._is_exception(scope, part.value):
                            found = found or EXCEPTION
                            db_error = db_error or self._is_db_exception(scope, part.value)
                        else:
                            stack.append(part.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
                for side in (node.left, node.right):
                    items = side.elts if isinstance(side, ast.Tuple) else [side]
                    for item in items:
                        if self._is_exception(scope, item):
                            found = found or EXCEPTION
                            db_error = db_error or self._is_db_exception(scope, item)
                        else:
                            stack.append(item)
            elif isinstance(node, ast.IfExp):
                stack.append(node.body)
                stack.append(node.orelse)
        return found, db_error

    @staticmethod
    def _is_exception(scope: ValueScope, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Name) and expr.id in scope.exception_names

    @staticmethod
    def _is_db_exception(scope: ValueScope, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Name) and expr.id in scope.db_exception_names

    def value(self, scope: ValueScope, expr: ast.expr) -> Value:
        taint, db_error = self.taint(scope, expr)
        if taint is not None:
            return Value(expr, taint, None, None, db_error)
        origin = self.origin(scope, expr)
        if origin is None:
            return Value(expr, None, None, None)
        return Value(expr, None, origin[0], _short(expr))


def _is_constant(node: ast.Attribute) -> bool:
    owner = node.value
    return node.attr.isupper() and len(node.attr) > 1 and isinstance(owner, ast.Name) and (
        owner.id in ("self", "cls") or owner.id[:1].isupper())


def _short(node: ast.expr) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = ["CLEAN", "Origin", "ValueReader", "ValueScope", "PARAM", "REQUEST", "TRUSTED"]
