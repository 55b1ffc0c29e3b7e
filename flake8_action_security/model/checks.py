"""Checks before a write (ASA005) and guards that validate a value (ASA002)."""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set

from ..config import Config
from ..syntax import dotted, is_none, last_name, value_key
from .facts import Check, DbCall

if TYPE_CHECKING:
    from .traversal import Scope

COUNT_CALLS = frozenset({"count", "acount", "len"})
ABSENCE_CALLS = frozenset({"exists", "aexists", "first", "afirst", "one_or_none", "scalar_one_or_none",
                           "scalar", "get", "aget"})
MEMORY_CALLS = frozenset({"obj_attr_is_set"})
IDENTITY_ATTRS = frozenset({"id", "pk", "uuid"})


def if_check(stmt: ast.If, scope: "Scope", test_calls: List[DbCall], config: Config) -> Optional[Check]:
    """The check an ``if`` test makes, if it tests a record before a write."""
    kind, state_field, for_update = _classify(stmt.test, scope, test_calls)
    if kind is None:
        return None
    models = {c.model for c in test_calls if c.model}
    for node in ast.walk(stmt.test):  # a test is a small expression
        if isinstance(node, ast.Name) and node.id in scope.read_names:
            model = scope.read_names[node.id].model
            if model:
                models.add(model)
    return Check(stmt, kind, scope.function, scope.lock_depth > 0, for_update, state_field,
                 len(scope.function.writes), models=frozenset(models))


def eafp_check(stmt: ast.stmt, scope: "Scope", lookups: List[DbCall]) -> Check:
    """``try: <raising lookup> except <not found>: <insert>`` (the handler follows the check)."""
    for_update = any(c.locking for c in lookups)
    return Check(stmt, "absence", scope.function, scope.lock_depth > 0, for_update, None,
                 len(scope.function.writes), models=frozenset(c.model for c in lookups if c.model))


def _classify(test: ast.expr, scope: "Scope", test_calls: List[DbCall]):  # type: ignore[no-untyped-def]
    by_node: Dict[int, DbCall] = {id(c.node): c for c in test_calls}
    for_update = any(c.locking for c in test_calls)
    kind: Optional[str] = None
    state_field: Optional[str] = None
    atoms: List[ast.expr] = [test]
    while atoms:
        atom = atoms.pop()
        if isinstance(atom, ast.UnaryOp) and isinstance(atom.op, ast.Not):
            atoms.append(atom.operand)
        elif isinstance(atom, ast.BoolOp):
            atoms.extend(atom.values)
        elif isinstance(atom, ast.Await):
            atoms.append(atom.value)
        elif isinstance(atom, ast.Compare):
            operands = [atom.left, *atom.comparators]
            for index, op in enumerate(atom.ops):
                left, right = operands[index], operands[index + 1]
                if isinstance(op, (ast.In, ast.NotIn)):
                    if isinstance(right, ast.Name) and right.id == "self":
                        kind = kind or "memory"  # 'id' in self
                    elif _is_read(right, scope, by_node):
                        kind = kind or "absence"
                    elif isinstance(left, ast.Attribute) and _is_read(left.value, scope, by_node):
                        kind, state_field = kind or "state", state_field or left.attr
                elif isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
                    for side, other in ((left, right), (right, left)):
                        found = _none_test(side, other, scope, by_node)
                        if found is not None:
                            kind = kind or found[0]
                            state_field = state_field or found[1]
                if _counts(left, scope, by_node) or _counts(right, scope, by_node):
                    kind = kind or "absence"
                for side in (left, right):
                    root = side.value if isinstance(side, ast.Attribute) else side
                    if isinstance(root, ast.Name) and root.id in scope.read_names:
                        for_update = for_update or scope.read_names[root.id].locking
            atoms.extend(o for o in operands if isinstance(o, (ast.Call, ast.Await)))
        elif isinstance(atom, ast.Name):
            read = scope.read_names.get(atom.id)
            if read is not None:
                kind = kind or "absence"
                for_update = for_update or read.locking
        elif isinstance(atom, ast.Call):
            name = last_name(atom.func)
            if name in MEMORY_CALLS:
                kind = kind or "memory"
            elif name in ABSENCE_CALLS or name in COUNT_CALLS:
                call = by_node.get(id(atom))
                if call is not None and call.kind == "read":
                    kind = kind or "absence"
                elif name == "len" and atom.args and _is_read(atom.args[0], scope, by_node):
                    kind = kind or "absence"
    return kind, state_field, for_update


def _is_read(expr: ast.expr, scope: "Scope", by_node: Dict[int, DbCall]) -> bool:
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return expr.id in scope.read_names
    return isinstance(expr, ast.Call) and id(expr) in by_node and by_node[id(expr)].kind == "read"


def _counts(expr: ast.expr, scope: "Scope", by_node: Dict[int, DbCall]) -> bool:
    """``count()`` of a DB read or ``len(rows)`` compared with something."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if not isinstance(expr, ast.Call):
        return False
    name = last_name(expr.func)
    if name == "len":
        return bool(expr.args) and _is_read(expr.args[0], scope, by_node)
    return name in COUNT_CALLS and id(expr) in by_node


def _none_test(side: ast.expr, other: ast.expr, scope: "Scope", by_node: Dict[int, DbCall]):  # type: ignore
    """('absence'|'state'|'memory', field) for ``<side> is None`` / ``<record>.status != x``."""
    if isinstance(side, ast.Await):
        side = side.value
    if is_none(other):
        if _is_read(side, scope, by_node):
            return ("absence", None)
        if isinstance(side, ast.Attribute):
            owner = dotted(side.value) or ""
            if side.attr in IDENTITY_ATTRS and (owner == "self" or owner.startswith("self.")
                                                or (isinstance(side.value, ast.Name)
                                                    and side.value.id not in scope.read_names)):
                return ("memory", None)  # self.instance.pk is None: an unsaved object
            if _is_read(side.value, scope, by_node):
                return ("state", side.attr)
        return None
    if isinstance(side, ast.Attribute) and _is_read(side.value, scope, by_node) \
            and side.attr not in IDENTITY_ATTRS:
        return ("state", side.attr)
    return None


def guarded_keys(test: ast.expr, negated: bool = True) -> Set[str]:
    """Values a failing test rejects: ``if not isinstance(x, int): raise``, ``if x not in CHOICES: raise``,
    ``assert isinstance(x, int)``."""
    keys: Set[str] = set()
    atoms = [test]
    while atoms:
        atom = atoms.pop()
        if isinstance(atom, ast.UnaryOp) and isinstance(atom.op, ast.Not):
            atoms.append(atom.operand)
        elif isinstance(atom, ast.BoolOp):
            atoms.extend(atom.values)
        elif isinstance(atom, ast.Call) and last_name(atom.func) in ("isinstance", "match", "fullmatch") \
                and atom.args:
            target = atom.args[0] if last_name(atom.func) == "isinstance" else atom.args[-1]
            key = value_key(target)
            if key is not None:
                keys.add(key)
        elif isinstance(atom, ast.Compare) and len(atom.ops) == 1 and \
                isinstance(atom.ops[0], (ast.In, ast.NotIn, ast.Lt, ast.Gt, ast.LtE, ast.GtE)):
            key = value_key(atom.left)
            if key is not None:
                keys.add(key)
    return keys
