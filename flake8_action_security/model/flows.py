"""Records and where they flow: which dict, keyword set or store reaches which DB write.

Settled once per module after the walk, from call-site summaries: a record
bound to a name reaches a write that later uses the name; a same-module
helper whose result reaches a write passes that on to the records it
returns. Each callee name is resolved once, so many classes defining a
same-named helper cost one pass, not call sites x functions.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from ..syntax import last_name
from .facts import DbCall, Function, ResponseCall

if TYPE_CHECKING:
    from .traversal import Builder, Scope

Position = Tuple[int, int]
RECEIVER_SELF = frozenset({"self", "cls"})
SQL_WRITE_KEYWORDS = frozenset("insert update delete replace merge upsert create drop alter truncate".split())
SQL_READ_KEYWORDS = frozenset({"select", "show", "explain", "describe", "values"})


@dataclass(eq=False)
class CallSite:
    """A call of a same-module function whose result may reach a write."""

    callee: str
    scope: "Scope"
    bound_to: Optional[str]
    position: Position
    direct_write: Optional[DbCall]


def helper_name(call: ast.Call) -> Optional[str]:
    """The callee's name when the call may be to a function of this module."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        base = func.value.id
        if base in RECEIVER_SELF or base[:1].isupper():
            return func.attr
    return None


def resolve(builder: "Builder") -> None:
    by_name: Dict[str, List[Function]] = {}
    for function in builder.functions:
        by_name.setdefault(function.name, []).append(function)
    scope_of = {id(s.function): s for s in builder.scopes}

    def reach_of(scope: "Scope", name: str, after: Position) -> Optional[DbCall]:
        use = scope.last_write_use.get(name)
        if use is not None and use[0] > after:
            return use[1]
        return None

    # Functions whose result reaches a write, found from their call sites: one write per callee name.
    result_reaches: Dict[int, DbCall] = {}
    names_done: Set[str] = set()
    worklist: List[Tuple[str, DbCall]] = []
    for site in builder.call_sites:
        if site.callee in names_done or site.callee not in by_name:
            continue
        write = site.direct_write
        if write is None and site.bound_to is not None:
            write = reach_of(site.scope, site.bound_to, site.position)
        if write is None:
            continue
        names_done.add(site.callee)
        worklist.append((site.callee, write))
    while worklist:
        name, write = worklist.pop()
        for callee in by_name.get(name, ()):
            if id(callee) in result_reaches:
                continue
            result_reaches[id(callee)] = write
            for inner in scope_of[id(callee)].returned_calls:
                if inner not in names_done and inner in by_name:
                    names_done.add(inner)
                    worklist.append((inner, write))

    for scope in builder.scopes:
        returned_write = result_reaches.get(id(scope.function))
        for name, bindings in scope.bound_records.items():
            for position, record in bindings:
                if record.reaches is None:
                    record.reaches = reach_of(scope, name, position)
                if record.reaches is None and returned_write is not None and name in scope.returned_names:
                    record.reaches = returned_write
        if returned_write is not None:
            for record in scope.returned_records:
                if record.reaches is None:
                    record.reaches = returned_write
    _responses_through_locals(builder)
    for store in builder.stores:
        if store.reaches is not None or isinstance(store.node, (ast.Attribute, ast.Call)):
            continue
        scope = scope_of[id(store.function)]
        store.reaches = reach_of(scope, store.name, (store.node.lineno, store.node.col_offset))
        if store.reaches is None and store.name in scope.returned_names:
            store.reaches = result_reaches.get(id(store.function))


def _responses_through_locals(builder: "Builder") -> None:
    """``data['detail'] = str(exc)`` then ``Response(data=data)``: the stored value is sent."""
    if not builder.response_names:
        return
    sent: Dict[Tuple[int, str], List[Tuple[Position, ast.Call, str]]] = {}
    for scope, name, position, call, callee in builder.response_names:
        sent.setdefault((id(scope.function), name), []).append((position, call, callee))
    for store in builder.stores:
        if store.value.taint is None or not isinstance(store.node, ast.Subscript):
            continue
        for position, call, callee in sent.get((id(store.function), store.name), ()):
            if (store.node.lineno, store.node.col_offset) < position:
                builder.responses.append(ResponseCall(call, callee, (store.value,), store.function))
                break
    for scope, name, position, call, callee in builder.response_names:
        # body = {'detail': str(exc)}; JsonResponse(body)
        for bound_at, record in scope.bound_records.get(name, ()):
            tainted = tuple(v for v in record.values if v.taint is not None)
            if tainted and bound_at < position and record.reaches is None:
                builder.responses.append(ResponseCall(call, callee, tainted, scope.function))


@dataclass(frozen=True)
class Statement:
    """What an ``execute`` argument does: its kind, verb, and the methods of its construct."""

    kind: str  # "read", "write" or "unknown"
    verb: str
    methods: Tuple[str, ...] = ()


def _sql_statement(text: str) -> Statement:
    match = re.match(r"[\s(]*([A-Za-z]+)", text)
    verb = match.group(1).lower() if match else ""
    kind = "write" if verb in SQL_WRITE_KEYWORDS else "read" if verb in SQL_READ_KEYWORDS else "unknown"
    return Statement(kind, verb)


def statement(expr: ast.expr, scope: Any) -> Optional[Statement]:
    """SQL text or a SQLAlchemy statement construct, as passed to ``execute``."""
    if isinstance(expr, ast.Constant):
        return _sql_statement(expr.value) if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        head = expr.values[0] if expr.values else None
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return _sql_statement(head.value)
        return None
    if isinstance(expr, ast.Name):
        if scope is None:
            return None
        bound = scope.statements.get(expr.id)  # the expression the name was last bound to
        return statement(bound, None) if bound is not None else None
    methods: List[str] = []
    node: ast.expr = expr
    for _ in range(1000):
        if not isinstance(node, ast.Call):
            break
        name = last_name(node.func)
        if name == "text" and node.args:
            head = node.args[0]
            return _sql_statement(head.value) if isinstance(head, ast.Constant) and isinstance(head.value, str) \
                else None
        if name is not None:
            methods.append(name)
        func = node.func
        node = func.value if isinstance(func, ast.Attribute) else func
    if isinstance(node, ast.Attribute):
        methods.append(node.attr)  # table.insert without a call, rare but seen
    for name in reversed(methods):  # the construct is the innermost call: insert(t).values(...)
        if name in ("insert", "update", "delete"):
            return Statement("write", name, tuple(reversed(methods)))
        if name == "select":
            return Statement("read", name, tuple(reversed(methods)))
    return None
