"""Small pure helpers over ``ast`` nodes, shared by the model and the frameworks."""
from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple


def last_name(func: ast.expr) -> Optional[str]:
    """``b`` for ``a.b`` and for ``b``; None for anything else."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def decorator_names(decorator: ast.expr) -> List[str]:
    """Last names a decorator stands for: ``@a.b('x')`` -> ``['b']``.

    ``method_decorator(permission_required(...))`` stands for both
    ``method_decorator`` and what it wraps.
    """
    names: List[str] = []
    node = decorator
    for _ in range(8):  # method_decorator(login_required(...)) nests a few levels at most
        call = node if isinstance(node, ast.Call) else None
        name = last_name(call.func if call is not None else node)
        if name is None:
            break
        names.append(name)
        if call is None or name != "method_decorator" or not call.args:
            break
        node = call.args[0]
    return names


def dotted(node: ast.expr) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def root_name(node: ast.expr) -> Optional[str]:
    """The name at the root of an attribute/subscript/call chain: ``a`` of ``a.b[1].c()``."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Await):
            node = node.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


def render(node: ast.expr) -> str:
    """Short source text for a message."""
    text = dotted(node)
    if text is not None:
        return text
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return type(node).__name__


def value_key(expr: ast.expr) -> Optional[str]:
    """The key under which a value counts as validated: its dotted text with constant subscripts.

    Iterative: a subscript chain may be nested as deep as the parser allows.
    """
    suffix: List[str] = []
    node = expr
    while isinstance(node, ast.Subscript):
        if not isinstance(node.slice, ast.Constant):
            return None
        suffix.append(f"[{node.slice.value!r}]")
        node = node.value
    base = dotted(node)
    if base is None:
        return None
    return base + "".join(reversed(suffix))


def is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def constant_str(expr: Optional[ast.expr]) -> Optional[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


# Fields that never hold a node worth visiting: contexts, operators, annotations,
# and the plain strings and numbers of names, attributes and flags.
_SKIP_FIELDS = frozenset({
    "ctx", "op", "ops", "type_comment", "annotation", "returns", "kind", "attr", "id", "arg",
    "conversion", "is_async", "level", "module", "names", "kwd_attrs", "name", "asname", "type_params",
})
FIELDS_CACHE: Dict[type, Tuple[str, ...]] = {}


def child_fields(cls: type) -> Tuple[str, ...]:
    """The fields of a node class that can hold child nodes (cached per class)."""
    fields = FIELDS_CACHE.get(cls)
    if fields is None:
        fields = tuple(f for f in getattr(cls, "_fields", ()) if f not in _SKIP_FIELDS)
        FIELDS_CACHE[cls] = fields
    return fields
